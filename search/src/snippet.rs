//! What a result shows: its title with the matched words marked, and a
//! snippet of its text around the passage that matches the most of the
//! query. Formulas stay as their TeX source (`$\sqrt{d_k}$`), never a hole.
//! Everything is HTML-escaped except the `<mark>`s added here.

use crate::tokenize::{each_token, fold, is_cjk, is_word_char, Token};

/// The whole text with the words that give one of `terms` in `<mark>`.
pub fn highlight(text: &str, terms: &[String]) -> String {
    render(text, 0, text.len(), &match_spans(text, terms))
}

/// About `width` characters of `text` around the window that holds the
/// most distinct matched terms, with `…` where text was left out.
pub fn snippet(text: &str, terms: &[String], width: usize) -> String {
    let spans = match_spans(text, terms);
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let chars = starts.len();
    let byte = |i: usize| starts.get(i).copied().unwrap_or(text.len());
    let char_of = |b: usize| starts.partition_point(|&s| s < b);
    // The window starting a little before a match that covers the most distinct terms.
    let lead = width / 6;
    let mut best = (0, 0usize);
    for &(s, _, _) in &spans {
        let from = char_of(s).saturating_sub(lead);
        let (lo, hi) = (byte(from), byte(from + width));
        let mut seen: Vec<&str> = Vec::new();
        for &(_, _, t) in spans.iter().filter(|&&(a, b, _)| a >= lo && b <= hi) {
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        if seen.len() > best.1 {
            best = (from, seen.len());
        }
    }
    let from = best.0.min(chars.saturating_sub(width));
    let to = (from + width).min(chars);
    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    html.push_str(&render(text, byte(from), byte(to), &spans));
    if to < chars {
        html.push('…');
    }
    html
}

/// `text[start..end]`, escaped, with the spans inside it marked (spans
/// that overlap, like the pairs of one phrase, as one mark).
fn render(text: &str, start: usize, end: usize, spans: &[(usize, usize, &str)]) -> String {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for &(s, e, _) in spans.iter().filter(|&&(s, e, _)| s >= start && e <= end) {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut html = String::new();
    let mut pos = start;
    for (s, e) in merged {
        html.push_str(&escape(&text[pos..s]));
        html.push_str("<mark>");
        html.push_str(&escape(&text[s..e]));
        html.push_str("</mark>");
        pos = e;
    }
    html.push_str(&escape(&text[pos..end]));
    html
}

/// Byte spans of `text` that give one of `terms`, in order, each with the term it gives.
fn match_spans<'t>(text: &str, terms: &'t [String]) -> Vec<(usize, usize, &'t str)> {
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut prev_cjk: Option<(usize, char)> = None;
    let mut pair = String::new();
    let mut indices = text.char_indices().peekable();
    while let Some((i, raw)) = indices.next() {
        let ch = fold(raw);
        let next = indices.peek().map_or(text.len(), |&(j, _)| j);
        if is_cjk(ch) {
            if let Some((pi, pc)) = prev_cjk {
                pair.clear();
                pair.push(pc);
                pair.push(ch);
                if let Some(t) = find(terms, &pair) {
                    spans.push((pi, next, t));
                }
            }
            let mut buf = [0u8; 4];
            let single: &str = ch.encode_utf8(&mut buf);
            if let Some(t) = find(terms, single) {
                spans.push((i, next, t));
            }
            prev_cjk = Some((i, ch));
        } else {
            prev_cjk = None;
        }
        match (is_word_char(ch), word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                push_word(text, s, i, terms, &mut spans);
                word_start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = word_start {
        push_word(text, s, text.len(), terms, &mut spans);
    }
    // In order of their starts already: a pair is found at its second
    // character, after the spans that start before it; a word, which holds
    // no Chinese character, at its end.
    debug_assert!(spans.windows(2).all(|w| w[0].0 <= w[1].0));
    spans
}

/// Marks `text[start..end]`, one word, when one of its tokens is wanted.
fn push_word<'t>(
    text: &str,
    start: usize,
    end: usize,
    terms: &'t [String],
    spans: &mut Vec<(usize, usize, &'t str)>,
) {
    let mut found: Option<&str> = None;
    each_token(&text[start..end], |token| {
        if let Token::Word(stem, _) = token {
            found = found.or_else(|| find(terms, stem));
        }
    });
    if let Some(t) = found {
        spans.push((start, end, t));
    }
}

fn find<'t>(terms: &'t [String], term: &str) -> Option<&'t str> {
    terms.iter().find(|t| *t == term).map(String::as_str)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn matches_are_marked_and_the_rest_escaped() {
        let html = highlight(
            "<b>BN</b> 的反向传播 and batch norms",
            &terms(&["bn", "反向", "向传", "传播", "norm"]),
        );
        assert_eq!(html, "&lt;b&gt;<mark>BN</mark>&lt;/b&gt; 的<mark>反向传播</mark> and batch <mark>norms</mark>");
    }

    #[test]
    fn the_snippet_is_the_passage_with_the_most_terms() {
        let text = format!(
            "梯度{}，这里讲梯度裁剪的两种做法：按值和按范数。",
            "，别的内容".repeat(30)
        );
        let html = snippet(&text, &terms(&["梯度", "裁剪"]), 20);
        assert!(html.starts_with('…'), "{html}");
        assert!(html.contains("<mark>梯度裁剪</mark>"), "{html}");
    }

    #[test]
    fn short_texts_are_shown_whole_and_formulas_stay() {
        let html = snippet("除以 $\\sqrt{d_k}$ 防止饱和", &terms(&["sqrt"]), 90);
        assert_eq!(html, "除以 $\\<mark>sqrt</mark>{d_k}$ 防止饱和");
    }
}
