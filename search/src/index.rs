//! Building the index: documents in, text files out (meta, term shards with
//! the vocabulary in them, document chunks).
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
use std::sync::Mutex;

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
const K1: f32 = 1.2;
/// How much a body's length counts against it, and a title's: a longer
/// title that mentions a word is about it a little less than a title that
/// is only that word.
const B: f32 = 0.75;
const TITLE_B: f32 = 0.5;
/// A word of the title adds this much (×idf, divided like the title's
/// frequency by the title's length) beyond the saturated sum of the fields:
/// however often a section repeats a word, the section titled by it is the
/// one about it, the more so the shorter its title.
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

pub use crate::files::{shard_file, vocab_term};

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

/// Builds the index of `docs` in one go (tests, `serve`): the documents of
/// a page are consecutive, and each run of them is a page for [`Builder`].
pub fn build(docs: &[Doc], glossary: &[(String, String)]) -> IndexFiles {
    let builder = Builder::new(glossary);
    let mut pages: Vec<&[Doc]> = Vec::new();
    let mut rest = docs;
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|d| (d.page, d.lang) == (first.page, first.lang))
            .count();
        pages.push(&rest[..n]);
        rest = &rest[n..];
    }
    pages
        .par_iter()
        .enumerate()
        .for_each(|(position, page)| builder.add_page(position as u64, page));
    let files = Mutex::new(BTreeMap::new());
    let sink = |name: String, text: String| -> Result<(), std::convert::Infallible> {
        files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, text);
        Ok(())
    };
    let Ok(docs) = builder.finish(&sink);
    IndexFiles {
        files: files.into_inner().unwrap_or_else(|e| e.into_inner()),
        docs,
    }
}

/// Builds the index page by page, so that no document's text is kept once
/// its page is added: [`Builder::add_page`] from any thread while pages are
/// rendered keeps a document's postings in a compact form (interned term
/// numbers, frequencies as varints) and its result record; then
/// [`Builder::finish`] scores them and hands each file to a sink as soon as
/// it is made. Memory per page does not depend on the site's size.
///
/// Documents are numbered with Chinese first, so a language filter is a
/// range check; otherwise in the order of the pages' positions.
pub struct Builder {
    aliases: std::sync::Arc<Aliases>,
    terms: Mutex<Terms>,
    /// The words used, as written (for the vocabulary), with how often.
    words: Mutex<HashMap<CompactString, u32>>,
    pages: Mutex<Vec<PageDocs>>,
}

/// A document's terms with their frequencies.
type TermFrequencies = Vec<(CompactString, Tf)>;

/// Every term met so far, numbered in the order met. What a posting needs
/// is in the map's value, so numbering one costs one lookup.
#[derive(Default)]
struct Terms {
    ids: HashMap<CompactString, TermInfo>,
}

#[derive(Clone, Copy)]
struct TermInfo {
    id: u32,
    /// [`term_hash`] of the text: it picks the term's shard.
    hash: u32,
    /// Documents that have the term.
    df: u32,
}

/// A term by its number, for scoring and writing.
struct NumberedTerm {
    text: CompactString,
    hash: u32,
    df: u32,
}

/// The documents of one page, as [`Builder::add_page`] keeps them.
struct PageDocs {
    position: u64,
    page: Box<str>,
    lang: Box<str>,
    docs: Vec<CompactDoc>,
}

/// A document's postings, by shard group, as varints (term number, then
/// the title, path and body frequencies in quarters: every field weight is
/// a multiple of a quarter, so this is exact), and its result record.
struct CompactDoc {
    lengths: Lengths,
    postings: Box<[u8]>,
    /// Where each shard group's postings end in `postings`.
    group_ends: [u32; SHARD_GROUPS as usize],
    /// The document as the JSON object its chunk file holds.
    record: Box<str>,
}

impl Builder {
    pub fn new(glossary: &[(String, String)]) -> Self {
        Builder {
            aliases: Aliases::shared(glossary),
            terms: Mutex::default(),
            words: Mutex::default(),
            pages: Mutex::default(),
        }
    }

    /// Adds the documents of one page (all in its language, in page
    /// order); `position` orders pages of a language in the index. Safe to
    /// call from several threads at once.
    pub fn add_page(&self, position: u64, docs: &[Doc]) {
        let Some(first) = docs.first() else {
            return;
        };
        let mut words: HashMap<CompactString, u32> = HashMap::default();
        let mut paths = PathCache::default();
        let mut terms = DocTerms::default();
        let mut found: Vec<(Lengths, TermFrequencies, Box<str>)> = Vec::with_capacity(docs.len());
        for doc in docs {
            terms.add_doc(doc, &self.aliases, &mut paths, &mut words);
            let lengths = Lengths {
                prior: if is_minor_section(doc.title) {
                    MINOR_SECTION
                } else {
                    1.0
                },
                ..terms.length
            };
            terms.length = Lengths::default();
            found.push((lengths, terms.tf.drain().collect(), doc_record(doc).into()));
        }
        // Term numbers for the whole page under one lock.
        let numbered: Vec<Vec<(u32, u32, Tf)>> = {
            let mut table = lock(&self.terms);
            found
                .iter()
                .map(|(_, tfs, _)| tfs.iter().map(|(t, tf)| table.number(t, *tf)).collect())
                .collect()
        };
        let docs = found
            .into_iter()
            .zip(numbered)
            .map(|((lengths, _, record), postings)| CompactDoc::new(lengths, postings, record))
            .collect();
        {
            let mut all = lock(&self.words);
            for (word, n) in words {
                *all.entry(word).or_default() += n;
            }
        }
        lock(&self.pages).push(PageDocs {
            position,
            page: first.page.into(),
            lang: first.lang.into(),
            docs,
        });
    }

    /// Scores every posting and hands each file of the index (name below
    /// the index folder, text) to `sink`, shards and chunks in parallel;
    /// returns the number of documents.
    pub fn finish<E: Send>(
        self,
        sink: &(dyn Fn(String, String) -> Result<(), E> + Sync),
    ) -> Result<usize, E> {
        let mut pages = self.pages.into_inner().unwrap_or_else(|e| e.into_inner());
        pages.sort_by_key(|p| (&*p.lang != "zh", p.position));
        let docs: Vec<&CompactDoc> = pages.iter().flat_map(|p| &p.docs).collect();
        let zh_docs = pages
            .iter()
            .filter(|p| &*p.lang == "zh")
            .map(|p| p.docs.len())
            .sum::<usize>();
        let terms = self
            .terms
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .by_number();
        let lengths: Vec<Lengths> = docs.iter().map(|d| d.lengths).collect();
        let scoring = Bm25::new(&lengths);
        let shard_count = shard_count(&terms);

        // The vocabulary's lines, by the shard they end up in.
        let words = self.words.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut vocab_lines: HashMap<u32, String> = HashMap::default();
        for (key, words) in vocabulary(&words) {
            let term = vocab_term(key);
            let lines = vocab_lines
                .entry(crate::shard_of(&term, shard_count))
                .or_default();
            lines.push_str(&term);
            lines.push('\t');
            lines.push_str(&words);
            lines.push('\n');
        }

        (0..SHARD_GROUPS).into_par_iter().try_for_each(|group| {
            shard_group(group, &docs, &terms, shard_count, &scoring)
                .into_iter()
                .try_for_each(|(shard, mut text)| {
                    if let Some(lines) = vocab_lines.get(&shard) {
                        text.push_str(lines);
                    }
                    sink(shard_file(shard), text)
                })
        })?;
        docs.par_chunks(DOCS_PER_CHUNK)
            .enumerate()
            .try_for_each(|(i, chunk)| sink(docs_file(i as u32), docs_json(chunk)))?;
        sink(
            "meta.txt".to_string(),
            format!(
                "version=2\nshards={shard_count}\nchunk={DOCS_PER_CHUNK}\nfolder={CHUNKS_PER_FOLDER}\ndocs={}\nzh={zh_docs}\npages={}\n",
                docs.len(),
                page_runs(&pages)
            ),
        )?;
        Ok(docs.len())
    }
}

/// A lock that a panicked holder did not spoil (the data is only added to).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Terms {
    /// The term's number and hash, counting one more document that has it.
    fn number(&mut self, text: &CompactString, tf: Tf) -> (u32, u32, Tf) {
        let next = self.ids.len() as u32;
        let info = match self.ids.get_mut(text.as_str()) {
            Some(info) => info,
            None => self.ids.entry(text.clone()).or_insert(TermInfo {
                id: next,
                hash: term_hash(text),
                df: 0,
            }),
        };
        info.df += 1;
        (info.id, info.hash, tf)
    }

    /// The terms in the order of their numbers.
    fn by_number(self) -> Vec<NumberedTerm> {
        let mut terms: Vec<(u32, NumberedTerm)> = self
            .ids
            .into_iter()
            .map(|(text, info)| {
                let term = NumberedTerm {
                    text,
                    hash: info.hash,
                    df: info.df,
                };
                (info.id, term)
            })
            .collect();
        terms.sort_unstable_by_key(|(id, _)| *id);
        terms.into_iter().map(|(_, term)| term).collect()
    }
}

impl CompactDoc {
    fn new(lengths: Lengths, mut postings: Vec<(u32, u32, Tf)>, record: Box<str>) -> Self {
        postings.sort_unstable_by_key(|&(id, hash, _)| (hash % SHARD_GROUPS, id));
        let mut bytes = Vec::with_capacity(postings.len() * 6);
        let mut group_ends = [0; SHARD_GROUPS as usize];
        let mut postings = postings.into_iter().peekable();
        for (group, end) in group_ends.iter_mut().enumerate() {
            while let Some((id, _, tf)) = postings.next_if(|p| p.1 % SHARD_GROUPS == group as u32) {
                push_varint(&mut bytes, id);
                push_varint(&mut bytes, quarters(tf.title));
                push_varint(&mut bytes, quarters(tf.path));
                push_varint(&mut bytes, quarters(tf.body) << 1 | u32::from(tf.in_source));
            }
            *end = bytes.len() as u32;
        }
        CompactDoc {
            lengths,
            postings: bytes.into_boxed_slice(),
            group_ends,
            record,
        }
    }

    /// The postings of shard group `group`: (term number, frequencies).
    fn group(&self, group: u32) -> impl Iterator<Item = (u32, Tf)> + '_ {
        let g = group as usize;
        let start = if g == 0 { 0 } else { self.group_ends[g - 1] };
        let mut bytes = &self.postings[start as usize..self.group_ends[g] as usize];
        std::iter::from_fn(move || {
            if bytes.is_empty() {
                return None;
            }
            let id = read_varint(&mut bytes);
            let title = read_varint(&mut bytes);
            let path = read_varint(&mut bytes);
            let body = read_varint(&mut bytes);
            Some((
                id,
                Tf {
                    title: title as f32 / 4.0,
                    path: path as f32 / 4.0,
                    body: (body >> 1) as f32 / 4.0,
                    in_source: body & 1 == 1,
                },
            ))
        })
    }
}

/// A frequency in quarters (exact: field weights are multiples of a quarter).
fn quarters(tf: f32) -> u32 {
    let q = (tf * 4.0).round();
    debug_assert_eq!(q / 4.0, tf, "a field weight that is not a multiple of 1/4");
    q.min((u32::MAX >> 1) as f32) as u32
}

fn push_varint(bytes: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        bytes.push(n as u8 | 0x80);
        n >>= 7;
    }
    bytes.push(n as u8);
}

fn read_varint(bytes: &mut &[u8]) -> u32 {
    let mut n = 0;
    let mut shift = 0;
    while let Some((&b, rest)) = bytes.split_first() {
        *bytes = rest;
        n |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    n
}

/// How many documents each page has, in document order (`3,1,5`): the
/// engine uses it to give other pages a turn after a page's best results.
fn page_runs(pages: &[PageDocs]) -> String {
    let mut counts: Vec<usize> = Vec::new();
    let mut previous: Option<(&str, &str)> = None;
    for p in pages.iter().filter(|p| !p.docs.is_empty()) {
        let page = (&*p.page, &*p.lang);
        match counts.last_mut() {
            Some(n) if previous == Some(page) => *n += p.docs.len(),
            _ => counts.push(p.docs.len()),
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
fn shard_count(terms: &[NumberedTerm]) -> u32 {
    let postings: usize = terms
        .iter()
        .map(|t| {
            let df = t.df as usize;
            if is_char_term(&t.text) {
                df.min(MAX_CHAR_POSTINGS)
            } else {
                df
            }
        })
        .sum();
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

/// What BM25 knows of a document besides its terms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Lengths {
    title: f32,
    body: f32,
    /// [`MINOR_SECTION`] for a summary or references, else 1.
    prior: f32,
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
        let bonus = if tf.title > 0.0 {
            TITLE_BONUS / title_norm
        } else {
            0.0
        };
        let tf = tf.title / title_norm + tf.path + (tf.body + source) / body_norm;
        len.prior * idf * (tf * (K1 + 1.0) / (tf + K1) + bonus)
    }
}

/// The shards of one group (`group`, `group + SHARD_GROUPS`, …), each with
/// its text, from the documents in order: one line per term,
/// `term<TAB>gap:impact,…`, lines sorted by term; every shard of the group,
/// also one without terms.
fn shard_group(
    group: u32,
    docs: &[&CompactDoc],
    terms: &[NumberedTerm],
    shard_count: u32,
    scoring: &Bm25,
) -> Vec<(u32, String)> {
    let mut lists: HashMap<u32, Vec<(u32, Tf)>> = HashMap::default();
    for (doc, d) in (0..).zip(docs) {
        for (term, tf) in d.group(group) {
            lists.entry(term).or_default().push((doc, tf));
        }
    }
    let shard = |term: u32| terms[term as usize].hash % shard_count;
    let mut lists: Vec<_> = lists.into_iter().collect();
    lists.sort_unstable_by(|(a, _), (b, _)| {
        (shard(*a), &terms[*a as usize].text).cmp(&(shard(*b), &terms[*b as usize].text))
    });
    let mut texts: Vec<(u32, String)> = (group..shard_count)
        .step_by(SHARD_GROUPS as usize)
        .map(|s| (s, String::new()))
        .collect();
    for (term, list) in lists {
        let text = &terms[term as usize].text;
        let impacts = impacts(text, &list, scoring);
        push_postings(
            &mut texts[(shard(term) / SHARD_GROUPS) as usize].1,
            text,
            &impacts,
        );
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

/// The vocabulary: the words used, as written, by first letter, most
/// frequent first (ties in alphabetical order), separated by spaces.
fn vocabulary(counts: &HashMap<CompactString, u32>) -> BTreeMap<char, String> {
    let mut words: Vec<(&str, u32)> = counts.iter().map(|(w, &n)| (w.as_str(), n)).collect();
    words.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut lists: BTreeMap<char, String> = BTreeMap::new();
    for (word, _) in words {
        let list = lists.entry(crate::fuzzy::vocab_key(word)).or_default();
        if !list.is_empty() {
            list.push(' ');
        }
        list.push_str(word);
    }
    lists
}

/// The documents of one chunk as a JSON array (what the page shows for a hit).
fn docs_json(docs: &[&CompactDoc]) -> String {
    let mut out = String::with_capacity(docs.iter().map(|d| d.record.len() + 2).sum::<usize>() + 2);
    out.push('[');
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&d.record);
    }
    out.push(']');
    out
}

/// A document as a JSON object: URL, full title, path, language and the
/// start of its text.
fn doc_record(d: &Doc) -> String {
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
    let mut out = String::with_capacity(256);
    for (j, (key, value)) in fields.into_iter().enumerate() {
        out.push_str(if j == 0 { "{\"" } else { ",\"" });
        out.push_str(key);
        out.push_str("\":");
        push_json_string(&mut out, value);
    }
    out.push('}');
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
        let files = build(&[a, b, c], &[]);
        assert!(files.files["meta.txt"].contains("pages=2,1\n"));
    }

    #[test]
    fn postings_round_trip_through_their_compact_form() {
        let tf = Tf {
            title: 4.5,
            path: 0.75,
            body: 1234.25,
            in_source: true,
        };
        let d = CompactDoc::new(
            Lengths::default(),
            vec![(7, 3, tf), (300_000, 16, tf)],
            "".into(),
        );
        assert_eq!(d.group(3).collect::<Vec<_>>(), vec![(7, tf)]);
        assert_eq!(d.group(0).collect::<Vec<_>>(), vec![(300_000, tf)]);
        assert_eq!(d.group(5).count(), 0);
        for w in [TITLE_WEIGHT, PATH_WEIGHT, BODY_WEIGHT, ALIAS_WEIGHT] {
            assert_eq!(quarters(w) as f32 / 4.0, w, "weights are quarters");
            assert_eq!(quarters(w * ALIAS_WEIGHT) as f32 / 4.0, w * ALIAS_WEIGHT);
        }
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
        assert!(shards.contains("^n\tnormalization\n"), "{shards}");
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
