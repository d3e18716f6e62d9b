//! The NumPy versions shown beside the Rust (`src/numpy/*.py`) agree with it
//! at the extremes of the legal inputs, where textbook formulas break: run by
//! python3 with numpy (`tests/numpy_twins.py`) on cases whose expected values
//! are the Rust's own results (themselves checked against independent values
//! in the unit tests). Skipped, loudly, without python3 + numpy, except in CI.

use std::io::Write as _;
use std::process::{Command, Stdio};

fn numpy_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "python3 with numpy is required in CI"
        );
        eprintln!("\n!!!!! SKIPPED: python3 with numpy is missing (pip install numpy) !!!!!\n");
    }
    ok
}

/// `(name, algo, input)` cases at the extremes.
fn cases() -> Vec<(&'static str, &'static str, String)> {
    let mlp = |act: &str, loss: &str, x: &str, w1: &str, w2: &str, b2: &str, y: &str| {
        format!(
            r#"{{"x":{x},"y":{y},"w1":{w1},"b1":[0],"w2":{w2},"b2":{b2},"activation":"{act}","loss":"{loss}","lr":0.5}}"#
        )
    };
    let bn = |x: &str, mode: &str| {
        format!(
            r#"{{"x":{x},"gamma":[1.5,-2],"beta":[0.5,0.25],"running_mean":[0,1],"running_var":[1,2],"momentum":0.1,"eps":1e-5,"mode":"{mode}","grad_out":null}}"#
        )
    };
    let mut cases = vec![
        // Issue #16, defect 1: logits of 10¹⁸ and 10¹² + 1.
        (
            "backprop softmax_ce 1e18",
            "backprop",
            mlp(
                "relu",
                "softmax_ce",
                "[1e6]",
                "[[1e6]]",
                "[[1e6],[1e6]]",
                "[0,0]",
                "[1,0]",
            ),
        ),
        (
            "backprop softmax_ce 1e12+1",
            "backprop",
            mlp(
                "relu",
                "softmax_ce",
                "[1000]",
                "[[1000]]",
                "[[1e6],[1e6]]",
                "[1,0]",
                "[1,0]",
            ),
        ),
        // Issue #16, defect 5: sigmoid at z = −800 (e^800 = ∞), +40, tanh at ±30.
        (
            "backprop sigmoid z=-800",
            "backprop",
            mlp("sigmoid", "mse", "[1]", "[[-800]]", "[[2]]", "[0]", "[1]"),
        ),
        (
            "backprop sigmoid z=40",
            "backprop",
            mlp(
                "sigmoid", "mse", "[1]", "[[40]]", "[[1e6]]", "[0]", "[-1e6]",
            ),
        ),
        (
            "backprop tanh z=30",
            "backprop",
            mlp(
                "tanh",
                "softmax_ce",
                "[1]",
                "[[30]]",
                "[[1e6],[-1e6]]",
                "[0,0]",
                "[0,1]",
            ),
        ),
        (
            "backprop tanh z=-1e6",
            "backprop",
            mlp("tanh", "mse", "[1e6]", "[[-1]]", "[[3]]", "[0]", "[1]"),
        ),
        // Issue #16, defect 2: the ±10⁶ limit.
        (
            "softmax 1e6",
            "softmax",
            r#"{"logits":[1e6,1e6],"target":0}"#.into(),
        ),
        (
            "softmax ±1e6",
            "softmax",
            r#"{"logits":[1e6,999999,-1e6],"target":1}"#.into(),
        ),
        // Issue #16, defect 9: a constant column next to an ordinary one.
        (
            "batchnorm constant column",
            "batchnorm",
            bn("[[0.1,1],[0.1,2],[0.1,4]]", "train"),
        ),
        (
            "batchnorm eval",
            "batchnorm",
            bn("[[0.1,1],[0.1,2],[0.1,4]]", "eval"),
        ),
    ];
    for p in playground_wasm::api::find("attention")
        .map_or(&[][..], |a| a.presets())
        .iter()
    {
        cases.push((p.id, "attention", p.input.to_string()));
    }
    cases
}

#[test]
fn the_numpy_versions_agree_with_the_rust_at_the_extremes() {
    if !numpy_available() {
        return;
    }
    let mut json = String::from("[");
    for (i, (name, algo, input)) in cases().iter().enumerate() {
        let out = playground_wasm::api::run(algo, input);
        assert!(out.starts_with("{\"ok\":true"), "{name}: {out}");
        let result = &out[out.find(",\"result\":").expect("result") + 10..out.len() - 1];
        // Where the true value is 0 by exact cancellation (W2ᵀδ2 with δ2 =
        // [−p1, p1] and equal weights), BLAS's fused multiply-add leaves
        // rounding noise of the terms' size (10⁵ · 10⁻¹⁶): an absolute slack.
        let atol = if name.contains("1e12") { 1e-8 } else { 0.0 };
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            r#"{{"name":"{name}","algo":"{algo}","input":{input},"result":{result},"atol":{atol}}}"#
        ));
    }
    json.push(']');
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/numpy_twins.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(json.as_bytes())
        .expect("write cases");
    let out = child.wait_with_output().expect("python3 output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the NumPy versions disagree with the Rust:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
}
