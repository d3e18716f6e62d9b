//! Answering queries over a (partly) loaded index: the code the browser runs,
//! and the code the ranking tests run natively.

use crate::shard_of;
use crate::tokenize::{each_token, fold, is_cjk, query_terms, Token};
use std::collections::HashMap;

/// Which languages to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Both,
    Zh,
    En,
}

impl Filter {
    pub fn from_code(code: &str) -> Filter {
        match code {
            "zh" => Filter::Zh,
            "en" => Filter::En,
            _ => Filter::Both,
        }
    }
}

#[derive(Debug, Default)]
pub struct Engine {
    pub shards: u32,
    pub chunk: u32,
    pub docs: u32,
    pub zh_docs: u32,
    /// term → [(doc, impact × 100)], for the shards loaded so far.
    postings: HashMap<String, Vec<(u32, u32)>>,
    loaded: Vec<bool>,
}

impl Engine {
    /// Reads `meta.txt` (`key=value` lines).
    pub fn from_meta(meta: &str) -> Result<Engine, String> {
        let mut engine = Engine::default();
        for line in meta.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value: u32 = value
                .trim()
                .parse()
                .map_err(|_| format!("bad value in search meta: {line}"))?;
            match key.trim() {
                "shards" => engine.shards = value,
                "chunk" => engine.chunk = value,
                "docs" => engine.docs = value,
                "zh" => engine.zh_docs = value,
                _ => {}
            }
        }
        if engine.shards == 0 || engine.chunk == 0 {
            return Err("search meta lacks shards or chunk".to_string());
        }
        engine.loaded = vec![false; engine.shards as usize];
        Ok(engine)
    }

    /// Shards a query needs that are not loaded yet.
    pub fn missing_shards(&self, query: &str) -> Vec<u32> {
        let mut ids: Vec<u32> = query_terms(query)
            .iter()
            .map(|t| shard_of(t, self.shards))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|&i| !self.loaded.get(i as usize).copied().unwrap_or(true));
        ids
    }

    pub fn add_shard(&mut self, id: u32, text: &str) {
        if let Some(flag) = self.loaded.get_mut(id as usize) {
            *flag = true;
        }
        for line in text.lines() {
            let Some((term, list)) = line.split_once('\t') else {
                continue;
            };
            // `gap:impact` pairs; the document is the running sum of the gaps.
            let mut doc = 0u32;
            let entries = list
                .split(',')
                .filter_map(|e| e.split_once(':'))
                .filter_map(|(gap, w)| {
                    doc = doc.checked_add(gap.parse().ok()?)?;
                    Some((doc, w.parse().ok()?))
                })
                .collect();
            self.postings.insert(term.to_string(), entries);
        }
    }

    /// Documents that contain every required term, best first.
    pub fn search(&self, query: &str, filter: Filter, limit: usize) -> Vec<(u32, u32)> {
        let terms = query_terms(query);
        self.rank(&terms, filter, limit)
    }

    fn rank(&self, terms: &[String], filter: Filter, limit: usize) -> Vec<(u32, u32)> {
        if terms.is_empty() {
            return Vec::new();
        }
        let in_filter = |doc: u32| match filter {
            Filter::Both => true,
            Filter::Zh => doc < self.zh_docs,
            Filter::En => doc >= self.zh_docs,
        };
        let mut scores: HashMap<u32, (usize, u32)> = HashMap::new();
        for term in terms {
            for &(doc, w) in self.postings.get(term).map_or(&[][..], Vec::as_slice) {
                let entry = scores.entry(doc).or_default();
                entry.0 += 1;
                entry.1 += w;
            }
        }
        let needed = terms.len();
        scores.retain(|&doc, (hits, _)| *hits == needed && in_filter(doc));
        let mut ranked: Vec<(u32, u32)> = scores
            .into_iter()
            .map(|(doc, (_, score))| (doc, score))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        ranked
    }
}

/// An HTML snippet of `text` around the first match of `query`, with the
/// matched words in `<mark>`; everything else escaped.
pub fn snippet(text: &str, query: &str, width: usize) -> String {
    let spans = match_spans(text, query);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let first = spans.first().map_or(0, |&(start, _)| {
        chars.iter().position(|&(i, _)| i >= start).unwrap_or(0)
    });
    let from = first.saturating_sub(width / 4);
    let to = (from + width).min(chars.len());
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let (start, end) = (byte(from), byte(to));
    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    let mut pos = start;
    for &(s, e) in spans.iter().filter(|&&(s, e)| s >= start && e <= end) {
        if s < pos {
            continue;
        }
        html.push_str(&escape(&text[pos..s]));
        html.push_str("<mark>");
        html.push_str(&escape(&text[s..e]));
        html.push_str("</mark>");
        pos = e;
    }
    html.push_str(&escape(&text[pos..end]));
    if to < chars.len() {
        html.push('…');
    }
    html
}

/// Byte spans of `text` that match a query term, in order.
pub fn match_spans(text: &str, query: &str) -> Vec<(usize, usize)> {
    let wanted = query_terms(query);
    let mut spans = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut prev_cjk: Option<(usize, char)> = None;
    let mut indices = text.char_indices().peekable();
    while let Some((i, raw)) = indices.next() {
        let ch = fold(raw);
        let next = indices.peek().map_or(text.len(), |&(j, _)| j);
        if is_cjk(ch) {
            if let Some((pi, pc)) = prev_cjk {
                let pair: String = [pc, ch].iter().collect();
                if wanted.contains(&pair) {
                    spans.push((pi, next));
                }
            }
            if wanted
                .iter()
                .any(|t| t.chars().count() == 1 && t.starts_with(ch))
            {
                spans.push((i, next));
            }
            prev_cjk = Some((i, ch));
        } else {
            prev_cjk = None;
        }
        let in_word = ch.is_alphanumeric() && !is_cjk(ch);
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                push_word(text, s, i, &wanted, &mut spans);
                word_start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = word_start {
        push_word(text, s, text.len(), &wanted, &mut spans);
    }
    spans.sort_unstable();
    // merge overlapping spans (adjacent bigrams of one matched phrase)
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

fn push_word(
    text: &str,
    start: usize,
    end: usize,
    wanted: &[String],
    spans: &mut Vec<(usize, usize)>,
) {
    // `text[start..end]` is one word: its stem is its only token.
    let mut matched = false;
    each_token(&text[start..end], |token| {
        matched |= matches!(token, Token::Word(stem) if wanted.iter().any(|t| t == stem));
    });
    if matched {
        spans.push((start, end));
    }
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
    use crate::index::{build, shard_file, Doc};

    fn engine(docs: &[Doc], glossary: &[(String, String)]) -> Engine {
        let files = build(docs, glossary);
        let mut engine = Engine::from_meta(&files.files["meta.txt"]).unwrap();
        for id in 0..engine.shards {
            engine.add_shard(id, &files.files[&shard_file(id)]);
        }
        engine
    }

    fn doc<'a>(lang: &'a str, title: &'a str, text: &'a str) -> Doc<'a> {
        Doc {
            url: title.into(),
            title,
            chapter: "c",
            lang,
            text,
        }
    }

    #[test]
    fn every_required_term_must_match() {
        let e = engine(
            &[
                doc("zh", "空洞卷积是什么", "扩大感受野"),
                doc("zh", "普通卷积", "卷积核"),
            ],
            &[],
        );
        assert_eq!(
            e.search("空洞卷积", Filter::Both, 10)
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            [0]
        );
        assert!(
            e.search("空洞网络", Filter::Both, 10).is_empty(),
            "no padding with partial matches"
        );
        assert!(e.search("", Filter::Both, 10).is_empty());
    }

    #[test]
    fn title_matches_rank_first_and_filters_apply() {
        let e = engine(
            &[
                doc("zh", "其他问题", "这里顺便提到梯度消失"),
                doc("zh", "梯度消失的原因", "连乘"),
                doc("en", "Vanishing gradients", "梯度消失"),
            ],
            &[],
        );
        let r = e.search("梯度消失", Filter::Both, 10);
        assert_eq!(r[0].0, 1, "{r:?}");
        assert_eq!(
            e.search("梯度消失", Filter::En, 10)
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            [2]
        );
    }

    #[test]
    fn glossary_finds_the_other_language() {
        let g = vec![("感受野".to_string(), "receptive field".to_string())];
        let e = engine(&[doc("zh", "感受野怎么算", "逐层累加")], &g);
        assert_eq!(e.search("Receptive Fields", Filter::Both, 10).len(), 1);
    }

    #[test]
    fn shards_are_loaded_on_demand() {
        let files = build(&[doc("zh", "甲", "乙")], &[]);
        let e = Engine::from_meta(&files.files["meta.txt"]).unwrap();
        assert!(!e.missing_shards("甲").is_empty());
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let html = snippet(
            "<b>BN</b> 的反向传播 and batch norms",
            "bn 反向传播 norm",
            80,
        );
        assert_eq!(html, "&lt;b&gt;<mark>BN</mark>&lt;/b&gt; 的<mark>反向传播</mark> and batch <mark>norms</mark>");
    }
}
