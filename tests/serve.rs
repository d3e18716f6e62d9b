//! End-to-end: `generator serve` on a temporary site, talked to over real
//! HTTP and WebSocket connections on 127.0.0.1: edits are served and
//! announced, broken edits show an overlay without stopping the server,
//! nothing outside the site can be read, and it keeps up with a burst of
//! requests. Every wait is a poll with a deadline, never a fixed sleep.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::browser;
use support::*;

const DEADLINE: Duration = Duration::from_secs(10);

/// A running `generator serve --port 0` on a copy of the fixture site.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(name: &str) -> Server {
        Server::start_with(name, &["--port", "0"])
    }

    fn start_with(name: &str, args: &[&str]) -> Server {
        let dir = temp_dir(&format!("serve-{name}"));
        copy_dir(&fixture("site"), &dir.join("content"));
        std::fs::create_dir_all(dir.join("templates")).expect("templates folder");
        std::fs::create_dir_all(dir.join("static")).expect("static folder");
        let mut child = Command::new(env!("CARGO_BIN_EXE_generator"))
            .env("XDG_CACHE_HOME", cache_home())
            .args(["serve", "--content", "content"])
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start generator serve");
        let stdout = drain(child.stdout.take().expect("stdout"));
        let stderr = drain(child.stderr.take().expect("stderr"));
        let mut server = Server {
            child,
            port: 0,
            dir,
            stdout,
            stderr,
        };
        let started = Instant::now();
        while server.port == 0 {
            let text = server.stdout.lock().expect("stdout lock").clone();
            if let Some(line) = text.lines().find(|l| l.starts_with("serving http://")) {
                server.port = line
                    .trim_end_matches('/')
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| panic!("no port in {line:?}"));
            } else if let Ok(Some(status)) = server.child.try_wait() {
                panic!("serve exited with {status}: {}", server.stderr());
            } else if started.elapsed() > Duration::from_secs(60) {
                panic!("serve printed no URL: {text} {}", server.stderr());
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        server
    }

    fn content(&self, rel: &str) -> PathBuf {
        self.dir.join("content").join(rel)
    }

    fn stdout(&self) -> String {
        self.stdout.lock().expect("stdout lock").clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }

    fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    /// Polls `path` until `accept` holds for the response, or fails after the deadline.
    fn wait_for(&self, path: &str, what: &str, accept: impl Fn(&Response) -> bool) -> Response {
        let started = Instant::now();
        loop {
            let response = self.get(path);
            if accept(&response) {
                return response;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "{path}: still not {what} after {DEADLINE:?}; last status {}\nstdout: {}\nstderr: {}",
                response.status,
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until serve has printed `needle` to stderr: it prints a
    /// rebuild's diagnostics just after serving the rebuilt pages.
    fn wait_for_stderr(&self, needle: &str) {
        let started = Instant::now();
        while !self.stderr().contains(needle) {
            assert!(
                started.elapsed() < DEADLINE,
                "stderr still without {needle:?} after {DEADLINE:?}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().expect("try_wait").is_none(),
            "serve stopped: {}",
            self.stderr()
        );
    }

    fn websocket(&self) -> tungstenite::WebSocket<TcpStream> {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(DEADLINE))
            .expect("read timeout");
        let url = format!("ws://127.0.0.1:{}/__livereload", self.port);
        let (socket, _) = tungstenite::client(url, stream).expect("websocket handshake");
        socket
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn drain(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut text = sink.lock().expect("output lock");
            text.push_str(&line);
            text.push('\n');
        }
    });
    text
}

struct Response {
    status: u16,
    headers: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The JSON the reload script was injected with (the overlay's errors).
    fn overlay_errors(&self) -> String {
        const DATA: &str = "<script type=\"application/json\" id=\"generator-serve-data\">";
        let start = self
            .body
            .find(DATA)
            .unwrap_or_else(|| panic!("no reload script in {}", self.body));
        let rest = &self.body[start + DATA.len()..];
        rest[..rest.find("</script>").expect("end of the errors")].to_string()
    }
}

/// One HTTP/1.1 GET with the path sent exactly as given (no client-side normalisation).
fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    Response {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
}

/// What an editor does on save: write a temporary file, rename it over the original.
fn save_like_an_editor(path: &Path, bytes: &[u8]) {
    let temp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().expect("name").to_string_lossy()
    ));
    std::fs::write(&temp, bytes).expect("write temp");
    std::fs::rename(&temp, path).expect("rename over");
}

fn next_text_message(socket: &mut tungstenite::WebSocket<TcpStream>) -> String {
    loop {
        match socket.read().expect("a message before the deadline") {
            tungstenite::Message::Text(text) => return text.to_string(),
            tungstenite::Message::Close(_) => panic!("socket closed"),
            _ => {}
        }
    }
}

#[test]
fn an_edit_is_served_and_announced_over_the_websocket() {
    let server = Server::start("edit");
    let page = server.get("/qa/headings/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.body.contains("data-generator-serve"),
        "reload script injected"
    );
    assert_eq!(page.overlay_errors(), "[]");

    let mut socket = server.websocket();
    append(&server.content("qa/headings.md"), "\n\nserve-marker-one\n");
    server.wait_for("/qa/headings/", "updated", |r| {
        r.status == 200 && r.body.contains("serve-marker-one")
    });
    let message = next_text_message(&mut socket);
    assert!(
        message.contains(r#""type":"patch""#) && message.contains(r#""qa/headings/index.html""#),
        "a content edit is patched into the page: {message}"
    );

    // The translation links to it and the home page lists it: both re-rendered.
    assert_eq!(server.get("/en/qa/headings/").status, 200);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn an_editor_save_burst_gives_one_rebuild_and_renames_and_deletions_work() {
    let server = Server::start("burst");
    let rebuilds = || server.stdout().matches("rebuilt ").count();
    assert_eq!(rebuilds(), 0);
    let path = server.content("qa/bold-items.md");
    let mut text = std::fs::read_to_string(&path).expect("read page");
    text.push_str("\n\nsaved-by-an-editor\n");
    save_like_an_editor(&path, text.as_bytes());
    save_like_an_editor(&path, text.as_bytes());
    server.wait_for("/qa/bold-items/", "updated", |r| {
        r.body.contains("saved-by-an-editor")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rebuilds(), 1, "{}", server.stdout());

    std::fs::rename(&path, server.content("qa/renamed.md")).expect("rename");
    server.wait_for("/qa/renamed/", "served", |r| {
        r.status == 200 && r.body.contains("saved-by-an-editor")
    });
    let gone = server.wait_for("/qa/bold-items/", "gone", |r| r.status == 404);
    assert!(
        gone.body.contains("data-generator-serve"),
        "the site's 404 page"
    );

    std::fs::remove_file(server.content("qa/renamed.md")).expect("delete");
    server.wait_for("/qa/renamed/", "gone", |r| r.status == 404);
    assert_eq!(server.get("/qa/headings/").status, 200);
}

#[test]
fn a_broken_edit_shows_the_overlay_and_the_next_good_save_clears_it() {
    let mut server = Server::start("broken");
    let path = server.content("qa/headings.md");
    let good = std::fs::read(&path).expect("read page");

    std::fs::write(
        &path,
        "+++\nweight = \"heavy\"\n+++\n# Headings\n\nbad-front-matter\n",
    )
    .expect("write");
    let page = server.wait_for("/qa/headings/", "showing the error", |r| {
        r.overlay_errors().contains("front-matter")
    });
    assert!(
        page.overlay_errors().contains("qa/headings.md"),
        "file:line"
    );
    assert!(page.overlay_errors().contains(r#""line":2"#));
    assert!(
        page.body.contains("bad-front-matter"),
        "the page still renders"
    );
    server.wait_for_stderr("front-matter");
    assert!(
        server.get("/qa/bold-items/").overlay_errors() == "[]",
        "other pages show no overlay"
    );

    let mut invalid = good.clone();
    invalid.extend_from_slice(b"\n\xff\xfe not utf-8\n");
    std::fs::write(&path, &invalid).expect("write");
    server.wait_for("/qa/headings/", "built with the bad bytes shown", |r| {
        r.status == 200 && r.body.contains("\u{fffd}\u{fffd} not utf-8")
    });
    server.wait_for_stderr("warning[encoding]");
    server.assert_running();

    std::fs::write(&path, &good).expect("write");
    server.wait_for("/qa/headings/", "cleared", |r| {
        r.overlay_errors() == "[]" && !r.body.contains("bad-front-matter")
    });

    std::fs::write(server.dir.join("templates/page.html"), "{% if %}").expect("write");
    server.wait_for("/qa/bold-items/", "showing the template error", |r| {
        r.status == 200 && r.overlay_errors().contains("template")
    });
    std::fs::remove_file(server.dir.join("templates/page.html")).expect("delete");
    server.wait_for("/qa/bold-items/", "cleared", |r| r.overlay_errors() == "[]");
    server.assert_running();
}

#[test]
fn a_site_without_search_gets_no_index_even_after_edits() {
    let config = temp_dir("serve-no-search-config").join("config.toml");
    std::fs::write(&config, "search = false\n").expect("write config");
    let config = config.to_str().expect("UTF-8 path");
    let server = Server::start_with("no-search", &["--port", "0", "--config", config]);
    assert!(!server.get("/qa/headings/").body.contains("search-input"));
    append(
        &server.content("qa/headings.md"),
        "\n\nserve-marker-search\n",
    );
    server.wait_for("/qa/headings/", "updated", |r| {
        r.body.contains("serve-marker-search")
    });
    // With search on, the index follows within a moment of the edit.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.get("/search/meta.txt").status, 404);
    assert!(
        !server.stdout().contains("search index updated"),
        "{}",
        server.stdout()
    );
}

#[test]
fn a_stylesheet_change_is_swapped_without_a_reload() {
    let server = Server::start("css");
    let mut socket = server.websocket();
    std::fs::write(server.dir.join("static/extra.css"), "body { color: red }").expect("write");
    let css = server.wait_for("/static/extra.css", "served", |r| r.status == 200);
    assert_eq!(
        css.header("content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(next_text_message(&mut socket), r#"{"type":"css"}"#);
}

#[test]
fn paths_outside_the_site_get_404() {
    let server = Server::start("traversal");
    std::fs::write(server.dir.join("secret.txt"), "top-secret").expect("write secret");
    let absolute = server.dir.join("secret.txt").display().to_string();
    let attempts = [
        "/../secret.txt".to_string(),
        "/../../../../etc/passwd".to_string(),
        "/qa/../../secret.txt".to_string(),
        "/%2e%2e/secret.txt".to_string(),
        "/%2E%2E/%2E%2E/etc/passwd".to_string(),
        "/..%2fsecret.txt".to_string(),
        "/qa%2f..%2f..%2fsecret.txt".to_string(),
        "/..%5csecret.txt".to_string(),
        "/..\\secret.txt".to_string(),
        "//etc/passwd".to_string(),
        format!("/{absolute}"),
        format!("/{}", absolute.replace('/', "%2f")),
        "/content/qa/headings.md".to_string(),
    ];
    for path in &attempts {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(
            !r.body.contains("top-secret") && !r.body.contains("root:"),
            "{path}"
        );
    }
}

#[test]
fn responses_have_types_redirects_and_the_site_404() {
    let server = Server::start("types");
    let redirect = server.get("/en/qa?x=1");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location").as_deref(), Some("/en/qa/?x=1"));
    for (path, content_type) in [
        ("/static/search/search_bg.wasm", "application/wasm"),
        (
            "/static/search/search.js",
            "application/javascript; charset=utf-8",
        ),
        ("/static/katex/katex.min.css", "text/css; charset=utf-8"),
        ("/qa/img/dot.png", "image/png"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some(content_type),
            "{path}"
        );
    }
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(missing.body.contains("404"));
}

#[test]
fn two_hundred_concurrent_requests_all_succeed() {
    let server = Server::start("concurrent");
    let pages = [
        "/",
        "/en/",
        "/qa/",
        "/qa/headings/",
        "/en/qa/headings/",
        "/static/style.css",
    ];
    let port = server.port;
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let path = pages[i % pages.len()];
            std::thread::spawn(move || (path, get(port, path).status))
        })
        .collect();
    let failed: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("request thread"))
        .filter(|(_, status)| *status != 200)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn a_taken_port_moves_to_the_next_free_one_and_says_so() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("address").port();
    let server = Server::start_with("port", &["--port", &port.to_string()]);
    assert_ne!(server.port, port);
    assert!(
        server.stdout().contains(&format!(
            "port {port} is in use; using {} instead",
            server.port
        )),
        "{}",
        server.stdout()
    );
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn build_output_has_no_reload_script() {
    let server = Server::start("build-clean");
    assert!(server.get("/").body.contains("data-generator-serve"));
    let out = generator(&server.dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for entry in walkdir::WalkDir::new(server.dir.join("public")) {
        let entry = entry.expect("walk output");
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = read(entry.path());
            assert!(
                !html.contains("data-generator-serve") && !html.contains("__livereload"),
                "{}",
                entry.path().display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_a_save_is_patched_in_place_and_css_is_swapped() {
    let server = Server::start("browser");
    let filler: String = (0..120)
        .map(|i| format!("\n\nfiller paragraph {i}\n"))
        .collect();
    append(&server.content("qa/headings.md"), &filler);
    server.wait_for("/qa/headings/", "long", |r| {
        r.body.contains("filler paragraph 119")
    });
    let Some(b) = browser::start().await else {
        return;
    };
    let url = format!("http://127.0.0.1:{}/qa/headings/", server.port);
    b.client.goto(&url).await.expect("open page");
    b.wait_until(
        "document.documentElement.dataset.liveReload === 'connected'",
        10,
    )
    .await;
    b.eval("(window.scrollTo(0, 400), window.notReloaded = 1)")
        .await;

    append(&server.content("qa/headings.md"), "\n\nbrowser-marker\n");
    b.wait_until(
        "document.body.innerText.includes('browser-marker') && window.notReloaded === 1",
        10,
    )
    .await;
    b.wait_until("Math.abs(window.scrollY - 400) < 2", 5).await;

    let style = server.get("/static/style.css").body;
    b.eval("(window.notReloaded = 2)").await;
    std::fs::write(
        server.dir.join("static/style.css"),
        format!("{style}\nbody {{ outline: 3px solid rgb(1, 2, 3) }}\n"),
    )
    .expect("write stylesheet");
    b.wait_until(
        "getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)' && window.notReloaded === 2",
        10,
    )
    .await;
    b.screenshot("serve-after-css-swap").await;
    b.close().await;
}

/// One raw GET with extra request headers; returns the head and the body
/// bytes (de-chunked).
fn get_raw(port: u16, path: &str, headers: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"
    )
    .expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
    let mut body = raw[end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut plain = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap().trim(), 16)
                    .unwrap();
            if size == 0 {
                break;
            }
            plain.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = &rest[line_end + 2 + size + 2..];
        }
        body = plain;
    }
    (head, body)
}

#[test]
fn pages_are_compressed_and_revalidated_cheaply() {
    let server = Server::start("compression");
    server.wait_for("/qa/headings/", "served", |r| r.status == 200);
    let (plain_head, plain) = get_raw(server.port, "/qa/headings/", "");
    assert!(!plain_head.contains("content-encoding"), "{plain_head}");
    let (head, gz) = get_raw(server.port, "/qa/headings/", "Accept-Encoding: gzip\r\n");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, plain, "the same page");
    assert!(
        gz.len() * 3 < plain.len(),
        "{} → {} bytes",
        plain.len(),
        gz.len()
    );
    let etag = plain_head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an etag")
        .to_string();
    let (head, body) = get_raw(
        server.port,
        "/qa/headings/",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert!(head.starts_with("http/1.1 304"), "{head}");
    assert!(body.is_empty());
}
