//! Build chores that need more than `cargo build`:
//!
//! `cargo run -p xtask -- wasm [--check] [BUNDLE...]` compiles the browser bundles
//! (`search/` and `playground-wasm/`) to WebAssembly and generates their JS glue with the
//! `wasm-bindgen-cli-support` library (no `wasm-pack`, no separately installed
//! CLI). The bundles are committed, so a fresh clone serves working pages
//! without the wasm target; `--check` rebuilds into a temporary folder and
//! fails when the committed bundle is stale or over its size budget.

use anyhow::{bail, Context, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One WebAssembly bundle: which crate, where its bundle goes, its size budget.
struct Bundle {
    package: &'static str,
    /// Library name (the `.wasm` file cargo writes, and the JS module name).
    lib: &'static str,
    dir: &'static str,
    /// Budget for `.wasm` + `.js`, gzipped.
    budget_gz: usize,
    /// Data files written next to the bundle (fetched by the page, not in the budget).
    data: fn(&Path) -> Result<()>,
}

const BUNDLES: &[Bundle] = &[
    Bundle {
        package: "search",
        lib: "search",
        dir: "search",
        budget_gz: 60 * 1024,
        data: |_| Ok(()),
    },
    Bundle {
        package: "playground-wasm",
        lib: "playground_wasm",
        dir: "playground-wasm",
        // Eight algorithms (issue #16 allows 64 KB for them).
        budget_gz: 64 * 1024,
        data: playground_sources,
    },
];

/// `cargo run -p xtask -- fidelity`: builds every collection of real notes
/// beside the repository (`../shared/corpora/*/docs`, `../shared/samples`)
/// as a new user would and prints, per collection, what a reader would
/// notice: pages, questions, formulas left raw without a diagnostic,
/// diagnostics by kind, unresolved links and images, the share of each
/// page's words that search finds, and question detection against the
/// hand-labelled truth set.
fn fidelity() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = root.join("../shared");
    let labels = generator::fidelity::read_labels(&std::fs::read_to_string(
        root.join("tests/truth/questions.tsv"),
    )?);
    let mut collections: Vec<(String, PathBuf, String)> = Vec::new();
    for entry in std::fs::read_dir(shared.join("corpora")).context("../shared/corpora")? {
        let dir = entry?.path();
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let content = if dir.join("docs").is_dir() {
            dir.join("docs")
        } else {
            dir.clone()
        };
        if content.is_dir() {
            collections.push((name.clone(), content, format!("corpora/{name}/")));
        }
    }
    collections.sort();
    collections.push(("samples".into(), shared.join("samples"), "samples/".into()));
    for (name, content, prefix) in collections {
        let r = generator::fidelity::measure_collection(&content)?;
        let q = generator::fidelity::score_questions(&shared, &labels, &prefix);
        println!("== {name} ({})", content.display());
        println!(
            "  pages {}  questions {}  formulas {}  raw formulas without a diagnostic {}  unresolved links/images {}",
            r.pages, r.questions, r.formulas, r.raw_formulas_unreported, r.unresolved
        );
        println!(
            "  share of a page's words that search finds: median {:.1}%, lowest {:.1}%",
            r.searchable_median * 100.0,
            r.searchable_min * 100.0
        );
        println!(
            "  question detection: precision {:.3} recall {:.3} ({} labelled items)",
            q.precision(),
            q.recall(),
            q.true_positives + q.false_positives + q.false_negatives + q.true_negatives
        );
        let kinds: Vec<String> = r
            .diagnostics
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "  diagnostics: {}",
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds.join(", ")
            }
        );
    }
    Ok(())
}

/// Must equal the `wasm-bindgen` version the crates pin (`=0.2.130`).
const WASM_BINDGEN_VERSION: &str = "0.2.130";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fidelity") => fidelity(),
        Some("wasm") => {
            let check = args.iter().any(|a| a == "--check");
            // Optional bundle names (`search`, `playground-wasm`): only those.
            let only: Vec<&str> = args[1..]
                .iter()
                .map(String::as_str)
                .filter(|a| !a.starts_with("--"))
                .collect();
            if let Some(unknown) = only.iter().find(|n| !BUNDLES.iter().any(|b| b.dir == **n)) {
                bail!("unknown bundle `{unknown}`; known: search, playground-wasm");
            }
            let root = workspace_root();
            for bundle in BUNDLES {
                if only.is_empty() || only.contains(&bundle.dir) {
                    build_bundle(&root, bundle, check)?;
                }
            }
            Ok(())
        }
        _ => bail!("usage: cargo run -p xtask -- wasm [--check] [search|playground-wasm ...]"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn build_bundle(root: &Path, bundle: &Bundle, check: bool) -> Result<()> {
    let crate_dir = root.join(bundle.dir);
    let pkg = crate_dir.join("pkg");
    let hash = source_hash(&crate_dir)?;
    let out = if check {
        std::env::temp_dir().join(format!("xtask-{}-{}", bundle.lib, std::process::id()))
    } else {
        pkg.clone()
    };

    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "-p",
            bundle.package,
        ])
        .current_dir(root)
        .status()
        .context("running cargo build for wasm32")?;
    if !status.success() {
        bail!("building {} for wasm32-unknown-unknown failed (is the target installed? `rustup target add wasm32-unknown-unknown`)", bundle.package);
    }
    // Where cargo put it: `CARGO_TARGET_DIR` when set (relative to the root), else target/.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let wasm = target_dir
        .join("wasm32-unknown-unknown/wasm-release")
        .join(format!("{}.wasm", bundle.lib));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        // The library defaults to true (the CLI to false): we want `init()` to find
        // the .wasm next to the script, so an embed needs only one <script> tag.
        .omit_default_module_path(false)
        // Debug names and tool versions are of no use to readers: smaller bundle.
        .remove_name_section(true)
        .remove_producers_section(true)
        .out_name(bundle.lib)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    std::fs::write(out.join("SOURCE_HASH"), format!("{hash}\n"))?;
    (bundle.data)(&out)?;

    let js = std::fs::read(out.join(format!("{}.js", bundle.lib)))?;
    let bin = std::fs::read(out.join(format!("{}_bg.wasm", bundle.lib)))?;
    let gz = gzip_len(&js)? + gzip_len(&bin)?;
    println!(
        "{}: {}.js {} B + {}_bg.wasm {} B = {} B raw, {} B gzipped (budget {} B)",
        bundle.dir,
        bundle.lib,
        js.len(),
        bundle.lib,
        bin.len(),
        js.len() + bin.len(),
        gz,
        bundle.budget_gz
    );
    if check {
        let committed = std::fs::read_to_string(pkg.join("SOURCE_HASH")).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&out);
        if committed.trim() != hash {
            bail!(
                "{}/pkg is stale: its sources changed since the bundle was built. Run `cargo run -p xtask -- wasm` and commit {}/pkg.",
                bundle.dir,
                bundle.dir
            );
        }
        println!(
            "{}: committed bundle matches the sources ({hash})",
            bundle.dir
        );
    }
    if gz > bundle.budget_gz {
        bail!(
            "{} bundle is {gz} B gzipped, over its budget of {} B",
            bundle.dir,
            bundle.budget_gz
        );
    }
    Ok(())
}

/// `sources/<id>.json` for each playground: the shown Rust and NumPy texts,
/// kept out of the module so a page fetches only its own algorithm's.
fn playground_sources(out: &Path) -> Result<()> {
    let dir = out.join("sources");
    std::fs::create_dir_all(&dir)?;
    let mut total = 0;
    for algo in &playground_wasm::api::ALGORITHMS {
        let json = playground_wasm::api::sources(algo.id);
        total += gzip_len(json.as_bytes())?;
        std::fs::write(dir.join(format!("{}.json", algo.id)), json)?;
    }
    println!("playground-wasm: sources/*.json {total} B gzipped in all (fetched per page)");
    Ok(())
}

/// FNV-1a over the crate's manifest, build script and sources (paths and contents, in
/// order) and the wasm-bindgen version: stable across machines and toolchains.
fn source_hash(crate_dir: &Path) -> Result<String> {
    let mut files = vec![crate_dir.join("Cargo.toml")];
    // A build script shapes the bundle too (playground-wasm extracts sources).
    if crate_dir.join("build.rs").exists() {
        files.push(crate_dir.join("build.rs"));
    }
    collect(&crate_dir.join("src"), &mut files)?;
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(WASM_BINDGEN_VERSION.as_bytes());
    for file in files {
        let rel = file
            .strip_prefix(crate_dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        feed(rel.as_bytes());
        feed(&std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?);
    }
    Ok(format!("{hash:016x}"))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}
