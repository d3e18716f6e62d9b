//! Building the index: documents in, text files out (meta, term shards, doc chunks).
//!
//! Scores are BM25 impacts computed here, once, so the browser only adds
//! numbers. A document's title counts [`TITLE_WEIGHT`] times; glossary
//! synonyms (感受野 ↔ receptive field) are added to a document at half weight,
//! so an English query finds a Chinese answer and the other way round.

use crate::shard_of;
use crate::tokenize::{tokens, Token};
use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const TITLE_WEIGHT: f32 = 3.0;
pub const ALIAS_WEIGHT: f32 = 0.5;
/// Documents per `docs-N.json`: a result costs its chunk, so small chunks
/// keep the first query's download small; but every file costs the build
/// (writing 3,000 small files took a second of system time on our CI
/// machines), so not too small.
pub const DOCS_PER_CHUNK: usize = 8;
/// Characters of an answer kept for the result's snippet (the page shows
/// about 90 around the first match).
const EXCERPT_CHARS: usize = 200;
/// Document chunks per folder: files are spread over folders because a
/// file system creates files in one folder one at a time, and writing the
/// index is mostly creating files.
const CHUNKS_PER_FOLDER: u32 = 128;

/// The index file of term shard `id`, below the index folder. The page's
/// search script (themes/default/static/search.js) builds the same names,
/// with `chunk` and `folder` from `meta.txt`.
pub fn shard_file(id: u32) -> String {
    format!("shards/{id}.txt")
}

/// The index file of document chunk `chunk`, below the index folder.
pub fn docs_file(chunk: u32) -> String {
    format!("docs/{}/{chunk}.json", chunk / CHUNKS_PER_FOLDER)
}

/// BM25 impacts are stored as integers: impact × this, rounded.
const IMPACT_SCALE: f32 = 10.0;
/// Aim for shards of about this many bytes before compression.
const SHARD_BYTES: usize = 16 * 1024;
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One searchable item: a question and its answer in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub url: String,
    pub title: String,
    pub chapter: String,
    /// `zh` or `en`.
    pub lang: String,
    pub text: String,
}

/// The files of a built index, by name below the index folder.
pub struct IndexFiles {
    pub files: BTreeMap<String, String>,
    pub docs: usize,
    pub terms: usize,
}

/// Builds the index. Documents are renumbered with Chinese first, so a
/// language filter is a range check.
pub fn build<'d>(docs: &'d [Doc], glossary: &'d [(String, String)]) -> IndexFiles {
    let mut ordered: Vec<&'d Doc> = docs.iter().filter(|d| d.lang == "zh").collect();
    let zh_docs = ordered.len();
    ordered.extend(docs.iter().filter(|d| d.lang != "zh"));

    let aliases = Aliases::new(glossary);
    // Term frequencies per document, in parallel; then one merge into postings.
    let per_doc: Vec<HashMap<Cow<'d, str>, f32>> = ordered
        .par_iter()
        .map(|doc| {
            let mut tf: HashMap<Cow<'d, str>, f32> = HashMap::default();
            let mut add = |token: &Token<'d>, weight: f32| {
                let term = match token {
                    Token::Char(t) | Token::Pair(t) | Token::Word(t) => t,
                };
                match tf.get_mut(term.as_ref()) {
                    Some(w) => *w += weight,
                    None => {
                        tf.insert(term.clone(), weight);
                    }
                }
            };
            for t in tokens(&doc.title) {
                add(&t, TITLE_WEIGHT);
            }
            // Body and aliases: bigrams and words only (single characters of a
            // longer run would double the index for little gain; titles keep them).
            for t in tokens(&doc.text).iter().filter(|t| indexed_in_body(t)) {
                add(t, 1.0);
            }
            // A synonym of a title term counts like a title word (at alias
            // weight): "receptive field" must find 感受野怎么计算 first, not
            // every answer that mentions 感受野 in passing.
            for (text, weight) in [(&doc.title, TITLE_WEIGHT), (&doc.text, 1.0)] {
                for alias in aliases.of(text) {
                    for t in tokens(alias).iter().filter(|t| indexed_in_body(t)) {
                        add(t, weight * ALIAS_WEIGHT);
                    }
                }
            }
            tf
        })
        .collect();
    let lengths: Vec<f32> = per_doc.iter().map(|tf| tf.values().sum::<f32>()).collect();
    let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::default();
    for (n, tf) in per_doc.iter().enumerate() {
        for (term, &weight) in tf {
            match postings.get_mut(term.as_ref()) {
                Some(list) => list.push((n as u32, weight)),
                None => {
                    postings.insert(term.to_string(), vec![(n as u32, weight)]);
                }
            }
        }
    }
    let n_docs = ordered.len().max(1) as f32;
    let avg_len = lengths.iter().sum::<f32>() / n_docs;

    let mut lines: Vec<(String, String)> = postings
        .into_par_iter()
        .map(|(term, list)| {
            let df = list.len() as f32;
            let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
            let mut line = String::with_capacity(term.len() + list.len() * 8);
            line.push_str(&term);
            line.push('\t');
            // `gap:impact`: documents as the gap from the previous one (the
            // list is in document order), impacts as integers. Both keep the
            // shards small: a cold query downloads the shards of its terms.
            let mut previous = 0;
            for (i, &(doc, tf)) in list.iter().enumerate() {
                let norm = K1 * (1.0 - B + B * lengths[doc as usize] / avg_len.max(1.0));
                let impact = idf * tf * (K1 + 1.0) / (tf + norm);
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(
                    line,
                    "{sep}{}:{}",
                    doc - previous,
                    (impact * IMPACT_SCALE).round().max(1.0) as u32
                );
                previous = doc;
            }
            line.push('\n');
            (term, line)
        })
        .collect();
    lines.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let total: usize = lines.iter().map(|(_, l)| l.len()).sum();
    let shard_count = total.div_ceil(SHARD_BYTES).clamp(1, 4096) as u32;
    let mut shards = vec![String::new(); shard_count as usize];
    for (term, line) in &lines {
        shards[shard_of(term, shard_count) as usize].push_str(line);
    }

    let mut files = BTreeMap::new();
    files.insert(
        "meta.txt".to_string(),
        format!(
            "version=1\nshards={shard_count}\nchunk={DOCS_PER_CHUNK}\nfolder={CHUNKS_PER_FOLDER}\ndocs={}\nzh={zh_docs}\n",
            ordered.len()
        ),
    );
    for (i, shard) in shards.into_iter().enumerate() {
        files.insert(shard_file(i as u32), shard);
    }
    for (i, chunk) in ordered.chunks(DOCS_PER_CHUNK).enumerate() {
        files.insert(docs_file(i as u32), docs_json(chunk));
    }
    IndexFiles {
        files,
        docs: ordered.len(),
        terms: lines.len(),
    }
}

fn indexed_in_body(token: &Token) -> bool {
    !matches!(token, Token::Char(_))
}

/// The documents of one chunk as a JSON array (what the page shows for a hit).
fn docs_json(docs: &[&Doc]) -> String {
    let items: Vec<String> = docs
        .iter()
        .map(|d| {
            let excerpt: String = d.text.chars().take(EXCERPT_CHARS).collect();
            format!(
                "{{\"u\":{},\"t\":{},\"c\":{},\"l\":{},\"x\":{}}}",
                json_string(&d.url),
                json_string(&d.title),
                json_string(&d.chapter),
                json_string(&d.lang),
                json_string(&excerpt)
            )
        })
        .collect();
    format!("[{}]", items.join(",\n"))
}

/// A JSON string literal. `<`, `>` and `&` are escaped too, so the data can
/// never close a script element or inject markup wherever it ends up.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Glossary lookups. The lines that share a Chinese term form one group of
/// synonyms (批归一化, BN, batch normalization, batch norm); a text that
/// mentions one member gets the members it does not mention, so an English
/// query finds a Chinese answer, and `atrous` finds a text that says `dilated`.
struct Aliases<'g> {
    /// Finds every member (lowercased) in one pass over the text.
    finder: Option<AhoCorasick>,
    /// For each pattern of `finder`: the groups it belongs to.
    groups_of: Vec<Vec<usize>>,
    /// Pattern text, lowercased (ASCII patterns must match whole words).
    patterns: Vec<String>,
    /// Each group's members and their pattern numbers.
    groups: Vec<Vec<(&'g str, usize)>>,
}

impl<'g> Aliases<'g> {
    fn new(glossary: &'g [(String, String)]) -> Self {
        let mut group_index: HashMap<&str, usize> = HashMap::default();
        let mut groups: Vec<Vec<&'g str>> = Vec::new();
        for (zh, en) in glossary {
            let (zh, en) = (zh.trim(), en.trim());
            if zh.is_empty() || en.is_empty() {
                continue;
            }
            let g = *group_index.entry(zh).or_insert_with(|| {
                groups.push(vec![zh]);
                groups.len() - 1
            });
            if !groups[g].contains(&en) {
                groups[g].push(en);
            }
        }
        let mut pattern_index: HashMap<String, usize> = HashMap::default();
        let mut patterns = Vec::new();
        let mut groups_of: Vec<Vec<usize>> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            for member in members {
                let lower = member.to_lowercase();
                let p = *pattern_index.entry(lower.clone()).or_insert_with(|| {
                    patterns.push(lower);
                    groups_of.push(Vec::new());
                    patterns.len() - 1
                });
                groups_of[p].push(g);
            }
        }
        let finder = (!patterns.is_empty())
            .then(|| AhoCorasick::new(&patterns).expect("glossary patterns are plain strings"));
        let groups = groups
            .into_iter()
            .map(|members| {
                members
                    .into_iter()
                    .map(|m| (m, pattern_index[&m.to_lowercase()]))
                    .collect()
            })
            .collect();
        Aliases {
            finder,
            groups_of,
            patterns,
            groups,
        }
    }

    /// The synonyms of the glossary terms `text` mentions, minus those it
    /// already mentions.
    fn of(&self, text: &str) -> Vec<&'g str> {
        let Some(finder) = &self.finder else {
            return Vec::new();
        };
        let lower = text.to_lowercase();
        let mut seen = vec![false; self.patterns.len()];
        for m in finder.find_overlapping_iter(&lower) {
            let p = m.pattern().as_usize();
            if !seen[p] && whole_word(&lower, m.start(), m.end()) {
                seen[p] = true;
            }
        }
        let mut groups: Vec<usize> = (0..self.patterns.len())
            .filter(|&p| seen[p])
            .flat_map(|p| self.groups_of[p].iter().copied())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
            .into_iter()
            .flat_map(|g| self.groups[g].iter())
            .filter(|&&(_, p)| !seen[p])
            .map(|&(member, _)| member)
            .collect()
    }
}

/// The match `text[start..end]` is not part of a longer ASCII word (a Chinese
/// term needs no boundary: there are no spaces to find one).
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let term = &text[start..end];
    let first_ascii = term
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let last_ascii = term
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let glued_before = first_ascii && is_word(text[..start].chars().next_back());
    let glued_after = last_ascii && is_word(text[end..].chars().next());
    !glued_before && !glued_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lang: &str, title: &str, text: &str) -> Doc {
        Doc {
            url: format!("{lang}/{title}"),
            title: title.into(),
            chapter: "c".into(),
            lang: lang.into(),
            text: text.into(),
        }
    }

    #[test]
    fn chinese_documents_come_first_and_meta_says_so() {
        let files = build(&[doc("en", "A", "x"), doc("zh", "甲", "乙")], &[]);
        assert_eq!(files.docs, 2);
        assert!(files.files["meta.txt"].contains("docs=2\nzh=1\n"));
        assert!(files.files[&docs_file(0)].starts_with("[{\"u\":\"zh/甲\""));
    }

    #[test]
    fn hostile_text_is_escaped_in_doc_data() {
        let files = build(&[doc("zh", "</script><b>", "\"quotes\" & \u{2028}")], &[]);
        let json = &files.files[&docs_file(0)];
        assert!(!json.contains("</script>") && !json.contains("<b>"));
        assert!(json.contains("\\u003c/script\\u003e"));
        assert!(json.contains("\\\"quotes\\\" \\u0026 \\u2028"));
    }

    #[test]
    fn glossary_aliases_match_whole_words_and_bring_synonyms() {
        let glossary: Vec<(String, String)> = [
            ("批归一化", "BN"),
            ("批归一化", "batch normalization"),
            ("感受野", "receptive field"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let aliases = Aliases::new(&glossary);
        assert_eq!(aliases.of("the Receptive Field grows"), ["感受野"]);
        assert!(aliases.of("bnorm and fieldwork").is_empty());
        assert_eq!(aliases.of("什么是感受野"), ["receptive field"]);
        // English synonyms reach an English text too, and what the text
        // already says is not added again.
        assert_eq!(
            aliases.of("BN backward"),
            ["批归一化", "batch normalization"]
        );
        assert_eq!(aliases.of("批归一化 (BN)"), ["batch normalization"]);
    }
}
