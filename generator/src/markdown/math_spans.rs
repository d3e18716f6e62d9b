//! Finding formulas the way note authors write them, before Markdown sees
//! the text: `$…$` (also `$ x $` with inner spaces, as Typora and MathJax
//! allow, when the inside reads as math), `$$…$$` blocks even with blank
//! lines inside, `\(…\)`, `\[…\]`, and bare `\begin{equation}`-style
//! environments. Code (spans, blocks) and link targets are left alone.
//!
//! Each formula is masked in the text with inert characters of the same
//! length (so every byte offset, and so every reported line and column,
//! stays that of the file), Markdown is parsed, and the masks become math
//! events again ([`restore`]). Dollars that pair with nothing stay text:
//! prose between two stray `$` is never typeset; one that opens what looks
//! like a formula is reported.

use super::outline::Spanned;
use pulldown_cmark::{CowStr, Event, Parser, Tag};
use std::borrow::Cow;
use std::ops::Range;

/// Mask bytes: start, filler, end. Control characters Markdown treats as text.
const MASK_START: u8 = 0x02;
const MASK_FILL: u8 = 0x01;
const MASK_END: u8 = 0x03;

/// Environments MathJax typesets without `$$` around them.
const BARE_ENVIRONMENTS: &[&str] = &[
    "equation",
    "equation*",
    "align",
    "align*",
    "alignat",
    "alignat*",
    "gather",
    "gather*",
    "eqnarray",
    "eqnarray*",
    "multline",
    "multline*",
    "flalign",
    "flalign*",
];

/// One formula found in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct MathSpan {
    /// Bytes of the whole formula with its delimiters.
    pub range: Range<usize>,
    pub tex: String,
    pub display: bool,
}

/// A formula that could not be found as written: a delimiter never closed,
/// or TeX outside any formula (a forgotten `$`).
#[derive(Debug, Clone, PartialEq)]
pub struct MathProblem {
    pub offset: usize,
    pub message: String,
}

/// Common TeX commands: one in plain text means a formula lost its delimiters.
pub const TEX_COMMANDS: &[&str] = &[
    "frac",
    "cfrac",
    "dfrac",
    "sum",
    "alpha",
    "beta",
    "gamma",
    "delta",
    "theta",
    "lambda",
    "sigma",
    "mathbf",
    "mathrm",
    "boldsymbol",
    "partial",
    "sqrt",
    "cdot",
    "times",
    "left",
    "right",
    "mathcal",
    "hat",
    "bar",
    "log",
    "exp",
    "nabla",
    "prod",
    "int",
    "infty",
    "leq",
    "geq",
    "epsilon",
    "omega",
    "mathbb",
    "operatorname",
    "quad",
    "vert",
    "mathfrak",
    "neq",
];

/// A piece of a short text (a question title): text, or a formula's TeX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// The TeX between the delimiters.
    Math(String),
}

/// Splits a short text into text and formulas by the rules of a page body,
/// so that a title shows the same formulas in the table of contents, the
/// study deck and the page (`$5 and $10` stays text; `$ x $` is a formula).
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let found = MathSource::new(text);
    let mut out = Vec::new();
    let mut at = 0;
    for span in &found.spans {
        if span.range.start > at {
            out.push(Piece::Text(&text[at..span.range.start]));
        }
        out.push(Piece::Math(span.tex.clone()));
        at = span.range.end;
    }
    if at < text.len() {
        out.push(Piece::Text(&text[at..]));
    }
    out
}

/// A page body with its formulas found and masked.
pub struct MathSource<'a> {
    /// The body with each formula masked (same length as the body).
    pub text: Cow<'a, str>,
    pub spans: Vec<MathSpan>,
    pub problems: Vec<MathProblem>,
}

impl<'a> MathSource<'a> {
    pub fn new(body: &'a str) -> MathSource<'a> {
        let might_have_math = body.contains('$')
            || body.contains("\\(")
            || body.contains("\\[")
            || body.contains("\\begin{");
        if !might_have_math {
            return MathSource {
                text: Cow::Borrowed(body),
                spans: Vec::new(),
                problems: Vec::new(),
            };
        }
        let skip = code_and_link_targets(body);
        let (spans, problems) = scan(body, &skip);
        // Built as text, piece by piece: the masks are ASCII.
        let mut text = String::with_capacity(body.len());
        let mut copied = 0;
        for span in &spans {
            // A formula has its delimiters: two bytes at least.
            debug_assert!(span.range.len() >= 2, "a formula without delimiters");
            let inner = span.range.len().saturating_sub(2);
            text.push_str(&body[copied..span.range.start]);
            text.push(MASK_START as char);
            text.extend(std::iter::repeat_n(MASK_FILL as char, inner));
            text.push(MASK_END as char);
            copied = span.range.end;
        }
        text.push_str(&body[copied..]);
        MathSource {
            text: Cow::Owned(text),
            spans,
            problems,
        }
    }
}

/// Ranges where `$` means nothing: fenced code blocks, link and image
/// targets. (Code spans are found while scanning: whichever of a code span
/// and a formula opens first wins, as in the editors notes are written in.)
fn code_and_link_targets(body: &str) -> Vec<Range<usize>> {
    let mut skip = fenced_blocks(body);
    if !body.contains("](") {
        skip.sort_by_key(|r| r.start);
        return skip;
    }
    for (event, range) in Parser::new_ext(body, super::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Image { .. }) => skip.push(range),
            Event::Start(Tag::Link { .. }) => {
                let target = body[range.clone()]
                    .rfind("](")
                    .map_or(range.start, |i| range.start + i);
                skip.push(target..range.end);
            }
            _ => {}
        }
    }
    skip.sort_by_key(|r| r.start);
    skip
}

/// Fenced code blocks (```` ``` ```` or `~~~`, at any indentation: notes nest them in lists).
fn fenced_blocks(body: &str) -> Vec<Range<usize>> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, u8, usize)> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence_char = trimmed
            .as_bytes()
            .first()
            .copied()
            .filter(|c| matches!(c, b'`' | b'~'));
        let run = fence_char.map_or(0, |c| trimmed.bytes().take_while(|&b| b == c).count());
        match (open, fence_char) {
            (None, Some(c)) if run >= 3 => open = Some((offset, c, run)),
            (Some((start, c, len)), Some(d))
                if d == c && run >= len && trimmed[run..].trim().is_empty() =>
            {
                blocks.push(start..offset + line.len());
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((start, _, _)) = open {
        blocks.push(start..body.len());
    }
    blocks
}

/// The end of the code span opened by the backtick run at `i`, if it closes.
fn code_span_end(body: &str, i: usize) -> Option<usize> {
    let bytes = body.as_bytes();
    let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut j = i + run;
    while j < bytes.len() {
        if bytes[j] == b'`' {
            let other = bytes[j..].iter().take_while(|&&b| b == b'`').count();
            if other == run {
                return Some(j + run);
            }
            j += other;
        } else if bytes[j] == b'\n' && paragraph_ends(body, j) {
            return None;
        } else {
            j += 1;
        }
    }
    None
}

fn scan(body: &str, skip: &[Range<usize>]) -> (Vec<MathSpan>, Vec<MathProblem>) {
    let bytes = body.as_bytes();
    let mut spans = Vec::new();
    let mut problems = Vec::new();
    // TeX outside formulas is reported once per paragraph.
    let mut reported_until = 0;
    let mut skip = skip.iter().peekable();
    let mut i = 0;
    while i < bytes.len() {
        while skip.peek().is_some_and(|r| r.end <= i) {
            skip.next();
        }
        if let Some(r) = skip.peek().filter(|r| r.start <= i) {
            i = r.end;
            continue;
        }
        let next_skip = skip.peek().map_or(bytes.len(), |r| r.start);
        let found = match bytes[i] {
            b'`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                i = code_span_end(body, i).unwrap_or(i + run);
                continue;
            }
            b'\\' => match bytes.get(i + 1) {
                Some(b'(') => match closing(body, i + 2, "\\)", next_skip, true) {
                    Some(end) if bracketed_math(&body[i + 2..end]) => {
                        Ok((end + 2, &body[i + 2..end], false))
                    }
                    _ => {
                        i += 2;
                        continue;
                    }
                },
                Some(b'[') => match closing(body, i + 2, "\\]", next_skip, false) {
                    Some(end) if bracketed_math(&body[i + 2..end]) => {
                        Ok((end + 2, &body[i + 2..end], true))
                    }
                    _ => {
                        i += 2;
                        continue;
                    }
                },
                Some(b'b') if at_line_start(body, i) => {
                    match bare_environment(body, i, next_skip) {
                        Some(end) => Ok((end, &body[i..end], true)),
                        None => {
                            i += 1;
                            continue;
                        }
                    }
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    let len = bytes[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphabetic())
                        .count();
                    let command = &body[i + 1..i + 1 + len];
                    if i >= reported_until && TEX_COMMANDS.contains(&command) {
                        problems.push(MathProblem {
                            offset: i,
                            message: format!(
                                "`\\{command}` outside a formula: a `$` is probably missing; shown as text"
                            ),
                        });
                        reported_until = paragraph_end(body, i);
                    }
                    i += 1 + len;
                    continue;
                }
                _ => {
                    i += 2;
                    continue;
                }
            },
            b'$' if bytes.get(i + 1) == Some(&b'$') => closing(body, i + 2, "$$", next_skip, false)
                .map(|end| (end + 2, &body[i + 2..end], true))
                .ok_or("$$"),
            b'$' => match inline_dollar(body, i, next_skip) {
                Some(end) => Ok((end + 1, &body[i + 1..end], false)),
                None if opens_formula(&body[i + 1..next_skip.min(body.len())]) => Err("$"),
                None => {
                    i += 1;
                    continue;
                }
            },
            _ => {
                i += 1;
                continue;
            }
        };
        match found {
            Ok((end, tex, display)) if !tex.trim().is_empty() => {
                spans.push(MathSpan {
                    range: i..end,
                    tex: tex.to_string(),
                    display,
                });
                i = end;
            }
            Ok((end, _, _)) => i = end,
            Err(delimiter) => {
                problems.push(MathProblem {
                    offset: i,
                    message: format!(
                        "`{delimiter}` opens a formula that is never closed; it is shown as text"
                    ),
                });
                reported_until = paragraph_end(body, i);
                i += delimiter.len();
            }
        }
    }
    (spans, problems)
}

/// The offset of the blank line that ends the paragraph holding `i`.
fn paragraph_end(body: &str, i: usize) -> usize {
    body[i..].find("\n\n").map_or(body.len(), |e| i + e)
}

fn at_line_start(body: &str, i: usize) -> bool {
    body[..i]
        .rsplit('\n')
        .next()
        .is_some_and(|line| line.trim().is_empty())
}

/// `\begin{equation} … \end{equation}` at the start of a line: its end.
fn bare_environment(body: &str, i: usize, limit: usize) -> Option<usize> {
    let rest = body[i..].strip_prefix("\\begin{")?;
    let name = &rest[..rest.find('}')?];
    if !BARE_ENVIRONMENTS.contains(&name) {
        return None;
    }
    let close = format!("\\end{{{name}}}");
    closing(body, i + 8 + name.len(), &close, limit, false).map(|end| end + close.len())
}

/// The offset of the next unescaped `delimiter` from `from`, before `limit`
/// (and, for inline delimiters, before the paragraph ends).
fn closing(body: &str, from: usize, delimiter: &str, limit: usize, inline: bool) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut j = from;
    while j < limit.min(bytes.len()) {
        if bytes[j..].starts_with(delimiter.as_bytes()) {
            return Some(j);
        }
        match bytes[j] {
            b'\\' if delimiter != "\\)" && delimiter != "\\]" => j += 2,
            b'\n' if inline && paragraph_ends(body, j) => return None,
            _ => j += 1,
        }
    }
    None
}

/// Whether the line after the newline at `j` is blank.
fn paragraph_ends(body: &str, j: usize) -> bool {
    body[j + 1..]
        .split('\n')
        .next()
        .is_some_and(|line| line.trim().is_empty())
}

/// The closing `$` of an inline formula opened at `i`, under the rules
/// notes are written with: same paragraph; no digit right after the closing
/// `$` (`$5-$10`); inner spaces only when the inside reads as math (`$ x $`
/// yes, `$5 and $10` no); prose (Chinese with no math in it) never.
fn inline_dollar(body: &str, i: usize, limit: usize) -> Option<usize> {
    // A formula does not start with punctuation: `… \vert} $；les …` is a
    // closing `$` whose opener is missing, not the start of a formula.
    let first = body[i + 1..].chars().next()?;
    if matches!(
        first,
        '；' | '，' | '。' | '：' | '、' | ',' | '.' | ';' | ':' | ')' | '）'
    ) {
        return None;
    }
    let end = closing(body, i + 1, "$", limit, true)?;
    let tex = &body[i + 1..end];
    let after = body[end + 1..].chars().next();
    let padded = tex.starts_with(char::is_whitespace) || tex.ends_with(char::is_whitespace);
    let ok = !tex.is_empty()
        && !after.is_some_and(|c| c.is_ascii_digit())
        && (!padded || reads_as_math(tex.trim()))
        && (!has_cjk(tex) || has_math_syntax(tex));
    ok.then_some(end)
}

/// `\(…\)` and `\[…\]` are also Markdown escapes for literal brackets:
/// prose inside (Chinese without TeX, or with its own `$` formulas) is that.
fn bracketed_math(tex: &str) -> bool {
    !tex.trim().is_empty() && !tex.contains('$') && (!has_cjk(tex) || has_math_syntax(tex))
}

fn has_math_syntax(tex: &str) -> bool {
    tex.contains(['\\', '^', '_', '{', '=', '<', '>', '+'])
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

/// A padded inside that is still math: TeX syntax, or a short symbol (`$ x $`).
fn reads_as_math(tex: &str) -> bool {
    has_math_syntax(tex)
        || (tex.chars().count() <= 3 && tex.chars().all(|c| c.is_alphanumeric() || c == '\''))
            && tex.chars().next().is_some_and(|c| c.is_alphabetic())
}

/// After a `$` that closes nothing: does it look like a formula was meant?
fn opens_formula(rest: &str) -> bool {
    let word: &str = rest.split(char::is_whitespace).next().unwrap_or("");
    !rest.starts_with(char::is_whitespace) && word.contains(['\\', '^', '_', '{'])
}

/// Turns the masks back into math events, in text and in raw HTML alike
/// (MathJax typesets formulas inside `<center>` or `<div>` blocks too).
pub fn restore<'e>(events: Vec<Spanned<'e>>, spans: &[MathSpan]) -> Vec<Spanned<'e>> {
    if spans.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len() + spans.len());
    for (event, range) in events {
        let (text, piece): (String, fn(CowStr<'e>) -> Event<'e>) = match &event {
            Event::Text(t) if t.as_bytes().contains(&MASK_START) => (t.to_string(), Event::Text),
            Event::Html(t) if t.as_bytes().contains(&MASK_START) => (t.to_string(), Event::Html),
            Event::InlineHtml(t) if t.as_bytes().contains(&MASK_START) => {
                (t.to_string(), Event::InlineHtml)
            }
            _ => {
                out.push((event, range));
                continue;
            }
        };
        let mut next = spans.partition_point(|s| s.range.start < range.start);
        let mut rest = text.as_str();
        while let Some(at) = rest.find(MASK_START as char) {
            let end = rest[at..]
                .find(MASK_END as char)
                .map_or(rest.len(), |e| at + e + 1);
            let Some(span) = spans.get(next) else {
                break;
            };
            next += 1;
            if at > 0 {
                out.push((piece(CowStr::from(rest[..at].to_string())), range.clone()));
            }
            let tex = CowStr::from(span.tex.clone());
            let math = if span.display {
                Event::DisplayMath(tex)
            } else {
                Event::InlineMath(tex)
            };
            out.push((math, span.range.clone()));
            rest = &rest[end..];
        }
        if !rest.is_empty() {
            out.push((piece(CowStr::from(rest.to_string())), range));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_title_splits_into_text_and_formulas_like_a_body() {
        assert_eq!(
            pieces("costs $5 and $10"),
            [Piece::Text("costs $5 and $10")]
        );
        assert_eq!(
            pieces("为什么 $ x^2 $ 与 $\\sqrt{d_k}$？"),
            [
                Piece::Text("为什么 "),
                Piece::Math(" x^2 ".into()),
                Piece::Text(" 与 "),
                Piece::Math("\\sqrt{d_k}".into()),
                Piece::Text("？"),
            ]
        );
        assert_eq!(pieces(""), []);
    }

    use super::*;

    fn formulas(body: &str) -> Vec<(String, bool)> {
        MathSource::new(body)
            .spans
            .into_iter()
            .map(|s| (s.tex, s.display))
            .collect()
    }

    fn inline(tex: &str) -> (String, bool) {
        (tex.to_string(), false)
    }

    #[test]
    fn dollars_as_notes_write_them() {
        assert_eq!(formulas("a $x$ b $ y $ c"), [inline("x"), inline(" y ")]);
        assert_eq!(formulas("$ \\alpha + 1 $ ok"), [inline(" \\alpha + 1 ")]);
        assert!(formulas("costs $5 and $10 today").is_empty());
        assert!(formulas("from $5-$10").is_empty());
        assert!(
            formulas("价格是$5，另一个是$10").is_empty(),
            "prose between dollars"
        );
        assert_eq!(
            formulas("x $x^{2$ y"),
            [inline("x^{2")],
            "unbalanced, KaTeX will say so"
        );
        assert_eq!(formulas("\\$5 and $x$"), [inline("x")], "escaped dollar");
        assert!(formulas("`$x$` and\n\n```\n$y$\n```\n").is_empty(), "code");
        assert!(
            formulas("[a](http://x/$a$b) ![i]($p$.png)").is_empty(),
            "link targets"
        );
        assert_eq!(formulas("[$x$](a.md)"), [inline("x")], "but link text");
        assert!(formulas("a $x\n\nb$ c").is_empty(), "not across paragraphs");
    }

    #[test]
    fn display_math_with_blank_lines_and_other_delimiters() {
        assert_eq!(
            formulas("$$\na = b\n\nc = d\n$$\n"),
            [("\na = b\n\nc = d\n".to_string(), true)]
        );
        assert_eq!(
            formulas("see \\(x+1\\) and \\[y\\]"),
            [inline("x+1"), ("y".to_string(), true)]
        );
        let env = "\\begin{eqnarray*}\na &=& b\n\\end{eqnarray*}";
        assert_eq!(
            formulas(&format!("text\n\n{env}\n")),
            [(env.to_string(), true)]
        );
        assert!(formulas("inline \\begin{equation} x").is_empty());
        assert!(
            formulas("样例集\\[也叫观测集，注意与$\\mathcal{D}$的区别\\]").len() == 1,
            "escaped brackets around prose are brackets"
        );
        assert_eq!(
            formulas("$$P(\\textrm{``the\"})$$ and `code $x$`"),
            [("P(\\textrm{``the\"})".to_string(), true)],
            "backticks inside a formula, dollars inside code"
        );
    }

    #[test]
    fn unclosed_delimiters_are_reported_only_when_a_formula_was_meant() {
        let found = MathSource::new(
            "a $\\frac{1}{2} b\n\n$$ x\n\nprice $5\n\nforgot \\sum_i x_i \\cdot y $；then $x$",
        );
        let found: Vec<_> = found.problems.iter().map(|u| &u.message[..12]).collect();
        assert_eq!(found, ["`$` opens a ", "`$$` opens a", "`\\sum` outsi"]);
    }

    #[test]
    fn masks_keep_every_offset_and_restore_to_math_events() {
        let body = "# T $a$\n\n$$\nx\n\ny\n$$\n\nend";
        let src = MathSource::new(body);
        assert_eq!(src.text.len(), body.len());
        assert_eq!(src.text.find("end"), body.find("end"));
        let events: Vec<Spanned<'_>> = Parser::new_ext(&src.text, super::super::options())
            .into_offset_iter()
            .collect();
        let events = restore(events, &src.spans);
        let math: Vec<_> = events
            .iter()
            .filter_map(|(e, _)| match e {
                Event::InlineMath(t) => Some(format!("i:{t}")),
                Event::DisplayMath(t) => Some(format!("d:{t}")),
                _ => None,
            })
            .collect();
        assert_eq!(math, ["i:a", "d:\nx\n\ny\n"]);
    }
}
