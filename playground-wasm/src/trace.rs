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
    /// The backward pass starts here (`step!(rec, backward)`): the steps from
    /// now on are the backward part of the trace.
    fn backward(&mut self) {}
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
///
/// A trace made with [`Trace::split`] (an algorithm with a backward pass)
/// gives the forward part at most half of the budget and the backward part
/// the rest, so that a long forward pass (a large convolution) can never
/// leave the backward pass without a single detail step.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub steps: Vec<Step>,
    /// Detail steps not recorded because the trace was full.
    pub skipped: usize,
    /// Numbers recorded so far (all values of all steps).
    pub numbers: usize,
    /// Index of the first step of the backward pass, once it started.
    pub backward: Option<usize>,
    /// Whether the forward part is limited to half of the budget.
    split: bool,
}

impl Trace {
    /// A trace whose forward and backward parts share the budget.
    pub fn split() -> Trace {
        Trace {
            split: true,
            ..Trace::default()
        }
    }
}

impl Recorder for Trace {
    fn wants(&mut self, key: bool) -> bool {
        let half = self.split && self.backward.is_none();
        let (steps, numbers) = if half {
            (MAX_STEPS / 2, MAX_NUMBERS / 2)
        } else {
            (MAX_STEPS, MAX_NUMBERS)
        };
        if key || (self.steps.len() < steps && self.numbers < numbers) {
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
    fn backward(&mut self) {
        self.backward.get_or_insert(self.steps.len());
    }
}

/// Records a step describing the statement on the line just above.
///
/// `step!(rec, backward)` marks where the backward pass starts (see
/// [`Trace::split`]).
///
/// `step!(rec, key, "numpy_tag", zh, en, [values…], {"name" => cells, …})`
/// (or `values: an_expression_giving_a_Vec<Value>` instead of `[values…]`)
/// where `key` is `true` for set-up/result steps, `zh`/`en` are `String`s or
/// `&str`s, and values are [`Value`]s. Nothing is evaluated unless
/// `rec.wants(key)`.
#[macro_export]
macro_rules! step {
    ($rec:expr, backward) => {
        $crate::trace::Recorder::backward($rec)
    };
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

/// `x` rounded to `d` decimals (`{:.4}` would pull a second
/// float-formatting algorithm into the WebAssembly bundle).
fn round_to(x: f64, d: i32) -> f64 {
    let p = 10f64.powi(d);
    (x * p).round() / p
}

/// `x` for a sentence: to 4 decimals, with `≈` in front when that rounded it.
pub fn about(x: f64) -> String {
    let r = round_to(x, 4);
    format!("{}{}", if r == x { "" } else { "≈" }, crate::json::Num(r))
}

/// `= x` or `≈ x` for a sentence that compares `x` with `t`: to 4 decimals,
/// or to as many more as it takes to keep the comparison true of the shown
/// number (an IoU of 0.5000375 is not "0.5" beside a threshold of 0.5).
pub fn equals(x: f64, t: f64) -> String {
    let mut d = 4;
    let mut r = round_to(x, d);
    while d < 15 && ((r > t) != (x > t) || (r == t) != (x == t)) {
        d += 1;
        r = round_to(x, d);
    }
    format!("{} {}", if r == x { "=" } else { "≈" }, crate::json::Num(r))
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

    /// A tensor's shape equals the one its use requires (a transposed
    /// tensor has the right count but the wrong shape).
    pub fn shape(field: &str, got: &[usize], expected: &[usize]) -> Result<(), InputError> {
        if got == expected {
            return Ok(());
        }
        let show = |s: &[usize]| {
            let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
            format!("[{}]", dims.join(", "))
        };
        Err(InputError::new(
            field,
            format!(
                "{field} 的形状应是 {}，实际为 {}",
                show(expected),
                show(got)
            ),
            format!(
                "{field} must have shape {}, got {}",
                show(expected),
                show(got)
            ),
        ))
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
    fn sentences_round_only_visibly_and_never_across_a_threshold() {
        assert_eq!(about(0.25), "0.25");
        assert_eq!(about(1.0 / 3.0), "≈0.3333");
        assert_eq!(equals(0.5000375, 0.5), "≈ 0.50004");
        assert_eq!(equals(0.49999, 0.5), "= 0.49999");
        assert_eq!(equals(0.4999999, 0.5), "= 0.4999999");
        assert_eq!(equals(0.499999963, 0.5), "≈ 0.49999996");
        assert_eq!(equals(0.5, 0.5), "= 0.5");
        assert_eq!(equals(0.123456, 0.5), "≈ 0.1235");
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

    #[test]
    fn a_split_trace_keeps_half_of_the_budget_for_the_backward_pass() {
        let mut t = Trace::split();
        for _ in 0..MAX_STEPS {
            step!(&mut t, false, "t", "fwd", "fwd", []);
        }
        step!(&mut t, true, "t", "fwd done", "fwd done", []);
        step!(&mut t, backward);
        for _ in 0..MAX_STEPS {
            step!(&mut t, false, "t", "bwd", "bwd", []);
        }
        let count = |s: &str| t.steps.iter().filter(|x| x.en == s).count();
        assert_eq!(count("fwd"), MAX_STEPS / 2);
        assert_eq!(t.backward, Some(MAX_STEPS / 2 + 1));
        assert_eq!(count("bwd"), MAX_STEPS - MAX_STEPS / 2 - 1);
        assert_eq!(t.skipped, MAX_STEPS / 2 + MAX_STEPS / 2 + 1);
    }
}
