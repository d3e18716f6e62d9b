//! The HTTP side of `serve`: maps a request path to a file of the in-memory
//! site, with the content type a browser needs, and nothing else.
//!
//! There is no file system behind it, so a path can only name what the build
//! produced; on top of that every path that tries to climb (`..`, `%2e%2e`),
//! hides a separator (`%2f`, `%5c`, `\`) or is otherwise odd is refused with a
//! 404 before it is even looked up.

use super::reload::{self, Notice};
use super::store::SharedFiles;
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct AppState {
    pub files: SharedFiles,
    pub reloads: broadcast::Sender<Notice>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(reload::ENDPOINT, get(livereload))
        .fallback(serve_file)
        .with_state(state)
        .layer(tower_http::compression::CompressionLayer::new())
}

async fn livereload(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    reload::upgrade(ws, &state.reloads, state.files.clone())
}

/// While serve's first build runs, a file not rendered yet is waited for
/// (the home page comes first, so the browser opened at start sees it
/// early); anything still missing when the build ends is a real 404.
async fn wait_for_first_build(files: &SharedFiles, uri_path: &str) {
    /// A first build of a very large site may take minutes.
    const LONGEST: Duration = Duration::from_secs(600);
    let Some(path) = site_path(uri_path) else {
        return;
    };
    let candidates = [
        path.clone(),
        format!("{path}index.html"),
        format!("{path}/index.html"),
    ];
    let started = Instant::now();
    loop {
        let waiting = match files.read() {
            Ok(files) => files.is_building() && !candidates.iter().any(|c| files.contains(c)),
            Err(_) => false,
        };
        if !waiting || started.elapsed() > LONGEST {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn serve_file(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    request_headers: axum::http::HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    wait_for_first_build(&state.files, uri.path()).await;
    let files = match state.files.read() {
        Ok(files) => files,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(path) = site_path(uri.path()) else {
        return not_found(&files);
    };
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    if let Some(bytes) = files.get(&path) {
        let body = if path.ends_with(".html") {
            Bytes::from(reload::inject(&bytes, &files.errors_for(&path)))
        } else {
            bytes
        };
        // Revalidated on every use (a preview never shows a stale file), but
        // an unchanged file costs a 304, not its bytes.
        let etag = etag_of(&body);
        let unchanged = request_headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        if unchanged {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            response.headers_mut().insert(header::ETAG, etag);
            return response;
        }
        let mut response = respond(StatusCode::OK, &path, body);
        response.headers_mut().insert(header::ETAG, etag);
        return response;
    }
    if files.contains(&format!("{path}/index.html")) {
        // `/en/a` → `/en/a/`, so that the page's relative links resolve.
        let mut location = format!("{}/", uri.path());
        if let Some(query) = uri.query() {
            location.push('?');
            location.push_str(query);
        }
        return Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::NOT_FOUND.into_response());
    }
    not_found(&files)
}

/// A strong validator for a response body (FNV-1a, quoted).
fn etag_of(body: &[u8]) -> HeaderValue {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in body {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    HeaderValue::from_str(&format!("\"{hash:016x}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The site's own 404 page, with status 404.
fn not_found(files: &super::store::SiteFiles) -> Response {
    match files.get("404.html") {
        Some(bytes) => {
            let body = reload::inject(&bytes, &files.errors_for("404.html"));
            respond(StatusCode::NOT_FOUND, "404.html", Bytes::from(body))
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn respond(status: StatusCode, path: &str, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    // A preview must never show a stale file.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if allows_any_origin(path) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    response
}

/// The playground widget's embed files may be loaded by pages of other
/// origins: module scripts, the `.wasm` and the source texts
/// (`sources/<algo>.json`) are all fetched in CORS mode, so a host page on
/// another origin needs `Access-Control-Allow-Origin: *` on every one of them.
fn allows_any_origin(path: &str) -> bool {
    path.starts_with("static/playground/")
        && [".js", ".wasm", ".css", ".json"]
            .iter()
            .any(|e| path.ends_with(e))
}

/// The site path a request path names (`/en/a/` → `en/a/`), or `None` for
/// anything that is not a plain relative path: `..` or `.` segments, empty
/// segments (`//etc`), encoded `/` or `\`, backslashes, control characters,
/// invalid percent-escapes or UTF-8.
pub fn site_path(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix('/')?;
    let lower = rest.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return None;
    }
    if !valid_escapes(rest) {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?
        .into_owned();
    if decoded.contains('\\') || decoded.chars().any(char::is_control) {
        return None;
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        let empty_inside = segment.is_empty() && i != last;
        if empty_inside || *segment == "." || *segment == ".." || segment.contains(':') {
            return None;
        }
    }
    Some(decoded)
}

/// Every `%` starts a two-digit hex escape (percent-encoding would pass `%zz` through).
fn valid_escapes(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "application/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "tsv" => "text/tab-separated-values; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serve answers while its first build runs: a page not rendered yet is
    /// waited for, and a missing one is answered (404) when the build ends.
    #[tokio::test]
    async fn a_request_during_the_first_build_waits_for_its_page() {
        use super::super::store::{SiteFiles, Update};
        use std::sync::{Arc, RwLock};
        let files: SharedFiles = Arc::new(RwLock::new(SiteFiles::building()));
        let waiting = |path: &'static str| {
            let files = files.clone();
            tokio::spawn(async move { wait_for_first_build(&files, path).await })
        };
        let page = waiting("/a/");
        let missing = waiting("/nowhere/");
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!page.is_finished() && !missing.is_finished());
        files
            .write()
            .unwrap()
            .put_early("a/index.html", &Bytes::from_static(b"<p>a</p>"));
        tokio::time::timeout(Duration::from_secs(5), page)
            .await
            .expect("the page's request goes on once it is rendered")
            .unwrap();
        assert!(!missing.is_finished());
        files.write().unwrap().apply(Update {
            replace_all: true,
            ..Update::default()
        });
        tokio::time::timeout(Duration::from_secs(5), missing)
            .await
            .expect("the end of the build answers the rest")
            .unwrap();
        assert!(!files.read().unwrap().is_building());
    }

    #[test]
    fn plain_paths_are_decoded() {
        assert_eq!(site_path("/").as_deref(), Some(""));
        assert_eq!(site_path("/en/a/").as_deref(), Some("en/a/"));
        assert_eq!(
            site_path("/static/katex/KaTeX_Main.woff2").as_deref(),
            Some("static/katex/KaTeX_Main.woff2")
        );
        assert_eq!(
            site_path("/a/%E6%A2%AF%E5%BA%A6/").as_deref(),
            Some("a/梯度/")
        );
    }

    #[test]
    fn climbing_and_hidden_separators_are_refused() {
        for raw in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/a/%2e%2e%2fetc",
            "/..%2fetc/passwd",
            "/..%5cetc",
            "/..\\etc",
            "/a\\b",
            "//etc/passwd",
            "/./index.html",
            "/C:/Windows/win.ini",
            "/a%00.html",
            "/bad%zz",
            "/%ff",
            "etc/passwd",
        ] {
            assert_eq!(site_path(raw), None, "{raw}");
        }
    }

    #[test]
    fn content_types_browsers_insist_on() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("static/search/search_bg.wasm"),
            "application/wasm"
        );
        assert_eq!(content_type("static/x.woff2"), "font/woff2");
        assert_eq!(content_type("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("img/A.PNG"), "image/png");
        assert!(allows_any_origin("static/playground/widget.wasm"));
        assert!(allows_any_origin("static/playground/sources/conv2d.json"));
        assert!(!allows_any_origin("static/search/search.js"));
    }
}
