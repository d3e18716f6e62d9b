//! Every input the fuzzers ever crashed on (and the deep-nesting inputs that
//! aborted builds before there were fuzzers), kept in `fuzz/regressions/`:
//! each page still builds and checks with a clean exit, each playground input
//! still gets an answer. The fuzzers themselves run for minutes, outside CI
//! (`fuzz/README.md`).

mod support;

use support::*;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("fuzz/regressions").join(target);
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    found
}

#[test]
fn every_saved_page_builds_and_checks() {
    for (name, bytes) in inputs("markdown_page") {
        let dir = temp_dir("fuzz-page");
        std::fs::create_dir_all(dir.join("notes/a")).unwrap();
        std::fs::write(dir.join("notes/a/page.md"), &bytes).unwrap();
        std::fs::write(dir.join("notes/a/page.en.md"), &bytes).unwrap();
        let build = generator(&dir, &["build", "--content", "notes", "--output", "site"]);
        assert_eq!(
            build.status.code(),
            Some(0),
            "{name}: build\n{}",
            stderr(&build)
        );
        let check = generator(&dir, &["check", "--content", "notes"]);
        assert!(
            matches!(check.status.code(), Some(0 | 1)),
            "{name}: check exited {:?}\n{}",
            check.status,
            stderr(&check)
        );
    }
}

#[test]
fn every_saved_playground_input_gets_an_answer() {
    let ids = [
        "backprop",
        "softmax",
        "conv2d",
        "iou",
        "nms",
        "auc",
        "batchnorm",
    ];
    for (name, bytes) in inputs("playground_input") {
        let Some((&which, input)) = bytes.split_first() else {
            continue;
        };
        let id = ids[usize::from(which) % ids.len()];
        let answer = playground_wasm::api::run(id, &String::from_utf8_lossy(input));
        assert!(answer.starts_with('{'), "{name}: {answer}");
    }
}
