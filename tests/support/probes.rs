//! The judged queries of `tests/truth/search_probes.tsv`, run against a
//! built site's index (natively, through the code the browser runs) and
//! against the floor: a plain whole-file BM25 over character bigrams and
//! words. Shared by `tests/search_ranking.rs` and `benches/search.rs`.

use generator::content::classify;
use generator::route::Route;
use search::engine::{Engine, Filter};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Results a probe looks at (the search box shows ten).
pub const RESULTS: usize = 10;

/// A query and the answers a person would want.
#[derive(Debug, Clone)]
pub struct Probe {
    pub collection: String,
    pub filter: Filter,
    pub kind: String,
    pub query: String,
    pub expected: Vec<Expected>,
}

/// An acceptable answer: a question by id, a question or section by the
/// line it starts on, or any part of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Anchor { file: String, id: String },
    Line { file: String, line: usize },
    Page { file: String },
}

pub fn read_probes(tsv: &str) -> Vec<Probe> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 5, "probe line needs 5 columns: {l:?}");
            let filter = match cols[1] {
                "zh" => Filter::Zh,
                "en" => Filter::En,
                "all" => Filter::Both,
                other => panic!("unknown filter {other:?} in {l:?}"),
            };
            Probe {
                collection: cols[0].to_string(),
                filter,
                kind: cols[2].to_string(),
                query: cols[3].to_string(),
                expected: cols[4].split(" | ").map(parse_expected).collect(),
            }
        })
        .collect()
}

fn parse_expected(text: &str) -> Expected {
    let text = text.trim();
    if let Some((file, id)) = text.split_once('#') {
        Expected::Anchor {
            file: file.to_string(),
            id: id.to_string(),
        }
    } else if let Some((file, line)) = text.rsplit_once(':') {
        Expected::Line {
            file: file.to_string(),
            line: line
                .parse()
                .unwrap_or_else(|_| panic!("bad line in {text:?}")),
        }
    } else {
        Expected::Page {
            file: text.to_string(),
        }
    }
}

/// A folder of notes the probes are about.
pub struct Collection {
    pub name: &'static str,
    pub root: PathBuf,
}

/// Our own content and the real notes beside the repository.
pub fn collections(repo: &Path) -> Vec<Collection> {
    let shared = repo.join("../shared");
    [
        ("content", repo.join("content")),
        ("d2l", shared.join("corpora/dive-into-dl-pytorch/docs")),
        ("pumpkin", shared.join("corpora/pumpkin-book/docs")),
        ("samples", shared.join("samples")),
    ]
    .into_iter()
    .map(|(name, root)| Collection { name, root })
    .collect()
}

/// A built site's index, fully loaded, with each document's URL and title.
pub struct SiteIndex {
    pub engine: Engine,
    pub docs: Vec<(String, String)>,
}

pub fn load_index(public: &Path) -> SiteIndex {
    let dir = public.join("search");
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut engine = Engine::from_meta(&read(dir.join("meta.txt"))).expect("meta");
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.expect("walk index");
        let name = entry
            .path()
            .strip_prefix(&dir)
            .expect("below")
            .to_string_lossy()
            .replace('\\', "/");
        if name.starts_with("shards/") || name.starts_with("vocab/") {
            engine.add_file(&name, &read(entry.path().to_path_buf()));
        }
    }
    let mut docs = Vec::new();
    for doc in 0..engine.docs {
        let (file, item) = engine.doc_location(doc);
        if item == 0 {
            let items: serde_json::Value =
                serde_json::from_str(&read(dir.join(&file))).expect("docs json");
            for item in items.as_array().expect("array") {
                docs.push((
                    item["u"].as_str().unwrap_or_default().to_string(),
                    item["t"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    SiteIndex { engine, docs }
}

impl SiteIndex {
    /// URLs of the top `n` results.
    pub fn top(&self, query: &str, filter: Filter, n: usize) -> Vec<&str> {
        self.engine
            .search(query, filter, n)
            .iter()
            .map(|hit| self.docs[hit.doc as usize].0.as_str())
            .collect()
    }
}

/// The page URL (`dir/page/`, `en/dir/page/`) of a file below a collection.
pub fn page_url(file: &str) -> String {
    let (key, lang, kind) = classify(file).unwrap_or_else(|| panic!("not a page: {file}"));
    Route { key, kind, lang }.url()
}

/// The same page in the other language.
fn other_language(url: &str) -> String {
    match url.strip_prefix("en/") {
        Some(zh) => zh.to_string(),
        None => format!("en/{url}"),
    }
}

/// The result URLs a probe accepts, and the pages they are on.
struct Accepts {
    docs: HashSet<String>,
    pages: HashSet<String>,
    /// Any result on one of `pages` will do.
    any_on_page: bool,
}

fn accepts(probe: &Probe, root: &Path) -> Accepts {
    let mut found = Accepts {
        docs: HashSet::new(),
        pages: HashSet::new(),
        any_on_page: false,
    };
    for expected in &probe.expected {
        let (file, anchor) = match expected {
            Expected::Anchor { file, id } => (file, Some(id.clone())),
            Expected::Line { file, line } => {
                let id = generator::fidelity::anchors_by_line(root, file)
                    .remove(line)
                    .unwrap_or_else(|| {
                        panic!("{file}:{line} starts no heading or question (probe {probe:?})")
                    });
                (file, Some(id))
            }
            Expected::Page { file } => {
                found.any_on_page = true;
                (file, None)
            }
        };
        let page = page_url(file);
        let mut pages = vec![page.clone()];
        if probe.filter == Filter::Both {
            pages.push(other_language(&page));
        }
        for page in pages {
            if let Some(id) = &anchor {
                found.docs.insert(if id.is_empty() {
                    page.clone()
                } else {
                    format!("{page}#{id}")
                });
            }
            found.pages.insert(page);
        }
    }
    found
}

fn page_of(url: &str) -> &str {
    url.split_once('#').map_or(url, |(page, _)| page)
}

/// How a probe fared with one engine: 1-based ranks of the first
/// acceptable result and of the first result on an acceptable page.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub rank: Option<usize>,
    pub page_rank: Option<usize>,
    pub results: usize,
    /// The first results, for the failure table.
    pub top: Vec<String>,
}

fn outcome(urls: &[&str], accepts: &Accepts) -> Outcome {
    let rank = urls.iter().position(|u| {
        accepts.docs.contains(*u) || accepts.any_on_page && accepts.pages.contains(page_of(u))
    });
    let mut pages: Vec<&str> = Vec::new();
    for url in urls {
        if !pages.contains(&page_of(url)) {
            pages.push(page_of(url));
        }
    }
    let page_rank = pages.iter().position(|p| accepts.pages.contains(*p));
    Outcome {
        rank: rank.map(|r| r + 1),
        page_rank: page_rank.map(|r| r + 1),
        results: urls.len(),
        top: urls.iter().take(3).map(|u| u.to_string()).collect(),
    }
}

/// Counts over the probes of one collection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub probes: usize,
    pub rank1: usize,
    pub top3: usize,
    pub zero: usize,
    pub page_rank1: usize,
    pub page_top3: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.probes += 1;
        self.rank1 += usize::from(o.rank == Some(1));
        self.top3 += usize::from(o.rank.is_some_and(|r| r <= 3));
        self.zero += usize::from(o.results == 0);
        self.page_rank1 += usize::from(o.page_rank == Some(1));
        self.page_top3 += usize::from(o.page_rank.is_some_and(|r| r <= 3));
    }

    pub fn merge(&mut self, other: &Tally) {
        self.probes += other.probes;
        self.rank1 += other.rank1;
        self.top3 += other.top3;
        self.zero += other.zero;
        self.page_rank1 += other.page_rank1;
        self.page_top3 += other.page_top3;
    }

    pub fn share(&self, count: usize) -> f64 {
        count as f64 / self.probes.max(1) as f64
    }
}

/// The results of one collection's probes.
pub struct Report {
    pub name: String,
    pub engine: Tally,
    pub baseline: Tally,
    /// One line per probe that missed rank 1.
    pub misses: Vec<String>,
}

/// Runs `probes` (those of `collection`) on the site index and the baseline.
pub fn evaluate(
    collection: &Collection,
    probes: &[Probe],
    site: &SiteIndex,
    baseline: &Baseline,
) -> Report {
    let mut report = Report {
        name: collection.name.to_string(),
        engine: Tally::default(),
        baseline: Tally::default(),
        misses: Vec::new(),
    };
    for probe in probes.iter().filter(|p| p.collection == collection.name) {
        let accepts = accepts(probe, &collection.root);
        let ours = outcome(&site.top(&probe.query, probe.filter, RESULTS), &accepts);
        let floor = baseline.top(&probe.query, probe.filter, RESULTS);
        let floor = outcome(
            &floor.iter().map(String::as_str).collect::<Vec<_>>(),
            &Accepts {
                any_on_page: true,
                ..accepts
            },
        );
        report.engine.add(&ours);
        report.baseline.add(&floor);
        if ours.rank != Some(1) {
            report.misses.push(format!(
                "{:<8} {:<7} {:<34} rank {:<4} page rank {:<4} baseline page rank {:<4} got {:?}",
                collection.name,
                probe.kind,
                format!("{:?}", probe.query),
                ours.rank.map_or("-".into(), |r| r.to_string()),
                ours.page_rank.map_or("-".into(), |r| r.to_string()),
                floor.page_rank.map_or("-".into(), |r| r.to_string()),
                ours.top
            ));
        }
    }
    report
}

/// The side-by-side table: per collection, the engine (by question or
/// section, and by page) and the baseline (by page: it only knows files).
pub fn table(reports: &[Report]) -> String {
    let mut out = format!(
        "{:<9} {:>6}  {:>21}  {:>21}  {:>5}  | {:>21}  {:>5}\n",
        "", "probes", "engine rank-1", "engine top-3", "zero", "baseline page rank-1", "zero"
    );
    let mut all = (Tally::default(), Tally::default());
    let row = |name: &str, e: &Tally, b: &Tally| {
        format!(
            "{:<9} {:>6}  {:>4} {:>5.1}% (page {:>5.1}%)  {:>4} {:>5.1}% (page {:>5.1}%)  {:>5}  | {:>4} {:>5.1}% (top-3 {:>5.1}%)  {:>5}\n",
            name,
            e.probes,
            e.rank1,
            100.0 * e.share(e.rank1),
            100.0 * e.share(e.page_rank1),
            e.top3,
            100.0 * e.share(e.top3),
            100.0 * e.share(e.page_top3),
            e.zero,
            b.page_rank1,
            100.0 * b.share(b.page_rank1),
            100.0 * b.share(b.page_top3),
            b.zero
        )
    };
    for r in reports {
        out.push_str(&row(&r.name, &r.engine, &r.baseline));
        all.0.merge(&r.engine);
        all.1.merge(&r.baseline);
    }
    out.push_str(&row("all", &all.0, &all.1));
    out
}

/// The floor: whole files ranked by BM25 over character bigrams (a lone
/// character when a run has one) and lowercase words, no stemming, no stop
/// words, any term may match.
pub struct Baseline {
    /// (page URL, language is English, term frequencies, length)
    files: Vec<(String, bool, HashMap<String, f32>, f32)>,
    df: HashMap<String, usize>,
    avg_len: f32,
}

impl Baseline {
    pub fn new(root: &Path) -> Baseline {
        let mut files = Vec::new();
        let mut df: HashMap<String, usize> = HashMap::new();
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.expect("walk notes");
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .expect("below")
                .to_string_lossy()
                .replace('\\', "/");
            // Navigation files (`_sidebar.md`, `SUMMARY.md`) are not pages.
            if classify(&rel).is_none() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let mut tf: HashMap<String, f32> = HashMap::new();
            for term in baseline_terms(&text) {
                *tf.entry(term).or_default() += 1.0;
            }
            for term in tf.keys() {
                *df.entry(term.clone()).or_default() += 1;
            }
            let len = tf.values().sum();
            files.push((page_url(&rel), rel.ends_with(".en.md"), tf, len));
        }
        let avg_len = files.iter().map(|f| f.3).sum::<f32>() / files.len().max(1) as f32;
        Baseline { files, df, avg_len }
    }

    /// Page URLs of the best `n` files.
    pub fn top(&self, query: &str, filter: Filter, n: usize) -> Vec<String> {
        let terms: HashSet<String> = baseline_terms(query).into_iter().collect();
        let count = self.files.len() as f32;
        let mut scored: Vec<(f32, &str)> = self
            .files
            .iter()
            .filter(|(_, en, _, _)| match filter {
                Filter::Both => true,
                Filter::Zh => !en,
                Filter::En => *en,
            })
            .filter_map(|(url, _, tf, len)| {
                let score: f32 = terms
                    .iter()
                    .filter_map(|t| {
                        let f = *tf.get(t)?;
                        let df = self.df[t] as f32;
                        let idf = (1.0 + (count - df + 0.5) / (df + 0.5)).ln();
                        Some(idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / self.avg_len)))
                    })
                    .sum();
                (score > 0.0).then_some((score, url.as_str()))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, url)| url.to_string())
            .collect()
    }
}

/// Character bigrams of CJK runs (the character of a one-character run)
/// and lowercase ASCII words.
fn baseline_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, terms: &mut Vec<String>| {
        if run.len() == 1 {
            terms.push(run[0].to_string());
        }
        terms.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
        run.clear();
    };
    for ch in text.chars() {
        if search::tokenize::is_cjk(ch) {
            if !word.is_empty() {
                terms.push(std::mem::take(&mut word));
            }
            run.push(ch);
        } else {
            flush_run(&mut run, &mut terms);
            if ch.is_ascii_alphanumeric() {
                word.push(ch.to_ascii_lowercase());
            } else if !word.is_empty() {
                terms.push(std::mem::take(&mut word));
            }
        }
    }
    flush_run(&mut run, &mut terms);
    if !word.is_empty() {
        terms.push(word);
    }
    terms
}
