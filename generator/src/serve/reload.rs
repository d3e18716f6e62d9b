//! Live reload: a WebSocket at [`ENDPOINT`] tells every open page that a
//! rebuild finished, and a small script (injected into HTML responses only by
//! `serve`, never written by `build`) reloads the page, swaps stylesheets, or
//! shows the errors of the last rebuild.
//!
//! The errors travel inside the page itself (the script is injected with them
//! when the page is served), so the socket only says which pages changed and
//! a page opened later shows the same overlay.
//!
//! A content edit is patched into an open page: the page fetches itself and
//! morphs the new version into its DOM (only changed nodes are replaced, so
//! playground widgets and the reader's place survive). Template, config and
//! script changes reload the page, which then scrolls back to the question it
//! showed. Which of the two is decided here, from what the rebuild changed.

use super::store::{SharedFiles, Update};
use super::watch::ChangeSet;
use crate::diagnostics::Diagnostic;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::broadcast;

/// The path of the reload WebSocket.
pub const ENDPOINT: &str = "/__livereload";

const SCRIPT: &str = include_str!("livereload.js");

/// What an open page should do after a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// Reload the page (content, template or error state changed).
    Page,
    /// Only stylesheets changed: swap them without a reload.
    Css,
}

/// What the socket tells open pages after a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Reload (the template, the theme's scripts or the whole site changed).
    Reload,
    /// Swap stylesheets.
    Css,
    /// These pages (site paths, `a/b/index.html`) have new bytes: a page
    /// showing one of them fetches and morphs it. With `errors`, the errors
    /// shown on pages may have changed, so every page fetches itself.
    Patch { pages: Arc<[String]>, errors: bool },
}

impl Notice {
    pub fn message(&self) -> String {
        match self {
            Notice::Reload => r#"{"type":"reload"}"#.to_string(),
            Notice::Css => r#"{"type":"css"}"#.to_string(),
            Notice::Patch { pages, errors } => {
                json!({ "type": "patch", "pages": &pages[..], "errors": errors }).to_string()
            }
        }
    }
}

/// How open pages should take a rebuild: a content edit is patched into the
/// pages it re-rendered; anything that can change a page's head, scripts or
/// template (or every page at once) reloads them.
pub fn notice(reload: Reload, changes: &ChangeSet, update: &Update) -> Notice {
    let whole_site = changes.templates
        || changes.config
        || changes.content_tree
        || changes.statics
        || update.replace_all;
    match reload {
        Reload::Css => Notice::Css,
        Reload::Page if whole_site => Notice::Reload,
        Reload::Page => Notice::Patch {
            pages: update
                .files
                .iter()
                .filter(|(path, _)| path.ends_with(".html"))
                .map(|(path, _)| path.clone())
                .collect(),
            errors: !update.file_errors.is_empty()
                || !update.template_errors.is_empty()
                || update.site_error.is_some(),
        },
    }
}

/// The sender every rebuild announces itself on; each socket subscribes.
pub fn channel() -> broadcast::Sender<Notice> {
    broadcast::channel(64).0
}

/// Accepts a WebSocket and forwards reload messages to it until it closes.
pub fn upgrade(
    ws: WebSocketUpgrade,
    reloads: &broadcast::Sender<Notice>,
    files: SharedFiles,
) -> Response {
    // Subscribe before the handshake completes, so that no rebuild that
    // finishes after the client sees the socket open is missed.
    let receiver = reloads.subscribe();
    ws.on_upgrade(move |socket| forward(socket, receiver, files))
}

/// A page says which page it shows (`{"type":"hello","page":"a/index.html"}`);
/// a patch of that page is then sent along with the notice, as the page's new
/// HTML in one binary message, which saves the page a request.
async fn forward(
    mut socket: WebSocket,
    mut reloads: broadcast::Receiver<Notice>,
    files: SharedFiles,
) {
    let mut showing: Option<String> = None;
    loop {
        tokio::select! {
            notice = reloads.recv() => {
                let notice = match notice {
                    Ok(n) => n,
                    // Missed some: whatever they were, a full reload covers them.
                    Err(broadcast::error::RecvError::Lagged(_)) => Notice::Reload,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let message = match pushed(&notice, showing.as_deref(), &files) {
                    Some(html) => Message::Binary(html.into()),
                    None => Message::Text(notice.message().into()),
                };
                if socket.send(message).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(Message::Text(text))) => showing = hello(&text).or(showing),
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The page a `hello` message names.
fn hello(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    (value["type"] == "hello").then(|| value["page"].as_str().map(str::to_string))?
}

/// The new HTML of the page a socket shows, when `notice` patches it.
fn pushed(notice: &Notice, showing: Option<&str>, files: &SharedFiles) -> Option<Vec<u8>> {
    let Notice::Patch { pages, errors } = notice else {
        return None;
    };
    let page = showing?;
    if !*errors && !pages.iter().any(|p| p == page) {
        return None;
    }
    let files = match files.read() {
        Ok(files) => files,
        Err(poisoned) => poisoned.into_inner(),
    };
    let bytes = files.get(page)?;
    Some(inject(&bytes, &files.errors_for(page)))
}

/// The page with the overlay's errors (JSON, read again from a patched
/// version of the page) and the reload script before `</body>`.
pub fn inject(html: &[u8], errors: &[Diagnostic]) -> Vec<u8> {
    let errors: Vec<_> = errors
        .iter()
        .map(|d| json!({ "path": d.path, "line": d.line, "col": d.col, "kind": d.kind, "message": d.message }))
        .collect();
    // `<` escaped so that no message can close the script element early.
    let data = serde_json::Value::Array(errors)
        .to_string()
        .replace('<', "\\u003c");
    let script = format!(
        "<script type=\"application/json\" id=\"generator-serve-data\">{data}</script>\n\
         <script data-generator-serve>\n{SCRIPT}</script>\n"
    );
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Kind;

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></body></html>", &[])).unwrap();
        assert!(out.starts_with(
            "<html><body><p>x</p><script type=\"application/json\" id=\"generator-serve-data\">[]</script>"
        ));
        assert!(out.contains("<script data-generator-serve>"));
        assert!(out.ends_with("</script>\n</body></html>"));
        assert!(out.contains(ENDPOINT));
    }

    #[test]
    fn errors_are_embedded_as_json_that_cannot_close_the_script() {
        let d = Diagnostic::error("content/a.md", (3, 1), Kind::Math, "bad </script><b>");
        let out = String::from_utf8(inject(b"<p>no body tag", &[d])).unwrap();
        assert!(out.starts_with("<p>no body tag<script"));
        assert!(out.contains(r#""path":"content/a.md""#), "{out}");
        assert!(out.contains(r#""line":3,"#), "{out}");
        assert!(out.contains(r"bad \u003c/script>\u003cb>"), "{out}");
        assert_eq!(out.matches("</script>").count(), 2);
    }

    fn page_update() -> Update {
        Update {
            files: vec![
                ("a/index.html".into(), Some(Default::default())),
                ("en/a/index.html".into(), Some(Default::default())),
                ("static/x.png".into(), None),
            ],
            ..Update::default()
        }
    }

    #[test]
    fn a_content_edit_is_patched_into_the_pages_it_rendered() {
        let notice = super::notice(Reload::Page, &ChangeSet::default(), &page_update());
        assert_eq!(
            notice.message(),
            r#"{"errors":false,"pages":["a/index.html","en/a/index.html"],"type":"patch"}"#
        );
        let mut with_error = page_update();
        with_error.file_errors = vec![("content/a.md".into(), vec![])];
        let Notice::Patch { errors, .. } =
            super::notice(Reload::Page, &ChangeSet::default(), &with_error)
        else {
            panic!("a patch");
        };
        assert!(errors, "every page re-reads its errors");
    }

    #[test]
    fn a_page_that_said_hello_gets_its_new_html() {
        assert_eq!(
            hello(r#"{"type":"hello","page":"a/index.html"}"#).as_deref(),
            Some("a/index.html")
        );
        assert_eq!(hello(r#"{"type":"other","page":"a/index.html"}"#), None);
        assert_eq!(hello("not json"), None);
        let files: SharedFiles = Default::default();
        files.write().unwrap().apply(Update {
            files: vec![("a/index.html".into(), Some("<body>new</body>".into()))],
            ..Update::default()
        });
        let notice = super::notice(Reload::Page, &ChangeSet::default(), &page_update());
        let html = pushed(&notice, Some("a/index.html"), &files).expect("pushed");
        assert!(String::from_utf8(html)
            .unwrap()
            .starts_with("<body>new<script"));
        assert_eq!(pushed(&notice, Some("b/index.html"), &files), None);
        assert_eq!(pushed(&notice, None, &files), None);
        assert_eq!(pushed(&Notice::Reload, Some("a/index.html"), &files), None);
    }

    #[test]
    fn templates_scripts_and_whole_site_rebuilds_reload() {
        for changes in [
            ChangeSet {
                templates: true,
                ..ChangeSet::default()
            },
            ChangeSet {
                statics: true,
                ..ChangeSet::default()
            },
            ChangeSet {
                config: true,
                ..ChangeSet::default()
            },
        ] {
            assert_eq!(
                super::notice(Reload::Page, &changes, &page_update()),
                Notice::Reload
            );
        }
        let all = Update {
            replace_all: true,
            ..Update::default()
        };
        assert_eq!(
            super::notice(Reload::Page, &ChangeSet::default(), &all),
            Notice::Reload
        );
        assert_eq!(
            super::notice(Reload::Css, &ChangeSet::default(), &all),
            Notice::Css
        );
    }
}
