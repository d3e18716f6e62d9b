//! Building the index: documents in, text files out (meta, term shards, doc chunks).
//!
//! Scores are BM25 impacts computed here, once, so the browser only adds
//! numbers. A document's title counts [`TITLE_WEIGHT`] times; glossary
//! synonyms (感受野 ↔ receptive field) are added to a document at half weight,
//! so an English query finds a Chinese answer and the other way round.

use crate::term_hash;
use crate::tokenize::{each_token, Token};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use compact_str::CompactString;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const TITLE_WEIGHT: f32 = 3.0;
pub const ALIAS_WEIGHT: f32 = 0.5;
/// Documents per chunk file: a result costs its chunk, so small chunks keep
/// the first query's download small; but every file costs the build (on
/// our CI machines creating a file takes 0.05 to 0.5 ms of kernel time), so
/// not too small. With 12, the ten results of a query cost 12 to 18 KB of
/// the first download on the benchmark corpus.
pub const DOCS_PER_CHUNK: usize = 12;
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
/// Aim for shards of about this many postings (about 8 KB before
/// compression): a query downloads one shard per term, and a shard that
/// holds a common term is several times that. On the 1,000-page benchmark
/// corpus, shards of 3,200 postings made a four-term query download 44 KB of
/// shards; these make it 26 KB.
const SHARD_POSTINGS: usize = 1600;
/// The postings are merged in this many groups of shards, in parallel; the
/// shard count is a multiple of it.
const SHARD_GROUPS: u32 = 16;
/// Documents one task tokenizes.
const DOCS_PER_RUN: usize = 256;
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One searchable item: a question and its answer in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc<'a> {
    pub url: String,
    pub title: &'a str,
    pub chapter: &'a str,
    /// `zh` or `en`.
    pub lang: &'a str,
    pub text: &'a str,
}

/// The files of a built index, by name below the index folder.
pub struct IndexFiles {
    pub files: BTreeMap<String, String>,
    pub docs: usize,
}

/// Builds the index. Documents are renumbered with Chinese first, so a
/// language filter is a range check.
pub fn build(docs: &[Doc], glossary: &[(String, String)]) -> IndexFiles {
    let mut ordered: Vec<&Doc> = docs.iter().filter(|d| d.lang == "zh").collect();
    let zh_docs = ordered.len();
    ordered.extend(docs.iter().filter(|d| d.lang != "zh"));

    // Runs of documents in parallel: each document's weighted terms, put
    // into the bucket of their shard group. With a shard count that is a
    // multiple of the group count, a term's group is its hash modulo the
    // group count, known before the shard count is.
    let aliases = Aliases::new(glossary);
    let runs: Vec<Run> = ordered
        .par_chunks(DOCS_PER_RUN)
        .enumerate()
        .map(|(run, docs)| Run::new((run * DOCS_PER_RUN) as u32, docs, &aliases))
        .collect();
    let postings: usize = runs.iter().flat_map(|r| &r.buckets).map(Vec::len).sum();
    let shard_count = postings
        .div_ceil(SHARD_POSTINGS)
        .next_multiple_of(SHARD_GROUPS as usize)
        .clamp(SHARD_GROUPS as usize, 4096) as u32;
    let lengths: Vec<f32> = runs.iter().flat_map(|r| &r.lengths).copied().collect();
    let scoring = Bm25::new(&lengths);

    // The groups of shards, in parallel, each from its buckets in document order.
    let mut by_group: Vec<std::vec::IntoIter<String>> = (0..SHARD_GROUPS)
        .into_par_iter()
        .map(|group| {
            let buckets = runs
                .iter()
                .map(|run| run.buckets[group as usize].as_slice());
            shard_texts(buckets, shard_count, &scoring).into_iter()
        })
        .collect();
    // Shard `s` is the `s / SHARD_GROUPS`-th text of group `s % SHARD_GROUPS`.
    let shards: Vec<String> = (0..shard_count)
        .map(|s| {
            by_group[(s % SHARD_GROUPS) as usize]
                .next()
                .unwrap_or_default()
        })
        .collect();

    let chunks: Vec<String> = ordered.par_chunks(DOCS_PER_CHUNK).map(docs_json).collect();
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
    for (i, chunk) in chunks.into_iter().enumerate() {
        files.insert(docs_file(i as u32), chunk);
    }
    IndexFiles {
        files,
        docs: ordered.len(),
    }
}

/// The postings of a run of consecutive documents, by shard group, and the
/// documents' lengths for BM25.
struct Run {
    buckets: Vec<Vec<Posting>>,
    lengths: Vec<f32>,
}

/// A term in a document. Terms are kept inline (nearly all are a few
/// bytes): the merge then reads postings in order instead of chasing a
/// pointer into some document's text for each of a million of them.
struct Posting {
    doc: u32,
    weight: f32,
    term: HashedTerm,
}

/// A term with its [`term_hash`], which picks its shard; maps hash it by
/// that number alone instead of hashing the text again.
#[derive(Clone, PartialEq, Eq)]
struct HashedTerm {
    hash: u32,
    text: CompactString,
}

impl std::hash::Hash for HashedTerm {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u32(self.hash);
    }
}

impl Run {
    /// Tokenizes `docs`, numbered from `first`.
    fn new(first: u32, docs: &[&Doc], aliases: &Aliases) -> Self {
        let mut run = Run {
            buckets: (0..SHARD_GROUPS).map(|_| Vec::new()).collect(),
            lengths: Vec::with_capacity(docs.len()),
        };
        let mut tf = HashMap::default();
        for (id, doc) in (first..).zip(docs) {
            term_weights(doc, aliases, &mut tf);
            run.lengths.push(tf.values().sum());
            for (text, weight) in tf.drain() {
                let hash = term_hash(&text);
                run.buckets[(hash % SHARD_GROUPS) as usize].push(Posting {
                    doc: id,
                    weight,
                    term: HashedTerm { hash, text },
                });
            }
        }
        run
    }
}

/// Adds one document's terms to `tf` with their weights (title words count
/// [`TITLE_WEIGHT`] times).
fn term_weights(doc: &Doc, aliases: &Aliases, tf: &mut HashMap<CompactString, f32>) {
    let mut add = |term: &str, weight: f32| match tf.get_mut(term) {
        Some(w) => *w += weight,
        None => {
            tf.insert(CompactString::new(term), weight);
        }
    };
    each_token(doc.title, |t| add(t.term(), TITLE_WEIGHT));
    // Body and aliases: bigrams and words only (single characters of a
    // longer run would double the index for little gain; titles keep them).
    each_token(doc.text, |t| {
        if !matches!(t, Token::Char(_)) {
            add(t.term(), 1.0);
        }
    });
    // A synonym of a title term counts like a title word (at alias weight):
    // "receptive field" must find 感受野怎么计算 first, not every answer that
    // mentions 感受野 in passing.
    for (text, weight) in [(doc.title, TITLE_WEIGHT), (doc.text, 1.0)] {
        for member in aliases.of(text) {
            for term in &member.terms {
                add(term, weight * ALIAS_WEIGHT);
            }
        }
    }
}

/// BM25 with the corpus's document lengths.
struct Bm25<'l> {
    lengths: &'l [f32],
    avg_len: f32,
    docs: f32,
}

impl<'l> Bm25<'l> {
    fn new(lengths: &'l [f32]) -> Self {
        let docs = lengths.len().max(1) as f32;
        Bm25 {
            lengths,
            avg_len: (lengths.iter().sum::<f32>() / docs).max(1.0),
            docs,
        }
    }

    /// The inverse document frequency of a term found in `df` documents.
    fn idf(&self, df: usize) -> f32 {
        let df = df as f32;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5)).ln()
    }

    /// The impact of a term with weight `tf` in document `doc`.
    fn impact(&self, doc: u32, tf: f32, idf: f32) -> f32 {
        let norm = K1 * (1.0 - B + B * self.lengths[doc as usize] / self.avg_len);
        idf * tf * (K1 + 1.0) / (tf + norm)
    }
}

/// The texts of the shards of one group (shards `g`, `g + SHARD_GROUPS`, …)
/// from the group's postings in document order: one line per term,
/// `term<TAB>gap:impact,…`, lines sorted by term.
fn shard_texts<'p>(
    buckets: impl Iterator<Item = &'p [Posting]>,
    shard_count: u32,
    scoring: &Bm25,
) -> Vec<String> {
    let mut lists: HashMap<&HashedTerm, Vec<(u32, f32)>> = HashMap::default();
    for posting in buckets.flatten() {
        lists
            .entry(&posting.term)
            .or_default()
            .push((posting.doc, posting.weight));
    }
    let shard = |term: &HashedTerm| term.hash % shard_count;
    let mut lists: Vec<_> = lists.into_iter().collect();
    lists.sort_unstable_by(|(a, _), (b, _)| (shard(a), &a.text).cmp(&(shard(b), &b.text)));
    let mut texts = vec![String::new(); (shard_count / SHARD_GROUPS) as usize];
    for (term, list) in lists {
        let text = &mut texts[(shard(term) / SHARD_GROUPS) as usize];
        push_postings(text, &term.text, &list, scoring);
    }
    texts
}

/// Appends `term<TAB>gap:impact,…\n` to `line`: documents as the gap from
/// the previous one (the list is in document order), impacts as integers.
/// Both keep the shards small: a cold query downloads the shards of its terms.
fn push_postings(line: &mut String, term: &str, list: &[(u32, f32)], scoring: &Bm25) {
    line.push_str(term);
    line.push('\t');
    let mut numbers = itoa::Buffer::new();
    let idf = scoring.idf(list.len());
    let mut previous = 0;
    for (i, &(doc, tf)) in list.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let impact = scoring.impact(doc, tf, idf);
        line.push_str(numbers.format(doc - previous));
        line.push(':');
        line.push_str(numbers.format((impact * IMPACT_SCALE).round().max(1.0) as u32));
        previous = doc;
    }
    line.push('\n');
}

/// The documents of one chunk as a JSON array (what the page shows for a hit).
fn docs_json(docs: &[&Doc]) -> String {
    let mut out = String::with_capacity(docs.len() * 1024);
    out.push('[');
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let excerpt = d
            .text
            .char_indices()
            .nth(EXCERPT_CHARS)
            .map_or(d.text, |(end, _)| &d.text[..end]);
        let fields = [
            ("u", d.url.as_str()),
            ("t", d.title),
            ("c", d.chapter),
            ("l", d.lang),
            ("x", excerpt),
        ];
        for (j, (key, value)) in fields.into_iter().enumerate() {
            out.push_str(if j == 0 { "{\"" } else { ",\"" });
            out.push_str(key);
            out.push_str("\":");
            push_json_string(&mut out, value);
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// Appends `text` as a JSON string literal. `<`, `>` and `&` are escaped
/// too, so the data can never close a script element or inject markup
/// wherever it ends up.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    // Copy the runs between characters that need escaping in one go.
    let mut run = 0;
    for (i, ch) in text.char_indices() {
        let escaped: Cow<str> = match ch {
            '"' => "\\\"".into(),
            '\\' => "\\\\".into(),
            '\n' => "\\n".into(),
            '<' => "\\u003c".into(),
            '>' => "\\u003e".into(),
            '&' => "\\u0026".into(),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                format!("\\u{:04x}", c as u32).into()
            }
            _ => continue,
        };
        out.push_str(&text[run..i]);
        out.push_str(&escaped);
        run = i + ch.len_utf8();
    }
    out.push_str(&text[run..]);
    out.push('"');
}

/// Glossary lookups. The lines that share a Chinese term form one group of
/// synonyms (批归一化, BN, batch normalization, batch norm); a text that
/// mentions one member gets the members it does not mention, so an English
/// query finds a Chinese answer, and `atrous` finds a text that says `dilated`.
struct Aliases {
    /// Finds every member in one pass over the text (ASCII case ignored).
    finder: Option<AhoCorasick>,
    /// For each pattern of `finder`: the groups it belongs to.
    groups_of: Vec<Vec<usize>>,
    /// Pattern text, lowercased (ASCII patterns must match whole words).
    patterns: Vec<String>,
    /// Each group's members.
    groups: Vec<Vec<Member>>,
}

/// A glossary term as an alias: its pattern in the finder and the terms it
/// adds to a document (tokenized once, here).
struct Member {
    pattern: usize,
    terms: Vec<String>,
}

impl Aliases {
    fn new(glossary: &[(String, String)]) -> Self {
        let mut group_index: HashMap<&str, usize> = HashMap::default();
        let mut groups: Vec<Vec<&str>> = Vec::new();
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
        let finder = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&patterns)
                .expect("glossary patterns are plain strings")
        });
        let groups = groups
            .into_iter()
            .map(|members| {
                members
                    .into_iter()
                    .map(|text| Member {
                        pattern: pattern_index[&text.to_lowercase()],
                        terms: body_terms(text),
                    })
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
    fn of(&self, text: &str) -> Vec<&Member> {
        let Some(finder) = &self.finder else {
            return Vec::new();
        };
        let mut seen = vec![false; self.patterns.len()];
        for m in finder.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            if !seen[p] && whole_word(text, m.start(), m.end()) {
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
            .filter(|member| !seen[member.pattern])
            .collect()
    }
}

/// The terms a text adds to a document's body: bigrams and words only
/// (single characters of a longer run would double the index for little
/// gain; titles keep them).
fn body_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    each_token(text, |t| {
        if !matches!(t, Token::Char(_)) {
            terms.push(t.term().to_string());
        }
    });
    terms
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

    fn doc<'a>(lang: &'a str, title: &'a str, text: &'a str) -> Doc<'a> {
        Doc {
            url: format!("{lang}/{title}"),
            title,
            chapter: "c",
            lang,
            text,
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
        let files = build(
            &[doc("zh", "</script><b>", "\"quotes\" & \u{2028}\\\n\u{1}.")],
            &[],
        );
        let json = &files.files[&docs_file(0)];
        assert!(!json.contains("</script>") && !json.contains("<b>"));
        assert!(json.contains("\\u003c/script\\u003e"));
        assert!(json.contains("\\\"quotes\\\" \\u0026 \\u2028\\\\\\n\\u0001.\""));
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
        let of = |text| -> Vec<&str> {
            aliases
                .of(text)
                .iter()
                .map(|m| aliases.patterns[m.pattern].as_str())
                .collect()
        };
        assert_eq!(of("the Receptive Field grows"), ["感受野"]);
        assert!(of("bnorm and fieldwork").is_empty());
        assert_eq!(of("什么是感受野"), ["receptive field"]);
        // English synonyms reach an English text too, and what the text
        // already says is not added again.
        assert_eq!(of("BN backward"), ["批归一化", "batch normalization"]);
        assert_eq!(of("批归一化 (BN)"), ["batch normalization"]);
        assert_eq!(
            aliases.groups[0][2].terms,
            ["batch", "normal"],
            "aliases are tokenized once, as body text"
        );
    }
}
