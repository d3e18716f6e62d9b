//! The Anki deck: every question of the site in one language as a note of
//! Anki's stock "Basic" type, in Anki's text import format (Anki 2.1.55+,
//! AnkiDroid, AnkiMobile).
//!
//! Why text and not `.apkg`: the crate for `.apkg` (genanki-rs 0.4) pulls a
//! bundled SQLite, an old `zip` and writes through a temporary file; the
//! text format is documented by Anki, needs nothing, and with a GUID column
//! re-importing a newer deck updates the notes instead of duplicating them
//! (<https://docs.ankiweb.net/importing/text-files.html>). What it cannot
//! carry is media: images are referenced by URL (absolute when `base_url`
//! is), so they show when the deck's machine can reach the published site.
//!
//! Formulas go back to their TeX between `\(…\)` / `\[…\]`, which Anki's
//! MathJax renders; code stays a `<pre>`.

use crate::lang::Lang;
use crate::markdown::math::RenderedFormula;
use crate::markdown::math_spans::Piece;
use crate::markdown::{self, escape_html, find};
use std::collections::HashMap;

/// One note: its GUID, the two sides (HTML) and its tags.
pub struct Note {
    pub guid: String,
    pub front: String,
    pub back: String,
    pub tags: String,
}

/// A note's GUID: stable across builds and content edits (it depends only
/// on the site, the language and the question's page key and id), different
/// between two sites that happen to share a page name.
pub fn guid(site: &str, lang: Lang, key: &str, id: &str) -> String {
    // FNV-1a, 64 bits: no dependency, and stable across Rust versions (the
    // standard hasher is not).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [site, lang.code(), key, id].join("\u{1f}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("dlq{hash:016x}")
}

/// Anki tags for a chapter: its page key as a hierarchy (`cnn/pooling` →
/// `cnn::pooling`), spaces made underscores (a space separates tags).
pub fn tags(key: &str) -> String {
    key.split('/')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join("_"))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("::")
}

/// The KaTeX renderings of a page's formulas with their TeX, to turn the
/// rendered page back into TeX: in page order, where they are found one
/// after another (a comparison each), and by length for any met out of
/// order (hashing every rendering, a few KB each, cost more than comparing).
pub struct Formulas<'r> {
    ordered: &'r [RenderedFormula],
    by_len: HashMap<usize, Vec<usize>>,
}

impl<'r> Formulas<'r> {
    /// The formulas the markdown renderer kept, in page order.
    pub fn new(ordered: &'r [RenderedFormula]) -> Self {
        let mut by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, f) in ordered.iter().enumerate() {
            by_len.entry(f.html.len()).or_default().push(i);
        }
        Formulas { ordered, by_len }
    }

    /// The formula whose rendering `html` starts with, looked for first at
    /// `next` (then past it), else among all of them.
    fn at(&self, html: &str, next: &mut usize) -> Option<&'r RenderedFormula> {
        if let Some(f) = self.ordered.get(*next) {
            if html.starts_with(&f.html) {
                *next += 1;
                return Some(f);
            }
        }
        let end = span_end(html)?;
        let i = *self
            .by_len
            .get(&end)?
            .iter()
            .find(|&&i| self.ordered[i].html == html[..end])?;
        *next = i + 1;
        Some(&self.ordered[i])
    }
}

/// `html` with each KaTeX rendering found in `formulas` replaced by its TeX
/// as Anki's MathJax wants it.
pub fn with_tex(html: &str, formulas: &Formulas) -> String {
    const START: &str = "<span class=\"katex";
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut next = 0;
    while let Some(at) = find(rest, START) {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        match formulas.at(here, &mut next) {
            Some(f) => {
                let (open, close) = if f.display {
                    ("\\[", "\\]")
                } else {
                    ("\\(", "\\)")
                };
                out.push_str(open);
                out.push_str(&escape_html(f.tex.trim()));
                out.push_str(close);
                rest = &here[f.html.len()..];
            }
            None => {
                out.push_str(&here[..START.len()]);
                rest = &here[START.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `html` with the highlighting of its code blocks dropped: Anki has none of
/// the theme's `hl-*` styles, and the spans made up most of a deck's bytes.
pub fn plain_code(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = find(rest, "<pre") {
        let Some(end) = find(&rest[at..], "</pre>").map(|e| at + e) else {
            break;
        };
        out.push_str(&rest[..at]);
        // Code is escaped: every `<` in a block starts a tag.
        let mut block = &rest[at..end];
        while let Some(lt) = block.find('<') {
            let tag = &block[lt..];
            if tag.starts_with("<span") || tag.starts_with("</span>") {
                out.push_str(&block[..lt]);
                block = tag.split_once('>').map_or("", |(_, after)| after);
            } else {
                out.push_str(&block[..=lt]);
                block = &tag[1..];
            }
        }
        out.push_str(block);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The end (exclusive) of the `<span>` element that `html` starts with.
fn span_end(html: &str) -> Option<usize> {
    crate::study::answers::matching_close(html, "span").map(|at| at + "</span>".len())
}

/// A question title (plain text, formulas as `$…$`) as the front of a
/// note: escaped, formulas as `\(…\)`, found as in the page itself.
pub fn front(title: &str) -> String {
    markdown::math_spans::pieces(title)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => escape_html(text),
            Piece::Math(tex) => format!("\\({}\\)", escape_html(&tex)),
        })
        .collect()
}

/// The deck file: Anki's headers, then one note per line.
pub fn deck<'a>(name: &str, notes: impl IntoIterator<Item = &'a Note>) -> String {
    let mut out = header(name);
    for note in notes {
        push_line(&mut out, note);
    }
    out
}

/// The deck's headers: its columns and its name.
pub fn header(name: &str) -> String {
    let mut out = String::from(
        "#separator:tab\n#html:true\n#notetype:Basic\n#columns:GUID\tFront\tBack\tTags\n#guid column:1\n#tags column:4\n",
    );
    out.push_str(&format!("#deck:{}\n", name.replace(['\n', '\t'], " ")));
    out
}

/// Appends `note` to `out` as one line of the deck.
pub fn push_line(out: &mut String, note: &Note) {
    let fields = [&note.guid, &note.front, &note.back, &note.tags];
    let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    out.push_str(&line.join("\t"));
    out.push('\n');
}

/// A field on one line, in double quotes (quotes doubled): line breaks
/// inside `<pre>` become `<br>`, elsewhere spaces (the same in HTML), and
/// tabs `&#9;`, so that every note is one line of the file.
fn quote(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 2);
    out.push('"');
    let mut in_pre = false;
    let mut rest = field;
    // A byte search: the four are ASCII, and a `char` pattern is a slow scan.
    while let Some(at) = rest
        .bytes()
        .position(|b| matches!(b, b'\n' | b'\t' | b'"' | b'<'))
    {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let step = match tail.as_bytes()[0] {
            b'\n' if in_pre => "<br>",
            b'\n' => " ",
            b'\t' => "&#9;",
            b'"' => "\"\"",
            _ => {
                if tail.starts_with("<pre") {
                    in_pre = true;
                } else if tail.starts_with("</pre>") {
                    in_pre = false;
                }
                "<"
            }
        };
        out.push_str(step);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_come_back_as_tex_for_mathjax() {
        let body = "因为 $e^{x} < 1$，而\n\n$$\n\\begin{aligned} a &= b \\end{aligned}\n$$\n\n$x$ 与 $$y$$\n";
        let rendered = crate::markdown::tests::render_page(body);
        let tex = with_tex(&rendered.html, &Formulas::new(&rendered.formulas));
        // Met out of order (none is where the last one ended), each is found.
        let reversed: Vec<_> = rendered.formulas.iter().rev().cloned().collect();
        assert_eq!(with_tex(&rendered.html, &Formulas::new(&reversed)), tex);
        assert!(tex.contains("因为 \\(e^{x} &lt; 1\\)，而"), "{tex}");
        assert!(
            tex.contains("\\[\\begin{aligned} a &amp;= b \\end{aligned}\\]"),
            "{tex}"
        );
        assert!(tex.contains("\\(x\\) 与"), "{tex}");
        assert!(!tex.contains("katex"), "{tex}");
    }

    /// KaTeX ignores spaces: two formulas can render alike; each keeps
    /// the TeX its author wrote.
    #[test]
    fn formulas_that_render_alike_keep_their_own_tex() {
        let body = "在 $(0,1)$ 内，也写作 $(0, 1)$，再写 $(0,1)$。\n";
        let rendered = crate::markdown::tests::render_page(body);
        let tex = with_tex(&rendered.html, &Formulas::new(&rendered.formulas));
        assert!(
            tex.contains("在 \\((0,1)\\) 内，也写作 \\((0, 1)\\)，再写 \\((0,1)\\)。"),
            "{tex}"
        );
    }

    #[test]
    fn code_loses_its_highlighting_spans() {
        let html = "<p><span>x</span></p><pre class=\"code\"><code><span class=\"hl-a\">if</span> <span>a</span> &lt; b</code></pre>";
        assert_eq!(
            plain_code(html),
            "<p><span>x</span></p><pre class=\"code\"><code>if a &lt; b</code></pre>"
        );
    }

    #[test]
    fn fronts_tags_and_guids() {
        assert_eq!(
            front("为什么除以 $\\sqrt{d_k}$？<b>"),
            "为什么除以 \\(\\sqrt{d_k}\\)？&lt;b&gt;"
        );
        assert_eq!(front("$5 and $10"), "$5 and $10");
        assert_eq!(tags("cnn/my notes/pooling"), "cnn::my_notes::pooling");
        let a = guid("site", Lang::Zh, "cnn/pooling", "max");
        assert_eq!(a, guid("site", Lang::Zh, "cnn/pooling", "max"));
        assert_ne!(a, guid("site", Lang::En, "cnn/pooling", "max"));
        assert_ne!(a, guid("other", Lang::Zh, "cnn/pooling", "max"));
        assert_eq!(a.len(), 19);
    }

    #[test]
    fn deck_fields_are_quoted() {
        let deck = deck(
            "My\tnotes",
            &[Note {
                guid: "g1".into(),
                front: "Why \"x\"?".into(),
                back: "<p>x\ny</p><pre>a\tb\nc</pre>".into(),
                tags: "a::b".into(),
            }],
        );
        assert!(deck.starts_with("#separator:tab\n#html:true\n"));
        assert!(deck.contains("#deck:My notes\n"));
        assert!(
            deck.ends_with(
                "\"g1\"\t\"Why \"\"x\"\"?\"\t\"<p>x y</p><pre>a&#9;b<br>c</pre>\"\t\"a::b\"\n"
            ),
            "{deck}"
        );
    }
}
