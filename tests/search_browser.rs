//! The search box in a real browser: type a query, get the right question.

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
    let input = b
        .client
        .find(fantoccini::Locator::Css("#search-input"))
        .await
        .unwrap();
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

    // A warm query: the engine and shards are loaded.
    b.client
        .find(fantoccini::Locator::Css("#search-input"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    input.send_keys("卷积").await.unwrap();
    b.wait_until(
        "document.querySelector('#search-results a[href$=\"#conv-size\"]') !== null",
        15,
    )
    .await;
    let ms = b
        .eval("Number(document.getElementById('search-results').dataset.ms)")
        .await;
    println!("warm query took {} ms in the browser", ms);

    // Nothing matches: an empty state that says what was searched, no partial matches.
    b.client
        .find(fantoccini::Locator::Css("#search-input"))
        .await
        .unwrap()
        .clear()
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

    // English page, English query, keyboard navigation.
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

    // The home page, where the relative root is empty: search works there too.
    b.client.goto(&server.url("")).await.unwrap();
    assert_eq!(
        b.first_search_result("溢出").await,
        "qa/headings/#subtract-max",
        "home page"
    );
    b.close().await;
}
