//! Scaled dot-product attention, forward and backward, as in a Transformer
//! layer: scores S = Q·Kᵀ/√d (optionally causal: query i sees keys j ≤ i),
//! weights W = softmax(S) row by row (the stable form), output O = W·V; then
//! for an upstream gradient ∂L/∂O the gradients ∂L/∂V, ∂L/∂S (through the
//! softmax), ∂L/∂Q and ∂L/∂K.
//!
//! Conventions follow PyTorch's `scaled_dot_product_attention`: the causal
//! mask is aligned top-left (`tril` of an n_q × n_k matrix of ones), and the
//! scale is 1/√d unless turned off (the presets compare both: unscaled scores
//! grow like √d and saturate the softmax).

use crate::trace::{about, check, InputError, Recorder, Value};

/// Most queries or keys (tokens).
pub const MAX_TOKENS: usize = 16;
/// Largest key/query and value dimension.
pub const MAX_DIM: usize = 16;

/// Matrices are row-major: `q` is `[n_q, d]`, `k` is `[n_k, d]`, `v` is
/// `[n_k, d_v]`, `grad_out` (∂L/∂O) is `[n_q, d_v]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attention {
    pub n_q: usize,
    pub n_k: usize,
    pub d: usize,
    pub d_v: usize,
    pub q: Vec<f64>,
    pub k: Vec<f64>,
    pub v: Vec<f64>,
    /// Query i attends only to keys j ≤ i.
    pub causal: bool,
    /// Divide the scores by √d (the usual); `false` shows why it is usual.
    pub scaled: bool,
    pub grad_out: Vec<f64>,
    /// The shape `grad_out` was given in; it must be `[n_q, d_v]`.
    pub grad_out_shape: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttentionResult {
    /// `[n_q, n_k]`; −∞ where masked.
    pub scores: Vec<f64>,
    pub weights: Vec<f64>,
    /// `[n_q, d_v]`.
    pub out: Vec<f64>,
    pub grad_weights: Vec<f64>,
    pub grad_scores: Vec<f64>,
    pub grad_q: Vec<f64>,
    pub grad_k: Vec<f64>,
    pub grad_v: Vec<f64>,
}

impl Attention {
    pub fn validate(&self) -> Result<(), InputError> {
        check::range("q (queries)", self.n_q, 1, MAX_TOKENS)?;
        check::range("k (keys)", self.n_k, 1, MAX_TOKENS)?;
        check::range("q (dimension)", self.d, 1, MAX_DIM)?;
        check::range("v (dimension)", self.d_v, 1, MAX_DIM)?;
        let (nq, nk, d, dv) = (self.n_q, self.n_k, self.d, self.d_v);
        check::len("q", &self.q, nq * d, &format!("[{nq}, {d}]"))?;
        check::len("k", &self.k, nk * d, &format!("[{nk}, {d}]"))?;
        check::len("v", &self.v, nk * dv, &format!("[{nk}, {dv}]"))?;
        check::shape("grad_out", &self.grad_out_shape, &[nq, dv])?;
        check::len(
            "grad_out",
            &self.grad_out,
            nq * dv,
            &format!("[{nq}, {dv}]"),
        )?;
        for (name, x) in [
            ("q", &self.q),
            ("k", &self.k),
            ("v", &self.v),
            ("grad_out", &self.grad_out),
        ] {
            check::numbers(name, x)?;
        }
        Ok(())
    }
}

// ▼ playground source
pub fn attention<R: Recorder>(a: &Attention, rec: &mut R) -> AttentionResult {
    let (nq, nk, d, dv) = (a.n_q, a.n_k, a.d, a.d_v);
    let scale = if a.scaled {
        1.0 / (d as f64).sqrt()
    } else {
        1.0
    };
    step!(
        rec,
        true,
        "setup",
        if a.scaled {
            format!("分数 S = Q·Kᵀ/√d，d = {d}：除以 √d 让分数的尺度不随 d 增长")
        } else {
            format!("分数 S = Q·Kᵀ，不除以 √d（d = {d}）：分数的标准差随 √d 增长，softmax 趋于饱和")
        },
        if a.scaled {
            format!("Scores S = Q·Kᵀ/√d with d = {d}: dividing by √d keeps their spread from growing with d")
        } else {
            format!("Scores S = Q·Kᵀ, not divided by √d (d = {d}): their spread grows like √d and the softmax saturates")
        },
        [
            Value::tensor("Q", &[nq, d], &a.q),
            Value::tensor("K", &[nk, d], &a.k),
            Value::tensor("V", &[nk, dv], &a.v),
            Value::scalar("scale", scale)
        ]
    );

    // Forward, one query (row) at a time: scores, the stable softmax, the output.
    let mut scores = vec![0.0; nq * nk];
    let mut weights = vec![0.0; nq * nk];
    let mut out = vec![0.0; nq * dv];
    for i in 0..nq {
        for j in 0..nk {
            scores[i * nk + j] = if a.causal && j > i {
                f64::NEG_INFINITY // masked: query i may not look at a later key
            } else {
                (0..d).map(|t| a.q[i * d + t] * a.k[j * d + t]).sum::<f64>() * scale
            };
        }
        let row = &scores[i * nk..(i + 1) * nk];
        step!(rec, false, "scores", format!("第 {i} 个查询：与每个键做点积{}", if a.causal && i + 1 < nk { "；它之后的键被掩码为 −∞" } else { "" }),
            format!("Query {i}: its dot product with every key{}", if a.causal && i + 1 < nk { "; later keys are masked to −∞" } else { "" }),
            [Value::vector("Q[i]", &a.q[i * d..(i + 1) * d]), Value::vector("S[i]", row)], {"row" => crate::trace::one(i)});
        let m = row.iter().fold(f64::NEG_INFINITY, |x, &y| x.max(y));
        let e: Vec<f64> = row.iter().map(|s| (s - m).exp()).collect();
        let sum: f64 = e.iter().sum();
        for j in 0..nk {
            weights[i * nk + j] = e[j] / sum;
        }
        let w = &weights[i * nk..(i + 1) * nk];
        let top = w.iter().fold(0.0, |x: f64, &y| x.max(y));
        step!(rec, false, "softmax", format!("第 {i} 行的 softmax（先减去最大值 {}）：最大权重 {}{}", about(m), about(top), if top > 0.95 { "，几乎是 one-hot：饱和了，穿过这一行的梯度几乎为 0" } else { "" }),
            format!("Softmax of row {i} (subtract its max {} first): the largest weight is {}{}", about(m), about(top), if top > 0.95 { ", nearly one-hot: saturated, so the gradients through this row nearly vanish" } else { "" }),
            [Value::vector("S[i] − max", &row.iter().map(|s| s - m).collect::<Vec<_>>()), Value::vector("exp", &e), Value::scalar("Σ", sum), Value::vector("W[i]", w)],
            {"row" => crate::trace::one(i)});
        for t in 0..dv {
            out[i * dv + t] = (0..nk).map(|j| w[j] * a.v[j * dv + t]).sum::<f64>();
        }
        step!(rec, false, "output", format!("输出第 {i} 行：V 各行按权重 W[{i}] 加权求和"), format!("Output row {i}: the rows of V averaged with the weights W[{i}]"),
            [Value::vector("W[i]", w), Value::tensor("V", &[nk, dv], &a.v), Value::vector("O[i]", &out[i * dv..(i + 1) * dv])],
            {"row" => crate::trace::one(i)});
    }
    step!(
        rec,
        true,
        "forward_done",
        "前向传播完成：注意力权重 W 与输出 O = W·V",
        "Forward pass done: the attention weights W and the output O = W·V",
        [
            Value::tensor("S", &[nq, nk], &scores),
            Value::tensor("W", &[nq, nk], &weights),
            Value::tensor("O", &[nq, dv], &out)
        ]
    );

    // Backward, for the upstream gradient dO = ∂L/∂O.
    step!(rec, backward);
    let g = &a.grad_out;
    // ∂L/∂V = Wᵀ·dO: each key's value collects what every query took from it.
    let mut grad_v = vec![0.0; nk * dv];
    for j in 0..nk {
        for t in 0..dv {
            grad_v[j * dv + t] = (0..nq)
                .map(|i| weights[i * nk + j] * g[i * dv + t])
                .sum::<f64>();
        }
    }
    step!(
        rec,
        true,
        "dv",
        "∂L/∂V = Wᵀ·dO",
        "∂L/∂V = Wᵀ·dO",
        [
            Value::tensor("dO", &[nq, dv], g),
            Value::tensor("W", &[nq, nk], &weights),
            Value::tensor("∂L/∂V", &[nk, dv], &grad_v)
        ]
    );

    // ∂L/∂W = dO·Vᵀ, then through the softmax, row by row:
    // ∂L/∂S[i, j] = W[i, j]·(dW[i, j] − Σₖ W[i, k]·dW[i, k])
    //             = W[i, j]·Σₖ W[i, k]·(dW[i, j] − dW[i, k])   (Σₖ W[i, k] = 1),
    // the second form so that a nearly one-hot row keeps its tiny gradients.
    let mut grad_weights = vec![0.0; nq * nk];
    let mut grad_scores = vec![0.0; nq * nk];
    for i in 0..nq {
        for j in 0..nk {
            grad_weights[i * nk + j] = (0..dv)
                .map(|t| g[i * dv + t] * a.v[j * dv + t])
                .sum::<f64>();
        }
        let (w, dw) = (
            &weights[i * nk..(i + 1) * nk],
            &grad_weights[i * nk..(i + 1) * nk],
        );
        for j in 0..nk {
            grad_scores[i * nk + j] = w[j] * (0..nk).map(|k| w[k] * (dw[j] - dw[k])).sum::<f64>();
        }
        step!(rec, false, "ds", format!("第 {i} 行穿过 softmax：∂L/∂S[{i}] = W[{i}] ⊙ (dW[{i}] − Σₖ W[{i},k]·dW[{i},k])"),
            format!("Row {i} back through the softmax: ∂L/∂S[{i}] = W[{i}] ⊙ (dW[{i}] − Σₖ W[{i},k]·dW[{i},k])"),
            [Value::vector("dO[i]", &g[i * dv..(i + 1) * dv]), Value::vector("W[i]", w), Value::vector("dW[i]", dw), Value::vector("∂L/∂S[i]", &grad_scores[i * nk..(i + 1) * nk])],
            {"row" => crate::trace::one(i)});
    }

    // ∂L/∂Q = scale·(∂L/∂S)·K and ∂L/∂K = scale·(∂L/∂S)ᵀ·Q (masked scores have ∂L/∂S = 0).
    let mut grad_q = vec![0.0; nq * d];
    let mut grad_k = vec![0.0; nk * d];
    for t in 0..d {
        for i in 0..nq {
            grad_q[i * d + t] = (0..nk)
                .map(|j| grad_scores[i * nk + j] * a.k[j * d + t])
                .sum::<f64>()
                * scale;
        }
        for j in 0..nk {
            grad_k[j * d + t] = (0..nq)
                .map(|i| grad_scores[i * nk + j] * a.q[i * d + t])
                .sum::<f64>()
                * scale;
        }
    }
    step!(
        rec,
        true,
        "dqk",
        "∂L/∂Q = scale·(∂L/∂S)·K，∂L/∂K = scale·(∂L/∂S)ᵀ·Q",
        "∂L/∂Q = scale·(∂L/∂S)·K, ∂L/∂K = scale·(∂L/∂S)ᵀ·Q",
        [
            Value::tensor("∂L/∂S", &[nq, nk], &grad_scores),
            Value::tensor("∂L/∂Q", &[nq, d], &grad_q),
            Value::tensor("∂L/∂K", &[nk, d], &grad_k),
            Value::tensor("∂L/∂V", &[nk, dv], &grad_v)
        ]
    );

    AttentionResult {
        scores,
        weights,
        out,
        grad_weights,
        grad_scores,
        grad_q,
        grad_k,
        grad_v,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    /// A deterministic sample: 3 queries, 4 keys, d = 5, d_v = 2.
    pub(crate) fn sample(causal: bool, scaled: bool) -> Attention {
        let (n_q, n_k, d, d_v) = (3, 4, 5, 2);
        let mut seed = 777u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let q = (0..n_q * d).map(|_| next()).collect();
        let k = (0..n_k * d).map(|_| next()).collect();
        let v = (0..n_k * d_v).map(|_| next()).collect();
        let grad_out = (0..n_q * d_v).map(|_| next()).collect();
        Attention {
            n_q,
            n_k,
            d,
            d_v,
            q,
            k,
            v,
            causal,
            scaled,
            grad_out,
            grad_out_shape: vec![n_q, d_v],
        }
    }

    /// L = Σ O ⊙ dO, whose gradients the backward pass computes.
    fn loss(a: &Attention) -> f64 {
        let r = attention(a, &mut NoTrace);
        r.out.iter().zip(&a.grad_out).map(|(o, g)| o * g).sum()
    }

    #[test]
    fn gradients_match_finite_differences() {
        for causal in [false, true] {
            for scaled in [true, false] {
                let a = sample(causal, scaled);
                a.validate().unwrap();
                let r = attention(&a, &mut NoTrace);
                let h = 1e-6;
                let fields: [(fn(&mut Attention) -> &mut Vec<f64>, &Vec<f64>); 3] = [
                    (|a| &mut a.q, &r.grad_q),
                    (|a| &mut a.k, &r.grad_k),
                    (|a| &mut a.v, &r.grad_v),
                ];
                for (f, (field, grad)) in fields.into_iter().enumerate() {
                    for i in 0..grad.len() {
                        let (mut plus, mut minus) = (a.clone(), a.clone());
                        field(&mut plus)[i] += h;
                        field(&mut minus)[i] -= h;
                        let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
                        assert!(
                            (fd - grad[i]).abs() <= 1e-8 * (1.0 + fd.abs()),
                            "causal={causal} scaled={scaled} field {f} [{i}]: fd {fd} vs {}",
                            grad[i]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn by_hand() {
        // Q = K = 0: every score is 0, the weights are uniform, O is the mean of V's rows.
        // V = [[1], [3]], dO = [[1]]: dW = [1, 3], dS = ½·([1, 3] − 2) = [−½, ½],
        // dV = Wᵀ dO = [½, ½], dQ = dS·K = 0 and dK = dSᵀ·Q = 0.
        let a = Attention {
            n_q: 1,
            n_k: 2,
            d: 1,
            d_v: 1,
            q: vec![0.0],
            k: vec![0.0, 0.0],
            v: vec![1.0, 3.0],
            causal: false,
            scaled: true,
            grad_out: vec![1.0],
            grad_out_shape: vec![1, 1],
        };
        a.validate().unwrap();
        let r = attention(&a, &mut NoTrace);
        assert_eq!(r.weights, vec![0.5, 0.5]);
        assert_eq!(r.out, vec![2.0]);
        assert_eq!(r.grad_scores, vec![-0.5, 0.5]);
        assert_eq!(r.grad_v, vec![0.5, 0.5]);
        assert_eq!(
            (r.grad_q.clone(), r.grad_k.clone()),
            (vec![0.0], vec![0.0, 0.0])
        );
        // Causal, 2 × 2: query 0 sees only key 0 (weight exactly 1, O[0] = V[0]).
        // Q = [[1], [1]], K = [[0], [ln 3]] unscaled: row 1 = softmax([0, ln 3]) = [¼, ¾].
        let b = Attention {
            n_q: 2,
            k: vec![0.0, 3f64.ln()],
            q: vec![1.0, 1.0],
            causal: true,
            scaled: false,
            grad_out: vec![1.0, 1.0],
            grad_out_shape: vec![2, 1],
            ..a
        };
        b.validate().unwrap();
        let r = attention(&b, &mut NoTrace);
        assert_eq!(r.scores[1], f64::NEG_INFINITY);
        assert_eq!(&r.weights[..2], &[1.0, 0.0]);
        assert!((r.weights[2] - 0.25).abs() < 1e-15 && (r.weights[3] - 0.75).abs() < 1e-15);
        assert_eq!(r.out[0], 1.0);
        assert!((r.out[1] - 2.5).abs() < 1e-15);
        assert_eq!(r.grad_scores[1], 0.0, "a masked score has no gradient");
    }

    /// Unscaled large scores make a row one-hot: the stable softmax gives
    /// weights [1, 0] (no NaN), and the backward pass gives exact tiny
    /// gradients instead of cancellation noise.
    #[test]
    fn a_saturated_row_is_exact() {
        // Scores [40, 0]: W = [1/(1+e⁻⁴⁰), e⁻⁴⁰/(1+e⁻⁴⁰)]; with V = [[1], [0]] and dO = 1,
        // dW = [1, 0], dS[1] = W1·W0·(0 − 1) = −e⁻⁴⁰/(1+e⁻⁴⁰)² = −4.248354255291589e-18
        // (mpmath at 60 digits, as for sigmoid'(40) in fixtures/regressions.py).
        let a = Attention {
            n_q: 1,
            n_k: 2,
            d: 1,
            d_v: 1,
            q: vec![40.0],
            k: vec![1.0, 0.0],
            v: vec![1.0, 0.0],
            causal: false,
            scaled: false,
            grad_out: vec![1.0],
            grad_out_shape: vec![1, 1],
        };
        let r = attention(&a, &mut NoTrace);
        let want = 4.248354255291589e-18;
        assert!(
            (r.grad_scores[1] + want).abs() <= 4.0 * f64::EPSILON * want,
            "{}",
            r.grad_scores[1]
        );
        assert!(
            (r.grad_scores[0] - want).abs() <= 4.0 * f64::EPSILON * want,
            "{}",
            r.grad_scores[0]
        );
        let mut t = Trace::default();
        attention(&a, &mut t);
        let softmax = t.steps.iter().find(|s| s.tag == "softmax").unwrap();
        assert!(softmax.en.contains("saturated"), "{}", softmax.en);
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        let a = sample(true, true);
        let mut t = Trace::default();
        let r = attention(&a, &mut t);
        assert_eq!(r, attention(&a, &mut NoTrace));
        let last = t.steps.last().unwrap();
        assert_eq!(last.values[1].data, r.grad_q);
        assert_eq!(last.values[2].data, r.grad_k);
        let mut bad = sample(false, true);
        bad.k.pop();
        assert_eq!(bad.validate().unwrap_err().field, "k");
        let mut bad = sample(false, true);
        bad.grad_out_shape = vec![2, 3];
        assert_eq!(bad.validate().unwrap_err().field, "grad_out");
        let mut bad = sample(false, true);
        bad.n_q = 17;
        assert_eq!(bad.validate().unwrap_err().field, "q (queries)");
        let mut bad = sample(false, true);
        bad.v[0] = f64::INFINITY;
        assert_eq!(bad.validate().unwrap_err().field, "v");
    }
}
