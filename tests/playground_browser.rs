//! The playground widget in a real browser: every algorithm's page steps
//! forward and back showing exactly the values the native crate computes,
//! inputs can be edited (and a bad one shows the crate's message), the widget
//! works embedded cross-origin (script) and in an iframe, and the figures the
//! issue sets targets for are printed: first widget interactive after page
//! load, and time per step at the largest allowed sizes.
//!
//! Run: `cargo test -p generator --test playground_browser -- --nocapture`.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::browser::{self, Browser};
use support::http::StaticServer;
use support::*;

/// The crate's algorithms, by id.
fn algos() -> impl Iterator<Item = &'static str> {
    playground_wasm::api::ALGORITHMS.iter().map(|a| a.id)
}

/// The crate's defaults for `algo`, and its trace for them (native, not wasm).
fn native(algo: &str, input: Option<&Value>) -> (Value, Value) {
    let described: Value =
        serde_json::from_str(&playground_wasm::api::describe(algo)).expect("describe JSON");
    let input = input
        .cloned()
        .unwrap_or_else(|| described["defaults"].clone());
    let run: Value = serde_json::from_str(&playground_wasm::api::run(algo, &input.to_string()))
        .expect("run JSON");
    (input, run)
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("f64"),
        Value::String(s) => s.parse().expect("NaN/Infinity"),
        other => panic!("not a number: {other}"),
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// JS: the values the widget shows right now, as `[{name, data: [text of data-v…]}]`.
const SHOWN_VALUES: &str = "(() => { const el = document.querySelector('dlq-playground'); \
  return [...el.shadowRoot.querySelectorAll('.values .value')].map(v => ({ name: v.dataset.name, \
  large: !!v.querySelector('canvas'), data: [...v.querySelectorAll('[data-v]')].map(c => c.dataset.v) })); })()";

/// Checks that step `index` of the widget on the page shows the native trace's step.
async fn check_step(b: &Browser, algo: &str, trace: &Value, index: usize) {
    let step = &trace["steps"][index];
    assert_eq!(
        b.eval("document.querySelector('dlq-playground').dataset.step")
            .await,
        json!(index.to_string()),
        "{algo}: data-step"
    );
    let shown = b.eval(SHOWN_VALUES).await;
    let shown = shown.as_array().expect("values");
    let expected = step["values"].as_array().expect("native values");
    assert_eq!(
        shown.len(),
        expected.len(),
        "{algo} step {index}: {shown:?}"
    );
    for (s, e) in shown.iter().zip(expected) {
        assert_eq!(s["name"], e["name"], "{algo} step {index}");
        if s["large"] == true {
            continue;
        }
        let got: Vec<f64> = s["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|v| v.as_str().expect("text").parse().expect("number"))
            .collect();
        let want: Vec<f64> = e["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(number)
            .collect();
        assert_eq!(got.len(), want.len(), "{algo} step {index} {}", e["name"]);
        for (g, w) in got.iter().zip(&want) {
            assert!(same(*g, *w), "{algo} step {index} {}: {g} ≠ {w}", e["name"]);
        }
    }
    let sentence = b
        .eval("document.querySelector('dlq-playground').shadowRoot.querySelector('.sentence').textContent")
        .await;
    assert_eq!(sentence, step["en"], "{algo} step {index}: the sentence");
    let lines = b
        .eval("[...document.querySelector('dlq-playground').shadowRoot.querySelectorAll('.line.current')].map(l => Number(l.dataset.line))")
        .await;
    assert!(
        lines
            .as_array()
            .expect("lines")
            .contains(&step["line"].clone()),
        "{algo} step {index}: line {} marked in {lines}",
        step["line"]
    );
}

async fn click(b: &Browser, button: &str) {
    b.eval(&format!(
        "document.querySelector('dlq-playground').shadowRoot.querySelector('button.{button}').click() || true"
    ))
    .await;
}

async fn wait_ready(b: &Browser) {
    b.wait_until(
        "!!document.querySelector('dlq-playground') && document.querySelector('dlq-playground').dataset.ready !== undefined",
        30,
    )
    .await;
}

/// JS: what the batch-norm picture shows, band by band (one band per feature).
const BATCH_NORM_PICTURE: &str = "(() => { const pic = document.querySelector('dlq-playground').shadowRoot.querySelector('.pic'); \
  const shown = (el) => !!el && el.style.display !== 'none'; \
  const values = (g, row) => [...g.querySelectorAll(`.${row} .bn-dot`)].map(c => Number(c.dataset.value)); \
  return [...pic.querySelectorAll('.bn-band')].map(g => ({ active: g.classList.contains('active'), \
    stats: shown(g.querySelector('.bn-stats')), normal: shown(g.querySelector('.bn-row-xh').parentNode), \
    mean: Number(g.querySelector('.bn-mean').dataset.value), x: values(g, 'bn-row-x'), xh: values(g, 'bn-row-xh') })); })()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_norm_picture_shows_each_statistic_from_the_step_that_computes_it() {
    let server = serve_site("playground-batchnorm");
    let Some(b) = browser::start().await else {
        return;
    };
    let (input, trace) = native("batchnorm", None);
    let column = |v: &Value, j: usize| -> Vec<f64> {
        let t = if v["data"].is_array() { &v["data"] } else { v };
        let data: Vec<f64> = t.as_array().expect("tensor").iter().map(number).collect();
        let d = trace["result"]["mean"].as_array().expect("mean").len();
        data.iter().skip(j).step_by(d).copied().collect()
    };
    let close =
        |a: &[f64], b: &[f64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(*x, *y));
    b.client
        .goto(&server.url("en/play/batchnorm/"))
        .await
        .unwrap();
    wait_ready(&b).await;

    let bands = b.eval(BATCH_NORM_PICTURE).await;
    let bands = bands.as_array().expect("bands");
    assert_eq!(
        bands.len(),
        trace["result"]["mean"].as_array().unwrap().len()
    );
    for (j, band) in bands.iter().enumerate() {
        let x: Vec<f64> = band["x"].as_array().unwrap().iter().map(number).collect();
        assert!(
            close(&x, &column(&input["x"], j)),
            "feature {j}: x dots {x:?}"
        );
        assert_eq!(
            band["stats"],
            json!(false),
            "feature {j}: no statistics yet"
        );
        assert_eq!(
            band["normal"],
            json!(false),
            "feature {j}: not normalised yet"
        );
    }

    click(&b, "next").await;
    let bands = b.eval(BATCH_NORM_PICTURE).await;
    assert_eq!(bands[0]["active"], json!(true));
    assert_eq!(
        bands[0]["stats"],
        json!(true),
        "feature 0's statistics at its step"
    );
    assert!(same(
        number(&bands[0]["mean"]),
        number(&trace["result"]["mean"][0])
    ));
    assert_eq!(bands[1]["stats"], json!(false), "feature 1's come later");

    click(&b, "last").await;
    let bands = b.eval(BATCH_NORM_PICTURE).await;
    for (j, band) in bands.as_array().unwrap().iter().enumerate() {
        assert_eq!(band["stats"], json!(true));
        assert_eq!(band["normal"], json!(true));
        let xh: Vec<f64> = band["xh"].as_array().unwrap().iter().map(number).collect();
        assert!(
            close(&xh, &column(&trace["result"]["x_hat"], j)),
            "feature {j}: x̂ dots {xh:?}"
        );
    }
    b.screenshot("playground-batchnorm-picture").await;
    b.close().await;
}

/// A deterministic list of numbers in [lo, hi).
fn numbers(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            ((lo + (hi - lo) * u) * 100.0).round() / 100.0
        })
        .collect()
}

/// The largest input the crate allows for each algorithm.
fn largest_input(algo: &str) -> Value {
    let tensor = |shape: &[usize], seed| {
        let n = shape.iter().product();
        json!({ "shape": shape, "data": numbers(n, seed, -1.0, 1.0) })
    };
    match algo {
        "backprop" => json!({
            "x": numbers(16, 1, -1.0, 1.0), "y": numbers(16, 2, 0.0, 1.0),
            "w1": tensor(&[16, 16], 3), "b1": numbers(16, 4, -0.5, 0.5),
            "w2": tensor(&[16, 16], 5), "b2": numbers(16, 6, -0.5, 0.5),
            "activation": "tanh", "loss": "mse", "lr": 0.1 }),
        "softmax" => json!({ "logits": numbers(64, 7, -5.0, 5.0), "target": 3 }),
        "conv2d" => json!({
            "x": tensor(&[8, 64, 64], 8), "weight": tensor(&[8, 8, 7, 7], 9),
            "bias": numbers(8, 10, -0.5, 0.5), "stride": 1, "padding": 3, "dilation": 1, "grad_out": null }),
        "iou" => json!({ "format": "xyxy", "a": [0, 0, 4, 3], "b": [2, 1, 6, 5] }),
        "nms" => {
            let xs = numbers(50, 11, 0.0, 90.0);
            let ys = numbers(50, 12, 0.0, 90.0);
            let boxes: Vec<Value> = xs
                .iter()
                .zip(&ys)
                .map(|(x, y)| json!([x, y, x + 12.0, y + 10.0]))
                .collect();
            json!({ "boxes": boxes, "scores": numbers(50, 13, 0.0, 1.0), "iou_threshold": 0.3 })
        }
        "auc" => {
            let labels: Vec<u8> = numbers(500, 14, 0.0, 1.0)
                .iter()
                .map(|u| u8::from(*u > 0.5))
                .collect();
            json!({ "scores": numbers(500, 15, 0.0, 1.0), "labels": labels })
        }
        "batchnorm" => json!({
            "x": tensor(&[64, 16], 16), "gamma": numbers(16, 17, 0.5, 1.5), "beta": numbers(16, 18, -0.5, 0.5),
            "running_mean": numbers(16, 19, -0.1, 0.1), "running_var": numbers(16, 20, 0.5, 1.5),
            "momentum": 0.1, "eps": 1e-5, "mode": "train", "grad_out": null }),
        "attention" => json!({
            "q": tensor(&[16, 16], 21), "k": tensor(&[16, 16], 22), "v": tensor(&[16, 16], 23),
            "mask": "causal", "scale": "sqrt_d", "grad_out": tensor(&[16, 16], 24) }),
        _ => unreachable!("{algo}"),
    }
}

/// The fixture site, served by `generator serve` (a preview of what `build` writes).
fn serve_site(name: &str) -> Serve {
    let dir = temp_dir(name);
    copy_dir(&fixture("site"), &dir.join("content"));
    Serve::start(&dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_algorithm_steps_through_the_native_trace() {
    let server = serve_site("playground-browser");
    let Some(b) = browser::start().await else {
        return;
    };
    let mut figures = Vec::new();
    for algo in algos() {
        let (_, trace) = native(algo, None);
        let n = trace["steps"].as_array().expect("steps").len();
        b.client
            .goto(&server.url(&format!("en/play/{algo}/")))
            .await
            .unwrap();
        wait_ready(&b).await;
        let ready_ms = b
            .eval("document.querySelector('dlq-playground').readyAt")
            .await;
        assert_eq!(
            b.eval("document.querySelector('dlq-playground').total")
                .await,
            json!(n),
            "{algo}: step count"
        );
        check_step(&b, algo, &trace, 0).await;
        // Forward with the buttons, back with the keyboard, the ends with Home/End.
        click(&b, "next").await;
        check_step(&b, algo, &trace, 1).await;
        click(&b, "next").await;
        check_step(&b, algo, &trace, 2.min(n - 1)).await;
        let el = b
            .client
            .find(fantoccini::Locator::Css("dlq-playground"))
            .await
            .unwrap();
        el.send_keys("\u{E012}").await.unwrap(); // ArrowLeft
        check_step(&b, algo, &trace, 1).await;
        el.send_keys("\u{E010}").await.unwrap(); // End
        check_step(&b, algo, &trace, n - 1).await;
        click(&b, "prev").await;
        check_step(&b, algo, &trace, n - 2).await;
        el.send_keys("\u{E011}").await.unwrap(); // Home
        check_step(&b, algo, &trace, 0).await;
        // The slider goes anywhere; the step is kept in the URL hash.
        let mid = n / 2;
        b.eval(&format!("(() => {{ const s = document.querySelector('dlq-playground').shadowRoot.querySelector('.slider'); s.value = {mid}; s.dispatchEvent(new Event('input')); return true; }})()")).await;
        check_step(&b, algo, &trace, mid).await;
        b.wait_until(&format!("location.hash === '#{algo}:{mid}'"), 5)
            .await;
        b.screenshot(&format!("playground-{algo}")).await;
        figures.push((algo, ready_ms));
    }
    // A link with the hash opens at that step.
    b.client
        .goto(&server.url("en/play/auc/#auc:3"))
        .await
        .unwrap();
    wait_ready(&b).await;
    assert_eq!(
        b.eval("document.querySelector('dlq-playground').dataset.step")
            .await,
        json!("3")
    );

    println!("\nfirst widget interactive after navigation start (target ≤ 200 ms):");
    for (algo, ms) in &figures {
        println!("  {algo:10} {:.0} ms", ms.as_f64().unwrap_or(f64::NAN));
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_can_be_edited_and_bad_ones_show_the_crates_message() {
    let server = serve_site("playground-inputs");
    let Some(b) = browser::start().await else {
        return;
    };
    b.client.goto(&server.url("en/play/iou/")).await.unwrap();
    wait_ready(&b).await;
    let set_field = |name: &str, text: &str| {
        format!(
            "(() => {{ const el = document.querySelector('dlq-playground'); el.shadowRoot.querySelector('details.inputs').open = true; \
             const f = el.shadowRoot.querySelector('[name=\"{name}\"]'); f.value = {}; f.dispatchEvent(new Event('input')); return true; }})()",
            serde_json::to_string(text).unwrap()
        )
    };
    // A good edit: the trace is recomputed and matches the crate.
    b.eval(&set_field("a", "[1, 1, 5, 4]")).await;
    let (_, edited) = native(
        "iou",
        Some(&json!({"format": "xyxy", "a": [1, 1, 5, 4], "b": [2, 1, 6, 5]})),
    );
    b.wait_until(
        "document.querySelector('dlq-playground').input.a[0] === 1",
        10,
    )
    .await;
    check_step(&b, "iou", &edited, 0).await;
    b.eval("document.querySelector('dlq-playground').last() || true")
        .await;
    check_step(&b, "iou", &edited, 5).await;
    b.screenshot("playground-iou-edited").await;

    // A bad edit: the crate's message next to the field, the last good trace kept.
    let bad = json!({"format": "xyxy", "a": [1, 1, 5, 4], "b": [6, 1, 2, 5]});
    let (_, refused) = native("iou", Some(&bad));
    assert_eq!(refused["ok"], false);
    b.eval(&set_field("b", "[6, 1, 2, 5]")).await;
    b.wait_until(
        "!document.querySelector('dlq-playground').shadowRoot.querySelector('#err-b').hidden",
        10,
    )
    .await;
    let message = b
        .eval("document.querySelector('dlq-playground').shadowRoot.querySelector('#err-b').textContent")
        .await;
    let expected = refused["error"]["en"].as_str().expect("message");
    assert!(
        message.as_str().unwrap().starts_with(expected),
        "{message} should start with {expected}"
    );
    check_step(&b, "iou", &edited, 5).await;
    b.screenshot("playground-iou-error").await;

    // Text that is not JSON: the crate's parse message, on that field.
    b.eval(&set_field("a", "[1, 1, 5,")).await;
    b.wait_until(
        "!document.querySelector('dlq-playground').shadowRoot.querySelector('#err-a').hidden",
        10,
    )
    .await;
    let message = b
        .eval("document.querySelector('dlq-playground').shadowRoot.querySelector('#err-a').textContent")
        .await;
    assert!(
        message.as_str().unwrap().contains("not valid JSON"),
        "{message}"
    );

    // Presets, resizing and randomizing all produce traces the crate agrees with.
    b.client
        .goto(&server.url("en/play/softmax/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    b.eval("(() => { const el = document.querySelector('dlq-playground'); const s = el.shadowRoot.querySelector('.toolbar select'); s.value = 'overflow'; s.dispatchEvent(new Event('change')); return true; })()").await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.logits[0] >= 1000",
        10,
    )
    .await;
    let input = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    let (_, trace) = native("softmax", Some(&input));
    check_step(&b, "softmax", &trace, 0).await;
    b.eval("(() => { const el = document.querySelector('dlq-playground'); const s = el.shadowRoot.querySelector('input.size'); s.value = 5; s.dispatchEvent(new Event('change')); return true; })()").await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.logits.length === 5",
        10,
    )
    .await;
    b.eval("(() => { const el = document.querySelector('dlq-playground'); el.shadowRoot.querySelector('.seed').value = 7; el.shadowRoot.querySelector('.randomize button').click(); return true; })()").await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.logits[0] < 1000",
        10,
    )
    .await;
    let first = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    let (_, trace) = native("softmax", Some(&first));
    assert_eq!(trace["ok"], true, "{trace}");
    check_step(&b, "softmax", &trace, 0).await;
    b.eval("document.querySelector('dlq-playground').shadowRoot.querySelector('.randomize button').click() || true").await;
    let again = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    assert_eq!(first, again, "the same seed gives the same numbers");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stepping_at_the_largest_sizes_is_timed() {
    let server = serve_site("playground-timing");
    let Some(b) = browser::start().await else {
        return;
    };
    println!("\nlargest allowed inputs: run once, then time per step (target ≤ 16 ms/step):");
    for algo in algos() {
        let input = largest_input(algo);
        b.client
            .goto(&server.url(&format!("en/play/{algo}/")))
            .await
            .unwrap();
        wait_ready(&b).await;
        let figures = b
            .eval(&format!(
                "(() => {{ const el = document.querySelector('dlq-playground'); const input = {input};\
                 const t0 = performance.now(); const r = el.setInput(input); const run = performance.now() - t0;\
                 if (!r.ok) return {{ error: r.error }};\
                 const n = el.total; const root = el.shadowRoot.querySelector('.root');\
                 const visits = []; for (let i = 0; i < Math.min(n, 60); i++) visits.push(Math.floor(i * (n - 1) / Math.max(1, Math.min(n, 60) - 1)));\
                 let worst = 0; const t1 = performance.now();\
                 for (const i of visits) {{ const s = performance.now(); el.step = i; root.getBoundingClientRect(); void root.offsetHeight; worst = Math.max(worst, performance.now() - s); }}\
                 const per = (performance.now() - t1) / visits.length;\
                 return {{ run, steps: n, per, worst }}; }})()"
            ))
            .await;
        assert!(figures.get("error").is_none(), "{algo}: {figures}");
        // Check the last step against the crate, at the largest size too.
        let (_, trace) = native(algo, Some(&input));
        let n = trace["steps"].as_array().expect("steps").len();
        assert_eq!(figures["steps"], json!(n), "{algo}");
        b.eval("document.querySelector('dlq-playground').last() || true")
            .await;
        check_step(&b, algo, &trace, n - 1).await;
        println!(
            "  {algo:10} run {:7.1} ms, {:5} steps, {:6.2} ms/step (worst {:6.2} ms)",
            figures["run"].as_f64().unwrap_or(f64::NAN),
            n,
            figures["per"].as_f64().unwrap_or(f64::NAN),
            figures["worst"].as_f64().unwrap_or(f64::NAN)
        );
        if algo == "conv2d" {
            b.screenshot("playground-conv2d-largest").await;
        }
    }
    b.close().await;
}

/// A running `generator serve --port 0` (it sends the CORS header for the embed files).
struct Serve {
    child: Child,
    port: u16,
}

impl Serve {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_generator"))
            .env("XDG_CACHE_HOME", cache_home())
            .args(["serve", "--content", "content", "--port", "0"])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start generator serve");
        // Owned from here on, so that the process is stopped on every path.
        let mut serve = Serve { child, port: 0 };
        let lines = Arc::new(Mutex::new(String::new()));
        let sink = lines.clone();
        let stdout = serve.child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("lock").push_str(&(line + "\n"));
            }
        });
        let started = Instant::now();
        while serve.port == 0 {
            let text = lines.lock().expect("lock").clone();
            if let Some(line) = text.lines().find(|l| l.starts_with("serving http://")) {
                serve.port = line
                    .trim_end_matches('/')
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("port");
            } else {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "serve printed no URL: {text}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        serve
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_embeds_cross_origin_and_in_an_iframe() {
    let dir = temp_dir("playground-embed");
    copy_dir(&fixture("site"), &dir.join("content"));
    let site = Serve::start(&dir);
    let origin = format!("http://127.0.0.1:{}/", site.port);
    let Some(b) = browser::start().await else {
        return;
    };
    // The snippets as the Embed panel shows them.
    b.client
        .goto(&format!("{origin}en/play/nms/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    let snippet =
        |kind: &str| format!("document.querySelector('code[data-snippet=\"{kind}\"]').textContent");
    let script = b.eval(&snippet("script")).await;
    let script = script.as_str().expect("script snippet").to_string();
    assert!(
        script.contains(&format!("src=\"{origin}static/playground/embed.js\"")),
        "{script}"
    );
    let iframe = b.eval(&snippet("iframe")).await;
    let iframe = iframe.as_str().expect("iframe snippet").to_string();
    let markdown = b.eval(&snippet("markdown")).await;
    assert!(
        markdown
            .as_str()
            .unwrap()
            .contains(&format!("({origin}play/nms/preview.svg)")),
        "{markdown}"
    );
    b.screenshot("playground-embed-panel").await;

    let host = temp_dir("playground-host");
    std::fs::write(
        host.join("script.html"),
        format!("<!doctype html><meta charset=utf-8><title>host</title><style>body{{font:16px serif;max-width:900px;margin:20px auto}}</style>\
<h1>A blog post</h1><p>Text of the host page.</p>\n{script}\n<p>More text.</p>"),
    )
    .unwrap();
    std::fs::write(
        host.join("iframe.html"),
        format!("<!doctype html><meta charset=utf-8><title>host</title><h1>A blog post</h1>\n{iframe}\n<p id=after>After the iframe.</p>"),
    )
    .unwrap();
    let blog = StaticServer::start(&host);
    assert_ne!(blog.port, site.port);

    // (a) Script + element from another origin.
    b.client.goto(&blog.url("script.html")).await.unwrap();
    wait_ready(&b).await;
    let (_, trace) = native("nms", None);
    check_step(&b, "nms", &trace, 0).await;
    click(&b, "next").await;
    check_step(&b, "nms", &trace, 1).await;
    let failed = b
        .eval("performance.getEntriesByType('resource').filter(e => e.name.includes('/static/playground/') && e.responseStatus && e.responseStatus !== 200).map(e => e.name)")
        .await;
    assert_eq!(failed, json!([]), "every embed file loaded");
    b.screenshot("playground-cross-origin").await;

    // (b) The iframe snippet: the widget works inside, and the frame grows to fit it.
    b.client.goto(&blog.url("iframe.html")).await.unwrap();
    b.wait_until(
        "parseFloat(document.querySelector('iframe.dlq-playground').style.height) > 300 && document.querySelector('iframe.dlq-playground').style.height !== '720px'",
        30,
    )
    .await;
    let height = b
        .eval("parseFloat(document.querySelector('iframe.dlq-playground').style.height)")
        .await;
    assert!(height.as_f64().unwrap() > 300.0, "{height}");
    b.screenshot("playground-iframe").await;
    b.client.clone().enter_frame(0).await.unwrap();
    wait_ready(&b).await;
    assert_eq!(
        b.eval("document.documentElement.classList.contains('embed') && getComputedStyle(document.querySelector('.site-header')).display")
            .await,
        json!("none"),
        "iframe mode shows only the widget"
    );
    click(&b, "next").await;
    check_step(&b, "nms", &trace, 1).await;
    b.client.clone().enter_parent_frame().await.unwrap();

    // Narrow screens: a content page with a widget at 360 px wide.
    b.client.set_window_size(360, 900).await.unwrap();
    b.client
        .goto(&format!("{origin}qa/headings/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    b.eval("document.querySelector('dlq-playground').scrollIntoView() || true")
        .await;
    b.screenshot("playground-360px").await;
    let fits = b
        .eval("(() => { const el = document.querySelector('dlq-playground'); const root = el.shadowRoot.querySelector('.root'); \
               return [innerWidth, Math.ceil(el.getBoundingClientRect().right), root.scrollWidth - root.clientWidth]; })()")
        .await;
    let fits: Vec<i64> = serde_json::from_value(fits).expect("numbers");
    assert!(
        fits[1] <= fits[0] && fits[2] <= 1,
        "the widget is wider than a 360 px screen: {fits:?}"
    );
    b.close().await;
    let _ = std::fs::remove_dir_all(&host);
}

/// JS: the widget's shadow root.
const ROOT: &str = "document.querySelector('dlq-playground').shadowRoot";

/// Clicks cell `k` of the shown value `name`, types `text` and presses Enter.
async fn edit_cell(b: &Browser, name: &str, k: usize, text: &str) {
    let ok = b
        .eval(&format!(
            "(() => {{ const v = [...{ROOT}.querySelectorAll('.values .value')].find(v => v.dataset.name === {name:?}); \
             if (!v || !v.dataset.field) return false; const cell = v.querySelector('[data-k=\"{k}\"]'); cell.click(); \
             const box = cell.querySelector('input'); if (!box) return false; box.value = {text:?}; \
             box.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', bubbles: true, composed: true }})); return true; }})()"
        ))
        .await;
    assert_eq!(ok, json!(true), "value {name} is not editable here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_are_edited_in_the_value_grids() {
    let server = serve_site("playground-grid-edit");
    let Some(b) = browser::start().await else {
        return;
    };
    // A vector: softmax's logits, shown as z at the first step.
    b.client
        .goto(&server.url("en/play/softmax/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    edit_cell(&b, "z", 0, "3").await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.logits[0] === 3",
        10,
    )
    .await;
    let input = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    assert_eq!(input["logits"], json!([3, 1, 0.1]));
    let (_, trace) = native("softmax", Some(&input));
    b.wait_until(
        &format!("{ROOT}.querySelector('.values .value[data-name=\"p_naive\"] [data-v]').dataset.v === {:?}",
            trace["steps"][0]["values"][3]["data"][0].to_string()),
        10,
    )
    .await;
    check_step(&b, "softmax", &trace, 0).await;
    // The Inputs panel shows the edit, and a text that is not a number is refused in place.
    let field = b
        .eval(&format!("{ROOT}.querySelector('[name=\"logits\"]').value"))
        .await;
    assert!(
        field.as_str().unwrap().starts_with("[3, 1, 0.1]"),
        "{field}"
    );
    b.eval(&format!(
        "(() => {{ const cell = {ROOT}.querySelector('.value[data-name=\"z\"] [data-k=\"1\"]'); cell.click(); \
         const box = cell.querySelector('input'); box.value = 'abc'; \
         box.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', bubbles: true }})); return true; }})()"
    ))
    .await;
    assert_eq!(
        b.eval(&format!("{ROOT}.querySelector('.value[data-name=\"z\"] [data-k=\"1\"] input').getAttribute('aria-invalid')")).await,
        json!("true")
    );
    b.eval(&format!(
        "{ROOT}.querySelector('.value[data-name=\"z\"] [data-k=\"1\"] input').dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Escape', bubbles: true }})) || true"
    ))
    .await;
    assert_eq!(
        b.eval(&format!(
            "{ROOT}.querySelector('.value[data-name=\"z\"] [data-k=\"1\"]').textContent"
        ))
        .await,
        json!("1")
    );

    // A matrix given as nested arrays: attention's Q; the edit keeps the step.
    b.client
        .goto(&server.url("en/play/attention/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    edit_cell(&b, "Q", 3, "-1.5").await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.q[1][1] === -1.5",
        10,
    )
    .await;
    let input = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    let (_, trace) = native("attention", Some(&input));
    b.eval("document.querySelector('dlq-playground').last() || true")
        .await;
    let n = trace["steps"].as_array().unwrap().len();
    check_step(&b, "attention", &trace, n - 1).await;
    b.screenshot("playground-attention-edited").await;

    // Values that are not the input (backprop's last step shows the updated W1) are not editable.
    b.client
        .goto(&server.url("en/play/backprop/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    assert_eq!(
        b.eval(&format!(
            "{ROOT}.querySelector('.value[data-name=\"W1\"]').dataset.field"
        ))
        .await,
        json!("w1")
    );
    b.eval("document.querySelector('dlq-playground').last() || true")
        .await;
    assert_eq!(
        b.eval(&format!(
            "{ROOT}.querySelector('.value[data-name=\"W1\"]').dataset.field === undefined"
        ))
        .await,
        json!(true)
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_to_backward_and_the_new_pictures() {
    let server = serve_site("playground-backward");
    let Some(b) = browser::start().await else {
        return;
    };
    // conv2d: the button jumps to the first backward window, whose 9 taps
    // (4 inside, 5 in the padding) all light up, and ∂L/∂x so far is drawn.
    let by_hand = json!({
        "x": {"shape": [1, 3, 3], "data": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
        "weight": {"shape": [1, 1, 3, 3], "data": [1, 1, 1, 1, 1, 1, 1, 1, 1]},
        "bias": [0], "stride": 1, "padding": 1, "dilation": 1, "grad_out": null });
    let (_, trace) = native("conv2d", Some(&by_hand));
    let backward = trace["backward"]
        .as_u64()
        .expect("conv2d has a backward pass") as usize;
    b.client
        .goto(&server.url("en/play/conv2d/?"))
        .await
        .unwrap();
    wait_ready(&b).await;
    let r = b
        .eval(&format!(
            "document.querySelector('dlq-playground').setInput({by_hand}).ok"
        ))
        .await;
    assert_eq!(r, json!(true));
    assert_eq!(
        b.eval(&format!("{ROOT}.querySelector('button.backward').hidden"))
            .await,
        json!(false)
    );
    click(&b, "backward").await;
    check_step(&b, "conv2d", &trace, backward).await;
    let lit = b
        .eval(&format!(
            "[{ROOT}.querySelectorAll('.pic .cell.hl:not(.out)').length, {ROOT}.querySelectorAll('.pic .cell.pad.hl').length, \
             {ROOT}.querySelectorAll('.values .value[data-name=\"window\"] .num.pad').length]"
        ))
        .await;
    assert_eq!(lit, json!([9, 5, 5]), "the corner window's taps");
    let label = b
        .eval(&format!("{ROOT}.querySelector('.pic text').textContent"))
        .await;
    assert_eq!(label, json!("∂L/∂x[0] so far"));
    b.screenshot("playground-conv2d-backward").await;
    // The key B does the same, from anywhere.
    click(&b, "first").await;
    let el = b
        .client
        .find(fantoccini::Locator::Css("dlq-playground"))
        .await
        .unwrap();
    el.send_keys("b").await.unwrap();
    check_step(&b, "conv2d", &trace, backward).await;

    // NMS has no backward pass: no button.
    b.client.goto(&server.url("en/play/nms/")).await.unwrap();
    wait_ready(&b).await;
    assert_eq!(
        b.eval(&format!("{ROOT}.querySelector('button.backward').hidden"))
            .await,
        json!(true)
    );

    // Attention, causal preset: the weight matrix fills in row by row, the
    // masked cells are drawn as such, and the button reaches ∂V.
    b.client
        .goto(&server.url("en/play/attention/"))
        .await
        .unwrap();
    wait_ready(&b).await;
    b.eval(&format!("(() => {{ const s = {ROOT}.querySelector('.toolbar select'); s.value = 'causal'; s.dispatchEvent(new Event('change')); return true; }})()")).await;
    b.wait_until(
        "document.querySelector('dlq-playground').input.mask === 'causal'",
        10,
    )
    .await;
    let input = b
        .eval("document.querySelector('dlq-playground').input")
        .await;
    let (_, trace) = native("attention", Some(&input));
    let rows_js = format!(
        "[...{ROOT}.querySelectorAll('.pic .att-row')].map(g => g.style.visibility !== 'hidden')"
    );
    click(&b, "first").await;
    assert_eq!(b.eval(&rows_js).await, json!([false, false, false, false]));
    assert_eq!(
        b.eval(&format!(
            "{ROOT}.querySelectorAll('.pic .att-cell.masked').length"
        ))
        .await,
        json!(6),
        "4 × 4 causal: 6 masked cells"
    );
    // Step 2 is row 0's softmax: row 0 appears, outlined.
    b.eval("document.querySelector('dlq-playground').step = 2")
        .await;
    check_step(&b, "attention", &trace, 2).await;
    assert_eq!(b.eval(&rows_js).await, json!([true, false, false, false]));
    let weights: Vec<f64> = serde_json::from_value(
        b.eval(&format!("[...{ROOT}.querySelectorAll('.pic .att-row[data-row=\"0\"] .att-cell')].map(r => Number(r.dataset.w))"))
            .await,
    )
    .unwrap();
    assert_eq!(weights, vec![1.0, 0.0, 0.0, 0.0], "query 0 sees only key 0");
    let backward = trace["backward"].as_u64().unwrap() as usize;
    click(&b, "backward").await;
    check_step(&b, "attention", &trace, backward).await;
    assert_eq!(b.eval(&rows_js).await, json!([true, true, true, true]));
    b.screenshot("playground-attention-backward").await;
    b.close().await;
}
