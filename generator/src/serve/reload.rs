//! Live reload: a WebSocket at [`ENDPOINT`] tells every open page that a
//! rebuild finished, and a small script (injected into HTML responses only by
//! `serve`, never written by `build`) reloads the page, swaps stylesheets, or
//! shows the errors of the last rebuild.
//!
//! The errors travel inside the page itself (the script is injected with them
//! when the page is served), so a reload is the only message the socket needs
//! and a page opened later shows the same overlay.

use crate::diagnostics::Diagnostic;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::json;
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

impl Reload {
    pub fn message(self) -> &'static str {
        match self {
            Reload::Page => r#"{"type":"reload"}"#,
            Reload::Css => r#"{"type":"css"}"#,
        }
    }
}

/// The sender every rebuild announces itself on; each socket subscribes.
pub fn channel() -> broadcast::Sender<Reload> {
    broadcast::channel(64).0
}

/// Accepts a WebSocket and forwards reload messages to it until it closes.
pub fn upgrade(ws: WebSocketUpgrade, reloads: &broadcast::Sender<Reload>) -> Response {
    // Subscribe before the handshake completes, so that no rebuild that
    // finishes after the client sees the socket open is missed.
    let receiver = reloads.subscribe();
    ws.on_upgrade(move |socket| forward(socket, receiver))
}

async fn forward(mut socket: WebSocket, mut reloads: broadcast::Receiver<Reload>) {
    loop {
        tokio::select! {
            reload = reloads.recv() => {
                let reload = match reload {
                    Ok(r) => r,
                    // Missed some: whatever they were, a full reload covers them.
                    Err(broadcast::error::RecvError::Lagged(_)) => Reload::Page,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if socket.send(Message::Text(reload.message().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The page with the reload script (and the overlay's errors) before `</body>`.
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
        "<script data-generator-serve>\n{}</script>\n",
        SCRIPT.replacen("__SERVE_ERRORS__", &data, 1)
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
        assert!(out.starts_with("<html><body><p>x</p><script data-generator-serve>"));
        assert!(out.ends_with("</script>\n</body></html>"));
        assert!(out.contains("const errors = [];"));
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
        assert_eq!(out.matches("</script>").count(), 1);
    }
}
