//! A real headless Chromium driven through chromedriver (fantoccini), for
//! tests of what readers see. Each browser gets a fresh profile and talks only
//! to servers on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    profile: PathBuf,
}

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Starts chromedriver and a browser session; `None` when Chromium is missing
/// and this is not CI (the caller's test is then skipped, loudly).
pub async fn start() -> Option<Browser> {
    let chromium = find(&[
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]);
    let driver_bin = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let available = chromium.is_some() && driver_bin.is_some();
    if !super::require(
        available,
        "chromium and chromedriver (apt-get install chromium chromium-driver)",
    ) {
        return None;
    }
    let (chromium, driver_bin) = (chromium?, driver_bin?);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = std::env::temp_dir().join(format!("dlq-chromium-{}-{port}", std::process::id()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.display())],
        }
    });
    let caps = caps.as_object().expect("object").clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("start a Chromium session");
    Some(Browser {
        client,
        driver,
        profile,
    })
}

impl Browser {
    /// Saves a screenshot under target/screenshots/ (test artifacts to look at).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = super::repo_root().join("target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// Evaluates a JS expression and returns its JSON value.
    pub async fn eval(&self, expression: &str) -> serde_json::Value {
        self.client
            .execute(&format!("return ({expression});"), vec![])
            .await
            .expect("execute script")
    }

    /// Polls a JS condition until it is truthy (or panics after `secs`).
    pub async fn wait_until(&self, condition: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.eval(condition).await.as_bool() == Some(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for: {condition}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Types `query` into the page's search box and returns the first
    /// result's `href` (as written in the page) once results are shown.
    pub async fn first_search_result(&self, query: &str) -> String {
        let input = self
            .client
            .find(fantoccini::Locator::Css("#search-input"))
            .await
            .expect("a search box");
        input.clear().await.expect("clearing the box");
        input.send_keys(query).await.expect("typing");
        // Each keystroke answers a query; wait for the answer to the whole one.
        self.wait_until(
            &format!(
                "document.getElementById('search-results').dataset.query === {} \
                 && document.querySelector('#search-results a[role=option]') !== null",
                serde_json::to_string(query).expect("a string")
            ),
            15,
        )
        .await;
        let href = self
            .eval("document.querySelector('#search-results a[role=option]').getAttribute('href')")
            .await;
        href.as_str().expect("an href").to_string()
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop stops chromedriver and removes the profile.
    }
}

/// A test that panics never reaches `close()`: chromedriver (and with it
/// Chromium) must not outlive it.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
