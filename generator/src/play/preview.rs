//! `/play/<algo>/preview.svg`: a static picture of each algorithm on its
//! default input, for readers without JavaScript and for platforms that strip
//! scripts (the Markdown image of the "Embed" panel). Drawn from a native run
//! of `playground-wasm`, so the numbers are the ones the widget shows at its
//! last step.

use crate::markdown::escape_html;
use serde_json::Value;
use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 360.0;
const BLUE: &str = "#0b63c5";
const ORANGE: &str = "#d9730d";
const GREEN: &str = "#1a7f37";
const GREY: &str = "#8c959f";

/// The picture for `algo` (an empty frame with the title for an unknown one).
pub fn svg(algo: &str) -> String {
    let (zh, _) =
        crate::markdown::playground::describe(algo, crate::lang::Lang::Zh).unwrap_or(("", ""));
    let (en, _) =
        crate::markdown::playground::describe(algo, crate::lang::Lang::En).unwrap_or(("", ""));
    let run = default_run(algo);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" \
font-family=\"-apple-system, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', Arial, sans-serif\">\
<rect width=\"{W}\" height=\"{H}\" rx=\"14\" fill=\"#fdfdfc\" stroke=\"#e3e6ea\"/>\
<text x=\"24\" y=\"42\" font-size=\"24\" font-weight=\"700\" fill=\"#1f2328\">{} · {}</text>",
        escape_html(zh),
        escape_html(en)
    );
    if let Some((input, result)) = &run {
        match algo {
            "iou" => iou(&mut s, result),
            "nms" => nms(&mut s, input, result),
            "auc" => auc(&mut s, result),
            "backprop" => backprop(&mut s, input),
            "conv2d" => conv2d(&mut s, input, result),
            "softmax" => softmax(&mut s, input, result),
            "batchnorm" => batchnorm(&mut s, input, result),
            "attention" => attention(&mut s, input, result),
            _ => {}
        }
    }
    let _ = writeln!(
        s,
        "<rect x=\"24\" y=\"310\" width=\"300\" height=\"34\" rx=\"17\" fill=\"{BLUE}\"/>\
<text x=\"174\" y=\"333\" font-size=\"16\" fill=\"#fff\" text-anchor=\"middle\">▶ 逐步演示 · Step through it</text></svg>"
    );
    s
}

/// `(input, result)` of the default input.
fn default_run(algo: &str) -> Option<(Value, Value)> {
    let described: Value = serde_json::from_str(&playground_wasm::api::describe(algo)).ok()?;
    let input = described.get("defaults")?.clone();
    let run: Value =
        serde_json::from_str(&playground_wasm::api::run(algo, &input.to_string())).ok()?;
    Some((input, run.get("result")?.clone()))
}

fn nums(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(nums).collect(),
        Value::Object(o) => o.get("data").map(nums).unwrap_or_default(),
        Value::Number(n) => vec![n.as_f64().unwrap_or(0.0)],
        _ => Vec::new(),
    }
}

/// Shape of a tensor given as `{shape, data}` or nested arrays.
fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Object(o) => o
            .get("shape")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_u64)
                    .map(|d| d as usize)
                    .collect()
            })
            .unwrap_or_default(),
        Value::Array(items) => {
            let mut out = vec![items.len()];
            if let Some(first) = items.first().filter(|f| f.is_array()) {
                out.extend(shape(first));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn fmt(x: f64) -> String {
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A diverging colour for `x` in [-max, max]: blue below zero, orange above.
fn heat(x: f64, max: f64) -> String {
    let t = if max > 0.0 {
        (x / max).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (r, g, b) = if t >= 0.0 {
        (217.0, 115.0, 13.0)
    } else {
        (11.0, 99.0, 197.0)
    };
    let a = t.abs();
    let mix = |c: f64| (255.0 + (c - 255.0) * a).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b))
}

/// A grid of numbers coloured by value, with a caption above.
#[allow(clippy::too_many_arguments)]
fn grid(
    s: &mut String,
    x: f64,
    y: f64,
    cell: f64,
    rows: usize,
    cols: usize,
    data: &[f64],
    caption: &str,
) {
    let max = data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let _ = write!(
        s,
        "<text x=\"{x}\" y=\"{}\" font-size=\"13\" fill=\"#5d6670\">{}</text>",
        y - 8.0,
        escape_html(caption)
    );
    for r in 0..rows {
        for c in 0..cols {
            let v = data.get(r * cols + c).copied().unwrap_or(0.0);
            let (cx, cy) = (x + c as f64 * cell, y + r as f64 * cell);
            let _ = write!(s, "<rect x=\"{cx}\" y=\"{cy}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\" stroke=\"#c9d1d9\"/>", heat(v, max));
            if cell >= 22.0 {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"#1f2328\">{}</text>",
                    cx + cell / 2.0,
                    cy + cell / 2.0 + 4.0,
                    (cell / 3.2).min(12.0),
                    fmt(v)
                );
            }
        }
    }
}

/// Maps boxes' coordinates into the drawing area (x 40..600, y 70..295).
struct Frame {
    x0: f64,
    y0: f64,
    scale: f64,
}

impl Frame {
    fn fit(corners: &[[f64; 4]]) -> Frame {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for b in corners {
            x0 = x0.min(b[0]);
            y0 = y0.min(b[1]);
            x1 = x1.max(b[2]);
            y1 = y1.max(b[3]);
        }
        let scale = (520.0 / (x1 - x0).max(1e-9)).min(215.0 / (y1 - y0).max(1e-9));
        Frame {
            x0: x0 - 40.0 / scale,
            y0: y0 - 72.0 / scale,
            scale,
        }
    }

    fn rect(&self, s: &mut String, b: &[f64; 4], style: &str) {
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" {style}/>",
            (b[0] - self.x0) * self.scale,
            (b[1] - self.y0) * self.scale,
            (b[2] - b[0]) * self.scale,
            (b[3] - b[1]) * self.scale
        );
    }

    fn label(&self, s: &mut String, b: &[f64; 4], text: &str, colour: &str) {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" fill=\"{colour}\">{}</text>",
            (b[0] - self.x0) * self.scale + 4.0,
            (b[1] - self.y0) * self.scale + 16.0,
            escape_html(text)
        );
    }
}

fn corners(v: &Value) -> [f64; 4] {
    let n = nums(v);
    [0, 1, 2, 3].map(|i| n.get(i).copied().unwrap_or(0.0))
}

fn iou(s: &mut String, result: &Value) {
    let (a, b) = (corners(&result["a"]), corners(&result["b"]));
    let c = [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ];
    let f = Frame::fit(&[c]);
    f.rect(
        s,
        &c,
        "fill=\"none\" stroke=\"#8c959f\" stroke-dasharray=\"6 4\"",
    );
    f.rect(
        s,
        &a,
        &format!("fill=\"{BLUE}\" fill-opacity=\"0.15\" stroke=\"{BLUE}\" stroke-width=\"2\""),
    );
    f.rect(
        s,
        &b,
        &format!("fill=\"{ORANGE}\" fill-opacity=\"0.15\" stroke=\"{ORANGE}\" stroke-width=\"2\""),
    );
    let i = [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ];
    if i[2] > i[0] && i[3] > i[1] {
        f.rect(s, &i, &format!("fill=\"{GREEN}\" fill-opacity=\"0.45\""));
    }
    f.label(s, &a, "A", BLUE);
    f.label(s, &b, "B", ORANGE);
    let _ = write!(
        s,
        "<text x=\"616\" y=\"80\" font-size=\"15\" text-anchor=\"end\" fill=\"#1f2328\">IoU {} · GIoU {} · DIoU {} · CIoU {}</text>",
        fmt(result["iou"].as_f64().unwrap_or(0.0)),
        fmt(result["giou"].as_f64().unwrap_or(0.0)),
        fmt(result["diou"].as_f64().unwrap_or(0.0)),
        fmt(result["ciou"].as_f64().unwrap_or(0.0))
    );
}

fn nms(s: &mut String, input: &Value, result: &Value) {
    let boxes: Vec<[f64; 4]> = input["boxes"]
        .as_array()
        .map_or_else(Vec::new, |a| a.iter().map(corners).collect());
    let scores = nums(&input["scores"]);
    let kept = nums(&result["keep"]);
    let f = Frame::fit(&boxes);
    for (i, b) in boxes.iter().enumerate() {
        let keep = kept.contains(&(i as f64));
        let style = if keep {
            format!(
                "fill=\"{GREEN}\" fill-opacity=\"0.12\" stroke=\"{GREEN}\" stroke-width=\"2.5\""
            )
        } else {
            format!("fill=\"none\" stroke=\"{GREY}\" stroke-dasharray=\"5 4\"")
        };
        f.rect(s, b, &style);
        let score = scores.get(i).copied().unwrap_or(0.0);
        f.label(
            s,
            b,
            &format!("{i}: {}", fmt(score)),
            if keep { GREEN } else { GREY },
        );
    }
}

fn auc(s: &mut String, result: &Value) {
    let (fpr, tpr) = (nums(&result["fpr"]), nums(&result["tpr"]));
    let (x0, y0, size) = (60.0, 295.0, 220.0);
    let _ = write!(
        s,
        "<rect x=\"{x0}\" y=\"{}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#c9d1d9\"/>\
<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{}\" stroke=\"{GREY}\" stroke-dasharray=\"4 4\"/>",
        y0 - size,
        x0 + size,
        y0 - size
    );
    let points: Vec<String> = fpr
        .iter()
        .zip(&tpr)
        .map(|(f, t)| format!("{:.1},{:.1}", x0 + f * size, y0 - t * size))
        .collect();
    let _ = write!(
        s,
        "<polygon points=\"{x0},{y0} {} {},{y0}\" fill=\"{BLUE}\" fill-opacity=\"0.15\"/>\
<polyline points=\"{}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"3\"/>",
        points.join(" "),
        x0 + size,
        points.join(" ")
    );
    for p in &points {
        let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
        let _ = write!(
            s,
            "<circle cx=\"{px}\" cy=\"{py}\" r=\"4\" fill=\"{BLUE}\"/>"
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#5d6670\" text-anchor=\"middle\">FPR</text>\
<text x=\"40\" y=\"{}\" font-size=\"12\" fill=\"#5d6670\">TPR</text>\
<text x=\"320\" y=\"150\" font-size=\"30\" font-weight=\"700\" fill=\"{BLUE}\">AUC = {}</text>\
<text x=\"320\" y=\"182\" font-size=\"14\" fill=\"#5d6670\">梯形法 = 秩和公式 · trapezoids = rank sum</text>",
        x0 + size / 2.0,
        y0 + 14.0,
        y0 - size / 2.0,
        fmt(result["auc"].as_f64().unwrap_or(0.0))
    );
}

fn backprop(s: &mut String, input: &Value) {
    let layers = [
        nums(&input["x"]).len(),
        nums(&input["b1"]).len(),
        nums(&input["b2"]).len(),
    ];
    let weights = [nums(&input["w1"]), nums(&input["w2"])];
    let xs = [90.0, 320.0, 550.0];
    let node_y = |layer: usize, i: usize| {
        let n = layers[layer] as f64;
        190.0 + (i as f64 - (n - 1.0) / 2.0) * (200.0 / n.max(1.0)).min(48.0)
    };
    for l in 0..2 {
        let max = weights[l].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for j in 0..layers[l + 1] {
            for i in 0..layers[l] {
                let w = weights[l].get(j * layers[l] + i).copied().unwrap_or(0.0);
                let colour = if w >= 0.0 { ORANGE } else { BLUE };
                let width = 0.5 + 3.5 * w.abs() / max.max(1e-9);
                let _ = write!(
                    s,
                    "<line x1=\"{}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"{width:.2}\" stroke-opacity=\"0.7\"/>",
                    xs[l], node_y(l, i), xs[l + 1], node_y(l + 1, j)
                );
            }
        }
    }
    for (l, name) in ["x", "h", "ŷ"].iter().enumerate() {
        for i in 0..layers[l] {
            let _ = write!(
                s,
                "<circle cx=\"{}\" cy=\"{:.1}\" r=\"14\" fill=\"#fff\" stroke=\"#1f2328\" stroke-width=\"1.5\"/>\
<text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{name}{i}</text>",
                xs[l], node_y(l, i), xs[l], node_y(l, i) + 4.0
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"616\" y=\"80\" font-size=\"13\" text-anchor=\"end\" fill=\"#5d6670\">前向 → 反向 ← · forward → backward ←</text>"
    );
}

fn conv2d(s: &mut String, input: &Value, result: &Value) {
    let xs = shape(&input["x"]);
    let ws = shape(&input["weight"]);
    let ys = shape(&result["y"]);
    let (h, w) = (
        xs.get(1).copied().unwrap_or(1),
        xs.get(2).copied().unwrap_or(1),
    );
    let (kh, kw) = (
        ws.get(2).copied().unwrap_or(1),
        ws.get(3).copied().unwrap_or(1),
    );
    let (oh, ow) = (
        ys.get(1).copied().unwrap_or(1),
        ys.get(2).copied().unwrap_or(1),
    );
    let cell = (200.0 / h.max(w).max(oh).max(ow) as f64).min(34.0);
    let x = nums(&input["x"]);
    let k = nums(&input["weight"]);
    let y = nums(&result["y"]);
    grid(
        s,
        40.0,
        90.0,
        cell,
        h,
        w,
        &x[..(h * w).min(x.len())],
        "x[0]",
    );
    let kx = 60.0 + cell * w as f64;
    grid(
        s,
        kx,
        90.0,
        cell,
        kh,
        kw,
        &k[..(kh * kw).min(k.len())],
        "W[0, 0]",
    );
    let yx = kx + cell * kw as f64 + 40.0;
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"22\" fill=\"#5d6670\">→</text>",
        yx - 30.0,
        90.0 + cell * kh as f64 / 2.0
    );
    grid(
        s,
        yx,
        90.0,
        cell,
        oh,
        ow,
        &y[..(oh * ow).min(y.len())],
        "y[0]",
    );
}

fn softmax(s: &mut String, input: &Value, result: &Value) {
    let p = nums(&result["p"]);
    let z = nums(&input["logits"]);
    let target = input["target"].as_f64().unwrap_or(0.0) as usize;
    let n = p.len().max(1);
    let bar = (480.0 / n as f64).min(80.0);
    for (i, pi) in p.iter().enumerate() {
        let height = pi * 200.0;
        let x = 60.0 + i as f64 * bar;
        let colour = if i == target { ORANGE } else { BLUE };
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"{colour}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">p={}</text>\
<text x=\"{:.1}\" y=\"300\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5d6670\">z={}</text>",
            285.0 - height,
            bar * 0.8,
            x + bar * 0.4,
            280.0 - height,
            fmt(*pi),
            x + bar * 0.4,
            fmt(z.get(i).copied().unwrap_or(0.0))
        );
    }
    let _ = write!(
        s,
        "<text x=\"616\" y=\"80\" font-size=\"15\" text-anchor=\"end\">loss = −log p[{target}] = {}</text>",
        fmt(result["loss"].as_f64().unwrap_or(0.0))
    );
}

/// Q, the attention weights W = softmax(QKᵀ/√d) as a heat map, and O = W·V.
fn attention(s: &mut String, input: &Value, result: &Value) {
    let (qs, ws, os) = (
        shape(&input["q"]),
        shape(&result["weights"]),
        shape(&result["out"]),
    );
    let dims = |v: &[usize]| {
        (
            v.first().copied().unwrap_or(1),
            v.get(1).copied().unwrap_or(1),
        )
    };
    let ((nq, d), (_, nk), (_, dv)) = (dims(&qs), dims(&ws), dims(&os));
    let cell = (180.0 / nq.max(d).max(nk).max(dv) as f64).min(38.0);
    grid(s, 40.0, 100.0, cell, nq, d, &nums(&input["q"]), "Q");
    let x = 80.0 + cell * d as f64;
    grid(
        s,
        x,
        100.0,
        cell,
        nq,
        nk,
        &nums(&result["weights"]),
        "W = softmax(QKᵀ/√d)",
    );
    let x = x + 60.0 + cell * nk as f64;
    grid(s, x, 100.0, cell, nq, dv, &nums(&result["out"]), "O = W·V");
}

fn batchnorm(s: &mut String, input: &Value, result: &Value) {
    let xs = shape(&input["x"]);
    let (n, d) = (
        xs.first().copied().unwrap_or(1),
        xs.get(1).copied().unwrap_or(1),
    );
    let cell = (200.0 / n.max(d) as f64).min(38.0);
    grid(s, 60.0, 90.0, cell, n, d, &nums(&input["x"]), "x");
    let _ = write!(s, "<text x=\"{}\" y=\"{}\" font-size=\"14\" fill=\"#5d6670\">(x − μ) / √(σ² + ε) · γ + β →</text>", 80.0 + cell * d as f64, 95.0 + cell * n as f64 / 2.0);
    grid(
        s,
        330.0 + cell * d as f64 / 2.0,
        90.0,
        cell,
        n,
        d,
        &nums(&result["y"]),
        "y",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_gets_a_drawn_picture() {
        for algo in crate::markdown::playground::ids() {
            let svg = svg(algo);
            assert!(default_run(algo).is_some(), "{algo} runs");
            // The frame and the button are 2 rects; a picture adds shapes.
            let shapes = svg.matches("<rect").count()
                + svg.matches("<circle").count()
                + svg.matches("<line").count();
            assert!(shapes > 3, "{algo}: {svg}");
            assert!(svg.ends_with("</svg>\n"));
        }
    }
}
