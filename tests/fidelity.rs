//! Notes written by others come out as their authors meant them, measured on
//! the real collections beside the repository (`../shared/`): question
//! detection against a hand-labelled truth set (`tests/truth/questions.tsv`,
//! labelled from the notes before looking at the generator's answer).

mod support;

use generator::fidelity::{read_labels, score_questions};
use support::*;

#[test]
fn question_detection_agrees_with_the_labels() {
    let shared = repo_root().join("../shared");
    if !require(
        shared.join("samples").is_dir(),
        "../shared (the real notes beside the repository)",
    ) {
        return;
    }
    let labels = read_labels(&read(repo_root().join("tests/truth/questions.tsv")));
    assert!(labels.len() >= 400, "{} labels", labels.len());
    let mut report = String::new();
    for prefix in [
        "samples/",
        "corpora/dive-into-dl-pytorch/",
        "corpora/pumpkin-book/",
        "",
    ] {
        let s = score_questions(&shared, &labels, prefix);
        report.push_str(&format!(
            "{:<32} precision {:.3} recall {:.3} (tp {} fp {} fn {} tn {})\n",
            if prefix.is_empty() { "all" } else { prefix },
            s.precision(),
            s.recall(),
            s.true_positives,
            s.false_positives,
            s.false_negatives,
            s.true_negatives
        ));
    }
    let all = score_questions(&shared, &labels, "");
    let mistakes: Vec<String> = all
        .mistakes
        .iter()
        .map(|(p, l, q)| format!("{p}:{l} labelled {}", if *q { "Q" } else { "N" }))
        .collect();
    println!("{report}{}", mistakes.join("\n"));
    assert!(
        all.precision() >= 0.95 && all.recall() >= 0.95,
        "{report}{}",
        mistakes.join("\n")
    );
}

/// Every real collection builds with no formula left raw without a
/// diagnostic, no false alarm about links or images, and search can find
/// (nearly) every word of every page.
#[test]
fn real_collections_build_faithfully() {
    let shared = repo_root().join("../shared");
    if !require(
        shared.join("corpora").is_dir(),
        "../shared (the real notes beside the repository)",
    ) {
        return;
    }
    for (name, content, expect_unresolved) in [
        (
            "dive-into-dl-pytorch",
            shared.join("corpora/dive-into-dl-pytorch/docs"),
            0,
        ),
        ("pumpkin-book", shared.join("corpora/pumpkin-book/docs"), 0),
        // Two images the sample notes reference are not in the export: true alarms.
        ("samples", shared.join("samples"), 2),
    ] {
        let r = generator::fidelity::measure_collection(&content).expect("builds");
        eprintln!("{name}: {r:?}");
        assert_eq!(r.raw_formulas_unreported, 0, "{name}: {r:?}");
        assert_eq!(r.unresolved, expect_unresolved, "{name}: {r:?}");
        assert!(r.formulas > 100 && r.pages > 3, "{name}: {r:?}");
        // Code keeps its text exactly, and nearly every block in a known
        // language is highlighted (a grammar may give up on a pathological line).
        assert_eq!(r.code_altered, 0, "{name}: {r:?}");
        if name == "dive-into-dl-pytorch" {
            assert!(r.code_known > 500, "its python blocks are known: {r:?}");
        }
        assert!(
            r.code_highlighted * 100 >= r.code_known * 98,
            "{name}: {r:?}"
        );
        assert!(
            r.searchable_median >= 0.95 && r.searchable_min >= 0.9,
            "{name}: search finds every page's text: {r:?}"
        );
    }
}
