//! Live reload in a real browser, on a long page with playground widgets
//! under `generator serve`: a content edit is morphed into the open page (the
//! reader stays where they were, widgets whose attributes did not change stay
//! the same live elements), a template change reloads the page and scrolls
//! back to the same place.

mod support;

use std::path::Path;
use support::browser::{self, Browser};
use support::serve::{own_template, Serve};
use support::*;

/// Questions on the test page; playgrounds sit in some of them.
const QUESTIONS: usize = 30;
const WIDGETS: [(usize, &str); 4] = [(2, "conv2d"), (9, "iou"), (16, "conv2d"), (24, "iou")];
/// Widgets start when the reader comes near them: those within two screens are drawn.
const NEAR_WIDGETS_READY: &str = "[...document.querySelectorAll('dlq-playground')]\
    .filter(p => Math.abs(p.getBoundingClientRect().top) < 2 * innerHeight).every(p => 'ready' in p.dataset)";
/// Where the test puts the heading it watches, from the top of the window.
const TOP: f64 = 150.0;

fn question(i: usize) -> String {
    let mut text = format!("## {i}. Why does question {i} matter?\n\n");
    for p in 0..6 {
        text.push_str(&format!(
            "Paragraph {p} of answer {i}: the gradient flows back through every layer, \
             and each of them scales it by its own Jacobian; $x_{{{i}}}^{{{p}}}$ is one value.\n\n"
        ));
    }
    if let Some((_, algo)) = WIDGETS.iter().find(|(at, _)| *at == i) {
        text.push_str(&format!("```playground {algo}\n```\n\n"));
    }
    text
}

fn page(extra_at: Option<(usize, &str)>) -> String {
    let mut text = String::from("# Live reload\n\n");
    for i in 1..=QUESTIONS {
        text.push_str(&question(i));
        if let Some((at, extra)) = extra_at {
            if at == i {
                text.push_str(extra);
            }
        }
    }
    text
}

/// The watched heading's distance from the top of the window.
async fn watched_top(b: &Browser) -> f64 {
    b.eval("document.getElementById(window.__watched).getBoundingClientRect().top")
        .await
        .as_f64()
        .expect("a number")
}

/// Waits until the page shows `text`, then lets widgets and scroll settle.
async fn after_edit(b: &Browser, text: &str) {
    b.wait_until(
        &format!(
            "document.querySelector('main').textContent.includes({})",
            serde_json::to_string(text).unwrap()
        ),
        20,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write the page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_morphed_in_place_and_a_template_change_keeps_the_place() {
    let site = temp_dir("live-reload");
    let content = site.join("content");
    std::fs::create_dir_all(&content).unwrap();
    let file = content.join("long.md");
    write(&file, &page(None));
    let template = own_template(&site, "page.html");
    let serve = Serve::start(Path::new(env!("CARGO_BIN_EXE_generator")), &site, &content);
    let Some(b) = browser::start().await else {
        return;
    };
    b.client.goto(&serve.url("long/")).await.unwrap();
    b.wait_until(
        "document.documentElement.dataset.liveReload === 'connected'",
        30,
    )
    .await;
    assert_eq!(
        b.eval("document.querySelectorAll('dlq-playground').length")
            .await,
        WIDGETS.len()
    );
    // The reader is at question 13, below two widgets and above two.
    b.eval(&format!(
        "(() => {{ const h = [...document.querySelectorAll('main h2[id]')].find(h => h.id.startsWith('13-')); \
         window.__watched = h.id; scrollTo(0, scrollY + h.getBoundingClientRect().top - {TOP}); \
         window.__notReloaded = true; window.__widget = document.querySelector('dlq-playground'); \
         window.__widget.__mark = 'alive'; return h.id; }})()"
    ))
    .await;
    b.wait_until(NEAR_WIDGETS_READY, 30).await;
    let start = watched_top(&b).await;
    assert!(
        (start - TOP).abs() < 2.0,
        "scrolled to question 13: {start}"
    );

    // Below the screen: a new paragraph at the end.
    write(
        &file,
        &page(Some((
            QUESTIONS,
            "Marker-below: a paragraph added at the end.\n\n",
        ))),
    );
    after_edit(&b, "Marker-below").await;
    let top = watched_top(&b).await;
    assert!((top - TOP).abs() <= 20.0, "edit below the screen: {top}");
    assert_eq!(
        b.eval("window.__notReloaded === true").await,
        true,
        "patched, not reloaded"
    );
    assert_eq!(
        b.eval("document.querySelector('dlq-playground') === window.__widget && window.__widget.__mark === 'alive'")
            .await,
        true,
        "the unchanged widget is the same live element"
    );

    // Above the screen: a new question (with a widget) after question 3.
    let added = "## 3b. What does the new question ask?\n\nMarker-above: its answer, long enough to move \
                 the rest of the page down by a few lines of text.\n\n```playground conv2d stride=2\n```\n\n";
    write(&file, &page(Some((3, added))));
    after_edit(&b, "Marker-above").await;
    let top = watched_top(&b).await;
    assert!((top - TOP).abs() <= 20.0, "edit above the screen: {top}");
    assert_eq!(b.eval("window.__notReloaded === true").await, true);
    assert_eq!(
        b.eval("[...document.querySelectorAll('main h2')].some(h => h.textContent.includes('What does the new question ask'))")
            .await,
        true,
        "the new question's heading is shown"
    );
    assert_eq!(
        b.eval("window.__widget.isConnected && window.__widget.__mark === 'alive'")
            .await,
        true,
        "a widget above the edit stays alive"
    );
    b.wait_until(
        "document.querySelectorAll('dlq-playground').length === 5 && \
         'ready' in document.querySelector('dlq-playground[stride=\"2\"]').dataset",
        20,
    )
    .await;
    let top = watched_top(&b).await;
    assert!(
        (top - TOP).abs() <= 20.0,
        "after the new widget rendered: {top}"
    );

    // A template change reloads the page, which comes back to the same place.
    let html = read(&template).replace(
        "<div class=\"content\">",
        "<p class=\"template-marker\">Marker-template</p>\n  <div class=\"content\">",
    );
    write(&template, &html);
    after_edit(&b, "Marker-template").await;
    assert_eq!(
        b.eval("window.__notReloaded === undefined").await,
        true,
        "a template change reloads"
    );
    b.wait_until(NEAR_WIDGETS_READY, 20).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.eval("(window.__watched = [...document.querySelectorAll('main h2[id]')].find(h => h.id.startsWith('13-')).id)")
        .await;
    let top = watched_top(&b).await;
    assert!(
        (top - TOP).abs() <= 20.0,
        "after the reload for a template change: {top}"
    );
    b.screenshot("live-reload-after-template").await;
    b.close().await;
    drop(serve);
    let _ = std::fs::remove_dir_all(&site);
}
