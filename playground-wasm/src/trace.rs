//! The trace: what one run of an algorithm records, step by step.
//!
//! Algorithms call [`step!`] right after the statement a step explains; the
//! step records the line just above the macro (the statement that ran), so
//! what the reader steps through is the real source the tests check. The
//! step's content is built only when the recorder wants it: with
//! [`NoTrace`], `wants` is a constant `false` and the optimiser removes the
//! formatting and copying entirely.

/// A named value at one step: a scalar (`shape` empty), a vector, a matrix or
/// a tensor, stored flat in row-major order.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub name: &'static str,
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl Value {
    #[inline(never)]
    pub fn scalar(name: &'static str, x: f64) -> Value {
        Value {
            name,
            shape: Vec::new(),
            data: vec![x],
        }
    }
    #[inline(never)]
    pub fn vector(name: &'static str, data: &[f64]) -> Value {
        Value {
            name,
            shape: vec![data.len()],
            data: data.to_vec(),
        }
    }
    /// `data.len()` must equal the product of `shape` (checked in debug builds).
    #[inline(never)]
    pub fn tensor(name: &'static str, shape: &[usize], data: &[f64]) -> Value {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Value {
            name,
            shape: shape.to_vec(),
            data: data.to_vec(),
        }
    }
}

/// One recorded step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Line of this crate's source file that ran (1-based).
    pub line: u32,
    /// Key of the matching NumPy line (`# @key` in `src/numpy/*.py`).
    pub tag: &'static str,
    pub zh: String,
    pub en: String,
    pub values: Vec<Value>,
    /// What to highlight: a name and a list of index tuples, e.g.
    /// `("input", [[c, y, x], …])`.
    pub highlight: Vec<(&'static str, Vec<Vec<i64>>)>,
}

/// Receives steps. `key` steps (set-up and results) are always wanted by a
/// recording recorder; detail steps (one window, one comparison) may be
/// dropped once the trace is long.
pub trait Recorder {
    fn wants(&mut self, key: bool) -> bool;
    fn record(&mut self, step: Step);
}

/// Records nothing and costs nothing: what tests and benchmarks call.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Recorder for NoTrace {
    #[inline(always)]
    fn wants(&mut self, _key: bool) -> bool {
        false
    }
    #[inline(always)]
    fn record(&mut self, _step: Step) {}
}

/// The most steps a trace holds. Detail steps beyond it are counted in
/// [`Trace::skipped`] instead; key steps (including the final results) are
/// always kept, so a trace never exceeds `MAX_STEPS` + a few key steps.
pub const MAX_STEPS: usize = 2000;

/// The most numbers (over all values of all steps) a trace holds before it
/// stops recording detail steps: keeps the JSON of a large convolution to a
/// few megabytes.
pub const MAX_NUMBERS: usize = 150_000;

/// Records every step (up to [`MAX_STEPS`] detail steps).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub steps: Vec<Step>,
    /// Detail steps not recorded because the trace was full.
    pub skipped: usize,
    /// Numbers recorded so far (all values of all steps).
    pub numbers: usize,
}

impl Recorder for Trace {
    fn wants(&mut self, key: bool) -> bool {
        if key || (self.steps.len() < MAX_STEPS && self.numbers < MAX_NUMBERS) {
            true
        } else {
            self.skipped += 1;
            false
        }
    }
    fn record(&mut self, step: Step) {
        self.numbers += step.values.iter().map(|v| v.data.len()).sum::<usize>();
        self.steps.push(step);
    }
}

/// Records a step describing the statement on the line just above.
///
/// `step!(rec, key, "numpy_tag", zh, en, [values…], {"name" => cells, …})`
/// (or `values: an_expression_giving_a_Vec<Value>` instead of `[values…]`)
/// where `key` is `true` for set-up/result steps, `zh`/`en` are `String`s or
/// `&str`s, and values are [`Value`]s. Nothing is evaluated unless
/// `rec.wants(key)`.
#[macro_export]
macro_rules! step {
    ($rec:expr, $key:expr, $tag:literal, $zh:expr, $en:expr, [$($v:expr),* $(,)?] $(, {$($hk:literal => $hv:expr),* $(,)?})? $(,)?) => {
        $crate::step!($rec, $key, $tag, $zh, $en, values: vec![$($v),*] $(, {$($hk => $hv),*})?)
    };
    ($rec:expr, $key:expr, $tag:literal, $zh:expr, $en:expr, values: $vals:expr $(, {$($hk:literal => $hv:expr),* $(,)?})? $(,)?) => {
        if $crate::trace::Recorder::wants($rec, $key) {
            let step = $crate::trace::Step {
                line: line!() - 1,
                tag: $tag,
                zh: $crate::trace::text($zh),
                en: $crate::trace::text($en),
                values: $vals,
                highlight: vec![$($(($hk, $hv)),*)?],
            };
            $crate::trace::Recorder::record($rec, step);
        }
    };
}

/// `x` rounded to 4 decimals, for sentences (`{:.4}` would pull a second
/// float-formatting algorithm into the WebAssembly bundle).
pub fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// A step's sentence from a literal or a `format!` result; not inlined, so
/// each of the many step sites stays small in the WebAssembly bundle.
#[inline(never)]
pub fn text(s: impl Into<String>) -> String {
    s.into()
}

/// One highlighted index, `[[i]]`.
#[inline(never)]
pub fn one(i: usize) -> Vec<Vec<i64>> {
    vec![vec![i as i64]]
}

/// A bad input, explained in both languages. `field` names the input field
/// (`"x"`, `"boxes[2]"`), empty when the problem is not one field's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        InputError {
            field: field.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

/// Checks shared by every algorithm's validation.
pub mod check {
    use super::InputError;
    use crate::json::Num;

    /// The largest magnitude accepted for any input number: large enough for
    /// every demonstration (logits of 1000), small enough that no product or
    /// sum of the capped sizes overflows.
    pub const MAX_ABS: f64 = 1e6;

    /// Every number finite and within ±[`MAX_ABS`].
    pub fn numbers(field: &str, data: &[f64]) -> Result<(), InputError> {
        match data.iter().position(|x| !x.is_finite()) {
            Some(i) => Err(InputError::new(
                field,
                format!("{field} 的第 {i} 个数不是有限数（NaN 或 ∞）"),
                format!("{field}: element {i} is not a finite number (NaN or ∞)"),
            )),
            None => match data.iter().position(|x| x.abs() > MAX_ABS) {
                Some(i) => Err(InputError::new(
                    field,
                    format!("{field} 的第 {i} 个数超出了 ±{} 的范围", Num(MAX_ABS)),
                    format!("{field}: element {i} is outside ±{}", Num(MAX_ABS)),
                )),
                None => Ok(()),
            },
        }
    }

    /// `data.len() == expected`, explained with the expected shape.
    pub fn len(field: &str, data: &[f64], expected: usize, shape: &str) -> Result<(), InputError> {
        if data.len() == expected {
            Ok(())
        } else {
            Err(InputError::new(
                field,
                format!(
                    "{field} 应有 {expected} 个数（形状 {shape}），实际有 {}",
                    data.len()
                ),
                format!(
                    "{field} must have {expected} numbers (shape {shape}), got {}",
                    data.len()
                ),
            ))
        }
    }

    /// `lo <= n <= hi` for a size or count.
    pub fn range(field: &str, n: usize, lo: usize, hi: usize) -> Result<(), InputError> {
        if (lo..=hi).contains(&n) {
            Ok(())
        } else {
            Err(InputError::new(
                field,
                format!("{field} 应在 {lo} 到 {hi} 之间，实际为 {n}"),
                format!("{field} must be between {lo} and {hi}, got {n}"),
            ))
        }
    }

    /// A finite scalar within `[lo, hi]`.
    pub fn scalar(field: &str, x: f64, lo: f64, hi: f64) -> Result<(), InputError> {
        if x.is_finite() && x >= lo && x <= hi {
            Ok(())
        } else {
            Err(InputError::new(
                field,
                format!(
                    "{field} 应是 {} 到 {} 之间的有限数，实际为 {}",
                    Num(lo),
                    Num(hi),
                    Num(x)
                ),
                format!(
                    "{field} must be a finite number between {} and {}, got {}",
                    Num(lo),
                    Num(hi),
                    Num(x)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emit<R: Recorder>(rec: &mut R) -> u32 {
        let x = 2.0_f64.sqrt();
        step!(rec, true, "t", "中", "en", [Value::scalar("x", x)], {"cell" => vec![vec![1, 2]]});
        line!() - 2
    }

    #[test]
    fn step_records_the_line_above_the_macro() {
        let mut t = Trace::default();
        let expected = emit(&mut t);
        assert_eq!(t.steps.len(), 1);
        assert_eq!(t.steps[0].line, expected);
        assert_eq!(t.steps[0].highlight[0].1, vec![vec![1, 2]]);
        assert_eq!(emit(&mut NoTrace), expected);
    }

    #[test]
    fn detail_steps_stop_at_the_cap_but_key_steps_do_not() {
        let mut t = Trace::default();
        for _ in 0..MAX_STEPS + 10 {
            step!(&mut t, false, "t", "d", "d", []);
        }
        step!(&mut t, true, "t", "k", "k", []);
        assert_eq!(t.steps.len(), MAX_STEPS + 1);
        assert_eq!(t.skipped, 10);
    }
}
