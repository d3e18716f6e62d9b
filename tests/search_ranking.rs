//! Search quality, natively, through the same `search` crate code the browser
//! runs as WebAssembly: build a site, load its whole index into the engine,
//! and check which question each query ranks first.

mod support;

use search::engine::{Engine, Filter};
use std::path::Path;
use support::*;

/// A built site's index, fully loaded, plus its documents' URLs and titles.
struct Index {
    engine: Engine,
    docs: Vec<(String, String)>,
}

fn load_index(public: &Path) -> Index {
    let dir = public.join("search");
    let mut engine = Engine::from_meta(&read(dir.join("meta.txt"))).expect("meta");
    for id in 0..engine.shards {
        engine.add_shard(id, &read(dir.join(search::index::shard_file(id))));
    }
    let mut docs = Vec::new();
    for chunk in 0.. {
        let path = dir.join(search::index::docs_file(chunk));
        if !path.exists() {
            break;
        }
        let items: serde_json::Value = serde_json::from_str(&read(path)).expect("docs json");
        for item in items.as_array().expect("array") {
            docs.push((
                item["u"].as_str().unwrap().to_string(),
                item["t"].as_str().unwrap().to_string(),
            ));
        }
    }
    Index { engine, docs }
}

impl Index {
    /// URLs of the top `n` results.
    fn top(&self, query: &str, filter: Filter, n: usize) -> Vec<&str> {
        self.engine
            .search(query, filter, n)
            .iter()
            .map(|&(doc, _)| self.docs[doc as usize].0.as_str())
            .collect()
    }

    fn titles(&self, query: &str) -> Vec<&str> {
        self.engine
            .search(query, Filter::Both, 5)
            .iter()
            .map(|&(doc, _)| self.docs[doc as usize].1.as_str())
            .collect()
    }
}

/// (query, a fragment of the title that must rank first)
const SAMPLE_NOTES: &[(&str, &str)] = &[
    ("梯度消失", "梯度消失"),
    ("梯度爆炸", "梯度爆炸"),
    ("过拟合", "过拟合"),
    ("空洞卷积", "空洞卷积"),
    ("拟牛顿", "梯度下降与拟牛顿法的异同"),
    ("ROC", "ROC曲线"),
    ("roc pr", "ROC曲线和PR曲线各是什么"),
    ("Accuracy局限", "Accuracy作为指标有哪些局限性"),
    ("ＲＯＣ", "ROC曲线"),
    ("dropout BN", "dropout和"),
    ("lstm 激活函数", "lstm"),
    ("样本不均衡", "样本不均衡"),
];

#[test]
fn the_sample_notes_are_searchable() {
    let samples = repo_root().join("../shared/samples");
    if !require(
        samples.is_dir(),
        "../shared/samples (the sample notes beside the repository)",
    ) {
        return;
    }
    let index = load_index(&build_site(&samples, "rank-samples"));
    let mut failures = Vec::new();
    for &(query, expected) in SAMPLE_NOTES {
        let titles = index.titles(query);
        if !titles.first().is_some_and(|t| t.contains(expected)) {
            failures.push(format!(
                "{query:?}: expected a title with {expected:?} first, got {titles:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        index.top("量子纠缠", Filter::Both, 10).is_empty(),
        "a query that matches nothing returns nothing"
    );
    assert!(
        index
            .top("transformer quantum", Filter::Both, 10)
            .is_empty(),
        "every word must match"
    );
}

#[test]
fn hostile_content_cannot_break_the_index_or_inject_markup() {
    let dir = temp_dir("rank-hostile");
    std::fs::create_dir_all(dir.join("content")).unwrap();
    std::fs::write(
        dir.join("content/x.md"),
        "## 为什么 </script><img src=x onerror=alert(1)> 会\"出错\"？ {#q}\n\n答案里有 <b>HTML</b> 和 `</script>`，还有 \\ 反斜杠。\n",
    )
    .unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success());
    let docs = read(dir.join("public/search").join(search::index::docs_file(0)));
    assert!(
        !docs.contains("</script") && !docs.contains("<img"),
        "{docs}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&docs).expect("still valid JSON");
    assert_eq!(parsed[0]["t"], "为什么 会\"出错\"？", "tags are not text");
    assert!(
        parsed[0]["x"]
            .as_str()
            .unwrap()
            .starts_with("答案里有 HTML 和 </script>"),
        "code text survives, escaped: {docs}"
    );
    let index = load_index(&dir.join("public"));
    assert_eq!(index.top("出错", Filter::Both, 5), ["x/#q"]);
    let snippet = search::engine::snippet(parsed[0]["x"].as_str().unwrap(), "反斜杠", 80);
    assert!(
        !snippet.contains("<b>") && snippet.contains("<mark>反斜杠</mark>"),
        "{snippet}"
    );
}

/// (query, language filter, the question id that must be among the first
/// `n` results) over our own `content/`. Most must rank first; a few broad
/// queries, where several questions are fair answers, must be in the top 3.
const OUR_CONTENT: &[(&str, Filter, &str, usize)] = &[
    // Chinese, no spaces
    ("空洞卷积", Filter::Both, "conv-dilated", 3),
    ("感受野", Filter::Both, "conv-receptive-field", 1),
    ("梯度消失", Filter::Both, "vg-what-causes", 5),
    ("梯度裁剪", Filter::Both, "vg-clipping", 1),
    ("鞍点", Filter::Both, "opt-saddle-points", 1),
    ("全局平均池化", Filter::Both, "pool-global-average", 1),
    ("倒残差", Filter::Both, "light-mobilenet-v2", 1),
    ("拉普拉斯先验", Filter::Both, "reg-map-priors", 1),
    ("偏差修正", Filter::Both, "opt-adam", 1),
    ("转置卷积 棋盘", Filter::Both, "conv-transposed", 1),
    ("AUC 单调变换", Filter::Both, "metrics-auc-invariance", 1),
    // mixed Chinese and Latin, with and without spaces, full-width letters
    ("BN反向传播", Filter::Both, "norm-bn-backward", 1),
    ("BN 反向传播", Filter::Both, "norm-bn-backward", 1),
    ("ＢＮ反向传播", Filter::Both, "norm-bn-backward", 1),
    ("同步BN", Filter::Both, "norm-sync-bn", 1),
    ("BN 折叠", Filter::Both, "norm-fold-bn", 1),
    ("手写NMS", Filter::Both, "metrics-nms", 1),
    ("softmax 溢出", Filter::Both, "softmax-subtract-max", 1),
    ("loss NaN", Filter::Both, "opt-loss-nan", 1),
    // English: case, plurals and stems do not matter
    ("batch norm backward", Filter::En, "norm-bn-backward", 1),
    ("receptive field", Filter::En, "conv-receptive-field", 1),
    ("Dilated Convolutions", Filter::En, "conv-dilated", 1),
    ("AdamW", Filter::Both, "opt-adamw", 1),
    ("log-sum-exp", Filter::Both, "softmax-log-softmax", 3),
    ("RoI Align", Filter::Both, "pool-roi-align", 5),
    ("channel shuffle", Filter::Both, "light-shufflenet-v1", 1),
    ("gradient clipping", Filter::En, "vg-clipping", 1),
    ("macro micro", Filter::Both, "metrics-macro-micro", 1),
    (
        "inverted dropout",
        Filter::Both,
        "reg-dropout-train-test",
        3,
    ),
    ("im2col", Filter::Both, "conv-im2col", 3),
    ("layer norms", Filter::En, "norm-transformer-ln", 5),
    ("Gradient Norms clipping", Filter::En, "vg-clipping", 1),
    // cross-language through content/glossary.tsv: English query, Chinese answers
    ("receptive field", Filter::Zh, "conv-receptive-field", 1),
    ("atrous convolution", Filter::Zh, "conv-dilated", 1),
    ("gradient clipping", Filter::Zh, "vg-clipping", 1),
    ("saddle point", Filter::Zh, "opt-saddle-points", 1),
    (
        "global average pooling",
        Filter::Zh,
        "pool-global-average",
        1,
    ),
];

#[test]
fn our_content_ranks_the_right_question_first() {
    let index = load_index(&build_site(&repo_root().join("content"), "rank-content"));
    let mut failures = Vec::new();
    for &(query, filter, id, n) in OUR_CONTENT {
        let top = index.top(query, filter, n.max(3));
        let anchor = format!("#{id}");
        if !top.iter().take(n).any(|url| url.ends_with(&anchor)) {
            failures.push(format!(
                "{query:?} ({filter:?}): expected #{id} in the top {n}, got {top:?}"
            ));
        }
        if filter == Filter::Zh && top.iter().any(|url| url.starts_with("en/")) {
            failures.push(format!("{query:?}: the 中文 filter let {top:?} through"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        OUR_CONTENT.len(),
        failures.join("\n")
    );
}
