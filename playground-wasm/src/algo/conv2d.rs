//! 2-D convolution (cross-correlation, as in every deep-learning framework)
//! with several input and output channels, bias, stride, padding and
//! dilation: the forward pass window by window, and the backward pass
//! (∂L/∂x, ∂L/∂W, ∂L/∂b) for a given upstream gradient ∂L/∂y.

use crate::trace::{check, InputError, Recorder, Value};

pub const MAX_CHANNELS: usize = 8;
pub const MAX_SIDE: usize = 64;
pub const MAX_KERNEL: usize = 7;
pub const MAX_STRIDE: usize = 4;
pub const MAX_PADDING: usize = 3;
pub const MAX_DILATION: usize = 3;

/// Tensors are row-major: `x` is `[c_in, h, w]`, `weight` is
/// `[c_out, c_in, kh, kw]`, `grad_out` is `[c_out, out_h, out_w]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d {
    pub c_in: usize,
    pub h: usize,
    pub w: usize,
    pub c_out: usize,
    pub kh: usize,
    pub kw: usize,
    pub x: Vec<f64>,
    pub weight: Vec<f64>,
    pub bias: Vec<f64>,
    pub stride: usize,
    pub padding: usize,
    pub dilation: usize,
    pub grad_out: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conv2dResult {
    pub out_h: usize,
    pub out_w: usize,
    pub y: Vec<f64>,
    pub grad_x: Vec<f64>,
    pub grad_weight: Vec<f64>,
    pub grad_bias: Vec<f64>,
}

/// Output length along one axis, `None` when the dilated kernel does not fit.
pub fn out_len(
    n: usize,
    k: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Option<usize> {
    let span = dilation * (k.max(1) - 1) + 1;
    (n + 2 * padding)
        .checked_sub(span)
        .map(|r| r / stride.max(1) + 1)
}

impl Conv2d {
    pub fn out_shape(&self) -> (usize, usize) {
        let oh = out_len(self.h, self.kh, self.stride, self.padding, self.dilation).unwrap_or(0);
        let ow = out_len(self.w, self.kw, self.stride, self.padding, self.dilation).unwrap_or(0);
        (oh, ow)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        check::range("x (channels)", self.c_in, 1, MAX_CHANNELS)?;
        check::range("x (height)", self.h, 1, MAX_SIDE)?;
        check::range("x (width)", self.w, 1, MAX_SIDE)?;
        check::range("weight (output channels)", self.c_out, 1, MAX_CHANNELS)?;
        check::range("weight (kernel height)", self.kh, 1, MAX_KERNEL)?;
        check::range("weight (kernel width)", self.kw, 1, MAX_KERNEL)?;
        check::range("stride", self.stride, 1, MAX_STRIDE)?;
        check::range("padding", self.padding, 0, MAX_PADDING)?;
        check::range("dilation", self.dilation, 1, MAX_DILATION)?;
        let (c, o) = (self.c_in, self.c_out);
        check::len(
            "x",
            &self.x,
            c * self.h * self.w,
            &format!("[{c}, {}, {}]", self.h, self.w),
        )?;
        let wshape = format!("[{o}, {c}, {}, {}]", self.kh, self.kw);
        check::len("weight", &self.weight, o * c * self.kh * self.kw, &wshape)?;
        check::len("bias", &self.bias, o, &format!("[{o}]"))?;
        let (oh, ow) = self.out_shape();
        if oh == 0 || ow == 0 {
            return Err(InputError::new(
                "weight",
                "空洞后的卷积核比填充后的输入还大，没有输出",
                "the dilated kernel is larger than the padded input: there is no output",
            ));
        }
        check::len(
            "grad_out",
            &self.grad_out,
            o * oh * ow,
            &format!("[{o}, {oh}, {ow}]"),
        )?;
        for (name, v) in [
            ("x", &self.x),
            ("weight", &self.weight),
            ("bias", &self.bias),
            ("grad_out", &self.grad_out),
        ] {
            check::numbers(name, v)?;
        }
        Ok(())
    }
}

// ▼ playground source
pub fn conv2d<R: Recorder>(a: &Conv2d, rec: &mut R) -> Conv2dResult {
    let (c_in, h, w, c_out, kh, kw) = (a.c_in, a.h, a.w, a.c_out, a.kh, a.kw);
    let (s, p, d) = (a.stride, a.padding, a.dilation);
    let (oh, ow) = a.out_shape(); // (h + 2p − d(kh − 1) − 1) / s + 1
    step!(
        rec,
        true,
        "setup",
        format!("输出大小：({h} + 2·{p} − {d}·({kh}−1) − 1)/{s} + 1 = {oh}，宽同理得 {ow}"),
        format!(
            "Output size: ({h} + 2·{p} − {d}·({kh}−1) − 1)/{s} + 1 = {oh}; likewise width {ow}"
        ),
        [
            Value::tensor("x", &[c_in, h, w], &a.x),
            Value::tensor("W", &[c_out, c_in, kh, kw], &a.weight),
            Value::vector("b", &a.bias)
        ]
    );

    // Input cell under kernel tap (ky, kx) of output cell (oy, ox); None in the padding.
    let cell = |oy: usize, ox: usize, ky: usize, kx: usize| -> Option<(usize, usize)> {
        let iy = (oy * s + ky * d).checked_sub(p).filter(|&iy| iy < h)?;
        let ix = (ox * s + kx * d).checked_sub(p).filter(|&ix| ix < w)?;
        Some((iy, ix))
    };

    // Forward: each output cell is bias + Σ over channels and taps of x · W.
    let mut y = vec![0.0; c_out * oh * ow];
    for o in 0..c_out {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut sum = a.bias[o];
                for c in 0..c_in {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            if let Some((iy, ix)) = cell(oy, ox, ky, kx) {
                                sum += a.x[(c * h + iy) * w + ix]
                                    * a.weight[((o * c_in + c) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = sum;
                step!(rec, false, "fwd", format!("输出通道 {o} 的 ({oy}, {ox})：窗口与卷积核逐元素相乘，求和，加偏置"),
                    format!("Output channel {o} at ({oy}, {ox}): window times kernel, summed, plus the bias"),
                    values: window_values(a, o, oy, ox, None, sum), {"input" => window_cells(a, oy, ox, true),
                    "padding" => window_cells(a, oy, ox, false), "kernel" => crate::trace::one(o),
                    "output" => vec![vec![o as i64, oy as i64, ox as i64]]});
            }
        }
    }
    step!(
        rec,
        true,
        "fwd_done",
        "前向传播完成",
        "Forward pass done",
        [Value::tensor("y", &[c_out, oh, ow], &y)]
    );

    // Backward: each output cell sends its gradient g back along the same taps:
    // ∂L/∂x[tap] += g · W[tap], ∂L/∂W[tap] += g · x[tap], ∂L/∂b[o] += g.
    let mut grad_x = vec![0.0; a.x.len()];
    let mut grad_weight = vec![0.0; a.weight.len()];
    let mut grad_bias = vec![0.0; c_out];
    for o in 0..c_out {
        for oy in 0..oh {
            for ox in 0..ow {
                let g = a.grad_out[(o * oh + oy) * ow + ox];
                grad_bias[o] += g;
                for c in 0..c_in {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            if let Some((iy, ix)) = cell(oy, ox, ky, kx) {
                                let (xi, wi) =
                                    ((c * h + iy) * w + ix, ((o * c_in + c) * kh + ky) * kw + kx);
                                grad_x[xi] += g * a.weight[wi];
                                grad_weight[wi] += g * a.x[xi];
                            }
                        }
                    }
                }
                step!(rec, false, "bwd", format!("反向：输出 ({o}, {oy}, {ox}) 的梯度 g 沿同样的连接传回窗口（g·W）和卷积核（g·x）"),
                    format!("Backward: the gradient g of output ({o}, {oy}, {ox}) flows back along the same taps, to the window (g·W) and the kernel (g·x)"),
                    values: window_values(a, o, oy, ox, Some(g), 0.0), {"input" => window_cells(a, oy, ox, true),
                    "kernel" => crate::trace::one(o), "output" => vec![vec![o as i64, oy as i64, ox as i64]]});
            }
        }
    }
    step!(
        rec,
        true,
        "bwd_done",
        "反向传播完成：∂L/∂x、∂L/∂W、∂L/∂b",
        "Backward pass done: ∂L/∂x, ∂L/∂W, ∂L/∂b",
        [
            Value::tensor("∂L/∂y", &[c_out, oh, ow], &a.grad_out),
            Value::tensor("∂L/∂x", &[c_in, h, w], &grad_x),
            Value::tensor("∂L/∂W", &[c_out, c_in, kh, kw], &grad_weight),
            Value::vector("∂L/∂b", &grad_bias)
        ]
    );

    Conv2dResult {
        out_h: oh,
        out_w: ow,
        y,
        grad_x,
        grad_weight,
        grad_bias,
    }
}
// ▲ playground source

/// The input cell kernel cell `(ky, kx)` reads for output `(oy, ox)`, and
/// whether it lies inside the input (not in the padding).
fn tap(a: &Conv2d, oy: usize, ox: usize, ky: usize, kx: usize) -> (i64, i64, bool) {
    let iy = (oy * a.stride + ky * a.dilation) as i64 - a.padding as i64;
    let ix = (ox * a.stride + kx * a.dilation) as i64 - a.padding as i64;
    let within = iy >= 0 && ix >= 0 && (iy as usize) < a.h && (ix as usize) < a.w;
    (iy, ix, within)
}

/// Input cells `[c, y, x]` of one window: inside the input (`inside`), or in
/// the padding (coordinates may be negative or past the edge).
fn window_cells(a: &Conv2d, oy: usize, ox: usize, inside: bool) -> Vec<Vec<i64>> {
    let mut cells = Vec::new();
    for c in 0..a.c_in {
        for ky in 0..a.kh {
            for kx in 0..a.kw {
                let (iy, ix, within) = tap(a, oy, ox, ky, kx);
                if within == inside {
                    cells.push(vec![c as i64, iy, ix]);
                }
            }
        }
    }
    cells
}

/// The values shown for one window: the window (zeros in the padding), the
/// kernel, and either their products and the output (forward) or the
/// gradient's contributions (backward, `grad = Some(g)`).
fn window_values(
    a: &Conv2d,
    o: usize,
    oy: usize,
    ox: usize,
    grad: Option<f64>,
    out: f64,
) -> Vec<Value> {
    let shape = [a.c_in, a.kh, a.kw];
    let n = a.c_in * a.kh * a.kw;
    let mut win = Vec::with_capacity(n);
    for c in 0..a.c_in {
        for ky in 0..a.kh {
            for kx in 0..a.kw {
                let (iy, ix, within) = tap(a, oy, ox, ky, kx);
                win.push(if within {
                    a.x[(c * a.h + iy as usize) * a.w + ix as usize]
                } else {
                    0.0
                });
            }
        }
    }
    let kernel = &a.weight[o * n..(o + 1) * n];
    match grad {
        None => {
            let prod: Vec<f64> = win.iter().zip(kernel).map(|(x, k)| x * k).collect();
            vec![
                Value::tensor("window", &shape, &win),
                Value::tensor("kernel", &shape, kernel),
                Value::tensor("window ⊙ kernel", &shape, &prod),
                Value::scalar("bias", a.bias[o]),
                Value::scalar("y", out),
            ]
        }
        Some(g) => {
            let to_x: Vec<f64> = kernel.iter().map(|k| g * k).collect();
            let to_w: Vec<f64> = win.iter().map(|x| g * x).collect();
            vec![
                Value::scalar("g", g),
                Value::tensor("window", &shape, &win),
                Value::tensor("kernel", &shape, kernel),
                Value::tensor("g·kernel → ∂L/∂x", &shape, &to_x),
                Value::tensor("g·window → ∂L/∂W", &shape, &to_w),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    /// A deterministic pseudo-random sample with awkward settings.
    pub(crate) fn sample(stride: usize, padding: usize, dilation: usize) -> Conv2d {
        let (c_in, h, w, c_out, kh, kw) = (2, 6, 5, 3, 3, 2);
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let x = (0..c_in * h * w).map(|_| next()).collect();
        let weight = (0..c_out * c_in * kh * kw).map(|_| next()).collect();
        let bias = (0..c_out).map(|_| next()).collect();
        let mut a = Conv2d {
            c_in,
            h,
            w,
            c_out,
            kh,
            kw,
            x,
            weight,
            bias,
            stride,
            padding,
            dilation,
            grad_out: vec![],
        };
        let (oh, ow) = a.out_shape();
        a.grad_out = (0..c_out * oh * ow).map(|_| next()).collect();
        a
    }

    fn loss(a: &Conv2d) -> f64 {
        let r = conv2d(a, &mut NoTrace);
        r.y.iter().zip(&a.grad_out).map(|(y, g)| y * g).sum()
    }

    #[test]
    fn gradients_match_finite_differences() {
        for (s, p, d) in [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)] {
            let a = sample(s, p, d);
            a.validate().unwrap();
            let r = conv2d(&a, &mut NoTrace);
            let h = 1e-5;
            let fields: [(fn(&mut Conv2d) -> &mut Vec<f64>, &Vec<f64>); 3] = [
                (|a| &mut a.x, &r.grad_x),
                (|a| &mut a.weight, &r.grad_weight),
                (|a| &mut a.bias, &r.grad_bias),
            ];
            for (field, grad) in fields {
                for i in 0..grad.len() {
                    let (mut plus, mut minus) = (a.clone(), a.clone());
                    field(&mut plus)[i] += h;
                    field(&mut minus)[i] -= h;
                    let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
                    assert!(
                        (fd - grad[i]).abs() < 1e-9,
                        "s{s} p{p} d{d} [{i}]: {fd} vs {}",
                        grad[i]
                    );
                }
            }
        }
    }

    #[test]
    fn three_by_three_by_hand() {
        // x = 1..9, a 3×3 kernel of ones, padding 1: each output sums its neighbourhood.
        let a = Conv2d {
            c_in: 1,
            h: 3,
            w: 3,
            c_out: 1,
            kh: 3,
            kw: 3,
            x: (1..=9).map(f64::from).collect(),
            weight: vec![1.0; 9],
            bias: vec![0.5],
            stride: 1,
            padding: 1,
            dilation: 1,
            grad_out: vec![1.0; 9],
        };
        a.validate().unwrap();
        let r = conv2d(&a, &mut NoTrace);
        let expect = [12.0, 21.0, 16.0, 27.0, 45.0, 33.0, 24.0, 39.0, 28.0];
        let got: Vec<f64> = r.y.iter().map(|y| y - 0.5).collect();
        assert_eq!(got, expect);
        // With ∂L/∂y = 1, ∂L/∂x counts the windows covering each cell.
        assert_eq!(r.grad_x, vec![4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0]);
        assert_eq!(r.grad_bias, vec![9.0]);
        // Stride 2, no padding, 2×2 kernel [[1, 0], [0, −1]]: x[i] − x[i + 4] = −4.
        let b = Conv2d {
            kh: 2,
            kw: 2,
            weight: vec![1.0, 0.0, 0.0, -1.0],
            padding: 0,
            stride: 2,
            grad_out: vec![1.0],
            ..a
        };
        b.validate().unwrap();
        assert_eq!(conv2d(&b, &mut NoTrace).y, vec![-3.5]);
    }

    #[test]
    fn traced_equals_untraced_and_records_windows() {
        let a = sample(2, 1, 1);
        let mut t = Trace::default();
        let r = conv2d(&a, &mut t);
        assert_eq!(r, conv2d(&a, &mut NoTrace));
        let windows = t.steps.iter().filter(|s| s.tag == "fwd").count();
        assert_eq!(windows, a.c_out * r.out_h * r.out_w);
        let last = t.steps.last().unwrap();
        assert_eq!(last.values[1].data, r.grad_x);
        // Each forward step's products sum (with the bias) to its output.
        for s in t.steps.iter().filter(|s| s.tag == "fwd") {
            let total: f64 = s.values[2].data.iter().sum::<f64>() + s.values[3].data[0];
            assert!((total - s.values[4].data[0]).abs() < 1e-12);
        }
    }

    #[test]
    fn validation_rejects_bad_shapes() {
        let mut a = sample(1, 0, 1);
        a.kh = 7;
        a.kw = 7;
        a.dilation = 3;
        assert_eq!(a.validate().unwrap_err().field, "weight");
        let mut a = sample(1, 0, 1);
        a.h = 65;
        assert_eq!(a.validate().unwrap_err().field, "x (height)");
        let mut a = sample(1, 0, 1);
        a.grad_out.push(1.0);
        assert_eq!(a.validate().unwrap_err().field, "grad_out");
        let mut a = sample(1, 0, 1);
        a.stride = 0;
        assert_eq!(a.validate().unwrap_err().field, "stride");
    }
}
