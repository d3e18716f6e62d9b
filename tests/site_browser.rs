//! What a reader sees, in a real browser, on the two sites that matter: our
//! own `content/` and someone else's folder of Chinese notes (the sample
//! notes). Formulas are KaTeX markup with no errors, the page's scripts run
//! without errors, the playground in a chapter comes alive, the language
//! switch leads to the same question. Screenshots go to target/screenshots.

mod support;

use support::browser::{self, Browser};
use support::http::StaticServer;
use support::*;

/// Collects uncaught errors and rejected promises from the first script on.
const ERROR_TRAP: &str = "(() => { window.__errors = window.__errors || []; \
  addEventListener('error', e => window.__errors.push(String(e.message))); \
  addEventListener('unhandledrejection', e => window.__errors.push(String(e.reason))); return true; })()";

/// Loads `path`, waits for the page's scripts, and checks what every page
/// must get right.
async fn visit(b: &Browser, server: &StaticServer, path: &str) {
    b.client.goto(&server.url(path)).await.unwrap();
    b.eval(ERROR_TRAP).await;
    b.wait_until("document.readyState === 'complete'", 15).await;
    let errors = b
        .eval("document.querySelectorAll('.katex-error, .math-error').length")
        .await;
    assert_eq!(errors, 0, "{path}: formulas that failed");
    let width = b
        .eval("document.documentElement.scrollWidth <= innerWidth + 1")
        .await;
    assert_eq!(width, true, "{path}: nothing wider than the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_site_reads_well_in_a_browser() {
    let site = build_site(&repo_root().join("content"), "site-browser-ours");
    let server = StaticServer::start(&site);
    let Some(b) = browser::start().await else {
        return;
    };

    visit(&b, &server, "").await;
    let sections = b
        .eval("document.querySelectorAll('main a[href]').length")
        .await;
    assert!(
        sections.as_u64().unwrap() >= 10,
        "home lists the chapters: {sections}"
    );
    b.screenshot("site-home").await;

    // A chapter with formulas, code and a playground.
    visit(&b, &server, "foundations/softmax/").await;
    let katex = b.eval("document.querySelectorAll('.katex').length").await;
    assert!(
        katex.as_u64().unwrap() >= 20,
        "formulas are KaTeX markup: {katex}"
    );
    assert_eq!(
        b.eval(
            "document.querySelector('.toc a[href=\"#softmax-attention-scale\"] .katex') !== null"
        )
        .await,
        true,
        "a formula in a question title is rendered in the table of contents too"
    );
    // Widgets start when the reader comes near them: far ones wait, with their preview showing.
    let far = b
        .eval(
            "[...document.querySelectorAll('dlq-playground')].filter(p => p.getBoundingClientRect().top > 3 * innerHeight)\
             .map(p => !('ready' in p.dataset) && p.querySelector('img').getBoundingClientRect().height > 100)",
        )
        .await;
    let far = far.as_array().expect("a list");
    assert!(
        !far.is_empty() && far.iter().all(|x| x == true),
        "widgets far below wait, showing their preview picture: {far:?}"
    );
    // Scrolled to, each one comes alive.
    b.wait_until(
        "(() => { const w = [...document.querySelectorAll('dlq-playground')].find(p => !('ready' in p.dataset)); \
         if (w) w.scrollIntoView(); return !w; })()",
        30,
    )
    .await;
    assert_eq!(
        b.eval("window.__errors.length").await,
        0,
        "{}",
        b.eval("window.__errors").await
    );
    b.screenshot("site-chapter-zh").await;
    // Code is coloured in both modes, and dark mode recolours every token
    // (a light colour left on the dark background would be unreadable).
    let colours =
        "[...document.querySelectorAll('pre.hl-code span')].map(s => getComputedStyle(s).color)";
    let light = b.eval(colours).await;
    b.eval("document.documentElement.dataset.theme = 'dark'")
        .await;
    let dark = b.eval(colours).await;
    b.eval("document.documentElement.dataset.theme = 'light'")
        .await;
    let (light, dark) = (light.as_array().unwrap(), dark.as_array().unwrap());
    let distinct = |c: &[serde_json::Value]| {
        c.iter()
            .map(|v| v.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert!(
        light.len() > 50 && distinct(light) >= 4 && distinct(dark) >= 4,
        "{light:?} {dark:?}"
    );
    let kept: Vec<_> = light.iter().zip(dark).filter(|(l, d)| l == d).collect();
    assert!(
        kept.is_empty(),
        "tokens dark mode does not recolour: {kept:?}"
    );

    // The language switch keeps the reader on the same question.
    b.client
        .goto(&server.url("foundations/softmax/#softmax-subtract-max"))
        .await
        .unwrap();
    b.eval("document.querySelector('.lang-switch').click() || true")
        .await;
    b.wait_until("location.pathname.startsWith('/en/')", 10)
        .await;
    let at = b.eval("location.pathname + location.hash").await;
    assert_eq!(at, "/en/foundations/softmax/#softmax-subtract-max");
    visit(&b, &server, "en/foundations/softmax/").await;
    b.screenshot("site-chapter-en").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_elses_chinese_notes_read_well_in_a_browser() {
    let samples = repo_root().join("../shared/samples");
    if !require(
        samples.is_dir(),
        "../shared/samples (the sample notes beside the repository)",
    ) {
        return;
    }
    let site = build_site(&samples, "site-browser-samples");
    let server = StaticServer::start(&site);
    let Some(b) = browser::start().await else {
        return;
    };
    visit(&b, &server, "").await;
    let first = b
        .eval("document.querySelector('.chapter-list a[href]').getAttribute('href')")
        .await;
    let first = first.as_str().expect("a chapter link").to_string();
    visit(&b, &server, &first).await;
    let questions = b.eval("document.querySelectorAll('.toc li').length").await;
    assert!(
        questions.as_u64().unwrap() >= 5,
        "questions are found: {questions}"
    );
    assert!(
        b.eval("document.querySelectorAll('.katex').length > 0")
            .await
            == true
    );
    b.screenshot("site-samples").await;

    // Search on a Chinese-only site: results, and no 中文/English filter.
    let first = b.first_search_result("梯度消失").await;
    assert!(first.contains('#'), "a question: {first}");
    assert_eq!(
        b.eval("document.querySelector('#search-results .search-filter') === null")
            .await,
        true,
        "one language: no language filter"
    );
    b.close().await;
}

/// A reader on a phone, a reader who scrolled before switching language, and
/// the small things every page should get right (favicon, readable links).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_layout_language_switch_from_a_scrolled_page_and_favicon() {
    let site = build_site(&repo_root().join("content"), "site-browser-phone");
    let server = StaticServer::start(&site);
    let Some(b) = browser::start().await else {
        return;
    };
    b.client.set_window_size(390, 844).await.unwrap();
    visit(&b, &server, "foundations/softmax/").await;
    assert_eq!(
        b.eval("innerWidth <= 420").await,
        true,
        "a phone-sized window"
    );
    assert_eq!(
        b.eval("document.querySelector('main h1').getBoundingClientRect().top < innerHeight / 3")
            .await,
        true,
        "the title is on the first screen, not below the navigation"
    );
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('.sidebar')).display")
            .await,
        "none"
    );
    b.eval("document.querySelector('.menu-toggle').click() || true")
        .await;
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('.sidebar')).display")
            .await,
        "block",
        "the menu button opens the navigation"
    );
    let target = b
        .eval("document.querySelector('.menu-toggle').getBoundingClientRect().height >= 44")
        .await;
    assert_eq!(target, true, "touch targets of 44 px");
    b.screenshot("site-phone").await;

    // Scrolled to a question, no #id in the URL: the switch lands on it.
    b.client.set_window_size(1280, 900).await.unwrap();
    visit(&b, &server, "foundations/softmax/").await;
    let id = b
        .eval(
            "(() => { const q = document.querySelectorAll('.content h2.question')[3]; \
             scrollTo(0, q.getBoundingClientRect().top + scrollY + 30); return q.id; })()",
        )
        .await;
    let id = id.as_str().expect("a question id").to_string();
    b.eval("document.querySelector('.lang-switch').click() || true")
        .await;
    b.wait_until("location.pathname.startsWith('/en/')", 10)
        .await;
    assert_eq!(b.eval("location.hash").await, format!("#{id}"));

    assert_eq!(
        b.eval("document.querySelector('link[rel=icon]') !== null")
            .await,
        true
    );
    let underlined = b
        .eval("getComputedStyle(document.querySelector('.content p a[href]')).textDecorationLine")
        .await;
    assert_eq!(
        underlined, "underline",
        "links are not marked by colour alone"
    );
    b.close().await;
}

/// "Open full page" takes the widget along as the reader left it: the
/// page's options (`stride=2 padding=1`), then an edited input and its step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_page_link_keeps_the_widgets_settings() {
    let site = build_site(&repo_root().join("content"), "site-browser-fullpage");
    let server = StaticServer::start(&site);
    let Some(b) = browser::start().await else {
        return;
    };
    visit(&b, &server, "en/cnn/convolution/").await;
    let href = b
        .eval("document.querySelector('dlq-playground[stride=\"2\"]').closest('figure').querySelector('.playground-open').getAttribute('href')")
        .await;
    assert!(
        href.as_str()
            .unwrap()
            .ends_with("play/conv2d/?stride=2&amp;padding=1")
            || href
                .as_str()
                .unwrap()
                .ends_with("play/conv2d/?stride=2&padding=1"),
        "{href}"
    );
    // In-page widgets start when the reader comes near them.
    b.wait_until(
        "(w => (w.scrollIntoView(), w.input !== undefined))(document.querySelector('dlq-playground[stride=\"2\"]'))",
        20,
    )
    .await;
    // Change the input and the step, then follow the link.
    let bias = b
        .eval(
            "(() => { const w = document.querySelector('dlq-playground[stride=\"2\"]'); \
             const input = structuredClone(w.input); input.bias = input.bias.map(x => x + 0.25); \
             if (!w.setInput(input).ok) return 'refused'; w.step = 3; \
             sessionStorage.setItem('bias', JSON.stringify(w.input.bias)); \
             setTimeout(() => w.closest('figure').querySelector('.playground-open').click(), 50); \
             return JSON.stringify(w.input.bias); })()",
        )
        .await;
    b.wait_until("location.pathname.endsWith('/play/conv2d/')", 10)
        .await;
    b.wait_until(
        "document.querySelector('dlq-playground').input !== undefined",
        20,
    )
    .await;
    assert_eq!(
        b.eval("document.querySelector('dlq-playground').input.stride")
            .await,
        2
    );
    assert_eq!(
        b.eval("document.querySelector('dlq-playground').input.padding")
            .await,
        1
    );
    assert_eq!(
        b.eval("JSON.stringify(document.querySelector('dlq-playground').input.bias)")
            .await,
        bias
    );
    assert_eq!(
        b.eval("document.querySelector('dlq-playground').step")
            .await,
        3
    );
    b.close().await;
}

/// On a phone a widget is taller than the screen: while the reader steps
/// with the picture and values in view, the control bar stays on screen
/// (and is not under the site's header), after every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_widget_controls_stay_on_screen_while_stepping() {
    let site = build_site(&repo_root().join("content"), "site-browser-phone-widget");
    let server = StaticServer::start(&site);
    let Some(b) = browser::start().await else {
        return;
    };
    b.client.set_window_size(390, 844).await.unwrap();
    visit(&b, &server, "en/cnn/convolution/").await;
    b.wait_until(
        "(w => (w.scrollIntoView(), 'ready' in w.dataset))(document.querySelector('dlq-playground[algo=conv2d]'))",
        20,
    )
    .await;
    // Down to the widget's values, the way a reader scrolls (the header slides away, then back).
    b.eval(
        "(window.__w = document.querySelector('dlq-playground[algo=conv2d]'), \
         scrollTo(0, __w.shadowRoot.querySelector('.values').getBoundingClientRect().top + scrollY - 200), true)",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let reachable = "(() => { const bar = __w.shadowRoot.querySelector('.controls'); \
        const r = bar.getBoundingClientRect(); const next = __w.shadowRoot.querySelector('button.next').getBoundingClientRect(); \
        const hit = __w.shadowRoot.elementFromPoint(next.left + next.width / 2, next.top + next.height / 2); \
        return JSON.stringify({ top: r.top, bottom: r.bottom, h: innerHeight, hit: hit && hit.className }); })()";
    for i in 0..6 {
        let at = b.eval(reachable).await;
        let v: serde_json::Value = serde_json::from_str(at.as_str().unwrap()).unwrap();
        let (top, bottom, h) = (
            v["top"].as_f64().unwrap(),
            v["bottom"].as_f64().unwrap(),
            v["h"].as_f64().unwrap(),
        );
        assert!(
            top >= 0.0 && bottom <= h && v["hit"] == "next",
            "step {i}: the controls are on screen and uncovered: {v}"
        );
        b.eval("(__w.shadowRoot.querySelector('button.next').click(), true)")
            .await;
        // Up a little and down again: the header comes back, the bar moves below it.
        let dy = if i % 2 == 0 { -60 } else { 60 };
        b.eval(&format!("(scrollBy(0, {dy}), true)")).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert_eq!(b.eval("__w.step").await, 6);
    b.screenshot("site-phone-widget").await;
    b.close().await;
}
