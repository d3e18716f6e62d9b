//! Study mode (issue #17) on a small bilingual fixture (`fixtures/study`):
//! in headless Chromium, folding answers, revealing and grading by keyboard,
//! the FSRS-5 schedule against a reference computed here, progress across a
//! reload and the language switch, export → clear → import, the drill page's
//! due queue and a mock interview's report; without a browser, the Anki deck
//! against the site's questions, the script's weight on a chapter page and
//! `study = false`.
//!
//! The browser's clock is moved through sessionStorage `dlq-study-now`, the
//! hook study.js reads its time from.

mod support;

use fantoccini::Locator;
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::browser::{self, Browser};
use support::http::StaticServer;
use support::*;

const DAY: i64 = 86_400_000;
/// Monday 6 January 2025, 08:00 UTC: "now" at the start of the scripted sessions.
const T0: i64 = 1_736_150_400_000;
/// Where study.js keeps its state for a site at the server's root.
const STORE: &str = "dlq-study:/";

/// The fixture built once, with study mode on.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| build_site(&fixture("study"), "study-on"))
}

// ---------------------------------------------------------------------------
// Reference scheduler: FSRS-5 as docs/study.md states it, written again here
// so that the browser's numbers are checked against an independent copy.

const W: [f64; 19] = [
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192, 1.01925,
    1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
];

#[derive(Debug, Clone, Copy)]
struct Card {
    s: f64,
    d: f64,
    last: i64,
    due: i64,
    g: u8,
}

fn initial_difficulty(g: u8) -> f64 {
    (W[4] - (W[5] * (f64::from(g) - 1.0)).exp() + 1.0).clamp(1.0, 10.0)
}

fn reference_review(card: Option<Card>, g: u8, t: i64) -> Card {
    let (decay, factor) = (-0.5f64, 19.0 / 81.0);
    let gf = f64::from(g);
    let (s, d) = match card {
        None => (W[usize::from(g) - 1], initial_difficulty(g)),
        Some(c) => {
            let days = ((t - c.last) / DAY).max(0) as f64;
            let r = (1.0 + factor * days / c.s).powf(decay);
            let delta = -W[6] * (gf - 3.0);
            let d = (W[7] * initial_difficulty(4)
                + (1.0 - W[7]) * (c.d + delta * (10.0 - c.d) / 9.0))
                .clamp(1.0, 10.0);
            let s = if days < 1.0 {
                c.s * (W[17] * (gf - 3.0 + W[18])).exp()
            } else if g == 1 {
                (W[11]
                    * c.d.powf(-W[12])
                    * ((c.s + 1.0).powf(W[13]) - 1.0)
                    * (W[14] * (1.0 - r)).exp())
                .min(c.s)
            } else {
                let hard = if g == 2 { W[15] } else { 1.0 };
                let easy = if g == 4 { W[16] } else { 1.0 };
                c.s * (1.0
                    + W[8].exp()
                        * (11.0 - c.d)
                        * c.s.powf(-W[9])
                        * ((W[10] * (1.0 - r)).exp() - 1.0)
                        * hard
                        * easy)
            };
            (s, d)
        }
    };
    let s = s.max(0.01);
    // Desired retention 0.9: the interval is the stability, in whole days.
    let interval = (s / factor * (0.9f64.powf(1.0 / decay) - 1.0))
        .round()
        .clamp(1.0, 36500.0) as i64;
    Card {
        s,
        d,
        last: t,
        due: t + interval * DAY,
        g,
    }
}

fn interval_days(c: &Card) -> i64 {
    (c.due - c.last) / DAY
}

// ---------------------------------------------------------------------------
// Browser helpers.

async fn set_clock(b: &Browser, t: i64) {
    b.eval(&format!(
        "sessionStorage.setItem('dlq-study-now', '{t}') || true"
    ))
    .await;
}

async fn stored(b: &Browser) -> Value {
    b.eval(&format!(
        "JSON.parse(localStorage.getItem('{STORE}') || 'null')"
    ))
    .await
}

async fn stored_card(b: &Browser, key: &str) -> Value {
    stored(b).await["cards"][key].clone()
}

/// Presses a key with nothing focused (a focused button would take a space).
async fn press(b: &Browser, key: &str) {
    b.eval("(document.activeElement && document.activeElement.blur(), true)")
        .await;
    let body = b.client.find(Locator::Css("body")).await.expect("body");
    body.send_keys(key).await.expect("a key press");
}

async fn open(b: &Browser, server: &StaticServer, path: &str) {
    b.client.goto(&server.url(path)).await.expect("navigate");
    b.wait_until(
        "document.readyState === 'complete' && !!window.dlqStudy",
        15,
    )
    .await;
}

async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn assert_card(found: &Value, want: &Card, what: &str) {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let (s, d) = (found["s"].as_f64(), found["d"].as_f64());
    assert!(
        s.is_some_and(|s| close(s, want.s)) && d.is_some_and(|d| close(d, want.d)),
        "{what}: stored {found}, reference {want:?}"
    );
    assert_eq!(
        found["due"].as_i64(),
        Some(want.due),
        "{what}: due, stored {found}"
    );
    assert_eq!(
        found["last"].as_i64(),
        Some(want.last),
        "{what}: last review"
    );
    assert_eq!(
        found["g"].as_u64(),
        Some(u64::from(want.g)),
        "{what}: grade"
    );
}

/// Whether the answer parts of question `id` are shown.
async fn answer_shown(b: &Browser, id: &str) -> bool {
    let script = format!(
        "[...document.querySelectorAll('.answer[data-q=\"{id}\"]')].every(a => getComputedStyle(a).display !== 'none')"
    );
    b.eval(&script).await == true
}

// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn study_mode_in_a_browser() {
    let server = StaticServer::start(site());
    let Some(b) = browser::start().await else {
        return;
    };
    reveal_and_grade_by_keyboard_on_the_fsrs_schedule(&b, &server).await;
    progress_survives_a_reload_and_the_language_switch(&b, &server).await;
    export_clear_import_restores_the_progress(&b, &server).await;
    the_drill_queue_follows_the_schedule(&b, &server).await;
    a_mock_interview_reports_times_and_grades(&b, &server).await;
    b.close().await;
}

/// Reading mode shows everything; the toggle folds the answers; `j`, space
/// and `1`–`4` move, reveal and grade; five scripted reviews of one question
/// (on time, late, forgotten, the same day, easy) leave exactly the
/// reference's stability, difficulty and due date, and the buttons preview
/// the reference's intervals.
async fn reveal_and_grade_by_keyboard_on_the_fsrs_schedule(b: &Browser, server: &StaticServer) {
    open(b, server, "basics/softmax/").await;
    b.eval("localStorage.clear() || true").await;
    set_clock(b, T0).await;
    open(b, server, "basics/softmax/").await;
    for id in ["q1", "q2", "q3"] {
        assert!(
            answer_shown(b, id).await,
            "reading mode shows {id}'s answer"
        );
    }
    click(b, ".study-toggle").await;
    for id in ["q1", "q2", "q3"] {
        assert!(!answer_shown(b, id).await, "the toggle folds {id}'s answer");
    }
    b.screenshot("study-folded").await;

    press(b, "j").await;
    assert_eq!(
        b.eval("document.querySelector('.study-current').id").await,
        "q1"
    );
    press(b, " ").await;
    assert!(
        answer_shown(b, "q1").await,
        "space reveals the current answer"
    );
    assert!(!answer_shown(b, "q2").await, "and only that one");
    assert_eq!(
        b.eval("document.querySelector('.answer[data-q=\"q1\"] .katex') !== null")
            .await,
        true,
        "the revealed answer has its formulas"
    );

    // The reviews of q1: (when, grade). The first follows the reveal above.
    let due_after = |c: &Card, late_days: i64| c.due + late_days * DAY;
    let mut card: Option<Card> = None;
    let script: [(&str, u8); 5] = [
        ("first", 3),
        ("on time", 3),
        ("late", 1),
        ("same day", 2),
        ("easy", 4),
    ];
    for (step, (what, grade)) in script.into_iter().enumerate() {
        let t = match (step, card) {
            (0, _) | (_, None) => T0,
            (2, Some(c)) => due_after(&c, 4),
            (3, Some(c)) => c.last + 5 * 3_600_000,
            (_, Some(c)) => c.due,
        };
        set_clock(b, t).await;
        if step > 0 {
            // Back to q1 (grading moved on to q2); its answer is still shown.
            press(b, "k").await;
            assert_eq!(
                b.eval("document.querySelector('.study-current').id").await,
                "q1"
            );
        }
        let previews = b
            .eval("[...document.querySelectorAll('.study-q[data-for=\"q1\"] .study-grade small')].map(s => s.textContent)")
            .await;
        for g in 1..=4u8 {
            let want = interval_days(&reference_review(card, g, t));
            let shown = previews[usize::from(g) - 1]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(
                shown.contains(&format!("{want} 天")),
                "{what}: the button for grade {g} previews {want} days, shows {shown:?}"
            );
        }
        press(b, &grade.to_string()).await;
        if step == 0 {
            b.screenshot("study-graded").await;
        }
        let want = reference_review(card, grade, t);
        assert_card(&stored_card(b, "basics/softmax#q1").await, &want, what);
        card = Some(want);
    }
    assert_eq!(
        b.eval("document.querySelector('.study-current').id").await,
        "q2",
        "grading moves on to the next question"
    );
    let search = b
        .client
        .find(Locator::Css("#search-input"))
        .await
        .expect("search box");
    search.send_keys("k ").await.expect("typing");
    assert_eq!(
        b.eval("document.querySelector('.study-current').id").await,
        "q2",
        "keys typed into a field are not study keys"
    );
    assert_eq!(stored_card(b, "basics/softmax#q1").await["lapses"], 1);
    assert_eq!(stored_card(b, "basics/softmax#q1").await["reps"], 5);
}

/// The state and the folding are there after a reload, on the English page
/// (the same question ids), and in the home and section progress.
async fn progress_survives_a_reload_and_the_language_switch(b: &Browser, server: &StaticServer) {
    let before = stored(b).await;
    b.client.refresh().await.expect("reload");
    b.wait_until(
        "document.readyState === 'complete' && !!window.dlqStudy",
        15,
    )
    .await;
    assert_eq!(stored(b).await, before, "a reload keeps the state");
    assert!(!answer_shown(b, "q2").await, "and the folding");
    let stats = b
        .eval("document.querySelector('.study-stats').textContent")
        .await;
    assert!(stats.as_str().unwrap_or("").contains("1/3"), "{stats}");

    click(b, ".lang-switch").await;
    b.wait_until(
        "location.pathname === '/en/basics/softmax/' && !!window.dlqStudy",
        15,
    )
    .await;
    b.wait_until("document.readyState === 'complete'", 15).await;
    assert_eq!(stored(b).await, before, "both languages share one store");
    assert!(
        !answer_shown(b, "q1").await,
        "the English page is folded too"
    );
    let status = b
        .eval("document.querySelector('.study-q[data-for=\"q1\"] .study-status').dataset.status")
        .await;
    assert_ne!(status, "isnew", "q1 is known on the English page");
    let stats = b
        .eval("document.querySelector('.study-stats').textContent")
        .await;
    assert!(stats.as_str().unwrap_or("").contains("seen 1/3"), "{stats}");

    for (page, selector) in [
        ("en/", "[data-study-chapter=\"basics/softmax\"]"),
        ("", "[data-study-section=\"basics\"]"),
        ("basics/", "[data-study-chapter=\"basics/softmax\"]"),
    ] {
        open(b, server, page).await;
        b.wait_until(
            &format!("document.querySelector('{selector}').dataset.seen === '1'"),
            10,
        )
        .await;
    }
    b.screenshot("study-home-progress").await;
}

/// The export holds every card (also one whose question is gone); after the
/// storage is cleared, importing the file through the page's file input
/// brings back exactly the same state.
async fn export_clear_import_restores_the_progress(b: &Browser, server: &StaticServer) {
    open(b, server, "drill/").await;
    set_clock(b, T0).await;
    let gone = json!({ "s": 4.5, "d": 5.25, "last": T0 - 30 * DAY, "due": T0 - 26 * DAY, "g": 3, "reps": 1, "lapses": 0 });
    b.eval(&format!(
        "(() => {{ const st = JSON.parse(localStorage.getItem('{STORE}')); st.cards['gone/page#old'] = {gone}; \
         localStorage.setItem('{STORE}', JSON.stringify(st)); return true; }})()"
    ))
    .await;
    let before = stored(b).await;
    // Catch the download: the click on the generated link.
    b.eval(
        "(() => { window.__downloads = []; HTMLAnchorElement.prototype.click = function () { \
         window.__downloads.push({ href: this.href, name: this.download }); }; return true; })()",
    )
    .await;
    click(b, "[data-study-export]").await;
    b.wait_until("window.__downloads.length === 1", 5).await;
    let name = b.eval("window.__downloads[0].name").await;
    assert_eq!(
        name, "study-progress-2025-01-06.json",
        "named by the (moved) clock's date"
    );
    let exported = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(window.__downloads[0].href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .expect("read the exported blob");
    let exported = exported.as_str().expect("text").to_string();
    let file: Value = serde_json::from_str(&exported).expect("the export is JSON");
    assert_eq!(file["format"], "dlq-study");
    assert_eq!(file["v"], 1);
    assert_eq!(
        file["cards"], before["cards"],
        "every card, the vanished one too"
    );
    assert_eq!(file["cards"]["gone/page#old"], gone);

    b.eval("localStorage.clear() || true").await;
    open(b, server, "drill/").await;
    assert_eq!(stored(b).await, Value::Null, "cleared");
    let path = temp_dir("study-export").join("progress.json");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(exported.as_bytes()))
        .expect("write the export");
    let input = b
        .client
        .find(Locator::Css("input[data-study-import]"))
        .await
        .expect("the import input");
    input
        .send_keys(path.to_str().expect("UTF-8 path"))
        .await
        .expect("choose the file");
    b.wait_until(
        "document.querySelector('[data-study-message]').textContent !== ''",
        10,
    )
    .await;
    let message = b
        .eval("document.querySelector('[data-study-message]').textContent")
        .await;
    assert_eq!(message, "已导入 2 道题的进度。", "q1 and the vanished one");
    assert_eq!(
        stored(b).await["cards"],
        before["cards"],
        "the import restores every card"
    );
}

/// A state made by the reference scheduler: the due queue lists what is due
/// (most overdue first), the never-seen and hard filters count right, a
/// scope narrows it, and a session shows the cards in that order, repeats a
/// forgotten one at the end and sums it up.
async fn the_drill_queue_follows_the_schedule(b: &Browser, server: &StaticServer) {
    let now = T0 + 60 * DAY;
    let graded = |g: u8, at: i64| reference_review(None, g, at);
    let mut cards = serde_json::Map::new();
    let mut put = |key: &str, c: Card| {
        cards.insert(key.into(), json!({ "s": c.s, "d": c.d, "last": c.last, "due": c.due, "g": c.g, "reps": 1, "lapses": 0 }));
        c
    };
    // Due 3 days, 2 days, 1 day and 1 hour ago; graded hard and forgotten today (due tomorrow).
    let b3 = put("basics/softmax#q2", graded(3, now - 3 * DAY - 3 * DAY));
    let c2 = put("basics/softmax#q3", graded(3, now - 2 * DAY - 3 * DAY));
    let a1 = put("basics/softmax#q1", graded(3, now - DAY - 3 * DAY));
    let c0 = put("models/cnn#pooling", graded(3, now - 3_600_000 - 3 * DAY));
    assert_eq!(
        (b3.due, c2.due, a1.due, c0.due),
        (now - 3 * DAY, now - 2 * DAY, now - DAY, now - 3_600_000),
        "Good → 3 days"
    );
    let hard = put("basics/lists#为什么-relu-会死", graded(2, now - 3_600_000));
    let lapsed = put("models/cnn#什么是感受野", graded(1, now - 7_200_000));
    for c in [hard, lapsed] {
        assert!(c.due > now + 16 * 3_600_000, "not due today (UTC): {c:?}");
    }
    let state = json!({ "v": 1, "cards": cards, "prefs": {} });

    open(b, server, "drill/").await;
    b.eval(&format!(
        "localStorage.setItem('{STORE}', JSON.stringify({state})) || true"
    ))
    .await;
    set_clock(b, now).await;
    open(b, server, "drill/").await;
    b.wait_until("document.querySelector('.drill-start') !== null", 10)
        .await;
    let count = |filter: &str, scope: &str| {
        format!(
            "(() => {{ const f = document.querySelector('form[data-mode=review]'); f.elements.scope.value = '{scope}'; \
             f.querySelector('input[value={filter}]').checked = true; f.dispatchEvent(new Event('change')); \
             return +f.querySelector('.drill-start').dataset.count; }})()"
        )
    };
    assert_eq!(b.eval(&count("due", "")).await, 4, "four questions are due");
    assert_eq!(
        b.eval(&count("new", "")).await,
        2,
        "eight questions, six seen"
    );
    assert_eq!(
        b.eval(&count("hard", "")).await,
        2,
        "graded hard or again last time"
    );
    assert_eq!(
        b.eval(&count("due", "c:basics/softmax")).await,
        3,
        "one chapter"
    );
    assert_eq!(b.eval(&count("due", "s:models")).await, 1, "one section");
    assert_eq!(b.eval(&count("due", "")).await, 4);
    assert_eq!(
        b.eval("document.querySelector('.study-link .study-due').textContent")
            .await,
        "4",
        "the header counts what is due today"
    );

    click(b, "form[data-mode=review] .drill-start").await;
    let mut seen = Vec::new();
    for grade in ["3", "3", "1", "4", "3"] {
        b.wait_until("document.querySelector('.drill-card') !== null", 5)
            .await;
        let key = b
            .eval("document.querySelector('.drill-card').dataset.key")
            .await;
        seen.push(key.as_str().unwrap_or_default().to_string());
        assert_eq!(
            b.eval("document.querySelector('.drill-answer').hidden")
                .await,
            true,
            "the answer starts hidden"
        );
        press(b, " ").await;
        b.wait_until(
            "document.querySelector('.drill-answer').innerHTML !== ''",
            5,
        )
        .await;
        if seen.len() == 1 {
            b.screenshot("study-drill-card").await;
        }
        if seen.last().map(String::as_str) == Some("basics/softmax#q1") {
            assert_eq!(
                b.eval("document.querySelector('.drill-answer .katex') !== null")
                    .await,
                true,
                "answers come with their formulas"
            );
        }
        if seen.last().map(String::as_str) == Some("basics/softmax#q3") {
            let src = b
                .eval("document.querySelector('.drill-answer img').getAttribute('src')")
                .await;
            assert_eq!(
                src,
                server.url("basics/img/dot.png"),
                "an answer's image, read from its chapter page, still points at the image"
            );
        }
        press(b, grade).await;
    }
    assert_eq!(
        seen,
        [
            "basics/softmax#q2",
            "basics/softmax#q3",
            "basics/softmax#q1",
            "models/cnn#pooling",
            "basics/softmax#q1"
        ],
        "most overdue first; the forgotten one once more at the end"
    );
    b.wait_until("document.querySelector('.drill-summary') !== null", 5)
        .await;
    let rows = b
        .eval("[...document.querySelectorAll('.drill-summary tr[data-key]')].map(r => [r.dataset.key, +r.dataset.grade])")
        .await;
    assert_eq!(
        rows,
        json!([
            ["basics/softmax#q2", 3],
            ["basics/softmax#q3", 3],
            ["basics/softmax#q1", 1],
            ["models/cnn#pooling", 4],
            ["basics/softmax#q1", 3]
        ])
    );
    // The stored cards moved as the reference says (q1: again, then good the same day).
    let q1 = reference_review(Some(reference_review(Some(a1), 1, now)), 3, now);
    assert_card(
        &stored_card(b, "basics/softmax#q1").await,
        &q1,
        "q1 after the session",
    );
    assert_card(
        &stored_card(b, "basics/softmax#q2").await,
        &reference_review(Some(b3), 3, now),
        "q2 after the session",
    );
    b.screenshot("study-drill-summary").await;
}

/// N random questions from the chosen chapters, each timed from showing to
/// revealing: the report lists them in order with their times, grades and
/// links back, flags the one over the limit and adds up the time.
async fn a_mock_interview_reports_times_and_grades(b: &Browser, server: &StaticServer) {
    let start = T0 + 90 * DAY;
    set_clock(b, start).await;
    open(b, server, "en/drill/").await;
    b.wait_until("document.querySelector('.drill-tabs') !== null", 10)
        .await;
    click(b, ".drill-tabs [data-mode=mock]").await;
    click(b, "input[name=chapter][value=\"basics/softmax\"]").await;
    click(b, "input[name=chapter][value=\"models/cnn\"]").await;
    b.eval("(() => { const f = document.querySelector('form[data-mode=mock]'); f.elements.n.value = 3; f.elements.limit.value = 1; return true; })()")
        .await;
    click(b, "form[data-mode=mock] .drill-start").await;

    let chosen = [
        "basics/softmax#q1",
        "basics/softmax#q2",
        "basics/softmax#q3",
        "models/cnn#what-is-the-receptive-field",
        "models/cnn#what-is-a-1x1-convolution-for",
        "models/cnn#pooling",
    ];
    let script: [(i64, &str); 3] = [(40_000, "3"), (75_000, "2"), (20_000, "4")];
    let mut t = start;
    let mut asked = Vec::new();
    for (ms, grade) in script {
        b.wait_until("document.querySelector('.drill-card') !== null", 5)
            .await;
        let key = b
            .eval("document.querySelector('.drill-card').dataset.key")
            .await;
        let key = key.as_str().unwrap_or_default().to_string();
        assert!(
            chosen.contains(&key.as_str()),
            "{key} is from a chosen chapter"
        );
        assert!(!asked.contains(&key), "{key} asked twice");
        t += ms;
        set_clock(b, t).await;
        press(b, " ").await;
        press(b, grade).await;
        asked.push(key);
    }
    b.wait_until(
        "document.querySelector('.drill-summary[data-mode=mock]') !== null",
        5,
    )
    .await;
    b.screenshot("study-mock-report").await;
    let rows = b
        .eval("[...document.querySelectorAll('.drill-summary tr[data-key]')].map(r => ({ key: r.dataset.key, ms: +r.dataset.ms, grade: +r.dataset.grade, href: r.querySelector('a').getAttribute('href'), time: r.cells[2].textContent }))")
        .await;
    let rows = rows.as_array().expect("report rows");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (i, row) in rows.iter().enumerate() {
        let (ms, grade) = script[i];
        assert_eq!(row["key"], asked[i].as_str(), "the order asked");
        assert_eq!(row["ms"], ms, "{row}");
        assert_eq!(row["grade"].to_string(), grade, "{row}");
        let (page, id) = asked[i].split_once('#').expect("key#id");
        let href = row["href"].as_str().unwrap_or_default();
        assert!(
            href.ends_with(&format!("/en/{page}/#{id}")),
            "links back to the answer: {href}"
        );
    }
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["time"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(times, ["0:40", "1:15 over time", "0:20"]);
    let total = b
        .eval("document.querySelector('.drill-total').textContent")
        .await;
    assert_eq!(total, "Total time 2:15 · Average 0:45");
    // The links lead to the questions.
    let href = rows[0]["href"].as_str().unwrap_or_default().to_string();
    b.client
        .goto(&href)
        .await
        .expect("follow the report's link");
    b.wait_until("document.readyState === 'complete'", 10).await;
    let target = b
        .eval("document.querySelector(':target') && document.querySelector(':target').id")
        .await;
    let id = asked[0]
        .split_once('#')
        .map(|(_, id)| id)
        .unwrap_or_default();
    assert_eq!(target, id);
}

// ---------------------------------------------------------------------------
// Without a browser.

/// Splits a deck line into its quoted fields.
fn fields(line: &str) -> Vec<String> {
    line.split('\t')
        .map(|f| {
            let inner = f
                .strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .expect("quoted");
            inner.replace("\"\"", "\"")
        })
        .collect()
}

/// Every question of the site, by language: (page key, id) in reading order,
/// as the drill data lists them and the chapter pages mark them.
fn site_questions(site: &Path, prefix: &str) -> Vec<(String, String)> {
    let listing: Value =
        serde_json::from_str(&read(site.join(prefix).join("drill/questions.json"))).expect("JSON");
    let mut out = Vec::new();
    for section in listing["sections"].as_array().expect("sections") {
        for chapter in section["chapters"].as_array().expect("chapters") {
            let key = chapter["key"].as_str().expect("key");
            let page = read(site.join(prefix).join(key).join("index.html"));
            let ids: Vec<&str> = chapter["questions"]
                .as_array()
                .expect("questions")
                .iter()
                .map(|q| q[0].as_str().expect("id"))
                .collect();
            assert_eq!(
                page.matches("class=\"question\"").count(),
                ids.len(),
                "{key}: the listing has every question of the page"
            );
            out.extend(ids.into_iter().map(|id| (key.to_string(), id.to_string())));
        }
    }
    out
}

/// The deck's notes are the site's questions: same count, a note per
/// (chapter, id) with the GUID made from it, tags from the chapter; one
/// answer checked whole, its formulas as TeX for MathJax.
#[test]
fn the_anki_deck_holds_the_sites_questions() {
    let site = site();
    for (prefix, lang, code) in [
        ("", generator::lang::Lang::Zh, "zh"),
        ("en/", generator::lang::Lang::En, "en"),
    ] {
        let questions = site_questions(site, prefix);
        assert_eq!(questions.len(), 8, "{code}");
        let deck = read(site.join(prefix).join(format!("drill/anki-{code}.txt")));
        let headers: Vec<&str> = deck.lines().take_while(|l| l.starts_with('#')).collect();
        for h in [
            "#separator:tab",
            "#html:true",
            "#guid column:1",
            "#tags column:4",
            "#notetype:Basic",
        ] {
            assert!(headers.contains(&h), "{h} in {headers:?}");
        }
        let notes: Vec<Vec<String>> = deck
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(fields)
            .collect();
        assert_eq!(
            notes.len(),
            questions.len(),
            "{code}: one note per question"
        );
        // Without a base_url, a site's notes are told apart by its title.
        let title = "学习模式测试";
        for (note, (key, id)) in notes.iter().zip(&questions) {
            assert_eq!(note.len(), 4, "{note:?}");
            assert_eq!(
                note[0],
                generator::study::anki::guid(title, lang, key, id),
                "{key}#{id}"
            );
            assert_eq!(note[3], key.replace('/', "::"));
            let link = format!("/{prefix}{key}/#{id}\"");
            assert!(
                note[2].contains(&link),
                "{key}#{id}: the back links to the question: {}",
                note[2]
            );
            assert!(
                !note[2].contains("katex") && !note[2].contains("permalink"),
                "{}",
                note[2]
            );
        }
        let guids: std::collections::BTreeSet<&String> = notes.iter().map(|n| &n[0]).collect();
        assert_eq!(guids.len(), notes.len(), "GUIDs are unique");
    }
    let deck = read(site.join("drill/anki-zh.txt"));
    let notes: Vec<Vec<String>> = deck
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(fields)
        .collect();
    let note = notes
        .iter()
        .find(|f| {
            f[0] == generator::study::anki::guid(
                "学习模式测试",
                generator::lang::Lang::Zh,
                "basics/softmax",
                "q1",
            )
        })
        .expect("the note of basics/softmax#q1");
    assert_eq!(note[1], "为什么要减去最大值？");
    assert_eq!(
        note[2],
        "<p>因为 \\(e^{1000}\\) 会溢出，而 \\(\\mathrm{softmax}(z) = \\mathrm{softmax}(z - c)\\)。</p> \
<p><div class=\"math math-display\">\\[\\mathrm{softmax}(z)_i = \\frac{e^{z_i - m}}{\\sum_j e^{z_j - m}}\\]</div></p> \
<p class=\"dlq-source\"><a href=\"/basics/softmax/#q1\">Softmax</a></p>"
    );
    let code = notes.iter().find(|f| f[1].contains("logits")).expect("q2");
    assert!(code[2].contains("<pre class=\"code hl-code\" data-lang=\"python\"><code>def grad(p, y):<br>    return p - y<br></code></pre>"), "{}", code[2]);
    let image = notes.iter().find(|f| f[1].contains("温度")).expect("q3");
    assert!(
        image[2].contains("<img src=\"/basics/img/dot.png\""),
        "{}",
        image[2]
    );
}

fn gzipped(bytes: &[u8]) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip").len()
}

/// What study mode adds to a chapter page (its script and stylesheet, the
/// answer wrappers and hooks in the HTML) stays within 15 KB gzipped; with
/// `study = false` a page has none of it and no drill page or deck is made.
#[test]
fn the_script_is_light_and_study_false_switches_everything_off() {
    let on = site();
    let dir = temp_dir("study-off");
    std::fs::write(dir.join("config.toml"), "study = false\n").expect("config");
    let content = fixture("study");
    let out = generator(
        &dir,
        &[
            "build",
            "--content",
            content.to_str().expect("UTF-8"),
            "--output",
            "site",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let off = dir.join("site");

    let page = "basics/softmax/index.html";
    let (with, without) = (read(on.join(page)), read(off.join(page)));
    let script = std::fs::read(on.join("static/study.js")).expect("study.js");
    let style = std::fs::read(on.join("static/study.css")).expect("study.css");
    let html_delta = gzipped(with.as_bytes()).saturating_sub(gzipped(without.as_bytes()));
    let total = gzipped(&script) + gzipped(&style) + html_delta;
    println!(
        "study mode adds {:.1} KB gzipped to a chapter page: study.js {} B, study.css {} B, page HTML {} B",
        total as f64 / 1024.0,
        gzipped(&script),
        gzipped(&style),
        html_delta
    );
    assert!(total <= 15 * 1024, "{total} bytes");

    for text in [
        &without,
        &read(off.join("index.html")),
        &read(off.join("en/index.html")),
    ] {
        for trace in ["static/study", "data-study", "class=\"answer\"", "drill/"] {
            assert!(!text.contains(trace), "{trace} with study = false");
        }
    }
    for gone in ["drill", "en/drill"] {
        assert!(!off.join(gone).exists(), "{gone} with study = false");
    }
}

/// Works on anyone's notes: in our content and in someone else's (the
/// sample notes), every question whose answer has any text gets that answer
/// wrapped, so it folds, drills and goes into the deck.
#[test]
fn every_answer_of_real_notes_can_be_folded() {
    use generator::content::PageKind;
    let folders = [
        (repo_root().join("content"), "our content"),
        (repo_root().join("../shared/samples"), "the sample notes"),
    ];
    for (dir, name) in folders {
        if !require(dir.is_dir(), name) {
            continue;
        }
        let site = generator::site::Site::load(&dir, generator::config::Config::default(), false);
        let theme = generator::theme::Theme::load(Path::new("/nonexistent"), "default").unwrap();
        let (mut answered, mut missing) = (0, Vec::new());
        for page in site.pages.iter().filter(|p| p.kind == PageKind::Chapter) {
            let rendered = generator::build::render_markdown(&site, &theme, page);
            let wrapped: std::collections::HashSet<String> =
                generator::study::answers::extract(&rendered.html)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
            // Search texts cover every section; the questions are the ones to fold.
            let questions: std::collections::HashSet<&str> = rendered
                .outline
                .questions()
                .map(|q| q.id.as_str())
                .collect();
            for q in rendered
                .texts
                .iter()
                .filter(|t| questions.contains(t.id.as_str()))
            {
                // The search text is the question and its answer, as plain text.
                if q.text.chars().count() <= q.title.chars().count() + 1 {
                    continue;
                }
                answered += 1;
                if !wrapped.contains(&q.id) {
                    missing.push(format!("{}#{}", page.rel_path, q.id));
                }
            }
        }
        println!("{name}: {answered} answers, {} not foldable", missing.len());
        assert!(answered >= 90, "{name}: {answered}");
        assert!(
            missing.is_empty(),
            "{name}: answers not wrapped: {missing:?}"
        );
    }
}
