//! Math pass: `$…$` and `$$…$$` become KaTeX HTML at build time, so a reader
//! needs no JavaScript to see a formula.
//!
//! We use `katex-rs` (a Rust port of KaTeX 0.18.5) rather than the `katex`
//! crate (KaTeX 0.16 in QuickJS): on the 781 formulas of the sample notes plus
//! one corpus section it took 34 µs per formula against 715 µs (and 28 ms of
//! engine start per thread), with the same formulas accepted; its errors are typed. The theme ships the CSS and fonts of exactly that KaTeX version.
//! Results are cached per thread by (display mode, source): notes repeat formulas.

use super::math_spans::Piece;
use super::outline::Spanned;
use super::Pass;
use crate::diagnostics::Kind;
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

/// How deeply a formula may nest groups (`{…}`, `\left…\right`,
/// environments, chained commands such as `\sqrt\sqrt x`). KaTeX parses
/// recursively; a few hundred levels overflow the stack and abort the whole
/// build. Real formulas stay below ten.
const MAX_NESTING: usize = 50;

/// The deepest nesting of groups in a formula (see [`MAX_NESTING`]).
fn nesting_depth(tex: &str) -> usize {
    let bytes = tex.as_bytes();
    let (mut depth, mut chain, mut deepest) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let name_len = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .count();
                match &tex[i + 1..i + 1 + name_len] {
                    "left" | "begin" => depth += 1,
                    "right" | "end" => depth = depth.saturating_sub(1),
                    "" => {}
                    _ => chain += 1,
                }
                i += 1 + name_len.max(1);
                deepest = deepest.max(depth + chain);
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b' ' | b'\n' | b'\t' => {}
            _ => chain = 0,
        }
        deepest = deepest.max(depth + chain);
        i += 1;
    }
    deepest
}

/// MathJax accepts some LaTeX that KaTeX does not; notes are written for
/// MathJax (Typora, GitHub, docsify). The forms with a KaTeX equivalent are
/// rewritten: `eqnarray` (an `rcl` array in display style), `\mbox`, `\bm`,
/// `\Bbb`, `\bold`, and `\label`/`\require` (nothing to show) dropped.
fn mathjax_to_katex(tex: &str) -> std::borrow::Cow<'_, str> {
    const RENAMES: [(&str, &str); 7] = [
        ("\\begin{eqnarray*}", "\\begin{darray}{rcl}"),
        ("\\end{eqnarray*}", "\\end{darray}"),
        ("\\begin{eqnarray}", "\\begin{darray}{rcl}"),
        ("\\end{eqnarray}", "\\end{darray}"),
        ("\\mbox{", "\\text{"),
        ("\\Bbb{", "\\mathbb{"),
        ("\\bold{", "\\mathbf{"),
    ];
    let needs = RENAMES.iter().any(|(from, _)| tex.contains(from))
        || tex.contains("\\label{")
        || tex.contains("\\require{");
    if !needs {
        return std::borrow::Cow::Borrowed(tex);
    }
    let mut out = tex.to_string();
    for (from, to) in RENAMES {
        out = out.replace(from, to);
    }
    for command in ["\\label{", "\\require{"] {
        while let Some(at) = super::find(&out, command) {
            let end = out[at..].find('}').map_or(out.len(), |e| at + e + 1);
            out.replace_range(at..end, "");
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Formulas remembered per thread (about 3 KB of HTML each).
const CACHE_ENTRIES: usize = 2048;

/// Renders one formula; `Err` carries KaTeX's message.
pub fn render_formula(tex: &str, display: bool) -> Result<String, String> {
    let tex = &*mathjax_to_katex(tex);
    let depth = nesting_depth(tex);
    if depth > MAX_NESTING {
        return Err(format!(
            "the formula nests {depth} levels deep; the limit is {MAX_NESTING}"
        ));
    }
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
        let kind = if display {
            "math-display"
        } else {
            "math-inline"
        };
        let result = crate::render_cache::get_or_render(kind, &[tex], || {
            crate::phases::timed(crate::phases::Phase::Math, || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    katex::render_to_string(&katex.ctx, tex, settings)
                        .map(stable_svg_attributes)
                        .map_err(|e| e.to_string())
                }))
                .unwrap_or_else(|_| Err("the KaTeX renderer failed on this formula".to_string()))
            })
        });
        // Bounded: notes repeat formulas near each other, and a site of
        // distinct formulas must not keep every one in memory.
        if katex.cache.len() >= CACHE_ENTRIES {
            katex.cache.clear();
        }
        katex.cache.insert(key, result.clone());
        result
    })
}

/// katex-rs keeps the attributes of SVG elements in a hash map, so their
/// order changes from run to run; sorting them makes two builds of the same
/// notes byte-identical (deploy diffs, caches, reproducible builds). Only
/// the `<svg>…</svg>` parts are rewritten: the rest is thousands of spans.
fn stable_svg_attributes(html: String) -> String {
    let Some(first) = super::find(&html, "<svg") else {
        return html;
    };
    let mut out = String::with_capacity(html.len());
    out.push_str(&html[..first]);
    let mut rest = &html[first..];
    while let Some(start) = super::find(rest, "<svg") {
        out.push_str(&rest[..start]);
        let end = super::find(&rest[start..], "</svg>")
            .map_or(rest.len(), |e| start + e + "</svg>".len());
        sort_svg_attributes(&rest[start..end], &mut out);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// [`stable_svg_attributes`] for one `<svg>` element, onto `out`.
fn sort_svg_attributes(svg: &str, out: &mut String) {
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let name_len = tag[1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len() - 1);
        let end = tag.find('>').map_or(tag.len(), |e| e + 1);
        let name = &tag[1..1 + name_len];
        if matches!(name, "svg" | "path" | "line" | "rect" | "g") {
            let inner = &tag[1 + name_len..end - 1];
            let (inner, close) = match inner.strip_suffix('/') {
                Some(i) => (i, "/>"),
                None => (inner, ">"),
            };
            // `key="value"` pairs: values are double-quoted and hold no quote.
            let parts: Vec<&str> = inner.split_inclusive('"').collect();
            let mut attributes: Vec<String> = parts
                .chunks(2)
                .map(|pair| pair.concat().trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            attributes.sort_unstable();
            out.push('<');
            out.push_str(name);
            for a in &attributes {
                out.push(' ');
                out.push_str(a);
            }
            out.push_str(close);
        } else {
            out.push_str(&tag[..end]);
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
}

/// A short text that may hold `$…$` formulas (a question title in the table
/// of contents) as HTML: the text escaped, each formula rendered. Formulas
/// are found as in a page body ([`super::math_spans::pieces`]).
pub fn inline_html(text: &str) -> String {
    super::math_spans::pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => super::escape_html(text),
            Piece::Math(tex) => render_formula(&tex, false)
                .unwrap_or_else(|_| super::escape_html(&format!("${tex}$"))),
        })
        .collect()
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
        while let Some(start) = super::find(&tex[from..], &open).map(|i| i + from + open.len()) {
            let end = super::find(&tex[start..], &close).map_or(tex.len(), |i| i + start);
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

/// A formula of a page as written and as KaTeX rendered it.
#[derive(Clone)]
pub struct RenderedFormula {
    pub tex: String,
    pub display: bool,
    pub html: String,
}

fn render<'a>(tex: &str, display: bool, offset: usize, cx: &mut Pass<'_>) -> Event<'a> {
    cx.stats.formulas += 1;
    if let Some(at) = misused_row_separator(tex) {
        cx.warning(offset, Kind::Math, format!(
            "`\\ ` at position {} separates rows here; write `\\\\` (KaTeX would render a single row)",
            at + 1
        ));
    }
    let rendered = render_formula(tex, display);
    if let (Some(kept), Ok(html)) = (cx.formulas.as_mut(), &rendered) {
        kept.push(RenderedFormula {
            tex: tex.to_string(),
            display,
            html: html.clone(),
        });
    }
    let html = match rendered {
        Ok(html) if display => format!("<div class=\"math math-display\">{html}</div>"),
        Ok(html) => html,
        Err(message) => {
            cx.error(offset, Kind::Math, format!("KaTeX: {message}"));
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
    fn deep_nesting_is_refused_not_a_crash() {
        for tex in [
            format!("{}x{}", "\\frac{".repeat(400), "}{y}".repeat(400)),
            format!("{}x{}", "\\left(".repeat(400), "\\right)".repeat(400)),
            format!("{}x", "\\sqrt".repeat(2000)),
            format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000)),
        ] {
            let err = render_formula(&tex, true).unwrap_err();
            assert!(err.contains("limit is 50"), "{err}");
        }
        assert_eq!(nesting_depth(r"\frac{a}{\sqrt{b^{2}}} \{x\}"), 3);
        assert!(render_formula(&format!("{}x{}", "{".repeat(40), "}".repeat(40)), false).is_ok());
    }

    #[test]
    fn mathjax_forms_that_katex_can_take() {
        for tex in [
            "\\begin{eqnarray*} a &=& b \\\\ c &=& d \\end{eqnarray*}",
            "\\begin{eqnarray} a &=& b \\label{eq:1} \\end{eqnarray}",
            "\\mbox{hi} \\bm{x} \\Bbb{R} \\bold{v}",
            "\\require{cancel} x",
            "\\begin{equation} x \\tag{1} \\end{equation}",
            "\\begin{align} a &= b \\\\ c &= d \\end{align}",
        ] {
            assert!(
                render_formula(tex, true).is_ok(),
                "{tex}: {:?}",
                render_formula(tex, true)
            );
        }
    }

    #[test]
    fn svg_attributes_come_in_one_order() {
        let a = stable_svg_attributes(
            r#"x<svg width="1em" height="2" viewBox="0 0 1 1"><path d="M0"/></svg>"#.to_string(),
        );
        let b = stable_svg_attributes(
            r#"x<svg viewBox="0 0 1 1" width="1em" height="2"><path d="M0"/></svg>"#.to_string(),
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            r#"x<svg height="2" viewBox="0 0 1 1" width="1em"><path d="M0"/></svg>"#
        );
        // Each of several SVGs; the markup around them is kept as it is.
        let two = stable_svg_attributes(
            r#"<span style="b:1;a:2">x</span><svg width="1" height="2"><line y="1" x="2"/></svg><span a="2" b="1"></span><svg b="1" a="2"></svg>y"#
                .to_string(),
        );
        assert_eq!(
            two,
            r#"<span style="b:1;a:2">x</span><svg height="2" width="1"><line x="2" y="1"/></svg><span a="2" b="1"></span><svg a="2" b="1"></svg>y"#
        );
        let html = render_formula(r"\sqrt{x}\overrightarrow{AB}", false).unwrap();
        for _ in 0..5 {
            assert_eq!(
                render_formula(r"\sqrt{x}\overrightarrow{AB} ", false).unwrap(),
                html
            );
        }
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
