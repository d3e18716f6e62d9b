//! The JSON layer the widget talks to: `algorithms`, `describe` and `run`,
//! all strings in and out (the exact shapes are documented in the crate's
//! README). Thin: it parses and checks inputs, calls the algorithm with a
//! recording [`Trace`], and writes the steps and the result.
//!
//! Also here: the source text the trace refers to (the lines between the
//! `▼`/`▲ playground source` markers of each algorithm's real file), and the
//! NumPy version, whose `# @tag` comments map each step to its NumPy line;
//! `build.rs` prepares both.

use crate::algo::{attention, auc, backprop, batchnorm, conv2d, iou, nms, softmax};
use crate::json::{write_ints, write_num, write_nums, write_str, Json};
use crate::trace::{InputError, Step, Trace, MAX_NUMBERS, MAX_STEPS};

#[cfg(not(target_arch = "wasm32"))]
pub mod presets;

/// What is shown of one algorithm, prepared by `build.rs`.
pub struct Shown {
    /// Line number (in the real file) of the first shown Rust line.
    pub first_line: u32,
    /// For each shown line, the number of the first line of its statement.
    pub starts: &'static [u32],
    /// `(first, last)` line of each `step!(…)` call (the recording code).
    pub step_calls: &'static [(u32, u32)],
    /// Each tag and its NumPy line.
    pub numpy_tags: &'static [(&'static str, u32)],
}

/// The shown texts of one algorithm. Native builds only: in WebAssembly they
/// would be a sixth of the bundle, so the browser fetches them as data.
#[cfg(not(target_arch = "wasm32"))]
pub struct Text {
    /// The shown Rust source: the lines between the markers.
    pub rust: &'static str,
    /// The NumPy version, `# @tag` comments removed.
    pub numpy: &'static str,
}

#[cfg(not(target_arch = "wasm32"))]
pub use sources::text;

mod sources {
    include!(concat!(env!("OUT_DIR"), "/sources.rs"));
}

/// The longest input text accepted by `run`.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// One algorithm as the widget sees it.
pub struct Algorithm {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub summary_zh: &'static str,
    pub summary_en: &'static str,
    /// The shown Rust and NumPy sources (see [`Shown`]).
    pub shown: Shown,
    /// Whether it has a backward pass (`step!(rec, backward)`): its trace
    /// then keeps half of the step budget for that pass.
    pub backward: bool,
}

pub const ALGORITHMS: [Algorithm; 8] = [
    Algorithm {
        id: "backprop",
        title_zh: "反向传播",
        title_en: "Backpropagation",
        summary_zh: "一个小型多层感知机的前向、反向传播和一次 SGD 更新，逐步显示每个 δ 和梯度。",
        summary_en: "Forward pass, backward pass and one SGD step of a small MLP, showing every δ and gradient.",
        shown: sources::BACKPROP,
        backward: true,
    },
    Algorithm {
        id: "softmax",
        title_zh: "Softmax 与交叉熵",
        title_en: "Softmax and cross-entropy",
        summary_zh: "数值稳定的 softmax、log-softmax、交叉熵及其梯度 p − y，并演示朴素写法为何溢出。",
        summary_en: "Stable softmax, log-softmax, cross-entropy and its gradient p − y, and why the naive form overflows.",
        shown: sources::SOFTMAX,
        backward: true,
    },
    Algorithm {
        id: "conv2d",
        title_zh: "二维卷积",
        title_en: "2-D convolution",
        summary_zh: "多通道二维卷积的前向（逐个窗口）与反向传播，支持步长、填充和空洞。",
        summary_en: "Multi-channel 2-D convolution forward (window by window) and backward, with stride, padding and dilation.",
        shown: sources::CONV2D,
        backward: true,
    },
    Algorithm {
        id: "iou",
        title_zh: "IoU 系列",
        title_en: "IoU and friends",
        summary_zh: "两个框的 IoU、GIoU、DIoU、CIoU，包括不相交的情况。",
        summary_en: "IoU, GIoU, DIoU and CIoU of two boxes, including boxes that do not overlap.",
        shown: sources::IOU,
        backward: false,
    },
    Algorithm {
        id: "nms",
        title_zh: "非极大值抑制",
        title_en: "Non-maximum suppression",
        summary_zh: "按分数贪心地保留框并抑制与之重叠超过阈值的框。",
        summary_en: "Greedy NMS: keep the best box, suppress the boxes that overlap it beyond the threshold.",
        shown: sources::NMS,
        backward: false,
    },
    Algorithm {
        id: "auc",
        title_zh: "ROC 曲线与 AUC",
        title_en: "ROC curve and AUC",
        summary_zh: "按分数排序、扫过阈值画出 ROC 曲线，用梯形法和秩和公式计算 AUC（含并列分数）。",
        summary_en: "Sort by score, sweep thresholds to draw the ROC curve, and compute AUC by trapezoids and by rank sums (with ties).",
        shown: sources::AUC,
        backward: false,
    },
    Algorithm {
        id: "batchnorm",
        title_zh: "批归一化",
        title_en: "Batch normalization",
        summary_zh: "批归一化的训练/推理前向传播与反向传播（紧凑公式）。",
        summary_en: "Batch-norm forward in training and inference mode, and its backward pass in the compact form.",
        shown: sources::BATCHNORM,
        backward: true,
    },
    Algorithm {
        id: "attention",
        title_zh: "缩放点积注意力",
        title_en: "Scaled dot-product attention",
        summary_zh: "Q、K、V 的注意力前向（分数、稳定 softmax、加权求和，可选因果掩码）与反向传播 ∂Q、∂K、∂V，以及为什么要除以 √d。",
        summary_en: "Attention forward (scores, stable softmax, weighted sum, optional causal mask) and backward (∂Q, ∂K, ∂V), and why the scores are divided by √d.",
        shown: sources::ATTENTION,
        backward: true,
    },
];

pub fn find(id: &str) -> Option<&'static Algorithm> {
    ALGORITHMS.iter().find(|a| a.id == id)
}

/// JSON list of `{id, title_zh, title_en, summary_zh, summary_en}`.
pub fn algorithms() -> String {
    let mut out = String::from("[");
    for (i, a) in ALGORITHMS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        write_str(&mut out, a.id);
        for (k, v) in [
            ("title_zh", a.title_zh),
            ("title_en", a.title_en),
            ("summary_zh", a.summary_zh),
            ("summary_en", a.summary_en),
        ] {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            write_str(&mut out, v);
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// `{rust_source, rust_first_line, step_calls, numpy_source, defaults,
/// presets, input_schema}`: the texts the trace's line numbers refer to and
/// the inputs the page offers, or an error object for an unknown id.
/// Native only; `cargo run -p xtask -- wasm` writes them to `pkg/sources/`.
#[cfg(not(target_arch = "wasm32"))]
pub fn sources(id: &str) -> String {
    let (Some(a), Some(text)) = (find(id), text(id)) else {
        return error_json(&unknown(id));
    };
    let shown = &a.shown;
    let mut out = String::from("{\"rust_source\":");
    write_str(&mut out, text.rust);
    out.push_str(&format!(
        ",\"rust_first_line\":{},\"step_calls\":[",
        shown.first_line
    ));
    for (i, (from, to)) in shown.step_calls.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("[{from},{to}]"));
    }
    out.push_str("],\"numpy_source\":");
    write_str(&mut out, text.numpy);
    out.push(',');
    push_inputs(&mut out, a);
    out.push('}');
    out
}

/// Presets (the first one is the default input) and the input schema (JSON
/// list of the input fields, see README) of one algorithm. Native only: they
/// are data of one page, so the browser fetches them with the shown texts
/// (`pkg/sources/<id>.json`) instead of carrying all of them in the module.
#[cfg(not(target_arch = "wasm32"))]
impl Algorithm {
    pub fn presets(&self) -> &'static [presets::Preset] {
        presets::of(self.id).0
    }
    pub fn schema(&self) -> &'static str {
        presets::of(self.id).1
    }
}

/// `"defaults":…,"presets":[…],"input_schema":…` of one algorithm.
#[cfg(not(target_arch = "wasm32"))]
fn push_inputs(out: &mut String, a: &Algorithm) {
    out.push_str("\"defaults\":");
    out.push_str(a.presets()[0].input);
    out.push_str(",\"presets\":[");
    for (i, p) in a.presets().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        write_str(out, p.id);
        out.push_str(",\"title_zh\":");
        write_str(out, p.title_zh);
        out.push_str(",\"title_en\":");
        write_str(out, p.title_en);
        out.push_str(",\"input\":");
        out.push_str(p.input);
        out.push('}');
    }
    out.push_str("],\"input_schema\":");
    out.push_str(a.schema());
}

/// `{id, defaults, presets, input_schema, limits}` natively, `{id, limits}`
/// in WebAssembly (where the rest comes with the shown texts, see
/// [`sources`]), or an error object for an unknown id.
pub fn describe(id: &str) -> String {
    let Some(a) = find(id) else {
        return error_json(&unknown(id));
    };
    let mut out = String::from("{\"id\":");
    write_str(&mut out, a.id);
    #[cfg(not(target_arch = "wasm32"))]
    {
        out.push(',');
        push_inputs(&mut out, a);
    }
    out.push_str(&format!(
        ",\"limits\":{{\"max_steps\":{MAX_STEPS},\"max_numbers\":{MAX_NUMBERS},\"max_abs\":{},\"max_input_bytes\":{MAX_INPUT_BYTES}}}}}",
        crate::json::Num(crate::trace::check::MAX_ABS)
    ));
    out
}

fn unknown(id: &str) -> InputError {
    let known: Vec<&str> = ALGORITHMS.iter().map(|a| a.id).collect();
    InputError::new(
        "algo",
        format!("没有名为“{id}”的算法；可用：{}", known.join(", ")),
        format!("no algorithm named “{id}”; known: {}", known.join(", ")),
    )
}

fn error_json(e: &InputError) -> String {
    let mut out = String::from("{\"ok\":false,\"error\":{\"field\":");
    write_str(&mut out, &e.field);
    out.push_str(",\"zh\":");
    write_str(&mut out, &e.zh);
    out.push_str(",\"en\":");
    write_str(&mut out, &e.en);
    out.push_str("}}");
    out
}

/// Runs one algorithm on a JSON input: `{ok: true, steps, skipped, result}`
/// or `{ok: false, error: {field, zh, en}}`. Never panics on any input.
pub fn run(id: &str, input: &str) -> String {
    match run_inner(id, input) {
        Ok(s) => s,
        Err(e) => error_json(&e),
    }
}

fn run_inner(id: &str, input: &str) -> Result<String, InputError> {
    let algo = find(id).ok_or_else(|| unknown(id))?;
    if input.len() > MAX_INPUT_BYTES {
        return Err(InputError::new(
            "",
            format!("输入太长（上限 {MAX_INPUT_BYTES} 字节）"),
            format!("the input is too long (at most {MAX_INPUT_BYTES} bytes)"),
        ));
    }
    let json = Json::parse(input).map_err(|e| {
        InputError::new(
            "",
            format!("输入不是有效的 JSON：{e}"),
            format!("the input is not valid JSON: {e}"),
        )
    })?;
    if !matches!(json, Json::Obj(_)) {
        return Err(InputError::new(
            "",
            "输入应是一个 JSON 对象",
            "the input must be a JSON object",
        ));
    }
    let mut trace = if algo.backward {
        Trace::split()
    } else {
        Trace::default()
    };
    let mut result = String::new();
    match id {
        "backprop" => {
            let p = parse::backprop(&json)?;
            p.validate()?;
            let r = backprop::backprop(&p, &mut trace);
            let (h, i, o) = (p.b1.len(), p.x.len(), p.y.len());
            write_fields(
                &mut result,
                &[
                    ("z1", F::V(&r.z1)),
                    ("a1", F::V(&r.a1)),
                    ("z2", F::V(&r.z2)),
                    ("out", F::V(&r.out)),
                    ("loss", F::S(r.loss)),
                    ("delta2", F::V(&r.delta2)),
                    ("dw2", F::T(&[o, h], &r.dw2)),
                    ("db2", F::V(&r.db2)),
                    ("delta1", F::V(&r.delta1)),
                    ("dw1", F::T(&[h, i], &r.dw1)),
                    ("db1", F::V(&r.db1)),
                    ("w1", F::T(&[h, i], &r.w1_new)),
                    ("b1", F::V(&r.b1_new)),
                    ("w2", F::T(&[o, h], &r.w2_new)),
                    ("b2", F::V(&r.b2_new)),
                ],
            );
        }
        "softmax" => {
            let p = parse::softmax(&json)?;
            p.validate()?;
            let r = softmax::softmax_cross_entropy(&p, &mut trace);
            write_fields(
                &mut result,
                &[
                    ("naive_p", F::V(&r.naive_p)),
                    ("naive_overflows", F::B(r.naive_overflows)),
                    ("max", F::S(r.max)),
                    ("log_sum_exp", F::S(r.log_sum_exp)),
                    ("p", F::V(&r.p)),
                    ("log_p", F::V(&r.log_p)),
                    ("loss", F::S(r.loss)),
                    ("grad", F::V(&r.grad)),
                ],
            );
        }
        "conv2d" => {
            let p = parse::conv2d(&json)?;
            p.validate()?;
            let r = conv2d::conv2d(&p, &mut trace);
            write_fields(
                &mut result,
                &[
                    ("y", F::T(&[p.c_out, r.out_h, r.out_w], &r.y)),
                    ("grad_x", F::T(&[p.c_in, p.h, p.w], &r.grad_x)),
                    (
                        "grad_weight",
                        F::T(&[p.c_out, p.c_in, p.kh, p.kw], &r.grad_weight),
                    ),
                    ("grad_bias", F::V(&r.grad_bias)),
                ],
            );
        }
        "iou" => {
            let p = parse::iou(&json)?;
            p.validate()?;
            let r = iou::iou(&p, &mut trace);
            write_fields(
                &mut result,
                &[
                    ("a", F::V(&r.a)),
                    ("b", F::V(&r.b)),
                    ("intersection", F::S(r.intersection)),
                    ("union", F::S(r.union)),
                    ("iou", F::S(r.iou)),
                    ("giou", F::S(r.giou)),
                    ("diou", F::S(r.diou)),
                    ("ciou", F::S(r.ciou)),
                ],
            );
        }
        "nms" => {
            let p = parse::nms(&json)?;
            p.validate()?;
            let r = nms::nms(&p, &mut trace);
            let by: Vec<i64> = r
                .suppressed_by
                .iter()
                .map(|s| s.map_or(-1, |i| i as i64))
                .collect();
            let keep: Vec<i64> = r.keep.iter().map(|&i| i as i64).collect();
            write_fields(
                &mut result,
                &[("keep", F::I(&keep)), ("suppressed_by", F::I(&by))],
            );
        }
        "auc" => {
            let p = parse::auc(&json)?;
            p.validate()?;
            let r = auc::auc(&p, &mut trace);
            write_fields(
                &mut result,
                &[
                    ("fpr", F::V(&r.fpr)),
                    ("tpr", F::V(&r.tpr)),
                    ("thresholds", F::V(&r.thresholds)),
                    ("auc", F::S(r.auc)),
                    ("ranks", F::V(&r.ranks)),
                    ("auc_rank_sum", F::S(r.auc_rank_sum)),
                ],
            );
        }
        "attention" => {
            let p = parse::attention(&json)?;
            p.validate()?;
            let r = attention::attention(&p, &mut trace);
            let (qk, qv, kd) = ([p.n_q, p.n_k], [p.n_q, p.d_v], [p.n_k, p.d]);
            write_fields(
                &mut result,
                &[
                    ("scores", F::T(&qk, &r.scores)),
                    ("weights", F::T(&qk, &r.weights)),
                    ("out", F::T(&qv, &r.out)),
                    ("grad_scores", F::T(&qk, &r.grad_scores)),
                    ("grad_q", F::T(&[p.n_q, p.d], &r.grad_q)),
                    ("grad_k", F::T(&kd, &r.grad_k)),
                    ("grad_v", F::T(&[p.n_k, p.d_v], &r.grad_v)),
                ],
            );
        }
        _ => {
            let p = parse::batchnorm(&json)?;
            p.validate()?;
            let r = batchnorm::batchnorm(&p, &mut trace);
            let nd = [p.n, p.d];
            write_fields(
                &mut result,
                &[
                    ("mean", F::V(&r.mean)),
                    ("var", F::V(&r.var)),
                    ("x_hat", F::T(&nd, &r.x_hat)),
                    ("y", F::T(&nd, &r.y)),
                    ("running_mean", F::V(&r.running_mean)),
                    ("running_var", F::V(&r.running_var)),
                    ("grad_x", F::T(&nd, &r.grad_x)),
                    ("grad_gamma", F::V(&r.grad_gamma)),
                    ("grad_beta", F::V(&r.grad_beta)),
                ],
            );
        }
    }
    let mut out = String::with_capacity(64 + trace.numbers * 20);
    out.push_str("{\"ok\":true,\"steps\":");
    write_steps(&mut out, algo, &trace.steps);
    out.push_str(&format!(",\"skipped\":{},\"backward\":", trace.skipped));
    match trace.backward {
        Some(k) => out.push_str(&k.to_string()),
        None => out.push_str("null"),
    }
    out.push_str(",\"result\":");
    out.push_str(&result);
    out.push('}');
    Ok(out)
}

/// A result field: scalar, vector, tensor (shape, data), integers, boolean.
enum F<'a> {
    S(f64),
    V(&'a [f64]),
    T(&'a [usize], &'a [f64]),
    I(&'a [i64]),
    B(bool),
}

fn write_fields(out: &mut String, fields: &[(&str, F<'_>)]) {
    out.push('{');
    for (i, (name, f)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, name);
        out.push(':');
        match f {
            F::S(x) => write_num(out, *x),
            F::V(v) => write_nums(out, v),
            F::T(shape, data) => {
                out.push_str("{\"shape\":");
                write_ints(out, &shape.iter().map(|&s| s as i64).collect::<Vec<_>>());
                out.push_str(",\"data\":");
                write_nums(out, data);
                out.push('}');
            }
            F::I(v) => write_ints(out, v),
            F::B(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
    out.push('}');
}

fn write_steps(out: &mut String, algo: &Algorithm, steps: &[Step]) {
    let shown = &algo.shown;
    out.push('[');
    for (i, s) in steps.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let numpy_line = shown
            .numpy_tags
            .iter()
            .find(|(t, _)| *t == s.tag)
            .map_or(0, |t| t.1);
        let line_first = (s.line.checked_sub(shown.first_line))
            .and_then(|i| shown.starts.get(i as usize))
            .map_or(s.line, |&first| first);
        out.push_str(&format!(
            "{{\"line\":{},\"line_first\":{},\"numpy_line\":{numpy_line},\"zh\":",
            s.line, line_first
        ));
        write_str(out, &s.zh);
        out.push_str(",\"en\":");
        write_str(out, &s.en);
        out.push_str(",\"values\":[");
        for (j, v) in s.values.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_str(out, v.name);
            out.push_str(",\"shape\":");
            write_ints(out, &v.shape.iter().map(|&d| d as i64).collect::<Vec<_>>());
            out.push_str(",\"data\":");
            write_nums(out, &v.data);
            out.push('}');
        }
        out.push_str("],\"highlight\":{");
        for (j, (name, cells)) in s.highlight.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            write_str(out, name);
            out.push_str(":[");
            for (k, cell) in cells.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_ints(out, cell);
            }
            out.push(']');
        }
        out.push_str("}}");
    }
    out.push(']');
}

/// Reading inputs out of parsed JSON, with messages naming the field.
pub mod parse {
    use super::*;
    use crate::algo::backprop::{Activation, Loss, Mlp};
    use crate::algo::iou::BoxFormat;

    fn need<'a>(obj: &'a Json, name: &str) -> Result<&'a Json, InputError> {
        obj.get(name).ok_or_else(|| {
            InputError::new(
                name,
                format!("缺少字段 {name}"),
                format!("missing field {name}"),
            )
        })
    }

    fn as_num(v: &Json) -> Option<f64> {
        match v {
            Json::Num(x) => Some(*x),
            Json::Str(s) if s == "NaN" => Some(f64::NAN),
            Json::Str(s) if s == "Infinity" => Some(f64::INFINITY),
            Json::Str(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        }
    }

    fn kind_error(name: &str, zh: &str, en: &str) -> InputError {
        InputError::new(
            name,
            format!("{name} 应是{zh}"),
            format!("{name} must be {en}"),
        )
    }

    pub fn scalar(obj: &Json, name: &str) -> Result<f64, InputError> {
        as_num(need(obj, name)?).ok_or_else(|| kind_error(name, "一个数", "a number"))
    }

    pub fn integer(obj: &Json, name: &str) -> Result<usize, InputError> {
        match need(obj, name)? {
            Json::Num(x) if *x >= 0.0 && *x <= 1e9 && x.fract() == 0.0 => Ok(*x as usize),
            _ => Err(kind_error(name, "一个非负整数", "a non-negative integer")),
        }
    }

    pub fn vector(obj: &Json, name: &str) -> Result<Vec<f64>, InputError> {
        vector_of(need(obj, name)?, name)
    }

    fn vector_of(v: &Json, name: &str) -> Result<Vec<f64>, InputError> {
        match v {
            Json::Arr(items) => items
                .iter()
                .map(as_num)
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| kind_error(name, "由数构成的数组", "an array of numbers")),
            _ => Err(kind_error(name, "由数构成的数组", "an array of numbers")),
        }
    }

    /// A tensor of `rank` dimensions: `{"shape": [...], "data": [...]}` (data
    /// flat or nested) or nested arrays.
    pub fn tensor(
        obj: &Json,
        name: &str,
        rank: usize,
    ) -> Result<(Vec<usize>, Vec<f64>), InputError> {
        tensor_of(need(obj, name)?, name, rank)
    }

    fn tensor_of(v: &Json, name: &str, rank: usize) -> Result<(Vec<usize>, Vec<f64>), InputError> {
        let bad = || {
            kind_error(
                name,
                &format!("{rank} 维张量：{{\"shape\": [...], \"data\": [...]}} 或嵌套数组"),
                &format!("a tensor of rank {rank}: {{\"shape\": [...], \"data\": [...]}} or nested arrays"),
            )
        };
        if let (Some(shape), Some(data)) = (v.get("shape"), v.get("data")) {
            let shape: Vec<usize> = match shape {
                Json::Arr(dims) if dims.len() == rank => dims
                    .iter()
                    .map(|d| match d {
                        Json::Num(x) if *x >= 0.0 && *x <= 1e6 && x.fract() == 0.0 => {
                            Some(*x as usize)
                        }
                        _ => None,
                    })
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(bad)?,
                _ => return Err(bad()),
            };
            let mut flat = Vec::new();
            flatten(data, &mut flat).ok_or_else(bad)?;
            let expected = shape
                .iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .ok_or_else(bad)?;
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            let shown = format!("[{}]", dims.join(", "));
            crate::trace::check::len(name, &flat, expected, &shown)?;
            return Ok((shape, flat));
        }
        // Nested arrays: the shape is read from the first element at each depth.
        let mut shape = Vec::new();
        let mut cur = v;
        while let Json::Arr(items) = cur {
            shape.push(items.len());
            match items.first() {
                Some(first) => cur = first,
                None => break,
            }
        }
        if shape.len() != rank {
            return Err(bad());
        }
        let mut flat = Vec::new();
        if !rectangular(v, &shape, &mut flat) {
            return Err(kind_error(
                name,
                "形状规整的嵌套数组（每行一样长）",
                "a rectangular nested array (rows of equal length)",
            ));
        }
        Ok((shape, flat))
    }

    fn flatten(v: &Json, out: &mut Vec<f64>) -> Option<()> {
        match v {
            Json::Arr(items) => items.iter().try_for_each(|i| flatten(i, out)),
            other => {
                out.push(as_num(other)?);
                Some(())
            }
        }
    }

    fn rectangular(v: &Json, shape: &[usize], out: &mut Vec<f64>) -> bool {
        match (v, shape.split_first()) {
            (Json::Arr(items), Some((&len, rest))) => {
                items.len() == len && items.iter().all(|i| rectangular(i, rest, out))
            }
            (other, None) => as_num(other).map(|x| out.push(x)).is_some(),
            _ => false,
        }
    }

    pub fn choice(obj: &Json, name: &str, options: &[&str]) -> Result<usize, InputError> {
        match need(obj, name)? {
            Json::Str(s) => options.iter().position(|o| o == s),
            _ => None,
        }
        .ok_or_else(|| {
            InputError::new(
                name,
                format!("{name} 应是以下之一：{}", options.join(", ")),
                format!("{name} must be one of: {}", options.join(", ")),
            )
        })
    }

    fn dims_error(name: &str, what_zh: &str, what_en: &str) -> InputError {
        InputError::new(
            name,
            format!("{name} 的形状与 {what_zh} 不符"),
            format!("the shape of {name} does not match {what_en}"),
        )
    }

    pub fn backprop(j: &Json) -> Result<Mlp, InputError> {
        let (w1s, w1) = tensor(j, "w1", 2)?;
        let (w2s, w2) = tensor(j, "w2", 2)?;
        let p = Mlp {
            x: vector(j, "x")?,
            y: vector(j, "y")?,
            w1,
            b1: vector(j, "b1")?,
            w2,
            b2: vector(j, "b2")?,
            activation: [Activation::Relu, Activation::Sigmoid, Activation::Tanh]
                [choice(j, "activation", &["relu", "sigmoid", "tanh"])?],
            loss: [Loss::Mse, Loss::SoftmaxCe][choice(j, "loss", &["mse", "softmax_ce"])?],
            lr: scalar(j, "lr")?,
        };
        // Sizes first: an empty or too long x, y or b1 is that field's error,
        // not a shape error of the matrix sized by it.
        let max = crate::algo::backprop::MAX_UNITS;
        crate::trace::check::range("x", p.x.len(), 1, max)?;
        crate::trace::check::range("b1", p.b1.len(), 1, max)?;
        crate::trace::check::range("y", p.y.len(), 1, max)?;
        if w1s != [p.b1.len(), p.x.len()] {
            return Err(dims_error(
                "w1",
                "[b1 的长度, x 的长度]",
                "[len(b1), len(x)]",
            ));
        }
        if w2s != [p.y.len(), p.b1.len()] {
            return Err(dims_error(
                "w2",
                "[y 的长度, b1 的长度]",
                "[len(y), len(b1)]",
            ));
        }
        Ok(p)
    }

    pub fn softmax(j: &Json) -> Result<softmax::SoftmaxInput, InputError> {
        Ok(softmax::SoftmaxInput {
            logits: vector(j, "logits")?,
            target: integer(j, "target")?,
        })
    }

    pub fn conv2d(j: &Json) -> Result<conv2d::Conv2d, InputError> {
        let (xs, x) = tensor(j, "x", 3)?;
        let (ws, weight) = tensor(j, "weight", 4)?;
        if ws[1] != xs[0] {
            return Err(dims_error(
                "weight",
                "x 的通道数（weight 的第 2 维）",
                "the channels of x (dimension 2 of weight)",
            ));
        }
        let mut a = conv2d::Conv2d {
            c_in: xs[0],
            h: xs[1],
            w: xs[2],
            c_out: ws[0],
            kh: ws[2],
            kw: ws[3],
            x,
            weight,
            bias: vector(j, "bias")?,
            stride: integer(j, "stride")?,
            padding: integer(j, "padding")?,
            dilation: integer(j, "dilation")?,
            grad_out: Vec::new(),
            grad_out_shape: Vec::new(),
        };
        // Check sizes before building a default gradient of their size.
        let (oh, ow) = a.out_shape();
        let small = a.c_out <= conv2d::MAX_CHANNELS
            && oh <= 4 * conv2d::MAX_SIDE
            && ow <= 4 * conv2d::MAX_SIDE;
        (a.grad_out_shape, a.grad_out) = match j.get("grad_out") {
            // All ones (∂L/∂y for L = Σ y); oversized inputs fail validation first.
            None | Some(Json::Null) => (
                vec![a.c_out, oh, ow],
                vec![1.0; if small { a.c_out * oh * ow } else { 0 }],
            ),
            Some(_) => tensor(j, "grad_out", 3)?,
        };
        Ok(a)
    }

    fn one_box(v: &Json, name: &str) -> Result<[f64; 4], InputError> {
        let b = vector_of(v, name)?;
        <[f64; 4]>::try_from(b.as_slice()).map_err(|_| {
            kind_error(
                name,
                "4 个数 [x1, y1, x2, y2]（或 [cx, cy, w, h]）",
                "4 numbers [x1, y1, x2, y2] (or [cx, cy, w, h])",
            )
        })
    }

    pub fn iou(j: &Json) -> Result<iou::IouInput, InputError> {
        Ok(iou::IouInput {
            format: [BoxFormat::Xyxy, BoxFormat::Cxcywh][choice(j, "format", &["xyxy", "cxcywh"])?],
            a: one_box(need(j, "a")?, "a")?,
            b: one_box(need(j, "b")?, "b")?,
        })
    }

    pub fn nms(j: &Json) -> Result<nms::NmsInput, InputError> {
        let boxes = match need(j, "boxes")? {
            Json::Arr(items) if items.len() <= nms::MAX_BOXES => items
                .iter()
                .enumerate()
                .map(|(i, b)| one_box(b, &format!("boxes[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Json::Arr(items) => {
                crate::trace::check::range("boxes", items.len(), 1, nms::MAX_BOXES)?;
                Vec::new()
            }
            _ => {
                return Err(kind_error(
                    "boxes",
                    "框的数组 [[x1, y1, x2, y2], …]",
                    "an array of boxes [[x1, y1, x2, y2], …]",
                ))
            }
        };
        Ok(nms::NmsInput {
            boxes,
            scores: vector(j, "scores")?,
            iou_threshold: scalar(j, "iou_threshold")?,
        })
    }

    pub fn auc(j: &Json) -> Result<auc::AucInput, InputError> {
        let labels = vector(j, "labels")?;
        if let Some(i) = labels.iter().position(|&l| l != 0.0 && l != 1.0) {
            return Err(InputError::new(
                "labels",
                format!("labels 只能是 0 或 1（第 {i} 个不是）"),
                format!("labels must be 0 or 1 (element {i} is not)"),
            ));
        }
        Ok(auc::AucInput {
            scores: vector(j, "scores")?,
            labels: labels.iter().map(|&l| l == 1.0).collect(),
        })
    }

    pub fn attention(j: &Json) -> Result<attention::Attention, InputError> {
        let (qs, q) = tensor(j, "q", 2)?;
        let (ks, k) = tensor(j, "k", 2)?;
        let (vs, v) = tensor(j, "v", 2)?;
        if ks[1] != qs[1] {
            return Err(dims_error(
                "k",
                "q 的维度 d（第 2 维）",
                "the dimension d of q (its dimension 2)",
            ));
        }
        if vs[0] != ks[0] {
            return Err(dims_error(
                "v",
                "k 的行数（每个键一个值）",
                "the rows of k (one value per key)",
            ));
        }
        let (grad_out_shape, grad_out) = match j.get("grad_out") {
            // All ones (∂L/∂O for L = Σ O); oversized inputs fail validation first.
            None | Some(Json::Null) => {
                let n = if qs[0] <= attention::MAX_TOKENS && vs[1] <= attention::MAX_DIM {
                    qs[0] * vs[1]
                } else {
                    0
                };
                (vec![qs[0], vs[1]], vec![1.0; n])
            }
            Some(_) => tensor(j, "grad_out", 2)?,
        };
        Ok(attention::Attention {
            n_q: qs[0],
            n_k: ks[0],
            d: qs[1],
            d_v: vs[1],
            q,
            k,
            v,
            causal: choice(j, "mask", &["none", "causal"])? == 1,
            scaled: choice(j, "scale", &["sqrt_d", "none"])? == 0,
            grad_out,
            grad_out_shape,
        })
    }

    pub fn batchnorm(j: &Json) -> Result<batchnorm::BatchNorm, InputError> {
        let (xs, x) = tensor(j, "x", 2)?;
        let training = choice(j, "mode", &["train", "eval"])? == 0;
        let (grad_out_shape, grad_out) = match j.get("grad_out") {
            None | Some(Json::Null) => (xs.clone(), vec![1.0; x.len()]),
            Some(_) => tensor(j, "grad_out", 2)?,
        };
        Ok(batchnorm::BatchNorm {
            n: xs[0],
            d: xs[1],
            x,
            gamma: vector(j, "gamma")?,
            beta: vector(j, "beta")?,
            running_mean: vector(j, "running_mean")?,
            running_var: vector(j, "running_var")?,
            momentum: scalar(j, "momentum")?,
            eps: scalar(j, "eps")?,
            training,
            grad_out,
            grad_out_shape,
        })
    }
}

#[cfg(test)]
mod tests;
