//! Search benchmark: `cargo bench -p generator --bench search`.
//!
//! Builds the 1,000-page corpus and prints, for a set of queries, what a
//! reader's first (cold) query downloads — the wasm engine and its glue, the
//! meta file, the term shards the query needs and the document chunks of the
//! results, gzipped — and how long a warm query takes: natively through the
//! same `search` code, and in headless Chromium when it is installed (typing
//! into the real search box). The share of the build spent on the index is
//! printed by `--bench build`.

mod common;
#[path = "../../tests/support/mod.rs"]
mod support;

use search::engine::{Engine, Filter};
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Results the search box shows (`RESULTS` in themes/default/static/search.js).
const RESULTS: usize = 10;

/// Queries a reader of this corpus would type: Chinese, English, mixed.
const QUERIES: &[&str] = &[
    "反向传播",
    "梯度消失",
    "过拟合",
    "学习率",
    "数值稳定",
    "雅可比矩阵",
    "ResNet",
    "Layer Normalization",
    "backpropagation",
    "BERT 混合精度",
];

fn main() {
    let (work, content) = common::corpus("search");
    let public = work.join("public");
    let out = Command::new(env!("CARGO_BIN_EXE_generator"))
        .args(["build", "--content"])
        .arg(&content)
        .arg("--output")
        .arg(&public)
        .output()
        .expect("run generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "corpus: 1000 markdown pages (gen_corpus.py --seed 42), {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );

    let gz = |path: &Path| gz_len(&std::fs::read(path).expect("index file"));
    let dir = public.join("search");
    let engine_gz = gz(&public.join("static/search/search_bg.wasm"))
        + gz(&public.join("static/search/search.js"));
    let meta = std::fs::read_to_string(dir.join("meta.txt")).expect("meta");
    let base = engine_gz + gz(&dir.join("meta.txt"));

    let mut cold = Vec::new();
    let mut warm_native = Vec::new();
    for query in QUERIES {
        let mut engine = Engine::from_meta(&meta).expect("meta");
        let (mut shard_bytes, mut chunk_bytes) = (0, 0);
        for id in engine.missing_shards(query) {
            let path = dir.join(search::index::shard_file(id));
            shard_bytes += gz(&path);
            engine.add_shard(id, &std::fs::read_to_string(&path).expect("shard"));
        }
        let hits = engine.search(query, Filter::Both, RESULTS);
        let mut chunks: Vec<u32> = hits.iter().map(|&(doc, _)| doc / engine.chunk).collect();
        chunks.sort_unstable();
        chunks.dedup();
        for chunk in chunks {
            chunk_bytes += gz(&dir.join(search::index::docs_file(chunk)));
        }
        let bytes = base + shard_bytes + chunk_bytes;
        let mut times = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            std::hint::black_box(engine.search(query, Filter::Both, RESULTS));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let ms = common::median(&mut times);
        println!(
            "  {query:<22} {:>3} hits  cold download {:>5.1} KB gz (shards {:>4.1}, results {:>4.1})  warm {:.3} ms (native)",
            hits.len(),
            bytes as f64 / 1024.0,
            shard_bytes as f64 / 1024.0,
            chunk_bytes as f64 / 1024.0,
            ms
        );
        assert!(!hits.is_empty(), "{query} finds nothing in the corpus");
        cold.push(bytes as f64 / 1024.0);
        warm_native.push(ms);
    }
    println!(
        "cold first query: median {:.1} KB gzipped, max {:.1} KB (engine {:.1} KB of it; target ≤ 100 KB)",
        common::median(&mut cold.clone()),
        cold.iter().cloned().fold(0.0, f64::max),
        engine_gz as f64 / 1024.0
    );
    println!(
        "warm query, native: median {:.3} ms",
        common::median(&mut warm_native)
    );
    browser_figures(&public);
    let _ = std::fs::remove_dir_all(&work);
}

/// Types each query into the search box of a real page and reads the time
/// the page measured for it (`data-ms`, engine and shards already loaded).
fn browser_figures(public: &Path) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    runtime.block_on(async {
        let server = support::http::StaticServer::start(public);
        let Some(b) = support::browser::start().await else {
            println!("warm query in the browser: skipped (no chromium)");
            return;
        };
        b.client.goto(&server.url("")).await.expect("home page");
        let mut times = Vec::new();
        for (i, query) in QUERIES.iter().chain(QUERIES).enumerate() {
            b.eval(&format!(
                "(() => {{ document.getElementById('search-results').removeAttribute('data-ms'); \
                 const i = document.getElementById('search-input'); i.value = {}; \
                 i.dispatchEvent(new Event('input')); return true; }})()",
                serde_json::to_string(query).unwrap()
            ))
            .await;
            b.wait_until(
                "document.getElementById('search-results').dataset.ms !== undefined",
                30,
            )
            .await;
            let ms = b
                .eval("Number(document.getElementById('search-results').dataset.ms)")
                .await
                .as_f64()
                .unwrap_or(f64::NAN);
            // The second round is warm: engine and shards are loaded.
            if i >= QUERIES.len() {
                times.push(ms);
            }
        }
        println!(
            "warm query in headless Chromium: median {:.2} ms over {} queries (target ≤ 10 ms)",
            common::median(&mut times),
            times.len()
        );
        b.close().await;
    });
}

fn gz_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}
