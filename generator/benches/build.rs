//! Full-build benchmark: `cargo bench -p generator --bench build`.
//!
//! Generates the deterministic corpus with `../shared/bench/gen_corpus.py
//! --unique` (the corpus our comparisons with mdBook, Hugo and Zola use),
//! builds it several times with the release binary, and prints for each
//! size: the median wall time, user and kernel CPU, the build's own peak
//! resident memory, the output's size, the time and bytes per page against
//! the first size (linearity), and the phases' shares of the CPU time
//! (parse, math, highlight, templates, study, index, write; the rest is
//! Markdown, links and navigation). At 1,000 pages it also builds
//! interleaved without search, with the render cache warm, and with mdBook.
//!
//! Sizes: `BUILD_BENCH_SIZES=1000,4000,16000` (default 1000: 16,000 pages
//! take minutes); `BUILD_BENCH_SECTIONS=1` puts every page in one folder
//! (default 20).
//!
//! Each run builds into a folder of its own, and the folders are removed at
//! the end: on our CI machines' file system (ext4 without a journal),
//! creating files right after deleting thousands of others costs up to ten
//! times more kernel time, which would make each run pay for the last one's
//! clean-up. A first build (CI, a fresh clone) pays nothing of the kind.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let sizes: Vec<usize> = std::env::var("BUILD_BENCH_SIZES")
        .unwrap_or_else(|_| "1000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("BUILD_BENCH_SIZES: numbers"))
        .collect();
    let sections: usize = std::env::var("BUILD_BENCH_SECTIONS")
        .map(|n| n.parse().expect("BUILD_BENCH_SECTIONS: a number"))
        .unwrap_or(20);
    let mut first: Option<(usize, f64, f64)> = None;
    let mut lines = Vec::new();
    for pages in sizes {
        let (work, content) = common::corpus_in("build", pages, sections);
        let runs = if pages <= 1000 {
            7
        } else if pages <= 4000 {
            3
        } else {
            1
        };
        let builds: Vec<Build> = if pages == 1000 {
            compare_at_1k(&work, &content, runs)
        } else {
            (0..runs)
                .map(|run| build(&content, &work.join(format!("public-{run}")), None, false))
                .collect()
        };
        let figures = Figures::of(&builds, &work.join("public-0"));
        let (base_pages, base_time, base_bytes) =
            *first.get_or_insert((pages, figures.user + figures.system, figures.output_mb));
        let per_page = |v: f64, base: f64| (v / pages as f64) / (base / base_pages as f64);
        lines.push(format!(
            "{pages:>6} pages, {sections} sections: wall {:.2} s (median of {runs}), CPU {:.2} s user + {:.2} s kernel, peak {:.0} MB, output {:.0} MB; per page vs {base_pages}: CPU {:.2}×, bytes {:.2}×, memory {:.0} KB/page\n        {}",
            figures.wall,
            figures.user,
            figures.system,
            figures.peak_mb,
            figures.output_mb,
            per_page(figures.user + figures.system, base_time),
            per_page(figures.output_mb, base_bytes),
            figures.peak_mb * 1024.0 / pages as f64,
            figures.phase_shares(),
        ));
        println!("{}", lines.last().expect("just pushed"));
        let _ = std::fs::remove_dir_all(&work);
    }
    if lines.len() > 1 {
        println!("\nsummary (target: CPU and bytes per page within 1.25× of the smallest size, peak ≤ 1 GB at 16,000 pages):");
        for line in &lines {
            println!("{line}");
        }
    }
}

/// The 1,000-page runs: cold builds interleaved with builds without search,
/// warm rebuilds and mdBook, so that all see the same machine; prints the
/// comparisons and returns the cold builds.
fn compare_at_1k(work: &Path, content: &Path, runs: usize) -> Vec<Build> {
    // A config without search, for the builds that show what the index adds.
    let no_search = work.join("no-search.toml");
    std::fs::write(&no_search, "search = false\n").expect("write config");
    let mdbook = Command::new("mdbook").arg("--version").output().is_ok();
    if !mdbook {
        println!("mdbook not installed (cargo install mdbook --locked): no comparison");
    }
    let mut cold = Vec::new();
    let mut without_index = Vec::new();
    let mut warm = Vec::new();
    let mut theirs = Vec::new();
    for run in 0..runs {
        cold.push(build(
            content,
            &work.join(format!("public-{run}")),
            None,
            false,
        ));
        let without = work.join(format!("public-no-search-{run}"));
        without_index.push(build(content, &without, Some(&no_search), false).wall);
        // With the render cache the previous build left: an unchanged site rebuilt.
        let rebuilt = work.join(format!("public-warm-{run}"));
        warm.push(build(content, &rebuilt, None, true).wall);
        if mdbook {
            let started = Instant::now();
            let status = Command::new("mdbook")
                .arg("build")
                .arg(work.join("mdbook"))
                .args(["--dest-dir"])
                .arg(work.join(format!("mdbook-out-{run}")))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run mdbook");
            assert!(status.success(), "mdbook build failed");
            theirs.push(secs(started.elapsed()));
        }
    }
    let mut walls: Vec<f64> = cold.iter().map(|b| b.wall).collect();
    let median = common::median(&mut walls);
    let summary = &cold[0].summary;
    let pages: f64 = summary
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    println!("corpus: 1000 markdown pages (gen_corpus.py --seed 42 --unique), {summary}");
    println!(
        "full build, cold (--no-cache): median {median:.3} s over {runs} runs (min {:.3} s, max {:.3} s; target ≤ 1.0 s), {:.0} output pages/s",
        walls[0],
        walls[runs - 1],
        pages / median
    );
    let warm = common::median(&mut warm);
    println!("rebuild of the unchanged site (render cache warm): median {warm:.3} s");
    if mdbook {
        let theirs = common::median(&mut theirs);
        println!(
            "mdBook on the same pages, interleaved: median {theirs:.3} s; ours cold is {:.2}× its time (target ≤ 0.4×), warm {:.2}×",
            median / theirs,
            warm / theirs
        );
    }
    let mut index_shares: Vec<f64> = cold
        .iter()
        .map(|b| index_ms(&b.summary) / 1000.0 / b.wall)
        .collect();
    println!(
        "search index's last step (scoring, writing its files): median {:.1}% of the whole build",
        common::median(&mut index_shares) * 100.0
    );
    let without = common::median(&mut without_index);
    println!(
        "the same builds without search (`search = false`): median {without:.3} s, so search adds {:.0}% to a build",
        (median - without) / median * 100.0
    );
    cold
}

/// What one build took.
struct Build {
    wall: f64,
    user: f64,
    system: f64,
    peak_kb: i64,
    summary: String,
    /// The phases' CPU seconds, as the generator prints them.
    phases: Vec<(String, f64)>,
}

/// The medians of some builds of one corpus, and the output's size.
struct Figures {
    wall: f64,
    user: f64,
    system: f64,
    peak_mb: f64,
    output_mb: f64,
    phases: Vec<(String, f64)>,
}

impl Figures {
    fn of(builds: &[Build], output: &Path) -> Self {
        let median =
            |f: fn(&Build) -> f64| common::median(&mut builds.iter().map(f).collect::<Vec<_>>());
        let phases = builds[0]
            .phases
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let mut s: Vec<f64> = builds.iter().map(|b| b.phases[i].1).collect();
                (name.clone(), common::median(&mut s))
            })
            .collect();
        Figures {
            wall: median(|b| b.wall),
            user: median(|b| b.user),
            system: median(|b| b.system),
            peak_mb: builds.iter().map(|b| b.peak_kb).max().unwrap_or(0) as f64 / 1024.0,
            output_mb: folder_bytes(output) as f64 / 1e6,
            phases,
        }
    }

    /// `phases (share of CPU): parse 2%, math 18%, …, other 20%`.
    fn phase_shares(&self) -> String {
        let cpu = self.user + self.system;
        let timed: f64 = self.phases.iter().map(|(_, s)| s).sum();
        let parts: Vec<String> = self
            .phases
            .iter()
            .map(|(name, s)| format!("{name} {:.0}%", s / cpu * 100.0))
            .collect();
        format!(
            "phases (share of CPU): {}, other {:.0}%",
            parts.join(", "),
            (cpu - timed).max(0.0) / cpu * 100.0
        )
    }
}

/// Builds `content` into `output` (with the config file `config`, if any),
/// from scratch unless `cached`.
fn build(content: &Path, output: &Path, config: Option<&Path>, cached: bool) -> Build {
    let mut command = Command::new(env!("CARGO_BIN_EXE_generator"));
    command
        .args(["build", "--content"])
        .arg(content)
        .arg("--output")
        .arg(output)
        .env("GENERATOR_PHASES", "1")
        // The render cache of its own work folder, removed with it.
        .env("XDG_CACHE_HOME", output.with_file_name("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !cached {
        command.arg("--no-cache");
    }
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let started = Instant::now();
    let child = command.spawn().expect("run generator");
    let (out, usage, status) = wait_with_usage(child);
    let wall = secs(started.elapsed());
    assert!(status == 0, "{}", String::from_utf8_lossy(&out.1));
    let stdout = String::from_utf8_lossy(&out.0).to_string();
    let summary = stdout.lines().next().unwrap_or("").trim().to_string();
    let phases = stdout
        .lines()
        .find_map(|l| l.strip_prefix("phases: "))
        .map(|l| {
            l.split(", ")
                .filter_map(|p| {
                    let mut words = p.split(' ');
                    Some((words.next()?.to_string(), words.next()?.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Build {
        wall,
        user: timeval(usage.ru_utime),
        system: timeval(usage.ru_stime),
        peak_kb: usage.ru_maxrss,
        summary,
        phases,
    }
}

/// Reads the child's output and waits for it with wait4(2), which gives
/// this one process's resource use (its own peak memory, not the largest
/// of all children so far).
fn wait_with_usage(mut child: std::process::Child) -> ((Vec<u8>, Vec<u8>), libc::rusage, i32) {
    use std::io::Read;
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let mut stdout = Vec::new();
    let _ = child.stdout.take().expect("piped").read_to_end(&mut stdout);
    let stderr = errors.join().unwrap_or_default();
    let pid = child.id() as libc::pid_t;
    // SAFETY: wait4 only writes into the status and usage we pass.
    let (usage, status) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let mut status = 0;
        let waited = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(waited, pid, "wait4 failed");
        (usage, status)
    };
    ((stdout, stderr), usage, status)
}

fn timeval(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Bytes of every file below `dir`.
fn folder_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
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
