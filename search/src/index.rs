//! Building the index: documents in, text files out (meta, term shards, the
//! vocabulary, document chunks).
//!
//! A document is a question with its answer, or a section of a page. Scores
//! are BM25F impacts computed here, once, so the browser only adds numbers:
//! each field's words count with the field's weight ([`TITLE_WEIGHT`],
//! [`PATH_WEIGHT`], [`BODY_WEIGHT`]; formulas and code at [`SOURCE_WEIGHT`],
//! once however often a name repeats in them), only the body is normalised
//! by its length (a title is short anyway, and a heading with no text of its
//! own is still found by its title), and glossary synonyms (感受野 ↔
//! receptive field) count at [`ALIAS_WEIGHT`] of the field they stand in, so
//! an English query finds a Chinese answer and the other way round.
//!
//! Terms: words (stemmed), pairs of Chinese characters, and the single
//! characters of titles and headings, for the queries that leave a lone
//! character between question words (`门 重置`) and the pairs that occur
//! nowhere (a typo); a single character's list keeps only its
//! [`MAX_CHAR_POSTINGS`] best documents. (Every character of every text
//! would add half again as many postings, for matches that say little.) Words and pairs
//! that only shape questions (怎么, 的区, how) are left out; what a title's
//! question words ask is a term of its own (`~why`), to break ties.

use crate::glossary::Aliases;
use crate::term_hash;
use crate::tokenize::{
    each_token, is_particle, is_stop_pair, split_formulas, tex_text, title_intent_terms, Token,
};
use compact_str::CompactString;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const TITLE_WEIGHT: f32 = 3.0;
/// The page title and the headings above a document: it is about them, a little.
pub const PATH_WEIGHT: f32 = 1.5;
pub const BODY_WEIGHT: f32 = 1.0;
/// Formulas and code are searchable (`torch.no_grad`, `\sqrt{d_k}`), but a
/// name in them says less about what a section is about than prose does.
pub const SOURCE_WEIGHT: f32 = 0.3;
pub const ALIAS_WEIGHT: f32 = 0.5;
/// A single character is only a fallback (a query of one character, a pair
/// that occurs nowhere), and common characters occur everywhere: its list
/// keeps its best documents only, so it stays small to download.
pub const MAX_CHAR_POSTINGS: usize = 256;
/// Documents per chunk file: a result costs its chunk, so small chunks keep
/// the first query's download small; but every file costs the build (on
/// our CI machines creating a file takes 0.05 to 0.5 ms of kernel time), so
/// not too small. A page's documents are consecutive, so the results of one
/// page mostly share a chunk.
pub const DOCS_PER_CHUNK: usize = 12;
/// Characters of a document's text kept for its result's snippet.
const EXCERPT_CHARS: usize = 150;
/// Document chunks per folder: files are spread over folders because a
/// file system creates files in one folder one at a time, and writing the
/// index is mostly creating files.
const CHUNKS_PER_FOLDER: u32 = 128;
/// BM25 impacts are stored as integers: impact × this, rounded.
pub const IMPACT_SCALE: f32 = 10.0;
/// Aim for shards of about this many postings (about 8 KB before
/// compression): a query downloads one shard per term, and a shard that
/// holds a common term is several times that.
const SHARD_POSTINGS: usize = 1600;
/// The postings are merged in this many groups of shards, in parallel; the
/// shard count is a multiple of it.
const SHARD_GROUPS: u32 = 16;
/// Documents one task tokenizes.
const DOCS_PER_RUN: usize = 256;
const K1: f32 = 1.2;
/// How much a body's length counts against it, and a title's: a longer
/// title that mentions a word is about it a little less than a title that
/// is only that word.
const B: f32 = 0.75;
const TITLE_B: f32 = 0.5;
/// A word of the title adds this much (×idf) beyond the saturated sum of
/// the fields: however often a section repeats a word, the section titled
/// by it is the one about it.
const TITLE_BONUS: f32 = 0.5;
/// Sections that repeat or point elsewhere (a summary, references,
/// exercises) are a worse answer than the section that explains: their
/// scores count this much.
const MINOR_SECTION: f32 = 0.5;
const MINOR_TITLES: &[&str] = &[
    "小结",
    "总结",
    "本章小结",
    "本节小结",
    "练习",
    "习题",
    "参考文献",
    "参考资料",
    "参考",
    "引用",
    "summary",
    "exercises",
    "exercise",
    "references",
    "bibliography",
    "further reading",
];

pub use crate::files::{shard_file, vocab_file};

/// The index file of document chunk `chunk`, below the index folder.
pub fn docs_file(chunk: u32) -> String {
    crate::files::docs_file(chunk, CHUNKS_PER_FOLDER)
}

/// One searchable item: a question and its answer, or a section of a page,
/// in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc<'a> {
    pub url: String,
    /// The page it is part of; the documents of a page are given in a row.
    pub page: &'a str,
    pub title: &'a str,
    /// The page title and the headings above the document, outermost first.
    pub path: Vec<&'a str>,
    /// `zh` or `en`.
    pub lang: &'a str,
    /// Prose, with inline formulas as `$TeX$`.
    pub text: &'a str,
    /// Code blocks and display formulas.
    pub code: &'a str,
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
    let shard_count = shard_count(&runs);
    let lengths: Vec<Lengths> = runs.iter().flat_map(|r| &r.lengths).copied().collect();
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
            "version=2\nshards={shard_count}\nchunk={DOCS_PER_CHUNK}\nfolder={CHUNKS_PER_FOLDER}\ndocs={}\nzh={zh_docs}\npages={}\n",
            ordered.len(),
            page_runs(&ordered)
        ),
    );
    for (i, shard) in shards.into_iter().enumerate() {
        files.insert(shard_file(i as u32), shard);
    }
    for (key, words) in vocabulary(&runs) {
        files.insert(vocab_file(key), words);
    }
    for (i, chunk) in chunks.into_iter().enumerate() {
        files.insert(docs_file(i as u32), chunk);
    }
    IndexFiles {
        files,
        docs: ordered.len(),
    }
}

/// How many documents each page has, in document order (`3,1,5`): the
/// engine uses it to give other pages a turn after a page's best results.
fn page_runs(docs: &[&Doc]) -> String {
    let mut counts: Vec<usize> = Vec::new();
    let mut previous: Option<(&str, &str)> = None;
    for d in docs {
        let page = (d.page, d.lang);
        match counts.last_mut() {
            Some(n) if previous == Some(page) => *n += 1,
            _ => counts.push(1),
        }
        previous = Some(page);
    }
    counts
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Enough shards for about [`SHARD_POSTINGS`] postings each, counting a
/// single character's list as cut to [`MAX_CHAR_POSTINGS`].
fn shard_count(runs: &[Run]) -> u32 {
    let mut char_df: HashMap<&str, usize> = HashMap::default();
    let mut postings = 0;
    for run in runs {
        for posting in run.buckets.iter().flatten() {
            if is_char_term(&posting.term.text) {
                *char_df.entry(posting.term.text.as_str()).or_default() += 1;
            } else {
                postings += 1;
            }
        }
    }
    postings += char_df
        .values()
        .map(|&df| df.min(MAX_CHAR_POSTINGS))
        .sum::<usize>();
    postings
        .div_ceil(SHARD_POSTINGS)
        .next_multiple_of(SHARD_GROUPS as usize)
        .clamp(SHARD_GROUPS as usize, 4096) as u32
}

/// A term that is a single character (a fallback term with a cut list).
fn is_char_term(term: &str) -> bool {
    let mut chars = term.chars();
    chars.next().is_some() && chars.next().is_none()
}

/// The postings of a run of consecutive documents, by shard group, the
/// documents' lengths for BM25, and the words they use as written (for
/// the vocabulary) with how often.
struct Run {
    buckets: Vec<Vec<Posting>>,
    lengths: Vec<Lengths>,
    words: HashMap<CompactString, u32>,
}

/// What BM25 knows of a document besides its terms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Lengths {
    title: f32,
    body: f32,
    /// [`MINOR_SECTION`] for a summary or references, else 1.
    prior: f32,
}

/// A term in a document. Terms are kept inline (nearly all are a few
/// bytes): the merge then reads postings in order instead of chasing a
/// pointer into some document's text for each of a million of them.
struct Posting {
    doc: u32,
    tf: Tf,
    term: HashedTerm,
}

/// A term's weighted frequency in a document: in its title, its path, and
/// its body (prose, and formulas and code, once).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tf {
    title: f32,
    path: f32,
    body: f32,
    in_source: bool,
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
            words: HashMap::default(),
        };
        let mut terms = DocTerms::default();
        let mut paths = PathCache::default();
        for (id, doc) in (first..).zip(docs) {
            terms.add_doc(doc, aliases, &mut paths, &mut run.words);
            run.lengths.push(Lengths {
                prior: if is_minor_section(doc.title) {
                    MINOR_SECTION
                } else {
                    1.0
                },
                ..terms.length
            });
            for (text, tf) in terms.tf.drain() {
                let hash = term_hash(&text);
                run.buckets[(hash % SHARD_GROUPS) as usize].push(Posting {
                    doc: id,
                    tf,
                    term: HashedTerm { hash, text },
                });
            }
            terms.length = Lengths::default();
        }
        run
    }
}

/// A summary, references or exercises, whatever its numbering (`## 小结`, `### 5.8 Summary`).
fn is_minor_section(title: &str) -> bool {
    let name =
        title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace());
    MINOR_TITLES.iter().any(|m| name.eq_ignore_ascii_case(m))
}

/// One document's terms with their frequencies, and its body's length for
/// BM25 (words and pairs; single characters and synonyms do not make a text longer).
#[derive(Default)]
struct DocTerms {
    tf: HashMap<CompactString, Tf>,
    length: Lengths,
}

/// Where in a document a term was found, and its weight there.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Title(f32),
    Path(f32),
    Body(f32),
    Source,
}

impl DocTerms {
    fn add(&mut self, term: &str, field: Field) {
        let tf = match self.tf.get_mut(term) {
            Some(tf) => tf,
            None => self.tf.entry(CompactString::new(term)).or_default(),
        };
        match field {
            Field::Title(w) => tf.title += w,
            Field::Path(w) => tf.path += w,
            Field::Body(w) => tf.body += w,
            Field::Source => tf.in_source = true,
        }
    }

    /// Makes the field as long as a word or pair found in it makes it.
    fn grow(&mut self, field: Field) {
        match field {
            Field::Title(_) => self.length.title += 1.0,
            Field::Body(w) => self.length.body += w,
            Field::Source => self.length.body += SOURCE_WEIGHT,
            Field::Path(_) => {}
        }
    }

    /// Adds the terms of `text` to `field`, noting the words as written.
    fn add_text(&mut self, text: &str, field: Field, words: &mut HashMap<CompactString, u32>) {
        let chars = matches!(field, Field::Title(_) | Field::Path(_));
        each_token(text, |t| match t {
            Token::Char(c) if chars && !c.starts_with(is_particle) => self.add(c, field),
            Token::Pair(p) if !is_stop_pair(p) => {
                self.add(p, field);
                self.grow(field);
            }
            Token::Word(stem, typed) => {
                self.add(stem, field);
                self.grow(field);
                // The vocabulary a typed word is completed and corrected
                // from: words of prose and titles, not every name in code.
                let prose = !matches!(field, Field::Source);
                if prose && typed.len() >= 3 && typed.starts_with(|c: char| c.is_ascii_alphabetic())
                {
                    match words.get_mut(typed) {
                        Some(n) => *n += 1,
                        None => {
                            words.insert(CompactString::new(typed), 1);
                        }
                    }
                }
            }
            _ => {}
        });
    }

    /// Prose to `field`; a body's formulas to the source (a title's and a
    /// heading's stay in their field: `5.3.3 $1\times 1$卷积层`).
    fn add_prose(&mut self, text: &str, field: Field, words: &mut HashMap<CompactString, u32>) {
        for (formula, piece) in split_formulas(text) {
            match (formula, field) {
                (false, _) => self.add_text(piece, field, words),
                (true, Field::Body(_)) => self.add_text(&tex_text(piece), Field::Source, words),
                (true, _) => self.add_text(&tex_text(piece), field, words),
            }
        }
    }

    fn add_doc<'d>(
        &mut self,
        doc: &Doc<'d>,
        aliases: &Aliases,
        paths: &mut PathCache<'d>,
        words: &mut HashMap<CompactString, u32>,
    ) {
        self.add_prose(doc.title, Field::Title(TITLE_WEIGHT), words);
        for term in title_intent_terms(doc.title) {
            self.add(&term, Field::Title(TITLE_WEIGHT));
        }
        for heading in &doc.path {
            for (term, weight) in paths.terms(heading, aliases, words) {
                self.add(term, Field::Path(*weight));
            }
        }
        self.add_prose(doc.text, Field::Body(BODY_WEIGHT), words);
        self.add_text(&tex_text(doc.code), Field::Source, words);
        // A synonym of a title term counts like a title word (at alias
        // weight): "receptive field" must find 感受野怎么计算 first, not
        // every answer that mentions 感受野 in passing.
        for (text, field) in [
            (doc.title, Field::Title(TITLE_WEIGHT * ALIAS_WEIGHT)),
            (doc.text, Field::Body(BODY_WEIGHT * ALIAS_WEIGHT)),
        ] {
            for member in aliases.of(text) {
                for term in &member.terms {
                    self.add(term, field);
                }
            }
        }
    }
}

/// The terms of the headings of the last few paths, with their weights
/// (synonyms included): the documents of a page share its title and
/// headings, so each is tokenized once, not once per document.
#[derive(Default)]
struct PathCache<'d> {
    headings: Vec<(&'d str, Vec<(CompactString, f32)>)>,
}

impl<'d> PathCache<'d> {
    /// Headings kept: deeper than any path, small enough to search in a row.
    const SIZE: usize = 16;

    fn terms(
        &mut self,
        heading: &'d str,
        aliases: &Aliases,
        words: &mut HashMap<CompactString, u32>,
    ) -> &[(CompactString, f32)] {
        let at = match self.headings.iter().position(|(h, _)| *h == heading) {
            Some(at) => at,
            None => {
                let mut found = DocTerms::default();
                found.add_prose(heading, Field::Path(PATH_WEIGHT), words);
                for member in aliases.of(heading) {
                    for term in &member.terms {
                        found.add(term, Field::Path(PATH_WEIGHT * ALIAS_WEIGHT));
                    }
                }
                if self.headings.len() == Self::SIZE {
                    self.headings.remove(0);
                }
                let terms = found.tf.into_iter().map(|(t, tf)| (t, tf.path)).collect();
                self.headings.push((heading, terms));
                self.headings.len() - 1
            }
        };
        &self.headings[at].1
    }
}

/// BM25F with the corpus's document lengths.
struct Bm25<'l> {
    lengths: &'l [Lengths],
    avg_title: f32,
    avg_body: f32,
    docs: f32,
}

impl<'l> Bm25<'l> {
    fn new(lengths: &'l [Lengths]) -> Self {
        let docs = lengths.len().max(1) as f32;
        let avg = |f: fn(&Lengths) -> f32| (lengths.iter().map(f).sum::<f32>() / docs).max(1.0);
        Bm25 {
            lengths,
            avg_title: avg(|l| l.title),
            avg_body: avg(|l| l.body),
            docs,
        }
    }

    /// The inverse document frequency of a term found in `df` documents.
    fn idf(&self, df: usize) -> f32 {
        let df = df as f32;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5)).ln()
    }

    /// The impact of a term found `tf` times in document `doc`: BM25F,
    /// title and body normalised by their lengths, then the fields' sum
    /// saturated, and the title's own bonus.
    fn impact(&self, doc: u32, tf: Tf, idf: f32) -> f32 {
        let len = self.lengths[doc as usize];
        let title_norm = 1.0 - TITLE_B + TITLE_B * len.title / self.avg_title;
        let body_norm = 1.0 - B + B * len.body / self.avg_body;
        let source = if tf.in_source { SOURCE_WEIGHT } else { 0.0 };
        let bonus = if tf.title > 0.0 { TITLE_BONUS } else { 0.0 };
        let tf = tf.title / title_norm + tf.path + (tf.body + source) / body_norm;
        len.prior * idf * (tf * (K1 + 1.0) / (tf + K1) + bonus)
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
    let mut lists: HashMap<&HashedTerm, Vec<(u32, Tf)>> = HashMap::default();
    for posting in buckets.flatten() {
        lists
            .entry(&posting.term)
            .or_default()
            .push((posting.doc, posting.tf));
    }
    let shard = |term: &HashedTerm| term.hash % shard_count;
    let mut lists: Vec<_> = lists.into_iter().collect();
    lists.sort_unstable_by(|(a, _), (b, _)| (shard(a), &a.text).cmp(&(shard(b), &b.text)));
    let mut texts = vec![String::new(); (shard_count / SHARD_GROUPS) as usize];
    for (term, list) in lists {
        let text = &mut texts[(shard(term) / SHARD_GROUPS) as usize];
        let impacts = impacts(&term.text, &list, scoring);
        push_postings(text, &term.text, &impacts);
    }
    texts
}

/// A term's documents with their impacts ×[`IMPACT_SCALE`], in document
/// order; a single character's only its best [`MAX_CHAR_POSTINGS`].
fn impacts(term: &str, list: &[(u32, Tf)], scoring: &Bm25) -> Vec<(u32, u32)> {
    let idf = scoring.idf(list.len());
    let mut impacts: Vec<(u32, u32)> = list
        .iter()
        .map(|&(doc, tf)| {
            let impact = scoring.impact(doc, tf, idf) * IMPACT_SCALE;
            (doc, impact.round().max(1.0) as u32)
        })
        .collect();
    if is_char_term(term) && impacts.len() > MAX_CHAR_POSTINGS {
        impacts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        impacts.truncate(MAX_CHAR_POSTINGS);
        impacts.sort_unstable();
    }
    impacts
}

/// Appends `term<TAB>gap:impact,…\n` to `line`: documents as the gap from
/// the previous one (the list is in document order), impacts as integers.
/// Both keep the shards small: a cold query downloads the shards of its terms.
fn push_postings(line: &mut String, term: &str, list: &[(u32, u32)]) {
    line.push_str(term);
    line.push('\t');
    let mut numbers = itoa::Buffer::new();
    let mut previous = 0;
    for (i, &(doc, impact)) in list.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(numbers.format(doc - previous));
        line.push(':');
        line.push_str(numbers.format(impact));
        previous = doc;
    }
    line.push('\n');
}

/// The vocabulary files: the words used, as written, by first letter, most
/// frequent first (ties in alphabetical order), one per line.
fn vocabulary(runs: &[Run]) -> BTreeMap<char, String> {
    let mut counts: HashMap<&str, u32> = HashMap::default();
    for (word, n) in runs.iter().flat_map(|r| &r.words) {
        *counts.entry(word.as_str()).or_default() += n;
    }
    let mut words: Vec<(&str, u32)> = counts.into_iter().collect();
    words.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut files: BTreeMap<char, String> = BTreeMap::new();
    for (word, _) in words {
        let file = files.entry(crate::fuzzy::vocab_key(word)).or_default();
        file.push_str(word);
        file.push('\n');
    }
    files
}

/// The documents of one chunk as a JSON array (what the page shows for a
/// hit): URL, full title, path, language and the start of its text.
fn docs_json(docs: &[&Doc]) -> String {
    let mut out = String::with_capacity(docs.len() * 1024);
    out.push('[');
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let text = if d.text.trim().is_empty() {
            d.code
        } else {
            d.text
        };
        let path = d.path.join(" › ");
        let fields = [
            ("u", d.url.as_str()),
            ("t", d.title),
            ("p", &path),
            ("l", d.lang),
            ("x", excerpt(text)),
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

/// The start of a text, [`EXCERPT_CHARS`] long, never ending inside a formula.
fn excerpt(text: &str) -> &str {
    let Some((end, _)) = text.char_indices().nth(EXCERPT_CHARS) else {
        return text;
    };
    let cut = &text[..end];
    if cut.matches('$').count().is_multiple_of(2) {
        return cut;
    }
    // Inside a formula: finish it when it ends soon, or stop before it.
    match text[end..].find('$') {
        Some(close) if text[end..end + close].chars().count() < 80 => &text[..end + close + 1],
        _ => &cut[..cut.rfind('$').unwrap_or(0)],
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(lang: &'a str, title: &'a str, text: &'a str) -> Doc<'a> {
        Doc {
            url: format!("{lang}/{title}"),
            page: title,
            title,
            path: vec!["c"],
            lang,
            text,
            code: "",
        }
    }

    #[test]
    fn chinese_documents_come_first_and_meta_says_so() {
        let files = build(&[doc("en", "A", "x"), doc("zh", "甲", "乙")], &[]);
        assert_eq!(files.docs, 2);
        assert!(files.files["meta.txt"].contains("docs=2\nzh=1\npages=1,1\n"));
        assert!(files.files[&docs_file(0)].starts_with("[{\"u\":\"zh/甲\""));
    }

    #[test]
    fn pages_are_runs_of_documents() {
        let mut a = doc("zh", "甲", "x");
        let mut b = doc("zh", "乙", "y");
        a.page = "p";
        b.page = "p";
        let c = doc("zh", "丙", "z");
        assert_eq!(page_runs(&[&a, &b, &c]), "2,1");
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
    fn excerpts_never_end_inside_a_formula() {
        let long = format!("{}$x^2$ 之后", "字".repeat(EXCERPT_CHARS - 2));
        assert!(excerpt(&long).ends_with("$x^2$"), "{}", excerpt(&long));
        let far = format!("{}${}$", "字".repeat(EXCERPT_CHARS - 1), "y".repeat(100));
        assert_eq!(excerpt(&far), "字".repeat(EXCERPT_CHARS - 1));
    }

    #[test]
    fn question_words_are_title_terms_only_and_words_make_a_vocabulary() {
        let files = build(
            &[doc(
                "zh",
                "BN 和 LN 有什么区别",
                "区别在于 Normalization 的维度",
            )],
            &[],
        );
        let shards: String = files
            .files
            .iter()
            .filter(|(name, _)| name.starts_with("shards/"))
            .map(|(_, text)| text.as_str())
            .collect();
        let terms: Vec<&str> = shards
            .lines()
            .filter_map(|l| l.split('\t').next())
            .collect();
        assert!(terms.contains(&"~diff"));
        assert!(!terms.contains(&"区别") && !terms.contains(&"的"));
        assert!(terms.contains(&"维度") && terms.contains(&"normal"));
        assert_eq!(files.files[&vocab_file('n')], "normalization\n");
    }

    #[test]
    fn a_single_characters_list_keeps_its_best_documents() {
        let texts: Vec<String> = (0..MAX_CHAR_POSTINGS + 10)
            .map(|i| "门".repeat(1 + i % 7))
            .collect();
        let docs: Vec<Doc> = texts.iter().map(|t| doc("zh", t, t)).collect();
        let files = build(&docs, &[]);
        let line = files
            .files
            .values()
            .flat_map(|t| t.lines())
            .find(|l| l.starts_with("门\t"))
            .expect("门 is indexed");
        assert_eq!(line.split(',').count(), MAX_CHAR_POSTINGS);
    }
}
