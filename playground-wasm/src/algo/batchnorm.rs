//! Batch normalization over a batch of feature vectors (`x` is `[n, d]`):
//! training-mode forward (batch statistics, running averages with
//! momentum), eval-mode forward (running statistics), and the backward pass
//! in the compact form.
//!
//! Conventions follow PyTorch's `BatchNorm1d`: normalisation uses the biased
//! batch variance, the running variance is updated with the unbiased one,
//! `running = (1 − momentum)·running + momentum·batch`.

use crate::json::Num;
use crate::trace::{check, InputError, Recorder, Value};

pub const MAX_BATCH: usize = 64;
pub const MAX_FEATURES: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm {
    pub n: usize,
    pub d: usize,
    pub x: Vec<f64>,
    pub gamma: Vec<f64>,
    pub beta: Vec<f64>,
    pub running_mean: Vec<f64>,
    pub running_var: Vec<f64>,
    pub momentum: f64,
    pub eps: f64,
    pub training: bool,
    /// Upstream gradient ∂L/∂y, `[n, d]`.
    pub grad_out: Vec<f64>,
    /// The shape `grad_out` was given in; it must be `[n, d]`.
    pub grad_out_shape: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormResult {
    /// The statistics used to normalise: the batch's (training) or the running ones (eval).
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
    pub x_hat: Vec<f64>,
    pub y: Vec<f64>,
    pub running_mean: Vec<f64>,
    pub running_var: Vec<f64>,
    pub grad_x: Vec<f64>,
    pub grad_gamma: Vec<f64>,
    pub grad_beta: Vec<f64>,
}

impl BatchNorm {
    pub fn validate(&self) -> Result<(), InputError> {
        check::range(
            "x (batch)",
            self.n,
            if self.training { 2 } else { 1 },
            MAX_BATCH,
        )?;
        check::range("x (features)", self.d, 1, MAX_FEATURES)?;
        let (n, d) = (self.n, self.d);
        check::len("x", &self.x, n * d, &format!("[{n}, {d}]"))?;
        check::shape("grad_out", &self.grad_out_shape, &[n, d])?;
        check::len("grad_out", &self.grad_out, n * d, &format!("[{n}, {d}]"))?;
        for (name, v) in [
            ("gamma", &self.gamma),
            ("beta", &self.beta),
            ("running_mean", &self.running_mean),
            ("running_var", &self.running_var),
        ] {
            check::len(name, v, d, &format!("[{d}]"))?;
        }
        for (name, v) in [
            ("x", &self.x),
            ("grad_out", &self.grad_out),
            ("gamma", &self.gamma),
            ("beta", &self.beta),
            ("running_mean", &self.running_mean),
            ("running_var", &self.running_var),
        ] {
            check::numbers(name, v)?;
        }
        if self.running_var.iter().any(|&v| v < 0.0) {
            return Err(InputError::new(
                "running_var",
                "running_var 不能为负",
                "running_var cannot be negative",
            ));
        }
        check::scalar("momentum", self.momentum, 0.0, 1.0)?;
        check::scalar("eps", self.eps, 1e-12, 1.0)?;
        if self.eps <= 0.0 {
            return Err(InputError::new(
                "eps",
                "eps 必须为正",
                "eps must be positive",
            ));
        }
        Ok(())
    }
}

// ▼ playground source
pub fn batchnorm<R: Recorder>(p: &BatchNorm, rec: &mut R) -> BatchNormResult {
    let (n, d, nf) = (p.n, p.d, p.n as f64);
    step!(
        rec,
        true,
        "setup",
        if p.training {
            "训练模式：用这一批的均值和方差归一化"
        } else {
            "推理模式：用滑动平均的均值和方差归一化"
        },
        if p.training {
            "Training mode: normalise with this batch's mean and variance"
        } else {
            "Eval mode: normalise with the running mean and variance"
        },
        [
            Value::tensor("x", &[n, d], &p.x),
            Value::vector("γ", &p.gamma),
            Value::vector("β", &p.beta)
        ]
    );

    // Statistics per feature (column): the batch's in training, the running ones in eval.
    let (mut mean, mut var) = (p.running_mean.clone(), p.running_var.clone());
    let (mut running_mean, mut running_var) = (p.running_mean.clone(), p.running_var.clone());
    if p.training {
        for j in 0..d {
            let col = |i: usize| p.x[i * d + j];
            // The mean, then one correction pass: Σ(x − μ)/n puts back what
            // rounding the sum lost, so a constant column has exactly its
            // value as mean and exactly 0 as variance (not 10⁻³⁴).
            let rough = (0..n).map(col).sum::<f64>() / nf;
            mean[j] = rough + (0..n).map(|i| col(i) - rough).sum::<f64>() / nf;
            var[j] = (0..n).map(|i| (col(i) - mean[j]).powi(2)).sum::<f64>() / nf; // biased
            step!(rec, false, "stats", format!("第 {j} 个特征：批均值与（有偏）批方差{}", if var[j] == 0.0 { "；这一列是常数：σ² = 0，所以 x̂ = 0、y = β" } else { "" }),
                format!("Feature {j}: batch mean and (biased) batch variance{}", if var[j] == 0.0 { "; the column is constant: σ² = 0, so x̂ = 0 and y = β" } else { "" }),
                [Value::vector("x[:, j]", &(0..n).map(col).collect::<Vec<_>>()), Value::scalar("μ", mean[j]), Value::scalar("σ²", var[j])],
                {"column" => crate::trace::one(j)});
            running_mean[j] = (1.0 - p.momentum) * p.running_mean[j] + p.momentum * mean[j];
            running_var[j] =
                (1.0 - p.momentum) * p.running_var[j] + p.momentum * var[j] * nf / (nf - 1.0);
        }
        step!(rec, true, "running", format!("更新滑动平均（动量 {}）：方差用无偏估计 σ²·n/(n−1)", Num(p.momentum)),
            format!("Update the running averages (momentum {}), the variance with the unbiased σ²·n/(n−1)", Num(p.momentum)),
            [Value::vector("μ", &mean), Value::vector("σ²", &var), Value::vector("running_mean", &running_mean), Value::vector("running_var", &running_var)]);
    }

    // Normalise, then scale and shift: x̂ = (x − μ)/√(σ² + ε), y = γ x̂ + β.
    let inv_std: Vec<f64> = var.iter().map(|v| 1.0 / (v + p.eps).sqrt()).collect();
    let mut x_hat = vec![0.0; n * d];
    let mut y = vec![0.0; n * d];
    for i in 0..n {
        for j in 0..d {
            x_hat[i * d + j] = (p.x[i * d + j] - mean[j]) * inv_std[j];
            y[i * d + j] = p.gamma[j] * x_hat[i * d + j] + p.beta[j];
        }
    }
    step!(
        rec,
        true,
        "normalize",
        "归一化 x̂ = (x − μ)/√(σ² + ε)，再缩放平移 y = γ·x̂ + β",
        "Normalise x̂ = (x − μ)/√(σ² + ε), then scale and shift y = γ·x̂ + β",
        [
            Value::vector("1/√(σ²+ε)", &inv_std),
            Value::tensor("x̂", &[n, d], &x_hat),
            Value::tensor("y", &[n, d], &y)
        ]
    );

    // Backward: ∂L/∂β = Σ dy, ∂L/∂γ = Σ dy·x̂ (sums over the batch).
    step!(rec, backward);
    let dy = &p.grad_out;
    let mut grad_beta = vec![0.0; d];
    let mut grad_gamma = vec![0.0; d];
    for i in 0..n {
        for j in 0..d {
            grad_beta[j] += dy[i * d + j];
            grad_gamma[j] += dy[i * d + j] * x_hat[i * d + j];
        }
    }
    step!(
        rec,
        true,
        "dgamma",
        "∂L/∂β = Σᵢ dy，∂L/∂γ = Σᵢ dy·x̂",
        "∂L/∂β = Σᵢ dy, ∂L/∂γ = Σᵢ dy·x̂",
        [
            Value::tensor("dy", &[n, d], dy),
            Value::vector("∂L/∂γ", &grad_gamma),
            Value::vector("∂L/∂β", &grad_beta)
        ]
    );

    // ∂L/∂x. Training (μ and σ² depend on x), the compact form:
    //   dx = γ/(n·√(σ²+ε)) · (n·dy − Σ dy − x̂·Σ dy·x̂)
    // Eval (statistics are constants): dx = γ·dy/√(σ²+ε).
    let mut grad_x = vec![0.0; n * d];
    for i in 0..n {
        for j in 0..d {
            let k = i * d + j;
            grad_x[k] = if p.training {
                p.gamma[j] * inv_std[j] / nf
                    * (nf * dy[k] - grad_beta[j] - x_hat[k] * grad_gamma[j])
            } else {
                p.gamma[j] * inv_std[j] * dy[k]
            };
        }
    }
    step!(
        rec,
        true,
        "dx",
        if p.training {
            "∂L/∂x 的紧凑形式：γ/(n√(σ²+ε))·(n·dy − Σdy − x̂·Σ(dy·x̂))"
        } else {
            "推理模式下统计量是常数：∂L/∂x = γ·dy/√(σ²+ε)"
        },
        if p.training {
            "∂L/∂x in the compact form: γ/(n√(σ²+ε))·(n·dy − Σdy − x̂·Σ(dy·x̂))"
        } else {
            "In eval mode the statistics are constants: ∂L/∂x = γ·dy/√(σ²+ε)"
        },
        [
            Value::tensor("∂L/∂x", &[n, d], &grad_x),
            Value::vector("∂L/∂γ", &grad_gamma),
            Value::vector("∂L/∂β", &grad_beta)
        ]
    );

    BatchNormResult {
        mean,
        var,
        x_hat,
        y,
        running_mean,
        running_var,
        grad_x,
        grad_gamma,
        grad_beta,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    pub(crate) fn sample(training: bool) -> BatchNorm {
        let (n, d) = (5, 3);
        let x = vec![
            1.0, -2.0, 0.5, 3.0, 0.0, 1.5, -1.0, 4.0, 2.5, 0.5, 1.0, -0.5, 2.0, -3.0, 0.0,
        ];
        let grad_out = vec![
            0.1, -0.3, 0.2, 0.7, 0.05, -0.4, -0.2, 0.6, 0.3, 0.45, -0.15, 0.25, -0.5, 0.35, 0.1,
        ];
        BatchNorm {
            n,
            d,
            x,
            grad_out,
            gamma: vec![1.5, 0.5, -1.0],
            beta: vec![0.1, -0.2, 0.3],
            running_mean: vec![0.2, 0.1, -0.1],
            running_var: vec![1.2, 0.8, 2.0],
            momentum: 0.1,
            eps: 1e-5,
            training,
            grad_out_shape: vec![n, d],
        }
    }

    fn loss(p: &BatchNorm) -> f64 {
        let r = batchnorm(p, &mut NoTrace);
        r.y.iter().zip(&p.grad_out).map(|(y, g)| y * g).sum()
    }

    #[test]
    fn gradients_match_finite_differences() {
        for training in [true, false] {
            let p = sample(training);
            p.validate().unwrap();
            let r = batchnorm(&p, &mut NoTrace);
            let h = 1e-6;
            let fields: [(fn(&mut BatchNorm) -> &mut Vec<f64>, &Vec<f64>); 3] = [
                (|p| &mut p.x, &r.grad_x),
                (|p| &mut p.gamma, &r.grad_gamma),
                (|p| &mut p.beta, &r.grad_beta),
            ];
            for (field, grad) in fields {
                for i in 0..grad.len() {
                    let (mut plus, mut minus) = (p.clone(), p.clone());
                    field(&mut plus)[i] += h;
                    field(&mut minus)[i] -= h;
                    let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
                    assert!(
                        (fd - grad[i]).abs() < 1e-8,
                        "train={training} [{i}]: {fd} vs {}",
                        grad[i]
                    );
                }
            }
        }
    }

    #[test]
    fn statistics_by_hand() {
        // Two samples [1, 3] of one feature: μ = 2, σ² = 1, x̂ = [−1, 1] (ε ≈ 0).
        let p = BatchNorm {
            n: 2,
            d: 1,
            x: vec![1.0, 3.0],
            gamma: vec![2.0],
            beta: vec![0.5],
            running_mean: vec![0.0],
            running_var: vec![1.0],
            momentum: 0.5,
            eps: 1e-12,
            training: true,
            grad_out: vec![1.0, 1.0],
            grad_out_shape: vec![2, 1],
        };
        p.validate().unwrap();
        let r = batchnorm(&p, &mut NoTrace);
        assert_eq!((r.mean[0], r.var[0]), (2.0, 1.0));
        assert!((r.y[0] + 1.5).abs() < 1e-9 && (r.y[1] - 2.5).abs() < 1e-9);
        // Running: mean 0.5·0 + 0.5·2 = 1; var 0.5·1 + 0.5·(1·2/1) = 1.5.
        assert_eq!((r.running_mean[0], r.running_var[0]), (1.0, 1.5));
        // A constant upstream gradient does not change x at all.
        assert!(r.grad_x.iter().all(|g| g.abs() < 1e-9));
        // Training output has zero mean and unit (biased) variance per feature.
        let r = batchnorm(&sample(true), &mut NoTrace);
        for j in 0..3 {
            let col: Vec<f64> = (0..5).map(|i| r.x_hat[i * 3 + j]).collect();
            let m = col.iter().sum::<f64>() / 5.0;
            let v = col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 5.0;
            assert!(m.abs() < 1e-12 && (v - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        for training in [true, false] {
            let p = sample(training);
            let mut t = Trace::default();
            let r = batchnorm(&p, &mut t);
            assert_eq!(r, batchnorm(&p, &mut NoTrace));
            assert_eq!(t.steps.last().unwrap().values[0].data, r.grad_x);
        }
        let mut p = sample(true);
        p.n = 1;
        p.x.truncate(3);
        p.grad_out.truncate(3);
        assert_eq!(p.validate().unwrap_err().field, "x (batch)");
        let mut p = sample(false);
        p.running_var[0] = -1.0;
        assert_eq!(p.validate().unwrap_err().field, "running_var");
        let mut p = sample(false);
        p.gamma.push(1.0);
        assert_eq!(p.validate().unwrap_err().field, "gamma");
    }

    /// Issue #16, defect 9: a constant column showed var = 1.9e-34 and
    /// y = 0.499999999999996. By hand: a constant column has mean c,
    /// variance 0, x̂ = 0 and y = β exactly, for every c and n.
    #[test]
    fn a_constant_column_has_variance_zero_and_y_equal_to_beta() {
        for c in [0.1, 0.3, 0.7, 1.1, 123.456, -0.45, 999_999.9] {
            for n in [2, 3, 6, 7, 10, 64] {
                let p = BatchNorm {
                    n,
                    d: 1,
                    x: vec![c; n],
                    gamma: vec![1.5],
                    beta: vec![0.5],
                    running_mean: vec![0.0],
                    running_var: vec![1.0],
                    momentum: 0.1,
                    eps: 1e-5,
                    training: true,
                    grad_out: (0..n).map(|i| i as f64).collect(),
                    grad_out_shape: vec![n, 1],
                };
                p.validate().unwrap();
                let r = batchnorm(&p, &mut NoTrace);
                assert_eq!((r.mean[0], r.var[0]), (c, 0.0), "c = {c}, n = {n}");
                assert!(r.x_hat.iter().all(|&v| v == 0.0), "c = {c}, n = {n}");
                assert!(r.y.iter().all(|&v| v == 0.5), "c = {c}, n = {n}: {:?}", r.y);
                assert_eq!(r.grad_gamma, vec![0.0]);
                let mut t = Trace::default();
                batchnorm(&p, &mut t);
                let stats = t.steps.iter().find(|s| s.tag == "stats").unwrap();
                assert!(stats.en.contains("the column is constant"), "{}", stats.en);
            }
        }
    }
}
