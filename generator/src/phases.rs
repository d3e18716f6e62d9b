//! Where a build's CPU time goes, by phase, summed over threads: the build
//! benchmark prints the shares (`GENERATOR_PHASES=1 generator build …`).
//! A phase is timed around the call that does it, in the thread's CPU time
//! (user and kernel; wall time would count the time a busy machine gives
//! to other programs). Reading a thread's CPU clock is a system call, so
//! phases are timed only when asked for (`GENERATOR_PHASES` set): 35,000
//! calls in a 1,000-page build otherwise. The index's last
//! step runs on all threads but is timed on the calling one (wall time):
//! its share is a little low.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::LazyLock;

/// What a build spends its time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and parsing the content folder.
    Parse,
    /// KaTeX.
    Math,
    /// Code highlighting (syntaxmate).
    Highlight,
    /// Tera: placing rendered pages in their templates.
    Templates,
    /// Study mode's answers and Anki notes.
    Study,
    /// The search index: tokenizing pages, scoring, making its files.
    Index,
    /// Creating and writing output files.
    Write,
}

const PHASES: [Phase; 7] = [
    Phase::Parse,
    Phase::Math,
    Phase::Highlight,
    Phase::Templates,
    Phase::Study,
    Phase::Index,
    Phase::Write,
];

static NANOS: [AtomicU64; PHASES.len()] = [const { AtomicU64::new(0) }; PHASES.len()];

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Math => "math",
            Phase::Highlight => "highlight",
            Phase::Templates => "templates",
            Phase::Study => "study",
            Phase::Index => "index",
            Phase::Write => "write",
        }
    }
}

/// Whether phases are timed: `GENERATOR_PHASES` in the environment.
static ON: LazyLock<AtomicBool> =
    LazyLock::new(|| AtomicBool::new(std::env::var_os("GENERATOR_PHASES").is_some()));

/// Whether this process times its phases (`GENERATOR_PHASES` set).
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

thread_local! {
    /// Time of the timed phases inside the one running on this thread.
    static INNER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Runs `f`, counting its time to `phase`, less the time of phases timed
/// inside it on the same thread (writing the index's files is writing).
pub fn timed<T>(phase: Phase, f: impl FnOnce() -> T) -> T {
    if !on() {
        return f();
    }
    let outer = INNER.replace(0);
    let started = thread_cpu_nanos();
    let out = f();
    let took = thread_cpu_nanos().saturating_sub(started);
    let inner = INNER.replace(outer + took);
    NANOS[phase as usize].fetch_add(took.saturating_sub(inner), Ordering::Relaxed);
    out
}

/// CPU time of the calling thread.
fn thread_cpu_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Seconds counted so far per phase.
pub fn seconds() -> Vec<(&'static str, f64)> {
    PHASES
        .iter()
        .map(|&p| {
            (
                p.name(),
                NANOS[p as usize].load(Ordering::Relaxed) as f64 / 1e9,
            )
        })
        .collect()
}

/// `phases: parse 0.12 s, math 0.80 s, …`: the phases' thread time; the
/// rest of the process's CPU time is everything untimed (Markdown, links,
/// navigation, the sitemap, …).
pub fn report() -> String {
    let parts: Vec<String> = seconds()
        .into_iter()
        .map(|(name, s)| format!("{name} {s:.2} s"))
        .collect();
    format!("phases: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_counts_the_cpu_time_spent_in_it() {
        ON.store(true, Ordering::Relaxed);
        let before = seconds()[Phase::Study as usize].1;
        let busy = || {
            let started = thread_cpu_nanos();
            while thread_cpu_nanos() - started < 2_000_000 {
                std::hint::black_box(started);
            }
        };
        timed(Phase::Study, busy);
        // Sleeping costs no CPU time.
        timed(Phase::Study, || {
            std::thread::sleep(std::time::Duration::from_millis(50))
        });
        let took = seconds()[Phase::Study as usize].1 - before;
        assert!((0.002..0.04).contains(&took), "{took}");
        assert!(report().starts_with("phases: parse "));
    }
}
