//! The search box in a real browser: type a query the way people ask it,
//! get the right question or section first, shown in full with its path and
//! the matched words marked.

mod support;

use support::browser;
use support::http::StaticServer;
use support::*;

fn gz_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

/// (page, query, the first result's link) typed into the real box.
const FIRST_RESULTS: &[(&str, &str, &str)] = &[
    // A whole question, words in another order than the title's.
    (
        "qa/headings/",
        "怎么防止 softmax 溢出",
        "../../qa/headings/#subtract-max",
    ),
    (
        "qa/headings/",
        "卷积输出尺寸怎么算",
        "../../qa/headings/#conv-size",
    ),
    // A section that is no question: its heading and its text are found.
    ("qa/headings/", "子标题", "../../qa/headings/#细节"),
    // What the question word asks: 怎么办 ~ 缓解 (fix), not 什么是 (what).
    (
        "qa/bold-para/",
        "过拟合怎么办",
        "../../qa/bold-para/#q2-怎么缓解过拟合",
    ),
    // English: a question, a word still being typed, a typo.
    (
        "en/qa/headings/",
        "why subtract the max",
        "../../../en/qa/headings/#subtract-max",
    ),
    (
        "en/qa/headings/",
        "subtra",
        "../../../en/qa/headings/#subtract-max",
    ),
    (
        "en/qa/headings/",
        "maximim",
        "../../../en/qa/headings/#subtract-max",
    ),
    // The home page, where the relative root is empty.
    ("", "溢出", "qa/headings/#subtract-max"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_a_query_lists_the_matching_question_first() {
    let dir = temp_dir("search-browser");
    copy_dir(&fixture("site"), &dir.join("content"));
    let out = generator(&dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = StaticServer::start(&dir.join("public"));
    let Some(b) = browser::start().await else {
        return;
    };

    b.client.goto(&server.url("qa/headings/")).await.unwrap();
    assert_eq!(
        b.first_search_result("溢出").await,
        "../../qa/headings/#subtract-max",
        "first result"
    );
    let first = |what: &str| {
        format!(
            "document.querySelector('#search-results a[role=option] .search-{what}').textContent"
        )
    };
    assert_eq!(
        b.eval(&first("title")).await.as_str(),
        Some("为什么要减去最大值？"),
        "the whole title, not a window of it"
    );
    assert_eq!(
        b.eval(&first("meta")).await.as_str(),
        Some("标题形式的题目 · 中文"),
        "the path: the page's title"
    );
    let excerpt = b.eval(&first("excerpt")).await;
    assert!(
        excerpt.as_str().unwrap().contains("$e^{1000}$ 会溢出"),
        "formulas stay in the snippet as their source: {excerpt}"
    );
    let mark = b
        .eval("document.querySelector('#search-results mark').textContent")
        .await;
    assert_eq!(mark.as_str(), Some("溢出"), "the match is highlighted");
    assert_eq!(
        b.eval("document.querySelectorAll('#search-results .search-filter button').length")
            .await,
        3,
        "a bilingual site offers 全部 / 中文 / English"
    );
    b.screenshot("search-zh").await;

    // The cold first query: what it downloaded, and the gzipped size of those files.
    let fetched = b
        .eval("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/search'))")
        .await;
    let mut gz = 0;
    for url in fetched.as_array().unwrap() {
        let path = url
            .as_str()
            .unwrap()
            .split_once(&format!("{}/", server.port))
            .unwrap()
            .1;
        gz += gz_len(&std::fs::read(dir.join("public").join(path)).unwrap());
    }
    println!(
        "cold first query fetched {} files, {:.1} KB gzipped",
        fetched.as_array().unwrap().len(),
        gz as f64 / 1024.0
    );

    for &(page, query, expected) in FIRST_RESULTS {
        b.client.goto(&server.url(page)).await.unwrap();
        assert_eq!(
            b.first_search_result(query).await,
            expected,
            "{query:?} on /{page}"
        );
    }
    let ms = b
        .eval("Number(document.getElementById('search-results').dataset.ms)")
        .await;
    println!("a query took {ms} ms in the browser, its files already loaded");

    // Nothing matches: an empty state that says what was searched.
    b.client.goto(&server.url("qa/headings/")).await.unwrap();
    let input = b
        .client
        .find(fantoccini::Locator::Css("#search-input"))
        .await
        .unwrap();
    input.send_keys("量子纠缠").await.unwrap();
    b.wait_until("document.querySelector('.search-empty') !== null", 15)
        .await;
    let text = b
        .eval("document.querySelector('.search-empty').textContent")
        .await;
    assert!(text.as_str().unwrap().contains("量子纠缠"), "{text}");
    assert_eq!(
        b.eval("document.querySelectorAll('#search-results a[role=option]').length")
            .await,
        0
    );

    // English page, keyboard: `/` focuses the box, ArrowDown selects.
    b.client.goto(&server.url("en/qa/headings/")).await.unwrap();
    b.eval("document.dispatchEvent(new KeyboardEvent('keydown', {key: '/'})) || true")
        .await;
    assert_eq!(
        b.first_search_result("Overflow").await,
        "../../../en/qa/headings/#subtract-max"
    );
    let input = b
        .client
        .find(fantoccini::Locator::Css("#search-input"))
        .await
        .unwrap();
    input.send_keys("\u{E015}").await.unwrap(); // ArrowDown
    assert_eq!(
        b.eval("document.querySelector('#search-results a[aria-selected=true]') !== null")
            .await,
        true
    );
    b.screenshot("search-en").await;
    b.close().await;
}
