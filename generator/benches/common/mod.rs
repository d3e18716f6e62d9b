//! What the benchmarks share: the 1,000-page corpus our comparisons with
//! mdBook, Hugo and Zola use.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Generates the deterministic 1,000-page corpus with
/// `../shared/bench/gen_corpus.py --format raw,mdbook --seed 42 --unique`
/// (every formula and code block distinct, as in real notes: caches cannot
/// hide what rendering costs) into a fresh temporary folder named after
/// `bench`; returns (work folder, content folder). The same pages laid out
/// for mdBook are in `work/mdbook`.
#[allow(dead_code)] // not every benchmark uses every corpus
pub fn corpus(bench: &str) -> (PathBuf, PathBuf) {
    corpus_of(bench, 1000)
}

/// The same corpus with `pages` pages.
pub fn corpus_of(bench: &str, pages: usize) -> (PathBuf, PathBuf) {
    corpus_in(bench, pages, 20)
}

/// The same corpus with `pages` pages in `sections` folders.
pub fn corpus_in(bench: &str, pages: usize, sections: usize) -> (PathBuf, PathBuf) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = repo.join("../shared/bench/gen_corpus.py");
    let work = std::env::temp_dir().join(format!(
        "dlq-bench-{bench}-{pages}-{sections}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&work);
    let status = Command::new("python3")
        .arg(&script)
        .args(["--out", work.to_str().expect("utf-8 temp path")])
        .args(["--format", "raw,mdbook", "--pages", &pages.to_string()])
        .args(["--sections", &sections.to_string()])
        .args(["--seed", "42", "--unique"])
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    assert!(status.success(), "corpus generation failed");
    let content = work.join("raw");
    (work, content)
}

/// The median of some figures (sorts them in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n.is_multiple_of(2) {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    } else {
        values[n / 2]
    }
}
