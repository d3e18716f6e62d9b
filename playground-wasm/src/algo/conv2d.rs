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
    /// The shape `grad_out` was given in; it must be `[c_out, out_h, out_w]`
    /// (the count alone would accept a transposed gradient).
    pub grad_out_shape: Vec<usize>,
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
        check::shape("grad_out", &self.grad_out_shape, &[o, oh, ow])?;
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
    let (oh, ow) = a.out_shape(); // ⌊(h + 2p − d(kh − 1) − 1) / s⌋ + 1
    step!(
        rec,
        true,
        "setup",
        format!("输出大小：高 ⌊({h} + 2·{p} − {d}·({kh}−1) − 1)/{s}⌋ + 1 = ⌊{}/{s}⌋ + 1 = {oh}，宽 ⌊({w} + 2·{p} − {d}·({kw}−1) − 1)/{s}⌋ + 1 = ⌊{}/{s}⌋ + 1 = {ow}", oh_num(a), ow_num(a)),
        format!("Output size: height ⌊({h} + 2·{p} − {d}·({kh}−1) − 1)/{s}⌋ + 1 = ⌊{}/{s}⌋ + 1 = {oh}, width ⌊({w} + 2·{p} − {d}·({kw}−1) − 1)/{s}⌋ + 1 = ⌊{}/{s}⌋ + 1 = {ow}", oh_num(a), ow_num(a)),
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
                step!(rec, false, "fwd", format!("输出通道 {o} 的 ({oy}, {ox})：窗口与卷积核逐元素相乘，从偏置开始逐个累加（部分和）{}", pad_note(a, oy, ox, true, false)),
                    format!("Output channel {o} at ({oy}, {ox}): window times kernel, added one tap at a time onto the bias (the running sum){}", pad_note(a, oy, ox, false, false)),
                    values: window_values(a, o, oy, ox, sum), {"input" => window_cells(a, oy, ox, true),
                    "padding" => window_cells(a, oy, ox, false), "taps_padding" => padding_taps(a, oy, ox),
                    "kernel" => crate::trace::one(o), "output" => vec![vec![o as i64, oy as i64, ox as i64]]});
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
    step!(rec, backward);
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
                step!(rec, false, "bwd", format!("反向：输出 ({o}, {oy}, {ox}) 的梯度 g 沿同样的连接传回：g·W 累加到窗口处的 ∂L/∂x，g·x 累加到 ∂L/∂W[{o}]，g 累加到 ∂L/∂b[{o}]{}", pad_note(a, oy, ox, true, true)),
                    format!("Backward: the gradient g of output ({o}, {oy}, {ox}) flows back along the same taps: g·W is added to ∂L/∂x under the window, g·x to ∂L/∂W[{o}], g to ∂L/∂b[{o}]{}", pad_note(a, oy, ox, false, true)),
                    values: backward_values(a, o, oy, ox, g, [&grad_x, &grad_weight, &grad_bias]),
                    {"input" => window_cells(a, oy, ox, true), "padding" => window_cells(a, oy, ox, false),
                    "taps_padding" => padding_taps(a, oy, ox), "kernel" => crate::trace::one(o),
                    "output" => vec![vec![o as i64, oy as i64, ox as i64]]});
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

/// The numerator of the output-height formula, h + 2p − d(kh − 1) − 1.
fn oh_num(a: &Conv2d) -> usize {
    (a.h + 2 * a.padding).saturating_sub(a.dilation * (a.kh - 1) + 1)
}

/// The numerator of the output-width formula, w + 2p − d(kw − 1) − 1.
fn ow_num(a: &Conv2d) -> usize {
    (a.w + 2 * a.padding).saturating_sub(a.dilation * (a.kw - 1) + 1)
}

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

/// The taps `[c, ky, kx]` of one window that fall in the padding (indices
/// into the window-shaped values).
fn padding_taps(a: &Conv2d, oy: usize, ox: usize) -> Vec<Vec<i64>> {
    let mut taps = Vec::new();
    for c in 0..a.c_in {
        for ky in 0..a.kh {
            for kx in 0..a.kw {
                if !tap(a, oy, ox, ky, kx).2 {
                    taps.push(vec![c as i64, ky as i64, kx as i64]);
                }
            }
        }
    }
    taps
}

/// The end of a window's sentence: how many of its taps lie in the padding.
fn pad_note(a: &Conv2d, oy: usize, ox: usize, zh: bool, backward: bool) -> String {
    let n = a.c_in * a.kh * a.kw;
    let k = padding_taps(a, oy, ox).len();
    match (k, zh, backward) {
        (0, _, _) => String::new(),
        (_, true, false) => format!("；{n} 个位置中有 {k} 个落在零填充里，乘积为 0"),
        (_, false, false) => format!("; {k} of the {n} taps are in the zero padding and add 0"),
        (_, true, true) => {
            format!("；{n} 个位置中有 {k} 个落在填充里：填充不是输入，没有梯度，这些 g·W 被丢弃")
        }
        (_, false, true) => format!(
            "; {k} of the {n} taps are in the padding, which is not an input: their g·W is dropped"
        ),
    }
}

/// The window (zeros in the padding) and the kernel of one output cell.
fn window_and_kernel(a: &Conv2d, o: usize, oy: usize, ox: usize) -> (Vec<f64>, &[f64]) {
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
    (win, &a.weight[o * n..(o + 1) * n])
}

/// A forward window: the window, the kernel, their products, the running
/// sum (the bias plus the products so far, in the loop's order: its last
/// cell is the output) and the output.
fn window_values(a: &Conv2d, o: usize, oy: usize, ox: usize, y: f64) -> Vec<Value> {
    let shape = [a.c_in, a.kh, a.kw];
    let (win, kernel) = window_and_kernel(a, o, oy, ox);
    let prod: Vec<f64> = win.iter().zip(kernel).map(|(x, k)| x * k).collect();
    let mut sum = a.bias[o];
    let running: Vec<f64> = prod
        .iter()
        .map(|t| {
            sum += t;
            sum
        })
        .collect();
    vec![
        Value::tensor("window", &shape, &win),
        Value::tensor("kernel", &shape, kernel),
        Value::tensor("window ⊙ kernel", &shape, &prod),
        Value::scalar("bias", a.bias[o]),
        Value::tensor("running sum", &shape, &running),
        Value::scalar("y", y),
    ]
}

/// A backward window: g, the window and the kernel, what this output adds
/// to ∂L/∂x (g·W; nothing at padding taps) and to ∂L/∂W (g·x), and the
/// gradients accumulated so far (`grads` = ∂L/∂x, ∂L/∂W, ∂L/∂b).
fn backward_values(
    a: &Conv2d,
    o: usize,
    oy: usize,
    ox: usize,
    g: f64,
    grads: [&[f64]; 3],
) -> Vec<Value> {
    let shape = [a.c_in, a.kh, a.kw];
    let (win, kernel) = window_and_kernel(a, o, oy, ox);
    let mut to_x: Vec<f64> = kernel.iter().map(|k| g * k).collect();
    for t in padding_taps(a, oy, ox) {
        to_x[((t[0] as usize) * a.kh + t[1] as usize) * a.kw + t[2] as usize] = 0.0;
    }
    let to_w: Vec<f64> = win.iter().map(|x| g * x).collect();
    // All of ∂L/∂x while it is small; for a large input only its cells under
    // the window (0 at padding taps), so that a step stays cheap to record
    // and to draw, and the budget leaves room for many backward steps.
    let grad_x = if a.x.len() <= MAX_SHOWN_GRAD_X {
        Value::tensor("∂L/∂x so far", &[a.c_in, a.h, a.w], grads[0])
    } else {
        let mut under = vec![0.0; shape.iter().product()];
        for (k, t) in under.iter_mut().enumerate() {
            let (c, ky, kx) = (k / (a.kh * a.kw), k / a.kw % a.kh, k % a.kw);
            if let (iy, ix, true) = tap(a, oy, ox, ky, kx) {
                *t = grads[0][(c * a.h + iy as usize) * a.w + ix as usize];
            }
        }
        Value::tensor("∂L/∂x so far (window)", &shape, &under)
    };
    vec![
        Value::scalar("g", g),
        Value::tensor("window", &shape, &win),
        Value::tensor("kernel", &shape, kernel),
        Value::tensor("g·kernel → ∂L/∂x", &shape, &to_x),
        Value::tensor("g·window → ∂L/∂W", &shape, &to_w),
        grad_x,
        Value::tensor("∂L/∂W so far", &[a.c_out, a.c_in, a.kh, a.kw], grads[1]),
        Value::vector("∂L/∂b so far", grads[2]),
    ]
}

/// Largest input whose whole ∂L/∂x each backward step shows (4 × 16 × 16).
pub const MAX_SHOWN_GRAD_X: usize = 1024;

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
            grad_out_shape: vec![],
        };
        let (oh, ow) = a.out_shape();
        a.grad_out = (0..c_out * oh * ow).map(|_| next()).collect();
        a.grad_out_shape = vec![c_out, oh, ow];
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
            grad_out_shape: vec![1, 3, 3],
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
            grad_out_shape: vec![1, 1, 1],
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
        // Each forward step's running sum starts at the bias plus the first
        // product, adds one product per tap, and ends exactly at the output.
        for s in t.steps.iter().filter(|s| s.tag == "fwd") {
            let (prod, bias, running, y) = (
                &s.values[2].data,
                s.values[3].data[0],
                &s.values[4].data,
                s.values[5].data[0],
            );
            assert_eq!(running[0], bias + prod[0]);
            for k in 1..prod.len() {
                assert_eq!(running[k], running[k - 1] + prod[k]);
            }
            assert_eq!(*running.last().unwrap(), y);
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

    /// Issue #16, defect 8: each backward step shows ∂L/∂x, ∂L/∂W and ∂L/∂b
    /// as accumulated so far: the previous step's plus this window's
    /// contributions, ending at the final gradients.
    #[test]
    fn backward_steps_show_the_gradients_accumulated_so_far() {
        let a = sample(2, 1, 1);
        let mut t = Trace::default();
        let r = conv2d(&a, &mut t);
        let (mut gx, mut gw) = (vec![0.0; a.x.len()], vec![0.0; a.weight.len()]);
        let n = a.c_in * a.kh * a.kw;
        for s in t.steps.iter().filter(|s| s.tag == "bwd") {
            let o = s.highlight.iter().find(|h| h.0 == "kernel").unwrap().1[0][0] as usize;
            let to_x = &s.values[3].data;
            // The window's cells inside the input, in tap order (padding taps skipped).
            let inside = &s.highlight.iter().find(|h| h.0 == "input").unwrap().1;
            let pad: Vec<usize> = s
                .highlight
                .iter()
                .find(|h| h.0 == "taps_padding")
                .unwrap()
                .1
                .iter()
                .map(|t| ((t[0] as usize) * a.kh + t[1] as usize) * a.kw + t[2] as usize)
                .collect();
            let mut cells = inside.iter();
            for k in 0..n {
                if pad.contains(&k) {
                    assert_eq!(to_x[k], 0.0, "padding has no ∂L/∂x");
                    continue;
                }
                let c = cells.next().unwrap();
                gx[((c[0] as usize) * a.h + c[1] as usize) * a.w + c[2] as usize] += to_x[k];
            }
            assert!(cells.next().is_none());
            for k in 0..n {
                gw[o * n + k] += s.values[4].data[k];
            }
            assert_eq!(s.values[5].name, "∂L/∂x so far");
            for (got, want) in s.values[5].data.iter().zip(&gx) {
                assert!((got - want).abs() < 1e-12);
            }
            for (got, want) in s.values[6].data.iter().zip(&gw) {
                assert!((got - want).abs() < 1e-12);
            }
        }
        let last_bwd = t.steps.iter().rev().find(|s| s.tag == "bwd").unwrap();
        assert_eq!(last_bwd.values[5].data, r.grad_x);
        assert_eq!(last_bwd.values[6].data, r.grad_weight);
        assert_eq!(last_bwd.values[7].data, r.grad_bias);
    }

    /// Issue #16, defect 8: the corner window of a padded 3×3 convolution
    /// has 9 taps, 4 inside the input and 5 in the padding, and both passes
    /// highlight all 9 (the backward pass used to light up only the 4).
    #[test]
    fn both_passes_highlight_the_padding_taps_of_a_window() {
        let a = Conv2d {
            c_in: 1,
            h: 3,
            w: 3,
            c_out: 1,
            kh: 3,
            kw: 3,
            x: (1..=9).map(f64::from).collect(),
            weight: vec![1.0; 9],
            bias: vec![0.0],
            stride: 1,
            padding: 1,
            dilation: 1,
            grad_out: vec![1.0; 9],
            grad_out_shape: vec![1, 3, 3],
        };
        let mut t = Trace::default();
        conv2d(&a, &mut t);
        for tag in ["fwd", "bwd"] {
            let corner = t.steps.iter().find(|s| s.tag == tag).unwrap();
            let get = |k: &str| {
                corner
                    .highlight
                    .iter()
                    .find(|h| h.0 == k)
                    .unwrap()
                    .1
                    .clone()
            };
            assert_eq!(
                get("input"),
                vec![vec![0, 0, 0], vec![0, 0, 1], vec![0, 1, 0], vec![0, 1, 1]],
                "{tag}"
            );
            assert_eq!(get("padding").len(), 5, "{tag}");
            assert_eq!(
                get("taps_padding"),
                vec![
                    vec![0, 0, 0],
                    vec![0, 0, 1],
                    vec![0, 0, 2],
                    vec![0, 1, 0],
                    vec![0, 2, 0]
                ],
                "{tag}"
            );
            assert!(
                corner.en.contains("5 of the 9 taps are in the"),
                "{}",
                corner.en
            );
        }
    }

    /// Issue #16, defect 8: at the step cap the forward pass took every step
    /// and the backward pass often had none. With a split trace each pass
    /// gets at most half, and the backward pass always shows windows.
    #[test]
    fn the_step_budget_is_split_between_the_passes() {
        use crate::trace::{MAX_NUMBERS, MAX_STEPS};
        // 4,096 windows of one number each: capped by the step count.
        let mut a = sample(1, 0, 1);
        (a.c_in, a.h, a.w, a.c_out, a.kh, a.kw) = (1, 64, 64, 1, 1, 1);
        a.x = vec![0.5; 64 * 64];
        (a.weight, a.bias) = (vec![2.0], vec![0.0]);
        (a.grad_out, a.grad_out_shape) = (vec![1.0; 64 * 64], vec![1, 64, 64]);
        // The largest input: capped by the count of numbers.
        let mut big = sample(1, 3, 1);
        (big.c_in, big.h, big.w, big.c_out, big.kh, big.kw) = (8, 64, 64, 8, 7, 7);
        big.x = vec![0.25; 8 * 64 * 64];
        (big.weight, big.bias) = (vec![0.5; 8 * 8 * 49], vec![0.0; 8]);
        (big.grad_out, big.grad_out_shape) = (vec![1.0; 8 * 64 * 64], vec![8, 64, 64]);
        for a in [&a, &big] {
            a.validate().unwrap();
            let mut t = Trace::split();
            conv2d(a, &mut t);
            let count = |tag: &str| t.steps.iter().filter(|s| s.tag == tag).count();
            let (fwd, bwd) = (count("fwd"), count("bwd"));
            assert!(fwd >= 1 && bwd >= 1, "forward {fwd}, backward {bwd}");
            assert!(fwd <= MAX_STEPS / 2 && t.skipped > 0);
            let first_bwd = t.steps.iter().position(|s| s.tag == "bwd").unwrap();
            assert_eq!(t.backward, Some(first_bwd));
            let fwd_numbers: usize = t.steps[..first_bwd]
                .iter()
                .flat_map(|s| &s.values)
                .map(|v| v.data.len())
                .sum();
            assert!(
                fwd_numbers <= MAX_NUMBERS / 2 + 2 * a.x.len() + a.weight.len() + 4 * 392,
                "{fwd_numbers}"
            );
            assert_eq!(t.steps.last().unwrap().tag, "bwd_done");
            let bwd = t.steps.iter().find(|s| s.tag == "bwd").unwrap();
            let shown = if a.x.len() <= MAX_SHOWN_GRAD_X {
                "∂L/∂x so far"
            } else {
                "∂L/∂x so far (window)"
            };
            assert_eq!(bwd.values[5].name, shown);
        }
        // The largest input's backward pass gets more than a token step.
        let mut t = Trace::split();
        conv2d(&big, &mut t);
        assert!(t.steps.iter().filter(|s| s.tag == "bwd").count() >= 5);
    }
}
