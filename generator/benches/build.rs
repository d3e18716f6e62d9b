//! Full-build benchmark: `cargo bench -p generator --bench build`.
//!
//! Generates the deterministic 1,000-page corpus with `../shared/bench/gen_corpus.py`
//! (the corpus our comparisons with mdBook, Hugo and Zola use), builds it
//! several times with the release binary, and prints the median wall time,
//! pages per second, the share of the search index (building and writing
//! its files, and the difference to builds with `search = false`), CPU time
//! and the peak resident memory of the builds.
//!
//! Each run builds into a folder of its own, and the folders are removed at
//! the end: on our CI machines' file system (ext4 without a journal),
//! creating files right after deleting thousands of others costs up to ten
//! times more kernel time, which would make each run pay for the last one's
//! clean-up. A first build (CI, a fresh clone) pays nothing of the kind.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let (work, content) = common::corpus("build");

    // A config without search, for the builds that show what the index adds.
    let no_search = work.join("no-search.toml");
    std::fs::write(&no_search, "search = false\n").expect("write config");

    let mut times = Vec::new();
    let mut times_without_index = Vec::new();
    let mut index_shares = Vec::new();
    let mut summary = String::new();
    let mut user_cpu = Vec::new();
    let mut system_cpu = Vec::new();
    let mdbook = Command::new("mdbook").arg("--version").output().is_ok();
    if !mdbook {
        println!("mdbook not installed (cargo install mdbook --locked): no comparison");
    }
    let mut times_mdbook = Vec::new();
    let mut times_warm = Vec::new();
    for run in 0..RUNS {
        let before = children_usage();
        let (took, out) = build(&content, &work.join(format!("public-{run}")), None);
        times.push(took);
        summary = out;
        let after = children_usage();
        user_cpu.push(after.user_s() - before.user_s());
        system_cpu.push(after.system_s() - before.system_s());
        index_shares.push(index_ms(&summary) / 1000.0 / secs(took));
        // Interleaved, so both kinds of build see the same machine.
        let without = work.join(format!("public-no-search-{run}"));
        times_without_index.push(secs(build(&content, &without, Some(&no_search)).0));
        // With the render cache the previous build left: an unchanged site rebuilt.
        let warm = work.join(format!("public-warm-{run}"));
        times_warm.push(secs(build_with(&content, &warm, None, true).0));
        if mdbook {
            let started = Instant::now();
            let status = Command::new("mdbook")
                .arg("build")
                .arg(work.join("mdbook"))
                .args(["--dest-dir"])
                .arg(work.join(format!("mdbook-out-{run}")))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("run mdbook");
            assert!(status.success(), "mdbook build failed");
            times_mdbook.push(secs(started.elapsed()));
        }
    }
    times.sort();
    let median = times[RUNS / 2];
    let pages: f64 = summary
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    println!(
        "corpus: 1000 markdown pages (gen_corpus.py --seed 42 --unique), {}",
        summary
    );
    println!(
        "full build, cold (--no-cache): median {:.3} s over {RUNS} runs (min {:.3} s, max {:.3} s; target ≤ 1.0 s), {:.0} output pages/s",
        secs(median),
        secs(times[0]),
        secs(times[RUNS - 1]),
        pages / secs(median)
    );
    let warm = common::median(&mut times_warm);
    println!("rebuild of the unchanged site (render cache warm): median {warm:.3} s");
    if mdbook {
        let theirs = common::median(&mut times_mdbook);
        println!(
            "mdBook on the same pages, interleaved: median {theirs:.3} s; ours cold is {:.2}× its time, warm {:.2}×",
            secs(median) / theirs,
            warm / theirs
        );
    }
    println!(
        "search index (building it and writing its files): median {:.1}% of the whole build",
        common::median(&mut index_shares) * 100.0
    );
    let without = common::median(&mut times_without_index);
    println!(
        "the same builds without search (`search = false`): median {without:.3} s, so the index adds {:.0}% to a build",
        (secs(median) - without) / secs(median) * 100.0
    );
    // The wall time on a shared machine swings with its disk: creating a file
    // costs from 0.1 to over 1 ms of kernel time there. CPU time in the
    // program itself is the steadier figure.
    println!(
        "CPU per build: median {:.2} s in the generator, {:.2} s in the kernel (file system)",
        common::median(&mut user_cpu),
        common::median(&mut system_cpu)
    );
    println!(
        "peak memory of the builds: {:.1} MB",
        peak_child_rss_kb() as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Builds `content` into `output` (with the config file `config`, if any)
/// from scratch; returns the wall time and the summary line.
fn build(content: &Path, output: &Path, config: Option<&Path>) -> (Duration, String) {
    build_with(content, output, config, false)
}

/// [`build`], with the render cache of the previous runs when `cached`.
fn build_with(
    content: &Path,
    output: &Path,
    config: Option<&Path>,
    cached: bool,
) -> (Duration, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_generator"));
    command
        .args(["build", "--content"])
        .arg(content)
        .arg("--output")
        .arg(output);
    if !cached {
        command.arg("--no-cache");
    }
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let started = Instant::now();
    let out = command.output().expect("run generator");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        took,
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}

/// The search index time the summary line prints: `… search entries (444ms) …`.
fn index_ms(summary: &str) -> f64 {
    let Some((_, rest)) = summary.split_once("search entries (") else {
        return f64::NAN;
    };
    let text = rest.split(')').next().unwrap_or("");
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("µs") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, f64::NAN)
    };
    number.parse::<f64>().map_or(f64::NAN, |n| n * scale)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Resource use of the finished child processes so far, from getrusage(2).
fn children_usage() -> Usage {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        Usage(usage)
    }
}

struct Usage(libc::rusage);

impl Usage {
    fn user_s(&self) -> f64 {
        self.0.ru_utime.tv_sec as f64 + self.0.ru_utime.tv_usec as f64 / 1e6
    }
    fn system_s(&self) -> f64 {
        self.0.ru_stime.tv_sec as f64 + self.0.ru_stime.tv_usec as f64 / 1e6
    }
}

/// Largest resident set of any finished child process, from getrusage(2).
fn peak_child_rss_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}
