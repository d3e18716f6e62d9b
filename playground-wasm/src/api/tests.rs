//! Tests of the JSON layer: every preset runs, every step's line lies in the
//! shown source and names a real statement, every NumPy tag exists, and bad
//! inputs get messages instead of panics.

use super::presets::{BATCHNORM, SOFTMAX};
use super::*;

fn parse(s: &str) -> Json {
    Json::parse(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn num_list(v: &Json) -> Vec<f64> {
    match v {
        Json::Arr(items) => items
            .iter()
            .map(|i| match i {
                Json::Num(x) => *x,
                _ => f64::NAN,
            })
            .collect(),
        _ => vec![],
    }
}

#[test]
fn algorithms_lists_all_eight_ids() {
    let v = parse(&algorithms());
    let Json::Arr(items) = v else { panic!() };
    let ids: Vec<_> = items
        .iter()
        .map(|i| i.get("id").cloned().unwrap())
        .collect();
    let expected = [
        "backprop",
        "softmax",
        "conv2d",
        "iou",
        "nms",
        "auc",
        "batchnorm",
        "attention",
    ];
    assert_eq!(ids, expected.map(|s| Json::Str(s.into())).to_vec());
}

/// The real file of each algorithm, to check the extract against.
fn real_file(id: &str) -> &'static str {
    match id {
        "backprop" => include_str!("../algo/backprop.rs"),
        "softmax" => include_str!("../algo/softmax.rs"),
        "conv2d" => include_str!("../algo/conv2d.rs"),
        "iou" => include_str!("../algo/iou.rs"),
        "nms" => include_str!("../algo/nms.rs"),
        "auc" => include_str!("../algo/auc.rs"),
        "attention" => include_str!("../algo/attention.rs"),
        _ => include_str!("../algo/batchnorm.rs"),
    }
}

#[test]
fn shown_source_is_the_real_files_lines_between_the_markers() {
    for a in &ALGORITHMS {
        let (first, src) = (a.shown.first_line, text(a.id).unwrap().rust);
        let file: Vec<&str> = real_file(a.id).lines().collect();
        assert_eq!(file[first as usize - 2].trim(), "// ▼ playground source");
        let n = src.lines().count();
        assert_eq!(
            file[first as usize - 1..first as usize - 1 + n].join("\n"),
            src
        );
        assert_eq!(
            file[first as usize - 1 + n].trim(),
            "// ▲ playground source"
        );
    }
}

#[test]
fn describe_and_sources_are_valid_json_with_schema_presets_and_texts() {
    for a in &ALGORITHMS {
        let d = parse(&describe(a.id));
        assert!(
            matches!(d.get("input_schema"), Some(Json::Arr(_))),
            "{}",
            a.id
        );
        assert!(d.get("rust_source").is_none(), "texts are in sources()");
        let d = parse(&sources(a.id));
        let Some(Json::Str(src)) = d.get("rust_source") else {
            panic!()
        };
        assert!(src.contains("pub fn"), "{}", a.id);
        let Some(Json::Num(first)) = d.get("rust_first_line") else {
            panic!()
        };
        let first_line = real_file(a.id).lines().nth(*first as usize - 1).unwrap();
        assert_eq!(src.lines().next().unwrap(), first_line);
        // Each step_calls range starts with `step!(` and ends with `);`.
        let Some(Json::Arr(calls)) = d.get("step_calls") else {
            panic!()
        };
        let file: Vec<&str> = real_file(a.id).lines().collect();
        assert!(calls.len() >= 4);
        for c in calls {
            let v = num_list(c);
            assert!(
                file[v[0] as usize - 1].trim_start().starts_with("step!("),
                "{}: {v:?}",
                a.id
            );
            assert!(
                file[v[1] as usize - 1].trim_end().ends_with(");"),
                "{}: {v:?}",
                a.id
            );
        }
        let Some(Json::Str(np)) = d.get("numpy_source") else {
            panic!()
        };
        assert!(
            np.contains("import numpy as np") && !np.contains("# @"),
            "{}",
            a.id
        );
    }
    assert!(describe("nope").contains("\"ok\":false"));
    assert!(sources("nope").contains("\"ok\":false"));
}

#[test]
fn every_preset_runs_and_its_steps_point_into_the_shown_source() {
    for a in &ALGORITHMS {
        let (first, src) = (a.shown.first_line, text(a.id).unwrap().rust);
        let last = first + src.lines().count() as u32 - 1;
        let tags = a.shown.numpy_tags;
        let file_lines: Vec<&str> = real_file(a.id).lines().collect();
        for p in a.presets() {
            let out = run(a.id, p.input);
            let v = parse(&out);
            assert_eq!(
                v.get("ok"),
                Some(&Json::Bool(true)),
                "{} {}: {out}",
                a.id,
                p.id
            );
            let Some(Json::Arr(steps)) = v.get("steps") else {
                panic!()
            };
            assert!(!steps.is_empty());
            for s in steps {
                let Some(Json::Num(line)) = s.get("line") else {
                    panic!()
                };
                let Some(Json::Num(line_first)) = s.get("line_first") else {
                    panic!()
                };
                let line = *line as u32;
                assert!(
                    (first..=last).contains(&line),
                    "{}: line {line} outside {first}..={last}",
                    a.id
                );
                assert!(*line_first as u32 >= first && *line_first as u32 <= line);
                let text = file_lines[line as usize - 1].trim();
                assert!(
                    !text.is_empty() && !text.starts_with("//") && !text.starts_with("step!"),
                    "{}: step line {line} is `{text}`",
                    a.id
                );
                let statement = file_lines[*line_first as usize - 1..line as usize].join("\n");
                assert!(
                    text.starts_with('}') || !statement.contains("step!("),
                    "{}: step at line {line} points at another step! call",
                    a.id
                );
                let Some(Json::Num(np)) = s.get("numpy_line") else {
                    panic!()
                };
                assert!(*np >= 1.0, "{}: a step without a NumPy line", a.id);
            }
        }
        // Every tag used by a step exists in the NumPy source (the tag is the
        // first string literal of each `step!(` call, one line or several).
        let calls: Vec<&str> = src.split("step!(").skip(1).collect();
        assert!(calls.len() >= 4, "{}: too few steps found", a.id);
        for call in calls {
            if call.starts_with("rec, backward)") {
                continue; // marks where the backward pass starts: no step
            }
            let tag = call.split('"').nth(1).unwrap();
            assert!(
                tags.iter().any(|t| t.0 == tag),
                "{}: tag {tag} missing in NumPy",
                a.id
            );
        }
    }
}

#[test]
fn final_step_values_equal_the_result() {
    let v = parse(&run("softmax", SOFTMAX[1].input));
    let Some(Json::Arr(steps)) = v.get("steps") else {
        panic!()
    };
    let last = steps.last().unwrap().get("values").unwrap();
    let Json::Arr(vals) = last else { panic!() };
    assert_eq!(
        num_list(vals[1].get("data").unwrap()),
        num_list(v.get("result").unwrap().get("grad").unwrap())
    );
    // The naive probabilities are NaN and are written as strings.
    assert!(run("softmax", SOFTMAX[1].input).contains("\"NaN\""));
}

#[test]
fn bad_inputs_get_messages_in_both_languages() {
    let cases: &[(&str, &str, &str)] = &[
        ("softmax", "not json", ""),
        ("softmax", "[1,2]", ""),
        ("softmax", r#"{"logits":[],"target":0}"#, "logits"),
        ("softmax", r#"{"logits":[1,"NaN"],"target":0}"#, "logits"),
        ("softmax", r#"{"logits":[1,2],"target":-1}"#, "target"),
        ("softmax", r#"{"logits":[1,2]}"#, "target"),
        (
            "iou",
            r#"{"format":"xyxy","a":[3,0,1,1],"b":[0,0,1,1]}"#,
            "a",
        ),
        (
            "iou",
            r#"{"format":"xywh","a":[0,0,1,1],"b":[0,0,1,1]}"#,
            "format",
        ),
        ("iou", r#"{"format":"xyxy","a":[0,0,1],"b":[0,0,1,1]}"#, "a"),
        (
            "nms",
            r#"{"boxes":[],"scores":[],"iou_threshold":0.5}"#,
            "boxes",
        ),
        ("auc", r#"{"scores":[0.1,0.2],"labels":[1,1]}"#, "labels"),
        ("auc", r#"{"scores":[0.1,0.2],"labels":[1,2]}"#, "labels"),
        ("auc", r#"{"scores":[],"labels":[]}"#, "scores"),
        (
            "conv2d",
            r#"{"x":{"shape":[1,65,1],"data":[]},"weight":{"shape":[1,1,1,1],"data":[1]},"bias":[0],"stride":1,"padding":0,"dilation":1}"#,
            "x",
        ),
        (
            "conv2d",
            r#"{"x":{"shape":[9,2,2],"data":[]},"weight":{"shape":[1,9,1,1],"data":[1,1,1,1,1,1,1,1,1]},"bias":[0],"stride":1,"padding":0,"dilation":1}"#,
            "x",
        ),
        (
            "conv2d",
            r#"{"x":{"shape":[1,2,2],"data":[1,2,3,4]},"weight":{"shape":[1,1,3,3],"data":[1,1,1,1,1,1,1,1,1]},"bias":[0],"stride":1,"padding":0,"dilation":1}"#,
            "weight",
        ),
        (
            "conv2d",
            r#"{"x":{"shape":[1,2,2],"data":[1,2,3,4]},"weight":{"shape":[1,1,1,1],"data":[1]},"bias":[0],"stride":1,"padding":1000000000,"dilation":1}"#,
            "padding",
        ),
        (
            "conv2d",
            r#"{"x":{"shape":[1000000,1000000,1000000],"data":[]},"weight":{"shape":[1,1,1,1],"data":[1]},"bias":[0],"stride":1,"padding":0,"dilation":1}"#,
            "x",
        ),
        (
            "conv2d",
            r#"{"x":[[[1,2],[3]]],"weight":{"shape":[1,1,1,1],"data":[1]},"bias":[0],"stride":1,"padding":0,"dilation":1}"#,
            "x",
        ),
        (
            "backprop",
            r#"{"x":[1],"y":[1],"w1":[[1,2]],"b1":[0],"w2":[[1]],"b2":[0],"activation":"relu","loss":"mse","lr":0.1}"#,
            "w1",
        ),
        (
            "batchnorm",
            r#"{"x":[[1,2]],"gamma":[1,1],"beta":[0,0],"running_mean":[0,0],"running_var":[1,1],"momentum":0.1,"eps":1e-5,"mode":"train"}"#,
            "x (batch)",
        ),
        ("nope", "{}", "algo"),
    ];
    for (algo, input, field) in cases {
        let v = parse(&run(algo, input));
        assert_eq!(v.get("ok"), Some(&Json::Bool(false)), "{algo} {input}");
        let e = v.get("error").unwrap();
        assert_eq!(
            e.get("field"),
            Some(&Json::Str(field.to_string())),
            "{algo} {input}: {e:?}"
        );
        for lang in ["zh", "en"] {
            assert!(matches!(e.get(lang), Some(Json::Str(s)) if !s.is_empty()));
        }
    }
}

#[test]
fn nested_arrays_and_shape_data_forms_agree() {
    let nested = r#"{"x":[[1,3]],"gamma":[2],"beta":[0.5],"running_mean":[0],"running_var":[1],"momentum":0.5,"eps":1e-5,"mode":"eval","grad_out":[[1],[-1]]}"#;
    let nested = nested.replace("[[1,3]]", "[[1],[3]]");
    let a = run("batchnorm", &nested);
    let b = run(
        "batchnorm",
        BATCHNORM[2].input.replace("\"train\"", "\"eval\"").as_str(),
    );
    assert!(a.contains("\"ok\":true"), "{a}");
    assert_eq!(a, b);
}

/// Mutating presets at random (truncation, swapped numbers, huge values)
/// never panics: every output is JSON with `ok` set.
#[test]
fn mangled_inputs_never_panic() {
    let mut seed = 99u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n.max(1)
    };
    let junk = [
        "-1", "0", "1e308", "\"NaN\"", "[]", "null", "99999", "0.5", "[[1]]", "{}",
    ];
    for a in &ALGORITHMS {
        for p in a.presets() {
            for _ in 0..60 {
                let mut s = p.input.to_string();
                let digits: Vec<usize> = s
                    .match_indices(|c: char| c.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                let at = digits[next(digits.len())];
                let end = s[at..]
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .map_or(s.len(), |e| at + e);
                s.replace_range(at..end, junk[next(junk.len())]);
                if next(5) == 0 {
                    s.truncate(next(s.len()));
                }
                let v = parse(&run(a.id, &s));
                assert!(matches!(v.get("ok"), Some(Json::Bool(_))));
            }
        }
    }
}

/// Writes a parsed JSON value back as text (inputs of the fixtures).
fn to_text(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(x) => out.push_str(&format!("{x:?}")),
        Json::Str(s) => write_str(out, s),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_text(item, out);
            }
            out.push(']');
        }
        Json::Obj(items) => {
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                to_text(item, out);
            }
            out.push('}');
        }
    }
}

/// Compares an expected fixture value with what `run` returned.
fn assert_matches(path: &str, expected: &Json, got: &Json) {
    match (expected, got) {
        (Json::Num(e), Json::Num(g)) => {
            let tol = 1e-9 * e.abs().max(1.0);
            assert!((e - g).abs() <= tol, "{path}: expected {e}, got {g}");
        }
        (Json::Arr(e), Json::Arr(g)) => {
            assert_eq!(e.len(), g.len(), "{path}: length");
            for (i, (e, g)) in e.iter().zip(g).enumerate() {
                assert_matches(&format!("{path}[{i}]"), e, g);
            }
        }
        (Json::Obj(e), _) => {
            for (k, ev) in e {
                let gv = got.get(k).unwrap_or_else(|| panic!("{path}.{k}: missing"));
                assert_matches(&format!("{path}.{k}"), ev, gv);
            }
        }
        (e, g) => assert_eq!(e, g, "{path}"),
    }
}

/// Values from NumPy, SciPy and scikit-learn (fixtures/make_fixtures.py).
#[test]
fn results_match_the_independent_reference_fixtures() {
    let fixtures = [
        ("backprop", include_str!("../../fixtures/backprop.json")),
        ("softmax", include_str!("../../fixtures/softmax.json")),
        ("conv2d", include_str!("../../fixtures/conv2d.json")),
        ("iou", include_str!("../../fixtures/iou.json")),
        ("nms", include_str!("../../fixtures/nms.json")),
        ("auc", include_str!("../../fixtures/auc.json")),
        ("batchnorm", include_str!("../../fixtures/batchnorm.json")),
        // mpmath at 60 digits (fixtures/make_attention.py).
        ("attention", include_str!("../../fixtures/attention.json")),
    ];
    let mut count = 0;
    for (algo, text) in fixtures {
        let Json::Arr(cases) = parse(text) else {
            panic!("{algo}: not a list")
        };
        assert!(cases.len() >= 3, "{algo}: too few cases");
        for case in &cases {
            let name = match case.get("name") {
                Some(Json::Str(s)) => s.clone(),
                _ => panic!("{algo}: case without a name"),
            };
            let mut input = String::new();
            to_text(case.get("input").unwrap(), &mut input);
            let out = parse(&run(algo, &input));
            assert_eq!(
                out.get("ok"),
                Some(&Json::Bool(true)),
                "{algo}/{name}: {out:?}"
            );
            assert_matches(
                &format!("{algo}/{name}"),
                case.get("expected").unwrap(),
                out.get("result").unwrap(),
            );
            count += 1;
        }
    }
    assert!(count >= 25);
}

#[test]
fn committed_source_files_match_the_sources() {
    // The browser reads the texts from pkg/sources/; stale files would point
    // the highlighted line at the wrong statement.
    for a in &ALGORITHMS {
        let path = format!("{}/pkg/sources/{}.json", env!("CARGO_MANIFEST_DIR"), a.id);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == sources(a.id),
            "{path} is stale: run `cargo run -p xtask -- wasm playground-wasm` and commit pkg/"
        );
    }
}

/// Issue #16, defects 4 and 7: a shape error names the field at fault. A
/// transposed `grad_out` has the right count but the wrong shape; an empty
/// or too long `x`, `y` or `b1` is that field's error, not `w1`'s or `w2`'s.
#[test]
fn errors_name_the_field_at_fault() {
    let conv = r#"{"x":{"shape":[1,2,3],"data":[1,2,3,4,5,6]},"weight":{"shape":[1,1,1,1],"data":[1]},"bias":[0],"stride":1,"padding":0,"dilation":1,"grad_out":GRAD}"#;
    let bn = r#"{"x":{"shape":[3,2],"data":[1,2,3,4,5,6]},"gamma":[1,1],"beta":[0,0],"running_mean":[0,0],"running_var":[1,1],"momentum":0.1,"eps":1e-5,"mode":"train","grad_out":GRAD}"#;
    let mlp = |x: &str, y: &str, w1: &str, b1: &str, w2: &str| {
        format!(
            r#"{{"x":{x},"y":{y},"w1":{w1},"b1":{b1},"w2":{w2},"b2":[0],"activation":"relu","loss":"mse","lr":0.1}}"#
        )
    };
    let seventeen = format!("[{}]", vec!["1"; 17].join(","));
    let cases = [
        (
            "conv2d",
            conv.replace("GRAD", r#"{"shape":[1,3,2],"data":[1,2,3,4,5,6]}"#),
            "grad_out",
            "grad_out must have shape [1, 2, 3], got [1, 3, 2]",
        ),
        (
            "conv2d",
            conv.replace("GRAD", "[[[1,2],[3,4],[5,6]]]"),
            "grad_out",
            "grad_out must have shape [1, 2, 3], got [1, 3, 2]",
        ),
        (
            "batchnorm",
            bn.replace("GRAD", "[[1,2,3],[4,5,6]]"),
            "grad_out",
            "grad_out must have shape [3, 2], got [2, 3]",
        ),
        (
            "backprop",
            mlp("[]", "[1]", "[[1]]", "[0]", "[[1]]"),
            "x",
            "x must be between 1 and 16, got 0",
        ),
        (
            "backprop",
            mlp(&seventeen, "[1]", "[[1]]", "[0]", "[[1]]"),
            "x",
            "x must be between 1 and 16, got 17",
        ),
        (
            "backprop",
            mlp("[1]", "[]", "[[1]]", "[0]", "[[1]]"),
            "y",
            "y must be between 1 and 16, got 0",
        ),
        (
            "backprop",
            mlp("[1]", "[1]", "[[1]]", "[]", "[[1]]"),
            "b1",
            "b1 must be between 1 and 16, got 0",
        ),
        (
            "backprop",
            mlp("[1]", "[1]", "[[1]]", &seventeen, "[[1]]"),
            "b1",
            "b1 must be between 1 and 16, got 17",
        ),
    ];
    for (algo, input, field, en) in cases {
        let v = parse(&run(algo, &input));
        let e = v
            .get("error")
            .unwrap_or_else(|| panic!("{algo} {input}: accepted"));
        assert_eq!(e.get("field"), Some(&Json::Str(field.into())), "{input}");
        assert_eq!(e.get("en"), Some(&Json::Str(en.into())), "{input}");
    }
    // The right shapes are accepted.
    let ok = parse(&run("conv2d", &conv.replace("GRAD", "[[[1,2,3],[4,5,6]]]")));
    assert_eq!(ok.get("ok"), Some(&Json::Bool(true)));
}

/// Issue #16, defect 6: the output-size sentence shows the floor. By hand:
/// a 5-wide input, 2-wide kernel, stride 2, no padding: ⌊(5 − 1 − 1)/2⌋ + 1
/// = ⌊3/2⌋ + 1 = 2.
#[test]
fn the_output_size_sentence_shows_the_floor() {
    let input = r#"{"x":{"shape":[1,5,5],"data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]},"weight":{"shape":[1,1,2,2],"data":[1,0,0,1]},"bias":[0],"stride":2,"padding":0,"dilation":1,"grad_out":null}"#;
    let v = parse(&run("conv2d", input));
    let Some(Json::Arr(steps)) = v.get("steps") else {
        panic!()
    };
    assert_eq!(
        steps[0].get("en"),
        Some(&Json::Str("Output size: height ⌊(5 + 2·0 − 1·(2−1) − 1)/2⌋ + 1 = ⌊3/2⌋ + 1 = 2, width ⌊(5 + 2·0 − 1·(2−1) − 1)/2⌋ + 1 = ⌊3/2⌋ + 1 = 2".into()))
    );
}

/// `backward` is the index of the first step of the backward pass (the
/// widget's "skip to backward"), null for algorithms without one.
#[test]
fn run_reports_where_the_backward_pass_starts() {
    for a in &ALGORITHMS {
        let v = parse(&run(a.id, a.presets()[0].input));
        let Some(Json::Arr(steps)) = v.get("steps") else {
            panic!()
        };
        match v.get("backward") {
            Some(Json::Num(k)) => {
                assert!(a.backward, "{}", a.id);
                assert!(*k >= 1.0 && (*k as usize) < steps.len(), "{}: {k}", a.id);
            }
            Some(Json::Null) => assert!(!a.backward, "{}", a.id),
            other => panic!("{}: backward = {other:?}", a.id),
        }
    }
}
