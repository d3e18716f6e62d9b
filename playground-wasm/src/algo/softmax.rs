//! Softmax and cross-entropy for one vector of logits and a target class:
//! the numerically stable form (subtract the max), log-softmax, the loss and
//! its gradient `p − y`, beside the naive form that overflows for large
//! logits.

use crate::trace::{check, InputError, Recorder, Value};

/// Most logits (classes).
pub const MAX_CLASSES: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct SoftmaxInput {
    pub logits: Vec<f64>,
    /// Index of the true class.
    pub target: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SoftmaxResult {
    /// `exp(z) / Σ exp(z)` computed directly: NaN once `exp` overflows.
    pub naive_p: Vec<f64>,
    pub naive_overflows: bool,
    pub max: f64,
    pub log_sum_exp: f64,
    pub p: Vec<f64>,
    pub log_p: Vec<f64>,
    pub loss: f64,
    pub grad: Vec<f64>,
}

impl SoftmaxInput {
    pub fn validate(&self) -> Result<(), InputError> {
        check::range("logits", self.logits.len(), 1, MAX_CLASSES)?;
        check::numbers("logits", &self.logits)?;
        if self.target >= self.logits.len() {
            return Err(InputError::new(
                "target",
                format!("目标类别 target 应在 0 到 {} 之间", self.logits.len() - 1),
                format!(
                    "target must be a class index from 0 to {}",
                    self.logits.len() - 1
                ),
            ));
        }
        Ok(())
    }
}

// ▼ playground source
pub fn softmax_cross_entropy<R: Recorder>(inp: &SoftmaxInput, rec: &mut R) -> SoftmaxResult {
    let z = &inp.logits;
    // The naive form: exp overflows to ∞ beyond z ≈ 709 (∞/∞ = NaN) and
    // underflows to 0 below z ≈ −745 (all zeros: 0/0 = NaN).
    let naive_e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let naive_sum: f64 = naive_e.iter().sum();
    let naive_p: Vec<f64> = naive_e.iter().map(|e| e / naive_sum).collect();
    let naive_overflows = naive_p.iter().any(|q| !q.is_finite());
    let (zh, en) = if naive_sum.is_infinite() {
        (
            "exp 溢出为 ∞，∞/∞ 得到 NaN",
            "exp overflows to ∞, and ∞/∞ is NaN",
        )
    } else if naive_sum == 0.0 {
        (
            "每个 exp 都下溢为 0，0/0 得到 NaN",
            "every exp underflows to 0, and 0/0 is NaN",
        )
    } else if naive_sum < f64::MIN_POSITIVE {
        (
            "exp 小到非规格化数，精度丢失，结果不准",
            "the exps are subnormal: digits are lost and p is inaccurate",
        )
    } else {
        (
            "这组 logits 既不上溢也不下溢",
            "no overflow or underflow for these logits",
        )
    };
    step!(
        rec,
        true,
        "naive",
        format!("朴素写法 exp(z)/Σexp(z)：{zh}"),
        format!("Naive exp(z)/Σexp(z): {en}"),
        [
            Value::vector("z", z),
            Value::vector("exp(z)", &naive_e),
            Value::scalar("Σexp(z)", naive_sum),
            Value::vector("p_naive", &naive_p)
        ]
    );

    // The stable form: softmax(z) = softmax(z − max z), and every exp is ≤ 1.
    let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let shifted: Vec<f64> = z.iter().map(|v| v - m).collect();
    step!(
        rec,
        true,
        "shift",
        "减去最大值：每个 z − max ≤ 0，exp 不会溢出",
        "Subtract the max: every z − max ≤ 0, so exp cannot overflow",
        [Value::scalar("max", m), Value::vector("z − max", &shifted)]
    );
    let e: Vec<f64> = shifted.iter().map(|s| s.exp()).collect();
    let sum: f64 = e.iter().sum();
    step!(
        rec,
        true,
        "exp",
        "取指数并求和（和至少为 1）",
        "Exponentiate and sum (the sum is at least 1)",
        [Value::vector("exp(z − max)", &e), Value::scalar("sum", sum)]
    );
    // log p = (z − max) − ln Σ: the shift stays exact. (z − (max + ln Σ)
    // would round ln Σ away once max is large: at 10⁶ only 10 digits survive.)
    let log_sum_exp = m + sum.ln();
    let log_p: Vec<f64> = shifted.iter().map(|s| s - sum.ln()).collect();
    step!(
        rec,
        true,
        "log_softmax",
        "log-softmax：log p = (z − max) − ln Σ，不经过 log(exp(·))",
        "log-softmax: log p = (z − max) − ln Σ, never taking log of a tiny exp",
        [
            Value::scalar("logsumexp", log_sum_exp),
            Value::vector("log p", &log_p)
        ]
    );
    let p: Vec<f64> = e.iter().map(|x| x / sum).collect();
    step!(
        rec,
        true,
        "p",
        "概率 p = exp(z − max)/Σ",
        "Probabilities p = exp(z − max)/Σ",
        [Value::vector("p", &p)]
    );

    // Cross-entropy with a one-hot target: L = −log p[target].
    let t = inp.target;
    let loss = -log_p[t];
    step!(rec, true, "loss", format!("交叉熵：L = −log p[{t}]"), format!("Cross-entropy: L = −log p[{t}]"),
        [Value::scalar("L", loss)], {"class" => crate::trace::one(t)});

    // Gradient with respect to the logits: ∂L/∂z = p − y (y one-hot).
    step!(rec, backward);
    let mut grad = p.clone();
    grad[t] -= 1.0;
    step!(rec, true, "grad", "梯度 ∂L/∂z = p − y：目标类减 1，其余等于 p", "Gradient ∂L/∂z = p − y: p minus 1 at the target class",
        [Value::vector("p", &p), Value::vector("∂L/∂z", &grad)], {"class" => crate::trace::one(t)});

    SoftmaxResult {
        naive_p,
        naive_overflows,
        max: m,
        log_sum_exp,
        p,
        log_p,
        loss,
        grad,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    fn run(logits: &[f64], target: usize) -> SoftmaxResult {
        let inp = SoftmaxInput {
            logits: logits.to_vec(),
            target,
        };
        inp.validate().unwrap();
        softmax_cross_entropy(&inp, &mut NoTrace)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let z = [2.0, -1.0, 0.5, 3.25];
        let r = run(&z, 2);
        let h = 1e-6;
        for i in 0..z.len() {
            let (mut a, mut b) = (z, z);
            a[i] += h;
            b[i] -= h;
            let fd = (run(&a, 2).loss - run(&b, 2).loss) / (2.0 * h);
            assert!((fd - r.grad[i]).abs() < 1e-8, "{i}: {fd} vs {}", r.grad[i]);
        }
    }

    #[test]
    fn large_logits_overflow_naively_but_not_stably() {
        let r = run(&[1000.0, 999.0, 998.0], 0);
        assert!(r.naive_overflows && r.naive_p.iter().all(|q| q.is_nan()));
        // p = softmax([2, 1, 0]) exactly.
        let e = [1.0f64, (-1.0f64).exp(), (-2.0f64).exp()];
        let s: f64 = e.iter().sum();
        for (q, ei) in r.p.iter().zip(e) {
            assert!((q - ei / s).abs() < 1e-12);
        }
        assert!((r.loss - s.ln()).abs() < 1e-12);
    }

    #[test]
    fn uniform_logits_give_log_n() {
        let r = run(&[0.0; 4], 1);
        assert!((r.loss - 4f64.ln()).abs() < 1e-15);
        assert!(!r.naive_overflows);
        assert_eq!(r.grad, vec![0.25, -0.75, 0.25, 0.25]);
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        let inp = SoftmaxInput {
            logits: vec![1.0, 2.0, 3.0],
            target: 1,
        };
        let mut t = Trace::default();
        let r = softmax_cross_entropy(&inp, &mut t);
        assert_eq!(r, softmax_cross_entropy(&inp, &mut NoTrace));
        assert_eq!(t.steps.last().unwrap().values[1].data, r.grad);
        let bad = SoftmaxInput {
            logits: vec![1.0],
            target: 1,
        };
        assert_eq!(bad.validate().unwrap_err().field, "target");
        let empty = SoftmaxInput {
            logits: vec![],
            target: 0,
        };
        assert_eq!(empty.validate().unwrap_err().field, "logits");
    }

    /// Issue #16, defect 2: log p = z − (max + ln Σ) kept only ~10 digits at
    /// the ±10⁶ input limit ([10⁶, 10⁶] gave p = 0.499999999978995).
    #[test]
    fn probabilities_are_exact_at_the_input_limit() {
        let r = run(&[1e6, 1e6], 0);
        assert_eq!(r.p, vec![0.5, 0.5]);
        assert_eq!(r.log_p, vec![-std::f64::consts::LN_2; 2]);
        // mpmath at 60 digits: `python3 playground-wasm/fixtures/regressions.py`.
        let r = run(&[1e6, 1e6 - 1.0, -1e6], 1);
        let close = |got: f64, want: f64| (got - want).abs() <= 2.0 * f64::EPSILON * want.abs();
        assert!(
            close(r.p[0], 0.7310585786300049) && close(r.p[1], 0.2689414213699951),
            "{:?}",
            r.p
        );
        assert_eq!(r.p[2], 0.0);
        assert!(
            close(r.log_p[0], -0.3132616875182228) && close(r.log_p[1], -1.3132616875182228),
            "{:?}",
            r.log_p
        );
        assert!(close(r.log_p[2], -2000000.3132616875), "{:?}", r.log_p);
        assert!(close(r.loss, 1.3132616875182228), "{}", r.loss);
    }

    /// Issue #16, defect 3: the underflow case said "exp overflows to ∞,
    /// ∞/∞ is NaN" while it shows exp = 0 and 0/0.
    #[test]
    fn the_naive_step_names_overflow_underflow_or_neither() {
        let naive = |z: &[f64]| {
            let inp = SoftmaxInput {
                logits: z.to_vec(),
                target: 0,
            };
            let mut t = Trace::default();
            softmax_cross_entropy(&inp, &mut t);
            t.steps.into_iter().find(|s| s.tag == "naive").unwrap()
        };
        let s = naive(&[-1000.0, -1001.0, -1002.0]);
        assert_eq!(
            s.en,
            "Naive exp(z)/Σexp(z): every exp underflows to 0, and 0/0 is NaN"
        );
        assert_eq!(s.values[1].data, vec![0.0; 3]);
        assert_eq!(s.values[2].data, vec![0.0]);
        assert!(s.values[3].data.iter().all(|p| p.is_nan()));
        let s = naive(&[1000.0, 0.0]);
        assert_eq!(
            s.en,
            "Naive exp(z)/Σexp(z): exp overflows to ∞, and ∞/∞ is NaN"
        );
        assert_eq!(s.values[2].data, vec![f64::INFINITY]);
        // e^−740 and e^−745 are subnormal: the naive p is finite but wrong.
        let s = naive(&[-740.0, -745.0]);
        assert!(s.en.contains("subnormal"), "{}", s.en);
        assert!(naive(&[1.0, 2.0]).en.contains("no overflow or underflow"));
    }
}
