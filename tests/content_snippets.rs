//! Every ```` ```python check ```` block in `content/` is run with python3 and
//! numpy, so a wrong answer to a "hand-write X" question fails CI.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// A checked snippet: where it is and its code.
struct Snippet {
    file: PathBuf,
    line: usize,
    code: String,
}

/// Extracts fenced blocks whose info string is `python check` (any fence length, ``` or ~~~).
fn snippets(file: &Path, text: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                let fence: String = trimmed
                    .chars()
                    .take_while(|&c| c == '`' || c == '~')
                    .collect();
                if fence.len() >= 3
                    && trimmed[fence.len()..]
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        == ["python", "check"]
                {
                    open = Some((fence, i + 1, String::new()));
                }
            }
            Some((fence, start, code)) => {
                if trimmed.starts_with(fence.as_str())
                    && trimmed.trim_end().chars().all(|c| c == '`' || c == '~')
                {
                    out.push(Snippet {
                        file: file.to_path_buf(),
                        line: *start,
                        code: std::mem::take(code),
                    });
                    open = None;
                } else {
                    code.push_str(line);
                    code.push('\n');
                }
            }
        }
    }
    out
}

fn python_with_numpy() -> bool {
    Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn extraction_finds_only_checked_python_blocks() {
    let text = "```python\nnot run\n```\n\n  ```python check\n  import numpy\n  assert True\n  ```\n````python check\nx = 1\n````\n";
    let found = snippets(Path::new("x.md"), text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].line, 5);
    assert!(found[0].code.contains("import numpy"));
    assert_eq!(found[1].code, "x = 1\n");
}

#[test]
fn every_checked_python_block_in_content_passes() {
    if !require(
        python_with_numpy(),
        "python3 with numpy (pip install numpy)",
    ) {
        return;
    }
    let content = repo_root().join("content");
    let mut all = Vec::new();
    for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
        let entry = entry.expect("walk content");
        if entry.path().extension().is_some_and(|e| e == "md") {
            all.extend(snippets(entry.path(), &read(entry.path())));
        }
    }
    assert!(
        all.len() >= 10,
        "expected the hand-written answers in content/ to have checked blocks, found {}",
        all.len()
    );
    let dir = temp_dir("snippets");
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = all
            .chunks(all.len().div_ceil(4))
            .enumerate()
            .map(|(chunk_no, chunk)| {
                let dir = &dir;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, s) in chunk.iter().enumerate() {
                        let script = dir.join(format!("snippet_{chunk_no}_{i}.py"));
                        std::fs::write(&script, &s.code).expect("write snippet");
                        let out = Command::new("python3")
                            .arg(&script)
                            .output()
                            .expect("run python3");
                        if !out.status.success() {
                            failures.push(format!(
                                "{}:{}: python check block failed:\n{}",
                                s.file.display(),
                                s.line,
                                String::from_utf8_lossy(&out.stderr)
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("snippet thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} blocks failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    eprintln!("ran {} checked python blocks", all.len());
}
