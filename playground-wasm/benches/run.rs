//! Time per `run` at the largest allowed input of each algorithm: the
//! untraced function (what tests call), and the whole JSON round trip the
//! widget pays once per input change (parse, validate, trace, write JSON).
//! The widget only draws afterwards, so stepping costs nothing here; the
//! target is that one `run` stays well under a frame budget of 16 ms for
//! typical inputs and under ~100 ms at the caps.

use playground_wasm::algo::conv2d;
use playground_wasm::api;
use playground_wasm::json::Json;
use playground_wasm::{NoTrace, Trace};
use std::fmt::Write as _;
use std::time::Instant;

fn nums(n: usize, seed: u64) -> String {
    let mut s = String::from("[");
    let mut state = seed;
    for i in 0..n {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{:.6}", x);
    }
    s.push(']');
    s
}

fn largest_inputs() -> Vec<(&'static str, String)> {
    let m = conv2d::MAX_CHANNELS;
    let side = conv2d::MAX_SIDE;
    let k = conv2d::MAX_KERNEL;
    let conv = format!(
        r#"{{"x":{{"shape":[{m},{side},{side}],"data":{}}},"weight":{{"shape":[{m},{m},{k},{k}],"data":{}}},"bias":{},"stride":1,"padding":3,"dilation":1,"grad_out":null}}"#,
        nums(m * side * side, 1),
        nums(m * m * k * k, 2),
        nums(m, 3)
    );
    let u = 16;
    let backprop = format!(
        r#"{{"x":{},"y":{},"w1":{{"shape":[{u},{u}],"data":{}}},"b1":{},"w2":{{"shape":[{u},{u}],"data":{}}},"b2":{},"activation":"tanh","loss":"mse","lr":0.1}}"#,
        nums(u, 4),
        nums(u, 5),
        nums(u * u, 6),
        nums(u, 7),
        nums(u * u, 8),
        nums(u, 9)
    );
    let softmax = format!(r#"{{"logits":{},"target":3}}"#, nums(64, 10));
    let mut boxes = String::from("[");
    for i in 0..50 {
        let (x, y) = ((i % 10) as f64 * 3.0, (i / 10) as f64 * 3.0);
        let _ = write!(
            boxes,
            "{}[{x},{y},{},{}]",
            if i > 0 { "," } else { "" },
            x + 5.0,
            y + 5.0
        );
    }
    boxes.push(']');
    let nms = format!(
        r#"{{"boxes":{boxes},"scores":{},"iou_threshold":0.99}}"#,
        nums(50, 11)
    );
    let labels: Vec<String> = (0..500)
        .map(|i| ((i * 7) % 3 == 0) as u8)
        .map(|l| l.to_string())
        .collect();
    let auc = format!(
        r#"{{"scores":{},"labels":[{}]}}"#,
        nums(500, 12),
        labels.join(",")
    );
    let (n, d) = (64, 16);
    let bn = format!(
        r#"{{"x":{{"shape":[{n},{d}],"data":{}}},"gamma":{},"beta":{},"running_mean":{},"running_var":[{}],"momentum":0.1,"eps":1e-5,"mode":"train","grad_out":{{"shape":[{n},{d}],"data":{}}}}}"#,
        nums(n * d, 13),
        nums(d, 14),
        nums(d, 15),
        nums(d, 16),
        vec!["1"; d].join(","),
        nums(n * d, 17)
    );
    let iou = r#"{"format":"xyxy","a":[0,0,4,3],"b":[2,1,6,5]}"#.to_string();
    let t = 16;
    let attention = format!(
        r#"{{"q":{{"shape":[{t},{t}],"data":{}}},"k":{{"shape":[{t},{t}],"data":{}}},"v":{{"shape":[{t},{t}],"data":{}}},"mask":"causal","scale":"sqrt_d","grad_out":{{"shape":[{t},{t}],"data":{}}}}}"#,
        nums(t * t, 18),
        nums(t * t, 19),
        nums(t * t, 20),
        nums(t * t, 21)
    );
    vec![
        ("backprop", backprop),
        ("softmax", softmax),
        ("conv2d", conv),
        ("iou", iou),
        ("nms", nms),
        ("auc", auc),
        ("batchnorm", bn),
        ("attention", attention),
    ]
}

/// The same convolution untraced (`NoTrace`: what tests call) and traced.
fn recording_cost(input: &str) {
    let json = Json::parse(input).expect("bench input is JSON");
    let a = api::parse::conv2d(&json).expect("bench input parses");
    a.validate().expect("bench input is valid");
    let time = |f: &mut dyn FnMut()| {
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[2]
    };
    let untraced = time(&mut || {
        std::hint::black_box(conv2d::conv2d(&a, &mut NoTrace));
    });
    let traced = time(&mut || {
        std::hint::black_box(conv2d::conv2d(&a, &mut Trace::default()));
    });
    println!("conv2d at the caps: untraced {untraced:.2} ms, traced {traced:.2} ms (before JSON)");
}

fn main() {
    println!("largest allowed inputs; median of 5 runs each");
    println!(
        "{:<10} {:>12} {:>8} {:>12}",
        "algorithm", "run (ms)", "steps", "JSON (KB)"
    );
    let inputs = largest_inputs();
    recording_cost(&inputs[2].1);
    for (id, input) in inputs {
        let mut times = Vec::new();
        let mut out = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            out = api::run(id, &input);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        assert!(
            out.starts_with("{\"ok\":true"),
            "{id}: {}",
            &out[..out.len().min(300)]
        );
        times.sort_by(f64::total_cmp);
        let steps = out.matches("\"line\":").count();
        println!(
            "{id:<10} {:>12.2} {steps:>8} {:>12.0}",
            times[2],
            out.len() as f64 / 1024.0
        );
    }
}
