//! Math pass: `$…$` and `$$…$$` become KaTeX HTML at build time, so a reader
//! needs no JavaScript to see a formula.
//!
//! We use `katex-rs` (a Rust port of KaTeX 0.18.5) rather than the `katex`
//! crate (KaTeX 0.16 in QuickJS): on the 781 formulas of the sample notes plus
//! one corpus section it took 34 µs per formula against 715 µs (and 28 ms of
//! engine start per thread), with the same formulas accepted; its errors are typed. The theme ships the CSS and fonts of exactly that KaTeX version.
//! Results are cached per thread by (display mode, source): notes repeat formulas.

use super::outline::Spanned;
use super::Pass;
use pulldown_cmark::{CowStr, Event};
use std::cell::RefCell;
use std::collections::HashMap;

struct Katex {
    ctx: katex::KatexContext,
    inline: katex::Settings,
    display: katex::Settings,
    cache: HashMap<(bool, String), Result<String, String>>,
}

thread_local! {
    static KATEX: RefCell<Option<Katex>> = const { RefCell::new(None) };
}

fn settings(display: bool) -> katex::Settings {
    katex::Settings::builder()
        .display_mode(display)
        .output(katex::OutputFormat::Html)
        .throw_on_error(true)
        .build()
}

/// Renders one formula; `Err` carries KaTeX's message.
pub fn render_formula(tex: &str, display: bool) -> Result<String, String> {
    KATEX.with(|cell| {
        let mut slot = cell.borrow_mut();
        let katex = slot.get_or_insert_with(|| Katex {
            ctx: katex::KatexContext::default(),
            inline: settings(false),
            display: settings(true),
            cache: HashMap::new(),
        });
        let key = (display, tex.to_string());
        if let Some(hit) = katex.cache.get(&key) {
            return hit.clone();
        }
        let settings = if display {
            &katex.display
        } else {
            &katex.inline
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            katex::render_to_string(&katex.ctx, tex, settings).map_err(|e| e.to_string())
        }))
        .unwrap_or_else(|_| Err("the KaTeX renderer failed on this formula".to_string()));
        katex.cache.insert(key, result.clone());
        result
    })
}

/// A short text that may hold `$…$` formulas (a question title in the table
/// of contents) as HTML: the text escaped, each formula rendered. A `$` that
/// opens no formula (`$5 and $10`) stays text, like in markdown.
pub fn inline_html(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('$') {
        let after = &rest[open + 1..];
        let close = after.find('$').filter(|&end| {
            let tex = &after[..end];
            !tex.is_empty() && !tex.starts_with(' ') && !tex.ends_with(' ')
        });
        let Some(end) = close else {
            out.push_str(&super::escape_html(&rest[..open + 1]));
            rest = after;
            continue;
        };
        out.push_str(&super::escape_html(&rest[..open]));
        let tex = &after[..end];
        match render_formula(tex, false) {
            Ok(html) => out.push_str(&html),
            Err(_) => out.push_str(&super::escape_html(&format!("${tex}$"))),
        }
        rest = &after[end + 1..];
    }
    out.push_str(&super::escape_html(rest));
    out
}

/// Finds `\ ` used as a row separator inside `cases`/`aligned`-like
/// environments: KaTeX accepts it as a space and silently renders one long row.
/// Returns the byte offset of the first such place.
pub fn misused_row_separator(tex: &str) -> Option<usize> {
    const ENVS: [&str; 6] = ["cases", "aligned", "matrix", "pmatrix", "bmatrix", "array"];
    for env in ENVS {
        let open = format!("\\begin{{{env}}}");
        let close = format!("\\end{{{env}}}");
        let mut from = 0;
        while let Some(start) = tex[from..].find(&open).map(|i| i + from + open.len()) {
            let end = tex[start..].find(&close).map_or(tex.len(), |i| i + start);
            let body = &tex.as_bytes()[start..end];
            let mut i = 0;
            while i + 1 < body.len() {
                if body[i] == b'\\' {
                    if body[i + 1] == b' ' || body[i + 1] == b'\n' {
                        let rest = &tex[start + i + 2..end];
                        // A trailing `\ ` before the end is a plain space; one followed by more rows is the bug.
                        if rest.contains('&') {
                            return Some(start + i);
                        }
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            from = end;
        }
    }
    None
}

pub fn pass<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    events
        .into_iter()
        .map(|(event, range)| match event {
            Event::InlineMath(tex) => (render(&tex, false, range.start, cx), range),
            Event::DisplayMath(tex) => (render(&tex, true, range.start, cx), range),
            other => (other, range),
        })
        .collect()
}

fn render<'a>(tex: &str, display: bool, offset: usize, cx: &mut Pass<'_>) -> Event<'a> {
    cx.stats.formulas += 1;
    if let Some(at) = misused_row_separator(tex) {
        cx.warning(offset, "math", format!(
            "`\\ ` at position {} separates rows here; write `\\\\` (KaTeX would render a single row)",
            at + 1
        ));
    }
    let html = match render_formula(tex, display) {
        Ok(html) if display => format!("<div class=\"math math-display\">{html}</div>"),
        Ok(html) => html,
        Err(message) => {
            cx.error(offset, "math", format!("KaTeX: {message}"));
            let delim = if display { "$$" } else { "$" };
            format!(
                "<code class=\"math-error\" title=\"{}\">{delim}{}{delim}</code>",
                super::escape_html(&message),
                super::escape_html(tex)
            )
        }
    };
    Event::InlineHtml(CowStr::from(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_render_their_formulas_and_escape_the_rest() {
        let html = inline_html("为什么除以 $\\sqrt{d_k}$？<b>");
        assert!(
            html.starts_with("为什么除以 <span class=\"katex\">"),
            "{html}"
        );
        assert!(html.ends_with("？&lt;b&gt;"), "{html}");
        assert_eq!(inline_html("$5 and $10"), "$5 and $10");
        assert_eq!(inline_html("no math"), "no math");
    }

    #[test]
    fn renders_katex_html() {
        let html = render_formula(r"\frac{1}{2}", false).unwrap();
        assert!(html.contains("class=\"katex\""), "{html}");
        assert!(html.contains("mfrac"));
        assert!(!html.contains("<math"), "HTML output only");
    }

    #[test]
    fn reports_errors() {
        let err = render_formula(r"\frac{1}{", false).unwrap_err();
        assert!(!err.is_empty());
        assert!(render_formula(r"\undefinedmacro x", true).is_err());
    }

    #[test]
    fn flags_backslash_space_rows() {
        assert!(
            misused_row_separator(r"f(x)=\begin{cases} 1 & x>0 \ 0 & x\le 0 \end{cases}").is_some()
        );
        assert!(
            misused_row_separator(r"\begin{cases} 1 & x>0 \\ 0 & x\le 0 \end{cases}").is_none()
        );
        assert!(misused_row_separator(r"a\ b").is_none());
    }
}
