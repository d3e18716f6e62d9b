//! Backpropagation through a two-layer perceptron (input → hidden with
//! ReLU/sigmoid/tanh → output) for one sample, with MSE or softmax
//! cross-entropy loss: forward pass, every δ and gradient, one SGD update.

use crate::json::Num;
use crate::trace::{check, InputError, Recorder, Value};

/// Largest input, hidden and output width.
pub const MAX_UNITS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Sigmoid,
    Tanh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Mean over the outputs of the squared error.
    Mse,
    /// Softmax of the outputs, then cross-entropy with the target distribution.
    SoftmaxCe,
}

/// One sample and the network's parameters. Matrices are row-major:
/// `w1` is `n_hidden × n_in`, `w2` is `n_out × n_hidden`; `n_in = x.len()`,
/// `n_hidden = b1.len()`, `n_out = y.len()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub w1: Vec<f64>,
    pub b1: Vec<f64>,
    pub w2: Vec<f64>,
    pub b2: Vec<f64>,
    pub activation: Activation,
    pub loss: Loss,
    pub lr: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MlpResult {
    pub z1: Vec<f64>,
    pub a1: Vec<f64>,
    pub z2: Vec<f64>,
    /// The prediction: `z2` itself for MSE, `softmax(z2)` for cross-entropy.
    pub out: Vec<f64>,
    pub loss: f64,
    pub delta2: Vec<f64>,
    pub dw2: Vec<f64>,
    pub db2: Vec<f64>,
    pub delta1: Vec<f64>,
    pub dw1: Vec<f64>,
    pub db1: Vec<f64>,
    pub w1_new: Vec<f64>,
    pub b1_new: Vec<f64>,
    pub w2_new: Vec<f64>,
    pub b2_new: Vec<f64>,
}

impl Mlp {
    pub fn validate(&self) -> Result<(), InputError> {
        let (n_in, n_h, n_out) = (self.x.len(), self.b1.len(), self.y.len());
        check::range("x", n_in, 1, MAX_UNITS)?;
        check::range("b1", n_h, 1, MAX_UNITS)?;
        check::range("y", n_out, 1, MAX_UNITS)?;
        check::len("w1", &self.w1, n_h * n_in, &format!("[{n_h}, {n_in}]"))?;
        check::len("w2", &self.w2, n_out * n_h, &format!("[{n_out}, {n_h}]"))?;
        check::len("b2", &self.b2, n_out, &format!("[{n_out}]"))?;
        for (name, v) in [
            ("x", &self.x),
            ("y", &self.y),
            ("w1", &self.w1),
            ("b1", &self.b1),
            ("w2", &self.w2),
            ("b2", &self.b2),
        ] {
            check::numbers(name, v)?;
        }
        check::scalar("lr", self.lr, 0.0, 10.0)?;
        if self.loss == Loss::SoftmaxCe {
            let sum: f64 = self.y.iter().sum();
            if self.y.iter().any(|&t| !(0.0..=1.0).contains(&t)) || (sum - 1.0).abs() > 1e-6 {
                return Err(InputError::new(
                    "y",
                    "交叉熵的目标 y 应是概率分布（每个数在 0 到 1 之间，总和为 1），例如 one-hot 向量",
                    "for cross-entropy the target y must be a probability distribution (each in [0, 1], summing to 1), e.g. one-hot",
                ));
            }
        }
        Ok(())
    }
}

// ▼ playground source
fn activate(f: Activation, z: f64) -> f64 {
    match f {
        Activation::Relu => z.max(0.0),
        Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        Activation::Tanh => z.tanh(),
    }
}

/// Derivative of the activation at `z`, in forms that stay exact where the
/// textbook ones round to 0 (1 − σ(z) for z > 37, 1 − tanh² z for z > 19)
/// or to ∞/∞ (e⁻ᶻ/(1 + e⁻ᶻ)² for z < −709).
fn activate_grad(f: Activation, z: f64) -> f64 {
    match f {
        Activation::Relu => f64::from(u8::from(z > 0.0)),
        Activation::Sigmoid => activate(f, z) * activate(f, -z), // σ(z)·(1 − σ(z)) = σ(z)·σ(−z)
        Activation::Tanh => (1.0 / z.cosh()).powi(2),            // 1 − tanh²(z) = 1/cosh²(z)
    }
}

pub fn backprop<R: Recorder>(p: &Mlp, rec: &mut R) -> MlpResult {
    let (n_in, n_h, n_out) = (p.x.len(), p.b1.len(), p.y.len());
    step!(
        rec,
        true,
        "setup",
        "输入样本与参数",
        "The sample and the parameters",
        [
            Value::vector("x", &p.x),
            Value::tensor("W1", &[n_h, n_in], &p.w1),
            Value::vector("b1", &p.b1),
            Value::tensor("W2", &[n_out, n_h], &p.w2),
            Value::vector("b2", &p.b2),
            Value::vector("y", &p.y)
        ]
    );

    // Forward, hidden layer: z1 = W1 x + b1, a1 = f(z1), one neuron at a time.
    let mut z1 = vec![0.0; n_h];
    let mut a1 = vec![0.0; n_h];
    for j in 0..n_h {
        z1[j] = p.b1[j] + (0..n_in).map(|i| p.w1[j * n_in + i] * p.x[i]).sum::<f64>();
        step!(rec, false, "z1", format!("隐藏层第 {j} 个神经元：W1 第 {j} 行与 x 的点积加偏置"),
            format!("Hidden neuron {j}: row {j} of W1 dot x, plus the bias"),
            [Value::vector("W1[j]", &p.w1[j * n_in..(j + 1) * n_in]), Value::vector("x", &p.x),
             Value::scalar("b1[j]", p.b1[j]), Value::scalar("z1[j]", z1[j])],
            {"W1" => crate::trace::one(j), "hidden" => crate::trace::one(j)});
        a1[j] = activate(p.activation, z1[j]);
        step!(rec, false, "a1", format!("激活：a1[{j}] = f(z1[{j}])"), format!("Activation: a1[{j}] = f(z1[{j}])"),
            [Value::scalar("z1[j]", z1[j]), Value::scalar("a1[j]", a1[j])], {"hidden" => crate::trace::one(j)});
    }

    // Forward, output layer: z2 = W2 a1 + b2.
    let mut z2 = vec![0.0; n_out];
    for k in 0..n_out {
        z2[k] = p.b2[k] + (0..n_h).map(|j| p.w2[k * n_h + j] * a1[j]).sum::<f64>();
        step!(rec, false, "z2", format!("输出层第 {k} 个神经元：W2 第 {k} 行与 a1 的点积加偏置"),
            format!("Output neuron {k}: row {k} of W2 dot a1, plus the bias"),
            [Value::vector("W2[k]", &p.w2[k * n_h..(k + 1) * n_h]), Value::vector("a1", &a1),
             Value::scalar("b2[k]", p.b2[k]), Value::scalar("z2[k]", z2[k])],
            {"W2" => crate::trace::one(k), "output" => crate::trace::one(k)});
    }

    // Loss, and its gradient with respect to z2: δ2 = ∂L/∂z2.
    let (out, loss, delta2) = match p.loss {
        Loss::Mse => {
            let n = n_out as f64;
            let loss = z2
                .iter()
                .zip(&p.y)
                .map(|(z, y)| (z - y).powi(2))
                .sum::<f64>()
                / n;
            step!(
                rec,
                true,
                "mse",
                "均方误差 L = mean((z2 − y)²)",
                "Mean squared error L = mean((z2 − y)²)",
                [
                    Value::vector("z2", &z2),
                    Value::vector("y", &p.y),
                    Value::scalar("L", loss)
                ]
            );
            step!(rec, backward);
            let delta2: Vec<f64> = z2
                .iter()
                .zip(&p.y)
                .map(|(z, y)| 2.0 * (z - y) / n)
                .collect();
            step!(
                rec,
                true,
                "mse_grad",
                "输出层误差 δ2 = 2(z2 − y)/n",
                "Output error δ2 = 2(z2 − y)/n",
                [Value::vector("δ2", &delta2)]
            );
            (z2.clone(), loss, delta2)
        }
        Loss::SoftmaxCe => {
            // Shift by the max so that no exp overflows, and keep the shift:
            // log p = (z2 − max) − ln Σ. (z2 − (max + ln Σ) would lose ln Σ
            // once max is large: 10¹⁸ + ln 2 rounds to 10¹⁸.)
            let m = z2.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let shifted: Vec<f64> = z2.iter().map(|z| z - m).collect();
            let sum = shifted.iter().map(|s| s.exp()).sum::<f64>();
            step!(
                rec,
                true,
                "lse",
                "减去最大值（数值稳定），求 Σ exp(z2 − max)；logsumexp = max + ln Σ",
                "Subtract the max (numerically stable) and sum exp(z2 − max); logsumexp = max + ln Σ",
                [
                    Value::vector("z2", &z2),
                    Value::scalar("max", m),
                    Value::vector("z2 − max", &shifted),
                    Value::scalar("Σexp(z2 − max)", sum),
                    Value::scalar("logsumexp", m + sum.ln())
                ]
            );
            let prob: Vec<f64> = shifted.iter().map(|s| s.exp() / sum).collect();
            let log_p: Vec<f64> = shifted.iter().map(|s| s - sum.ln()).collect();
            step!(
                rec,
                true,
                "softmax",
                "softmax：p = exp(z2 − max)/Σ，log p = (z2 − max) − ln Σ",
                "Softmax: p = exp(z2 − max)/Σ, log p = (z2 − max) − ln Σ",
                [Value::vector("p", &prob), Value::vector("log p", &log_p)]
            );
            let loss = -p.y.iter().zip(&log_p).map(|(y, l)| y * l).sum::<f64>();
            step!(
                rec,
                true,
                "ce",
                "交叉熵 L = −Σ y·log p",
                "Cross-entropy L = −Σ y·log p",
                [Value::vector("y", &p.y), Value::scalar("L", loss)]
            );
            step!(rec, backward);
            let delta2: Vec<f64> = prob.iter().zip(&p.y).map(|(q, y)| q - y).collect();
            step!(
                rec,
                true,
                "ce_grad",
                "softmax 与交叉熵合在一起求导：δ2 = p − y",
                "Softmax and cross-entropy together: δ2 = p − y",
                [Value::vector("δ2", &delta2)]
            );
            (prob, loss, delta2)
        }
    };

    // Backward, output layer: ∂L/∂W2 = δ2 a1ᵀ, ∂L/∂b2 = δ2.
    let mut dw2 = vec![0.0; n_out * n_h];
    for k in 0..n_out {
        for j in 0..n_h {
            dw2[k * n_h + j] = delta2[k] * a1[j];
        }
    }
    let db2 = delta2.clone();
    step!(
        rec,
        true,
        "dw2",
        "输出层梯度：∂L/∂W2 = δ2 a1ᵀ（外积），∂L/∂b2 = δ2",
        "Output-layer gradients: ∂L/∂W2 = δ2 a1ᵀ (outer product), ∂L/∂b2 = δ2",
        [
            Value::vector("δ2", &delta2),
            Value::vector("a1", &a1),
            Value::tensor("∂L/∂W2", &[n_out, n_h], &dw2),
            Value::vector("∂L/∂b2", &db2)
        ]
    );

    // Backward, hidden layer: δ1 = (W2ᵀ δ2) ⊙ f'(z1), one neuron at a time.
    let mut delta1 = vec![0.0; n_h];
    for j in 0..n_h {
        let back = (0..n_out)
            .map(|k| p.w2[k * n_h + j] * delta2[k])
            .sum::<f64>();
        delta1[j] = back * activate_grad(p.activation, z1[j]);
        step!(rec, false, "delta1", format!("隐藏层第 {j} 个神经元的误差：W2 第 {j} 列与 δ2 的点积，乘以 f'(z1[{j}])"),
            format!("Error of hidden neuron {j}: column {j} of W2 dot δ2, times f'(z1[{j}])"),
            [Value::scalar("(W2ᵀδ2)[j]", back), Value::scalar("f'(z1[j])", activate_grad(p.activation, z1[j])),
             Value::scalar("δ1[j]", delta1[j])],
            {"W2_col" => crate::trace::one(j), "hidden" => crate::trace::one(j)});
    }

    // Hidden-layer gradients: ∂L/∂W1 = δ1 xᵀ, ∂L/∂b1 = δ1.
    let mut dw1 = vec![0.0; n_h * n_in];
    for j in 0..n_h {
        for i in 0..n_in {
            dw1[j * n_in + i] = delta1[j] * p.x[i];
        }
    }
    let db1 = delta1.clone();
    step!(
        rec,
        true,
        "dw1",
        "隐藏层梯度：∂L/∂W1 = δ1 xᵀ，∂L/∂b1 = δ1",
        "Hidden-layer gradients: ∂L/∂W1 = δ1 xᵀ, ∂L/∂b1 = δ1",
        [
            Value::vector("δ1", &delta1),
            Value::tensor("∂L/∂W1", &[n_h, n_in], &dw1),
            Value::vector("∂L/∂b1", &db1)
        ]
    );

    // One SGD step: θ ← θ − lr · ∂L/∂θ.
    let sgd =
        |w: &[f64], g: &[f64]| -> Vec<f64> { w.iter().zip(g).map(|(w, g)| w - p.lr * g).collect() };
    let (w1_new, b1_new, w2_new, b2_new) = (
        sgd(&p.w1, &dw1),
        sgd(&p.b1, &db1),
        sgd(&p.w2, &dw2),
        sgd(&p.b2, &db2),
    );
    step!(
        rec,
        true,
        "sgd",
        format!("SGD 更新一步（学习率 {}）：θ ← θ − lr·∂L/∂θ", Num(p.lr)),
        format!(
            "One SGD step (learning rate {}): θ ← θ − lr·∂L/∂θ",
            Num(p.lr)
        ),
        [
            Value::scalar("L", loss),
            Value::tensor("W1", &[n_h, n_in], &w1_new),
            Value::vector("b1", &b1_new),
            Value::tensor("W2", &[n_out, n_h], &w2_new),
            Value::vector("b2", &b2_new)
        ]
    );

    MlpResult {
        z1,
        a1,
        z2,
        out,
        loss,
        delta2,
        dw2,
        db2,
        delta1,
        dw1,
        db1,
        w1_new,
        b1_new,
        w2_new,
        b2_new,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    pub(crate) fn sample(activation: Activation, loss: Loss) -> Mlp {
        Mlp {
            x: vec![0.5, -1.2, 0.8],
            y: vec![0.0, 1.0],
            w1: vec![
                0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 0.15, -0.25, 0.35,
            ],
            b1: vec![0.05, -0.1, 0.2, 0.01],
            w2: vec![0.3, -0.5, 0.2, 0.7, -0.4, 0.6, 0.1, -0.8],
            b2: vec![0.1, -0.2],
            activation,
            loss,
            lr: 0.1,
        }
    }

    fn loss_of(p: &Mlp) -> f64 {
        backprop(p, &mut NoTrace).loss
    }

    /// Central differences on every parameter; relative error ≤ 1e-7.
    #[test]
    fn gradients_match_finite_differences() {
        for act in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
            for loss in [Loss::Mse, Loss::SoftmaxCe] {
                let p = sample(act, loss);
                p.validate().unwrap();
                let r = backprop(&p, &mut NoTrace);
                let h = 1e-6;
                let fields: [(fn(&mut Mlp) -> &mut Vec<f64>, &Vec<f64>); 4] = [
                    (|m| &mut m.w1, &r.dw1),
                    (|m| &mut m.b1, &r.db1),
                    (|m| &mut m.w2, &r.dw2),
                    (|m| &mut m.b2, &r.db2),
                ];
                for (field, grad) in fields {
                    for i in 0..grad.len() {
                        let mut plus = p.clone();
                        field(&mut plus)[i] += h;
                        let mut minus = p.clone();
                        field(&mut minus)[i] -= h;
                        let fd = (loss_of(&plus) - loss_of(&minus)) / (2.0 * h);
                        assert!(
                            (fd - grad[i]).abs() <= 1e-7 * (1.0 + fd.abs()),
                            "{act:?} {loss:?} [{i}]: fd {fd} vs {}",
                            grad[i]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hand_computed_relu_mse() {
        // x = [1], W1 = [[2]], b1 = [-1] → z1 = 1, a1 = 1; W2 = [[3]], b2 = [0] → z2 = 3;
        // y = [1] → L = 4, δ2 = 4, ∂W2 = 4, δ1 = 12, ∂W1 = 12.
        let p = Mlp {
            x: vec![1.0],
            y: vec![1.0],
            w1: vec![2.0],
            b1: vec![-1.0],
            w2: vec![3.0],
            b2: vec![0.0],
            activation: Activation::Relu,
            loss: Loss::Mse,
            lr: 0.5,
        };
        let r = backprop(&p, &mut NoTrace);
        assert_eq!((r.z2[0], r.loss, r.dw2[0], r.dw1[0]), (3.0, 4.0, 4.0, 12.0));
        assert_eq!((r.w1_new[0], r.w2_new[0]), (2.0 - 6.0, 3.0 - 2.0));
    }

    #[test]
    fn traced_run_equals_untraced_and_ends_with_the_update() {
        let p = sample(Activation::Tanh, Loss::SoftmaxCe);
        let mut t = Trace::default();
        let traced = backprop(&p, &mut t);
        assert_eq!(traced, backprop(&p, &mut NoTrace));
        let last = t.steps.last().unwrap();
        assert_eq!(last.values[1].data, traced.w1_new);
        assert_eq!(last.values[4].data, traced.b2_new);
    }

    #[test]
    fn validation_explains_bad_inputs() {
        let mut p = sample(Activation::Relu, Loss::SoftmaxCe);
        p.y = vec![0.5, 0.6];
        assert_eq!(p.validate().unwrap_err().field, "y");
        let mut p = sample(Activation::Relu, Loss::Mse);
        p.w1.pop();
        assert_eq!(p.validate().unwrap_err().field, "w1");
        let mut p = sample(Activation::Relu, Loss::Mse);
        p.x[0] = f64::NAN;
        assert_eq!(p.validate().unwrap_err().field, "x");
    }

    /// Within `ulps` units in the last place of `want`.
    fn close(got: f64, want: f64, ulps: f64) -> bool {
        (got - want).abs() <= ulps * f64::EPSILON * want.abs()
    }

    /// Issue #16, defect 1: p = exp(z − (max + ln Σ)) lost ln Σ once the
    /// logits were large (p = [1, 1], L = 0 at logits of 10¹⁸).
    #[test]
    fn softmax_ce_keeps_every_digit_at_huge_logits() {
        // By hand: two equal logits of 10¹⁸ give p = ½ each, L = ln 2, δ2 = p − y.
        let mut p = Mlp {
            x: vec![1e6],
            y: vec![1.0, 0.0],
            w1: vec![1e6],
            b1: vec![0.0],
            w2: vec![1e6, 1e6],
            b2: vec![0.0, 0.0],
            activation: Activation::Relu,
            loss: Loss::SoftmaxCe,
            lr: 0.1,
        };
        p.validate().unwrap();
        let r = backprop(&p, &mut NoTrace);
        assert_eq!(r.z2, vec![1e18, 1e18]);
        assert_eq!(r.out, vec![0.5, 0.5]);
        assert!(close(r.loss, std::f64::consts::LN_2, 1.0), "{}", r.loss);
        assert_eq!(r.delta2, vec![-0.5, 0.5]);
        // Logits 10¹² + 1 and 10¹² (x = W1 = 1000): mpmath at 60 digits,
        // `python3 playground-wasm/fixtures/regressions.py`.
        (p.x, p.w1, p.b2) = (vec![1000.0], vec![1000.0], vec![1.0, 0.0]);
        let r = backprop(&p, &mut NoTrace);
        assert_eq!(r.z2, vec![1e12 + 1.0, 1e12]);
        let (p0, p1, loss) = (0.7310585786300049, 0.2689414213699951, 0.3132616875182228);
        assert!(
            close(r.out[0], p0, 2.0) && close(r.out[1], p1, 2.0),
            "{:?}",
            r.out
        );
        assert!(close(r.loss, loss, 2.0), "{}", r.loss);
        assert!(
            close(r.delta2[0], -p1, 4.0) && close(r.delta2[1], p1, 2.0),
            "{:?}",
            r.delta2
        );
    }

    /// Issue #16, defect 5 (and its Rust side): the derivatives stay exact
    /// where 1 − σ(z) or 1 − tanh²(z) round to 0 and e⁻ᶻ/(1 + e⁻ᶻ)² is ∞/∞.
    /// Expected values: mpmath at 60 digits, `python3 playground-wasm/fixtures/regressions.py`.
    #[test]
    fn activation_derivatives_are_exact_at_the_extremes() {
        let sig = |z| activate_grad(Activation::Sigmoid, z);
        let tanh = |z| activate_grad(Activation::Tanh, z);
        assert!(
            close(sig(40.0), 4.248354255291589e-18, 4.0),
            "{}",
            sig(40.0)
        );
        assert!(
            close(sig(-40.0), 4.248354255291589e-18, 4.0),
            "{}",
            sig(-40.0)
        );
        assert!(
            close(sig(-700.0), 9.85967654375977e-305, 4.0),
            "{}",
            sig(-700.0)
        );
        assert_eq!(sig(-800.0), 0.0);
        assert!(
            close(tanh(20.0), 1.6993417021166355e-17, 8.0),
            "{}",
            tanh(20.0)
        );
        assert!(
            close(tanh(-30.0), 3.502604305078608e-26, 8.0),
            "{}",
            tanh(-30.0)
        );
        assert_eq!(tanh(400.0), 0.0);
        assert_eq!((sig(0.0), tanh(0.0)), (0.25, 1.0));
    }
}
