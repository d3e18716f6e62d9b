//! Helpers shared by the end-to-end tests: temporary folders, running the
//! real binary, and reading what it wrote.
#![allow(dead_code)]

pub mod browser;
pub mod http;
pub mod probes;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run with the generator package as working dir).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// A fresh, empty folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlq-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let target = to.join(entry.path().strip_prefix(from).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Where the generator's render cache goes when tests run it
/// (`XDG_CACHE_HOME`): not the user's cache folder, which every test's
/// temporary content folder would otherwise add a file to.
pub fn cache_home() -> PathBuf {
    std::env::temp_dir().join("dlq-test-cache")
}

/// Runs the generator binary with `args` in `cwd`.
pub fn generator(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_generator"))
        .env("XDG_CACHE_HOME", cache_home())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run generator")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Builds `content` with the CLI into a fresh temporary folder named after
/// `name`; returns the site folder.
pub fn build_site(content: &Path, name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let out = generator(
        &dir,
        &[
            "build",
            "--content",
            content.to_str().expect("UTF-8 path"),
            "--output",
            "site",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join("site")
}

/// In CI a missing prerequisite fails the test; locally it is skipped loudly.
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is required in CI but missing");
    }
    eprintln!("\n!!!!! SKIPPED: {what} is missing; install it to run this test !!!!!\n");
    false
}
