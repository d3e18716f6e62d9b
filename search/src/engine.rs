//! Answering queries over a (partly) loaded index: the code the browser runs,
//! and the code the ranking tests run natively.
//!
//! Ranking is scored, never filtered: a document that matches more of the
//! query's units ranks first (all of them before most of them), then by the
//! sum of its BM25F impacts, raised when its title asks what the query's
//! question words ask. A unit matches through its own term, or, when that term
//! is missing, through fallbacks that count for less: a word being typed
//! through the words it begins, an unknown word through the words a typo
//! away, a pair that occurs nowhere through its two characters. A page
//! shows at most [`PER_PAGE`] results before other pages get a turn.
//!
//! Files arrive in rounds: [`Engine::missing_files`] names what the query
//! needs given what is loaded (first its terms' shards; then, knowing which
//! terms occur, vocabulary files and the fallbacks' shards), the page fetches
//! them and asks again until nothing is missing.

use crate::files::{docs_file, shard_file, vocab_file};
use crate::fuzzy::{completions, corrections, max_typos, vocab_key};
use crate::query::{Query, Unit};
use crate::shard_of;
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

/// Results of one page before other pages get a turn.
pub const PER_PAGE: usize = 3;
/// How much a match through a word being typed counts, against the word itself.
const PREFIX_WEIGHT: f32 = 0.7;
/// How much a match through a word one typo (two typos) away counts.
const TYPO_WEIGHTS: [f32; 2] = [0.6, 0.4];
/// How much a character counts, standing in for a pair that occurs nowhere
/// (for its score; for coverage, half a character).
const CHAR_WEIGHT: f32 = 0.3;
/// How much more a document scores for each question word of the query
/// its title asks too (`过拟合怎么办` → `如何解决高方差（过拟合）？`).
const INTENT_BOOST: f32 = 0.3;
/// Completions of a word being typed, and corrections of an unknown word, tried.
const COMPLETIONS: usize = 5;
const CORRECTIONS: usize = 3;
/// The longest run of Chinese characters whose coverage is counted character by character.
const MAX_RUN: usize = 64;

/// A found document, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub doc: u32,
    /// How much of the query it matches (see [`Unit::size`]).
    pub coverage: f32,
    /// Question words of the query its title asks too.
    pub intents: u32,
    pub score: f32,
}

#[derive(Debug, Default)]
pub struct Engine {
    pub shards: u32,
    pub chunk: u32,
    pub folder: u32,
    pub docs: u32,
    pub zh_docs: u32,
    /// The first document of each page, in order.
    page_starts: Vec<u32>,
    /// term → [(doc, impact × IMPACT_SCALE)], for the shards loaded so far.
    postings: HashMap<String, Vec<(u32, u32)>>,
    loaded: Vec<bool>,
    /// Vocabulary files loaded so far: (first letter, words, most frequent first).
    vocab: Vec<(char, Vec<String>)>,
}

/// One way a word can match: an index term and what a match through it is worth.
#[derive(Debug, Clone, PartialEq)]
struct Way {
    term: String,
    weight: f32,
}

/// How one unit of a query can match, as far as the loaded files tell.
#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    /// A word or a lone character: its best way counts, in full.
    Best { ways: Vec<Way>, size: f32 },
    /// A run of Chinese characters: each character counts, covered by a pair
    /// that matched (or half, by itself, where its pair occurs nowhere);
    /// every matched pair adds to the score, so the phrase in order scores
    /// above its words apart.
    Run {
        chars: usize,
        /// (first character, pair)
        pairs: Vec<(usize, String)>,
        /// (character, the character itself) for pairs that occur nowhere.
        fallback: Vec<(usize, String)>,
    },
}

impl Matcher {
    fn terms(&self) -> Vec<&str> {
        match self {
            Matcher::Best { ways, .. } => ways.iter().map(|w| w.term.as_str()).collect(),
            Matcher::Run {
                pairs, fallback, ..
            } => pairs
                .iter()
                .chain(fallback)
                .map(|(_, t)| t.as_str())
                .collect(),
        }
    }
}

/// How each unit of a query can match, the intents its titles may share,
/// and the vocabulary files that would tell more.
#[derive(Debug, Default)]
struct Plan {
    units: Vec<Matcher>,
    intents: Vec<String>,
    vocab: Vec<char>,
}

impl Engine {
    /// Reads `meta.txt` (`key=value` lines).
    pub fn from_meta(meta: &str) -> Result<Engine, String> {
        let mut engine = Engine {
            folder: 1,
            ..Engine::default()
        };
        for line in meta.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let number = || {
                value
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("bad value in search meta: {line}"))
            };
            match key.trim() {
                "shards" => engine.shards = number()?,
                "chunk" => engine.chunk = number()?,
                "folder" => engine.folder = number()?,
                "docs" => engine.docs = number()?,
                "zh" => engine.zh_docs = number()?,
                "pages" => engine.page_starts = page_starts(value)?,
                _ => {}
            }
        }
        if engine.shards == 0 || engine.chunk == 0 {
            return Err("search meta lacks shards or chunk".to_string());
        }
        engine.loaded = vec![false; engine.shards as usize];
        Ok(engine)
    }

    /// Index files the query needs that are not loaded yet (`shards/3.txt`,
    /// `vocab/r.txt`); empty when it can be answered.
    pub fn missing_files(&self, query: &str) -> Vec<String> {
        let plan = self.plan(&Query::parse(query));
        let mut ids: Vec<u32> = plan
            .units
            .iter()
            .flat_map(Matcher::terms)
            .chain(plan.intents.iter().map(String::as_str))
            .map(|t| shard_of(t, self.shards))
            .filter(|&id| !self.loaded.get(id as usize).copied().unwrap_or(true))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut files: Vec<String> = ids.into_iter().map(shard_file).collect();
        files.extend(plan.vocab.into_iter().map(vocab_file));
        files
    }

    /// Adds a file named by [`Engine::missing_files`].
    pub fn add_file(&mut self, name: &str, text: &str) {
        if let Some(id) = name
            .strip_prefix("shards/")
            .and_then(|n| n.strip_suffix(".txt"))
            .and_then(|n| n.parse().ok())
        {
            self.add_shard(id, text);
        } else if let Some(key) = name
            .strip_prefix("vocab/")
            .and_then(|n| n.strip_suffix(".txt"))
            .and_then(|n| n.chars().next())
        {
            if self.vocab_of(key).is_none() {
                self.vocab
                    .push((key, text.lines().map(str::to_string).collect()));
            }
        }
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

    /// The file holding document `doc`'s data, and its place in that file's array.
    pub fn doc_location(&self, doc: u32) -> (String, u32) {
        (docs_file(doc / self.chunk, self.folder), doc % self.chunk)
    }

    fn vocab_of(&self, key: char) -> Option<&[String]> {
        self.vocab
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, words)| words.as_slice())
    }

    fn is_loaded(&self, term: &str) -> bool {
        let id = crate::shard_of(term, self.shards) as usize;
        self.loaded.get(id).copied().unwrap_or(false)
    }

    fn occurs(&self, term: &str) -> bool {
        self.postings.get(term).is_some_and(|p| !p.is_empty())
    }

    /// How each unit can match, given what is loaded.
    fn plan(&self, query: &Query) -> Plan {
        let mut plan = Plan::default();
        if query.units.is_empty() {
            // Nothing but question words: the titles that ask the same.
            plan.units = query
                .intents
                .iter()
                .map(|t| Matcher::Best {
                    ways: vec![exact(t)],
                    size: 1.0,
                })
                .collect();
            return plan;
        }
        plan.intents = query.intents.clone();
        for unit in &query.units {
            let matcher = match unit {
                Unit::Word {
                    stem,
                    typed,
                    prefix,
                } => {
                    let mut ways = vec![exact(stem)];
                    if self.is_loaded(stem) {
                        ways.extend(self.word_fallbacks(stem, typed, *prefix, &mut plan.vocab));
                    }
                    Matcher::Best { ways, size: 1.0 }
                }
                Unit::Chinese { chars, pairs } if pairs.is_empty() => Matcher::Best {
                    ways: chars.iter().map(|c| exact(&c.to_string())).collect(),
                    size: unit.size(),
                },
                Unit::Chinese { chars, .. } => self.run_matcher(chars),
            };
            plan.units.push(matcher);
        }
        plan
    }

    /// The words a word being typed begins, or the words a typo away from an
    /// unknown word, once its own shard says whether it occurs; the
    /// vocabulary file they come from is noted when it is not loaded yet.
    fn word_fallbacks(
        &self,
        stem: &str,
        typed: &str,
        prefix: bool,
        vocab: &mut Vec<char>,
    ) -> Vec<Way> {
        let typo = !self.occurs(stem) && max_typos(typed.chars().count()) > 0;
        if !prefix && !typo {
            return Vec::new();
        }
        let Some(words) = self.vocab_of(vocab_key(typed)) else {
            if !vocab.contains(&vocab_key(typed)) {
                vocab.push(vocab_key(typed));
            }
            return Vec::new();
        };
        let mut ways = Vec::new();
        if prefix {
            ways.extend(
                completions(typed, words, COMPLETIONS)
                    .into_iter()
                    .filter(|s| s != stem)
                    .map(|term| Way {
                        term,
                        weight: PREFIX_WEIGHT,
                    }),
            );
        }
        if typo {
            ways.extend(
                corrections(typed, words, CORRECTIONS)
                    .into_iter()
                    .map(|(term, typos)| Way {
                        term,
                        weight: TYPO_WEIGHTS[(typos - 1).min(1)],
                    }),
            );
        }
        ways
    }

    /// A run's pairs, and, once their shards are loaded, the characters of
    /// the pairs that occur nowhere while another pair of the run does (a
    /// typo, a word split differently; a run none of whose pairs occurs is
    /// unknown, and its characters alone would only find noise).
    fn run_matcher(&self, chars: &[char]) -> Matcher {
        let chars = &chars[..chars.len().min(MAX_RUN)];
        let pairs: Vec<(usize, String)> = chars
            .windows(2)
            .enumerate()
            .map(|(i, p)| (i, p.iter().collect::<String>()))
            .filter(|(_, p)| !crate::tokenize::is_stop_pair(p))
            .collect();
        let known = |p: &String| self.is_loaded(p) && self.occurs(p);
        let all_loaded = pairs.iter().all(|(_, p)| self.is_loaded(p));
        let mut fallback = Vec::new();
        if all_loaded && pairs.iter().any(|(_, p)| known(p)) {
            for (i, p) in pairs.iter().filter(|(_, p)| !known(p)) {
                for (j, c) in p.chars().enumerate() {
                    if !fallback.iter().any(|(k, _)| *k == i + j) {
                        fallback.push((i + j, c.to_string()));
                    }
                }
            }
        }
        Matcher::Run {
            chars: chars.len(),
            pairs,
            fallback,
        }
    }

    /// The best `limit` documents for `query` in the languages of `filter`.
    pub fn search(&self, query: &str, filter: Filter, limit: usize) -> Vec<Hit> {
        let plan = self.plan(&Query::parse(query));
        let docs = self.docs as usize;
        let mut hits: Vec<Hit> = Vec::new();
        // Per document: its place in `hits`, once it matched anything.
        let mut place: Vec<u32> = vec![u32::MAX; docs];
        let mut scratch = Scratch::new(docs);
        for matcher in &plan.units {
            self.match_unit(matcher, &mut scratch);
            for (doc, coverage, score) in scratch.drain(matcher) {
                let Some(slot) = place.get_mut(doc as usize) else {
                    continue;
                };
                if *slot == u32::MAX {
                    *slot = hits.len() as u32;
                    hits.push(Hit {
                        doc,
                        coverage: 0.0,
                        intents: 0,
                        score: 0.0,
                    });
                }
                let hit = &mut hits[*slot as usize];
                hit.coverage += coverage;
                hit.score += score;
            }
        }
        for term in &plan.intents {
            for &(doc, _) in self.list(term) {
                if let Some(&slot) = place.get(doc as usize).filter(|&&s| s != u32::MAX) {
                    hits[slot as usize].intents += 1;
                }
            }
        }
        let zh = self.zh_docs;
        hits.retain(|hit| match filter {
            Filter::Both => true,
            Filter::Zh => hit.doc < zh,
            Filter::En => hit.doc >= zh,
        });
        for hit in &mut hits {
            hit.score *= 1.0 + INTENT_BOOST * hit.intents as f32;
        }
        hits.sort_unstable_by(|a, b| {
            b.coverage
                .total_cmp(&a.coverage)
                .then(b.score.total_cmp(&a.score))
                .then(a.doc.cmp(&b.doc))
        });
        let mut ranked = self.take_turns(hits);
        ranked.truncate(limit);
        ranked
    }

    fn list(&self, term: &str) -> &[(u32, u32)] {
        self.postings.get(term).map_or(&[], Vec::as_slice)
    }

    /// Records in `scratch` how each document matches the unit.
    fn match_unit(&self, matcher: &Matcher, scratch: &mut Scratch) {
        match matcher {
            Matcher::Best { ways, .. } => {
                for way in ways {
                    for &(doc, impact) in self.list(&way.term) {
                        if let Some(m) = scratch.at(doc) {
                            m.full = 1;
                            m.score = m.score.max(impact as f32 * way.weight);
                        }
                    }
                }
            }
            Matcher::Run {
                pairs, fallback, ..
            } => {
                for (i, pair) in pairs {
                    for &(doc, impact) in self.list(pair) {
                        if let Some(m) = scratch.at(doc) {
                            m.full |= 0b11 << i;
                            m.score += impact as f32;
                        }
                    }
                }
                for (i, c) in fallback {
                    for &(doc, impact) in self.list(c) {
                        if let Some(m) = scratch.at(doc) {
                            m.half |= 1 << i;
                            m.score += impact as f32 * CHAR_WEIGHT;
                        }
                    }
                }
            }
        }
    }

    /// A page's results after its first [`PER_PAGE`] wait until every
    /// other page has had its turn.
    fn take_turns(&self, ranked: Vec<Hit>) -> Vec<Hit> {
        if self.page_starts.is_empty() {
            return ranked;
        }
        let mut shown: Vec<u8> = vec![0; self.page_starts.len() + 1];
        let (mut first, mut later) = (Vec::new(), Vec::new());
        for hit in ranked {
            let page = self.page_starts.partition_point(|&s| s <= hit.doc);
            let count = &mut shown[page];
            *count = count.saturating_add(1);
            if usize::from(*count) <= PER_PAGE {
                first.push(hit);
            } else {
                later.push(hit);
            }
        }
        first.extend(later);
        first
    }

    /// The terms a result should highlight for `query`: the terms its units
    /// matched through, fallbacks included, that occur.
    pub fn highlight_terms(&self, query: &str) -> Vec<String> {
        let plan = self.plan(&Query::parse(query));
        plan.units
            .iter()
            .flat_map(Matcher::terms)
            .filter(|t| self.occurs(t))
            .map(str::to_string)
            .collect()
    }
}

fn exact(term: &str) -> Way {
    Way {
        term: term.to_string(),
        weight: 1.0,
    }
}

/// How the documents match one unit: characters (or, for a word, bit 0)
/// matched in full and by fallback, and the score; dense, with the
/// documents touched listed, so each unit costs only its postings.
struct Scratch {
    matches: Vec<UnitMatch>,
    touched: Vec<u32>,
}

#[derive(Debug, Clone, Copy, Default)]
struct UnitMatch {
    full: u64,
    half: u64,
    score: f32,
}

impl Scratch {
    fn new(docs: usize) -> Self {
        Scratch {
            matches: vec![UnitMatch::default(); docs],
            touched: Vec::new(),
        }
    }

    fn at(&mut self, doc: u32) -> Option<&mut UnitMatch> {
        let m = self.matches.get_mut(doc as usize)?;
        if m.full == 0 && m.half == 0 && m.score == 0.0 {
            self.touched.push(doc);
        }
        Some(m)
    }

    /// (document, coverage, score) of each touched document, clearing them.
    fn drain<'s>(&'s mut self, matcher: &'s Matcher) -> impl Iterator<Item = (u32, f32, f32)> + 's {
        let matches = &mut self.matches;
        self.touched.drain(..).map(move |doc| {
            let m = std::mem::take(&mut matches[doc as usize]);
            let coverage = match matcher {
                Matcher::Best { size, .. } => *size,
                Matcher::Run { chars, .. } => {
                    let all = if *chars >= 64 {
                        u64::MAX
                    } else {
                        (1 << chars) - 1
                    };
                    let full = m.full & all;
                    let half = m.half & all & !full;
                    (full.count_ones() as f32 + half.count_ones() as f32 / 2.0) / 2.0
                }
            };
            (doc, coverage, m.score)
        })
    }
}

/// `3,1,5` (documents per page) → the first document of each page.
fn page_starts(runs: &str) -> Result<Vec<u32>, String> {
    let mut start = 0u32;
    runs.split(',')
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            let n: u32 = r
                .trim()
                .parse()
                .map_err(|_| format!("bad page run in search meta: {r}"))?;
            let first = start;
            start += n;
            Ok(first)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{build, Doc};

    /// An engine with every file of the index loaded.
    pub(crate) fn engine(docs: &[Doc], glossary: &[(String, String)]) -> Engine {
        let files = build(docs, glossary);
        let mut engine = Engine::from_meta(&files.files["meta.txt"]).unwrap();
        for (name, text) in &files.files {
            engine.add_file(name, text);
        }
        engine
    }

    pub(crate) fn doc<'a>(lang: &'a str, title: &'a str, text: &'a str) -> Doc<'a> {
        Doc {
            url: title.into(),
            page: title,
            title,
            path: vec!["c"],
            lang,
            text,
            code: "",
        }
    }

    fn docs(e: &Engine, query: &str) -> Vec<u32> {
        e.search(query, Filter::Both, 10)
            .iter()
            .map(|h| h.doc)
            .collect()
    }

    #[test]
    fn more_units_matched_rank_first_and_partial_matches_still_count() {
        let e = engine(
            &[
                doc("zh", "空洞卷积是什么", "扩大感受野"),
                doc("zh", "普通卷积", "卷积核"),
                doc("zh", "池化", "窗口"),
            ],
            &[],
        );
        assert_eq!(docs(&e, "空洞卷积"), [0, 1]);
        assert_eq!(docs(&e, "空洞网络"), [0], "one unit of two still finds it");
        assert!(docs(&e, "").is_empty());
        assert!(docs(&e, "量子纠缠").is_empty());
    }

    #[test]
    fn question_words_do_not_need_to_match_but_break_ties() {
        let e = engine(
            &[
                doc("zh", "CRF 的训练", "CRF 和 HMM"),
                doc("zh", "HMM 和 CRF 有什么区别", "判别式与生成式"),
            ],
            &[],
        );
        assert_eq!(docs(&e, "CRF 与 HMM 的区别"), [1, 0]);
        assert_eq!(docs(&e, "CRF HMM"), [1, 0]);
        assert_eq!(
            docs(&e, "区别"),
            [1],
            "only question words: titles that use them"
        );
    }

    #[test]
    fn word_order_and_unknown_pairs_still_match() {
        let e = engine(
            &[
                doc("zh", "裁剪梯度", "防止梯度爆炸"),
                doc("zh", "感受野", "逐层累加"),
            ],
            &[],
        );
        assert_eq!(docs(&e, "梯度裁剪")[0], 0);
        assert_eq!(docs(&e, "感受也")[0], 1, "a typo in the last character");
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
        assert_eq!(r[0].doc, 1, "{r:?}");
        assert_eq!(docs(&e, "梯度消失").len(), 3);
        let en: Vec<u32> = e
            .search("梯度消失", Filter::En, 10)
            .iter()
            .map(|h| h.doc)
            .collect();
        assert_eq!(en, [2]);
    }

    #[test]
    fn words_being_typed_and_typos_find_their_words() {
        let e = engine(
            &[
                doc(
                    "en",
                    "How do you compute the receptive field",
                    "layer by layer",
                ),
                doc("en", "Pooling", "windows"),
            ],
            &[],
        );
        assert_eq!(docs(&e, "recep"), [0]);
        assert_eq!(docs(&e, "receptiv "), [0], "one letter short: a typo");
        assert_eq!(docs(&e, "recpetive field"), [0]);
        assert!(
            docs(&e, "recep ").is_empty(),
            "a finished word is not a prefix"
        );
        assert!(e
            .highlight_terms("recpetive")
            .contains(&"recept".to_string()));
    }

    #[test]
    fn glossary_finds_the_other_language() {
        let g = vec![("感受野".to_string(), "receptive field".to_string())];
        let e = engine(&[doc("zh", "感受野怎么算", "逐层累加")], &g);
        assert_eq!(docs(&e, "Receptive Fields"), [0]);
    }

    #[test]
    fn a_page_gives_others_a_turn_after_three_results() {
        let texts = ["卷积 一", "卷积 二", "卷积 三", "卷积 四", "卷积核"];
        let mut all: Vec<Doc> = texts.iter().map(|t| doc("zh", t, t)).collect();
        for d in &mut all[..4] {
            d.page = "one page";
        }
        let e = engine(&all, &[]);
        let found = docs(&e, "卷积");
        assert_eq!(found.len(), 5);
        assert_eq!(found[3], 4, "{found:?}");
    }

    #[test]
    fn files_arrive_in_rounds() {
        let files = build(
            &[doc("en", "Receptive field", "grows"), doc("zh", "甲", "乙")],
            &[],
        );
        let mut e = Engine::from_meta(&files.files["meta.txt"]).unwrap();
        let mut rounds = 0;
        loop {
            let missing = e.missing_files("receptiv");
            if missing.is_empty() {
                break;
            }
            for name in missing {
                e.add_file(&name, &files.files[&name]);
            }
            rounds += 1;
        }
        // The word's shard; the vocabulary; the shards of its completions.
        assert!((2..=3).contains(&rounds), "{rounds} rounds");
        assert_eq!(e.search("receptiv", Filter::Both, 10).len(), 1);
        assert_eq!(e.doc_location(0), ("docs/0/0.json".to_string(), 0));
    }
}
