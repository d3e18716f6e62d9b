//! The tokenizer shared by indexing and querying.
//!
//! Text is folded first (full-width letters and digits to ASCII, `×` to `x`,
//! ideographic space to a space, lowercase), then split into runs: a run of
//! CJK characters gives its characters (unigrams) and adjacent pairs
//! (bigrams); a run of letters, digits and `_` gives one English word,
//! stemmed (`requires_grad` also gives its parts). Anything else separates
//! tokens. `BN反向传播` is `bn` + 反 向 传 播 反向 向传 传播.
//!
//! Words that only shape a question (的, 怎么, 原理, how, does, the) are told
//! apart here, so that the index and the queries agree on them: see
//! [`is_particle`], [`is_stop_pair`] and [`Token::Stop`]. One-character
//! Latin words (`x`, `k`, `1`) carry nothing and are dropped.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;

/// A token lends its term instead of owning it: CJK characters and pairs
/// are slices of the text (`'t`), a stemmed word lives in the tokenizer's
/// buffer (`'w`) until the next token. Indexing a large site so allocates
/// only for the terms it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'t, 'w> {
    /// A single CJK character.
    Char(&'t str),
    /// Two adjacent CJK characters.
    Pair(&'t str),
    /// A stemmed English word (or number, or identifier) of two or more
    /// characters, and the word as written (lowercase).
    Word(&'w str, &'w str),
    /// An English word that only shapes a question (`how`, `does`), lowercase, unstemmed.
    Stop(&'w str),
}

impl<'t> Token<'t, '_> {
    pub fn term(&self) -> &str {
        match *self {
            Token::Char(t) | Token::Pair(t) | Token::Word(t, _) | Token::Stop(t) => t,
        }
    }
}

/// Full-width ASCII → ASCII, `×` → `x` (`3×3` is the word `3x3`),
/// ideographic space → space, then lowercase.
pub fn fold(ch: char) -> char {
    if ch.is_ascii() {
        return ch.to_ascii_lowercase();
    }
    let ch = match ch {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        '\u{3000}' => ' ',
        '×' | '✕' => 'x',
        other => other,
    };
    lowercase(ch)
}

/// Lowercase for the scripts notes mix with Chinese (Latin, Greek,
/// Cyrillic); other characters stay as they are. Small on purpose: the
/// full Unicode tables would add a fifth to the browser's download.
fn lowercase(ch: char) -> char {
    if ch.is_ascii() {
        return ch.to_ascii_lowercase();
    }
    let c = ch as u32;
    let lower = match c {
        0xC0..=0xDE if c != 0xD7 => c + 0x20,
        0x100..=0x17F if c.is_multiple_of(2) && !matches!(c, 0x130 | 0x138) => c + 1,
        0x391..=0x3AB if c != 0x3A2 => c + 0x20,
        0x400..=0x40F => c + 0x50,
        0x410..=0x42F => c + 0x20,
        _ => c,
    };
    char::from_u32(lower).unwrap_or(ch)
}

pub fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// A character of a word: letters and digits of the scripts notes mix with
/// Chinese (Latin, Greek, Cyrillic), and `_` inside identifiers.
pub fn is_word_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric()
        || ch == '_'
        || matches!(ch as u32, 0xC0..=0x24F | 0x370..=0x3FF | 0x400..=0x52F)
            && !matches!(ch, '×' | '÷')
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// English words that shape a question but say nothing about its topic.
/// Checked before stemming (`does` would stem to `doe`).
const STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could",
    "describe", "did", "do", "does", "explain", "for", "from", "get", "had", "has", "have", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "should", "so",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "use", "used", "using", "was", "we", "were", "when", "where", "which", "while", "who",
    "will", "with", "would", "you", "your",
];

/// Question words, Chinese and English, by what they ask: a query's
/// question words are not matched, but answers whose titles ask the same
/// come first among equals (`过拟合怎么办` → `如何解决高方差（过拟合）？`).
const INTENTS: &[(&str, &[&str])] = &[
    (
        "why",
        &["为什么", "为何", "原因", "why", "reason", "reasons"],
    ),
    (
        "what",
        &[
            "什么是",
            "是什么",
            "什么",
            "会怎样",
            "会怎么样",
            "会如何",
            "会不会",
            "含义",
            "概念",
            "what",
            "definition",
            "meaning",
        ],
    ),
    (
        "how",
        &[
            "如何",
            "怎么",
            "怎样",
            "怎么样",
            "怎么算",
            "如何算",
            "怎样算",
            "怎么求",
            "如何求",
            "原理",
            "方法",
            "思想",
            "本质",
            "how",
            "principle",
            "idea",
            "intuition",
        ],
    ),
    (
        "fix",
        &[
            "怎么办",
            "解决",
            "防止",
            "避免",
            "缓解",
            "应对",
            "克服",
            "改善",
            "fix",
            "prevent",
            "avoid",
            "solve",
            "handle",
            "mitigate",
            "alleviate",
            "overcome",
            "remedy",
            "remedies",
        ],
    ),
    (
        "diff",
        &[
            "区别",
            "不同",
            "异同",
            "差异",
            "对比",
            "比较",
            "联系",
            "关系",
            "difference",
            "differences",
            "differ",
            "compare",
            "versus",
            "vs",
            "between",
        ],
    ),
    (
        "role",
        &[
            "作用", "用途", "用处", "好处", "意义", "purpose", "role", "benefit", "benefits",
        ],
    ),
    (
        "traits",
        &[
            "优点",
            "缺点",
            "优缺点",
            "特点",
            "优势",
            "劣势",
            "局限",
            "不足",
            "弊端",
            "advantage",
            "advantages",
            "disadvantage",
            "disadvantages",
            "drawback",
            "drawbacks",
            "pros",
            "cons",
            "weakness",
            "limitation",
            "limitations",
        ],
    ),
];

/// What a question word asks (`怎么办` → `fix`), if it is one.
pub fn intent_of(word: &str) -> Option<&'static str> {
    INTENTS
        .iter()
        .find(|(_, words)| words.contains(&word))
        .map(|(intent, _)| *intent)
}

pub fn is_stop_word(word: &str) -> bool {
    // A look in a short list: few words are checked at a time, except while
    // indexing, where they are looked up in a set made once.
    #[cfg(not(target_arch = "wasm32"))]
    {
        static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
        SET.get_or_init(|| english_stop_words().collect())
            .contains(word)
    }
    #[cfg(target_arch = "wasm32")]
    {
        english_stop_words().any(|w| w == word)
    }
}

/// Every English question word: [`STOP_WORDS`] and the English words of [`INTENTS`].
fn english_stop_words() -> impl Iterator<Item = &'static str> {
    let intents = INTENTS.iter().flat_map(|(_, words)| words.iter());
    STOP_WORDS
        .iter()
        .chain(intents)
        .copied()
        .filter(|w| w.is_ascii())
}

/// Chinese characters that only glue a sentence together (的 了 与 和 是 吗 …):
/// never a term of their own, and a pair that holds one is never a term either.
pub fn is_particle(ch: char) -> bool {
    matches!(
        ch,
        '的' | '了'
            | '吗'
            | '呢'
            | '吧'
            | '啊'
            | '呀'
            | '与'
            | '和'
            | '及'
            | '或'
            | '是'
            | '之'
            | '么'
            | '哪'
    )
}

/// Chinese words that shape a question (怎么办, 如何, 原理, 区别 …), with
/// the question words of [`INTENTS`]: a query drops them from its matching
/// terms.
const STOP_WORDS_ZH: &[&str] = &[
    "有没有",
    "有什么",
    "有哪些",
    "能否",
    "可否",
    "哪些",
    "哪个",
    "哪种",
    "是否",
    "介绍",
    "简述",
    "说说",
    "讲讲",
    "谈谈",
    "解释",
    "一下",
    "请问",
    "需要",
    "可以",
    "应该",
    "要用",
    "一般",
    "通常",
    "分别",
    "各自",
    "以及",
    "或者",
    "还是",
];

/// Every Chinese question word: [`STOP_WORDS_ZH`] and the Chinese words of [`INTENTS`].
pub fn chinese_stop_words() -> impl Iterator<Item = &'static str> {
    let intents = INTENTS.iter().flat_map(|(_, words)| words.iter());
    STOP_WORDS_ZH
        .iter()
        .chain(intents)
        .copied()
        .filter(|w| !w.is_ascii())
}

/// A pair of characters that holds a particle or lies inside a question
/// word: not indexed, because no query asks for it.
pub fn is_stop_pair(pair: &str) -> bool {
    let mut chars = pair.chars();
    let (Some(a), Some(b)) = (chars.next(), chars.next()) else {
        return false;
    };
    // Most pairs fail the first look (a bit set); the rest are looked up.
    is_particle(a)
        || is_particle(b)
        || (stop_word_chars().contains(a) && stop_word_pairs().contains(&(a, b)))
}

/// The pairs of neighbouring characters inside the Chinese question words.
/// Every pair of every indexed text is looked up: a set, not a scan of the words.
fn stop_word_pairs() -> &'static std::collections::HashSet<(char, char)> {
    static PAIRS: OnceLock<std::collections::HashSet<(char, char)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        chinese_stop_words()
            .flat_map(|w| {
                let chars: Vec<char> = w.chars().collect();
                chars.windows(2).map(|p| (p[0], p[1])).collect::<Vec<_>>()
            })
            .collect()
    })
}

/// The characters of the Chinese question words.
fn stop_word_chars() -> &'static CharSet {
    static CHARS: OnceLock<CharSet> = OnceLock::new();
    CHARS.get_or_init(|| {
        let mut set = CharSet::default();
        for ch in chinese_stop_words().flat_map(str::chars) {
            set.insert(ch);
        }
        set
    })
}

/// A set of characters of the main CJK block, one bit each.
#[derive(Default)]
struct CharSet {
    bits: Vec<u64>,
}

impl CharSet {
    const BASE: u32 = 0x4E00;

    fn slot(ch: char) -> Option<(usize, u32)> {
        let i = (ch as u32).checked_sub(Self::BASE)?;
        Some(((i / 64) as usize, i % 64))
    }

    fn insert(&mut self, ch: char) {
        if let Some((word, bit)) = Self::slot(ch) {
            if self.bits.len() <= word {
                self.bits.resize(word + 1, 0);
            }
            self.bits[word] |= 1 << bit;
        }
    }

    fn contains(&self, ch: char) -> bool {
        Self::slot(ch)
            .and_then(|(word, bit)| self.bits.get(word).map(|w| w & (1 << bit) != 0))
            .unwrap_or(false)
    }
}

/// What the question words of a title ask, as the terms that let them
/// break ties between equally good answers (`~why`, `~diff`).
pub fn title_intent_terms(title: &str) -> Vec<String> {
    let chars: Vec<char> = title.chars().map(fold).collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chinese_stop_word_at(&chars[i..]) {
            Some(word) => {
                terms.extend(intent_of(word).map(intent_term));
                i += word.chars().count();
            }
            None => i += 1,
        }
    }
    each_token(title, |t| {
        if let Token::Stop(w) = t {
            terms.extend(intent_of(w).map(intent_term));
        }
    });
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The longest Chinese question word at the start of `chars`, if any.
pub fn chinese_stop_word_at(chars: &[char]) -> Option<&'static str> {
    let first = *chars.first()?;
    if !stop_word_chars().contains(first) {
        return None;
    }
    longest_first()
        .iter()
        .find(|(_, word)| chars.starts_with(word))
        .map(|(word, _)| *word)
}

/// The Chinese question words as characters, longest first (so the first
/// that starts a text is the longest): every title of a site is scanned
/// for them while indexing.
fn longest_first() -> &'static [(&'static str, Vec<char>)] {
    static WORDS: OnceLock<Vec<(&'static str, Vec<char>)>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<(&'static str, Vec<char>)> = chinese_stop_words()
            .map(|w| (w, w.chars().collect()))
            .collect();
        words.sort_by_key(|(_, chars)| std::cmp::Reverse(chars.len()));
        words
    })
}

/// The index term of an intent found in a title.
pub fn intent_term(intent: &str) -> String {
    format!("~{intent}")
}

/// Calls `visit` with every token of `text`, in order.
pub fn each_token<'t>(text: &'t str, mut visit: impl FnMut(Token<'t, '_>)) {
    let mut word = String::new();
    // Byte offset of the previous character, if it was a CJK one.
    let mut previous_cjk: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, raw)) = chars.next() {
        let ch = fold(raw);
        if ch == '-'
            && !word.is_empty()
            && chars.peek().is_some_and(|&(_, c)| is_word_char(fold(c)))
        {
            // `k-means`, `warm-up`, `2-D`: one word, as people also type it.
            word.push('-');
            continue;
        }
        if is_cjk(ch) {
            flush_word(&mut word, &mut visit);
            let end = i + raw.len_utf8();
            visit(Token::Char(&text[i..end]));
            if let Some(start) = previous_cjk {
                visit(Token::Pair(&text[start..end]));
            }
            previous_cjk = Some(i);
        } else if is_word_char(ch) {
            previous_cjk = None;
            word.push(ch);
        } else {
            previous_cjk = None;
            flush_word(&mut word, &mut visit);
        }
    }
    flush_word(&mut word, &mut visit);
}

/// Words longer than this are hashes or data, not words.
const MAX_WORD_CHARS: usize = 40;

/// Hands the word gathered so far to `visit`: stemmed, or, for an
/// identifier (`set_detect_anomaly`) or a hyphenated word (`k-means`), the
/// whole word (identifiers as written, the others joined and stemmed:
/// `kmean`) and its parts.
fn flush_word<'t>(word: &mut String, visit: &mut impl FnMut(Token<'t, '_>)) {
    let trimmed = word.trim_matches(['_', '-']);
    if trimmed.chars().count() >= 2 && trimmed.len() <= MAX_WORD_CHARS * 4 {
        let parts = trimmed.split(['_', '-']).filter(|p| !p.is_empty());
        if parts.clone().count() >= 2 {
            let joined = trimmed.replace('-', "");
            if joined.contains('_') {
                visit(Token::Word(&joined, &joined));
            } else {
                visit_word(&joined, visit);
            }
            for part in parts {
                visit_word(part, visit);
            }
        } else {
            visit_word(&trimmed.replace(['_', '-'], ""), visit);
        }
    }
    word.clear();
}

fn visit_word<'t>(word: &str, visit: &mut impl FnMut(Token<'t, '_>)) {
    let count = word.chars().count();
    if !(2..=MAX_WORD_CHARS).contains(&count) {
        return;
    }
    if is_stop_word(word) {
        visit(Token::Stop(word));
    } else {
        visit(Token::Word(&stem(word), word));
    }
}

/// The stem of a lowercase word (Snowball English; numbers stay as they are).
pub fn stem(word: &str) -> std::borrow::Cow<'_, str> {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        return word.into();
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        stem_remembered(word).into()
    }
    #[cfg(target_arch = "wasm32")]
    {
        stemmer().stem(word)
    }
}

/// Indexing stems the same words over and over (names in code, a page's
/// topic): each thread remembers the stems it has made.
#[cfg(not(target_arch = "wasm32"))]
fn stem_remembered(word: &str) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    STEMS.with(|stems| {
        let mut stems = stems.borrow_mut();
        if let Some(stem) = stems.get(word) {
            return stem.clone();
        }
        if stems.len() > 100_000 {
            stems.clear();
        }
        let stem = stemmer().stem(word).into_owned();
        stems.insert(word.to_string(), stem.clone());
        stem
    })
}

/// Formatting commands of TeX that say nothing a reader would search for.
const TEX_LAYOUT: &[&str] = &[
    "aligned",
    "array",
    "begin",
    "big",
    "bigg",
    "boldsymbol",
    "cases",
    "cdots",
    "ddots",
    "displaystyle",
    "dots",
    "end",
    "gathered",
    "ldots",
    "left",
    "limits",
    "mathbb",
    "mathbf",
    "mathcal",
    "mathit",
    "mathrm",
    "mathsf",
    "mbox",
    "operatorname",
    "qquad",
    "quad",
    "right",
    "split",
    "text",
    "textbf",
    "textstyle",
    "vdots",
];

/// A formula's source as searchable text: layout commands dropped, `1\times 1`
/// as `1x1` (how people type it).
pub fn tex_text(tex: &str) -> std::borrow::Cow<'_, str> {
    if !tex.contains('\\') {
        return tex.into();
    }
    let mut out = String::with_capacity(tex.len());
    let mut rest = tex;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let name = &after[..name_len];
        if name == "times" && out.trim_end().ends_with(|c: char| c.is_ascii_digit()) {
            out.truncate(out.trim_end().len());
            out.push('x');
            rest = after[name_len..].trim_start();
            continue;
        }
        if !TEX_LAYOUT.contains(&name) {
            out.push(' ');
            out.push_str(name);
        }
        out.push(' ');
        let skip = if name_len == 0 {
            after.chars().next().map_or(0, char::len_utf8)
        } else {
            name_len
        };
        rest = &after[skip..];
        // `\begin{aligned}`: the environment's name is layout too.
        if matches!(name, "begin" | "end") && rest.starts_with('{') {
            rest = rest.find('}').map_or(rest, |close| &rest[close + 1..]);
        }
    }
    out.push_str(rest);
    out.into()
}

/// Splits text into prose and inline formulas (`$…$`, as the generator
/// writes them): `(is_formula, piece)`.
pub fn split_formulas(text: &str) -> impl Iterator<Item = (bool, &str)> {
    text.split('$')
        .enumerate()
        .map(|(i, piece)| (i % 2 == 1, piece))
        .filter(|(_, piece)| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms of all tokens of `text`, in order.
    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_token(text, |t| out.push(t.term().to_string()));
        out
    }

    #[test]
    fn chinese_gives_unigrams_and_bigrams() {
        assert_eq!(terms("感受野"), ["感", "受", "感受", "野", "受野"]);
    }

    #[test]
    fn mixed_text_splits_on_script_changes() {
        assert_eq!(terms("BN反向"), ["bn", "反", "向", "反向"]);
        assert_eq!(terms("BN 反向"), ["bn", "反", "向", "反向"]);
    }

    #[test]
    fn english_is_lowercased_and_stemmed_and_stop_words_are_marked() {
        assert_eq!(
            terms("Norms normalization Receptive fields"),
            ["norm", "normal", "recept", "field"]
        );
        assert_eq!(terms("norm"), terms("Norms"));
        let mut stops = Vec::new();
        each_token("How does it work", |t| {
            if let Token::Stop(w) = t {
                stops.push(w.to_string());
            }
        });
        assert_eq!(stops, ["how", "does", "it"]);
    }

    #[test]
    fn identifiers_give_themselves_and_their_parts() {
        assert_eq!(
            terms("torch.no_grad() set_detect_anomaly"),
            [
                "torch",
                "no_grad",
                "no",
                "grad",
                "set_detect_anomaly",
                "set",
                "detect",
                "anomali"
            ]
        );
        assert_eq!(terms("__init__ x_1 _"), ["init", "x_1"]);
    }

    #[test]
    fn hyphenated_words_are_one_word_and_their_parts() {
        assert_eq!(
            terms("K-means warm-up 2-D"),
            ["kmean", "mean", "warmup", "warm", "up", "2d"]
        );
        assert!(terms("a - b --x").is_empty());
    }

    #[test]
    fn latin_greek_and_cyrillic_fold_to_lowercase() {
        let folded: String = "ÉCOLE Ĳ ΑΒΓ ДЖ Ё".chars().map(fold).collect();
        assert_eq!(folded, "école ĳ αβγ дж ё");
        assert!(is_word_char('é') && is_word_char('λ'));
        assert!(!is_word_char('，') && !is_word_char('×'));
    }

    #[test]
    fn one_letter_words_are_dropped_and_times_is_x() {
        assert_eq!(terms("x + k = 1"), Vec::<String>::new());
        assert_eq!(terms("3×3 卷积"), ["3x3", "卷", "积", "卷积"]);
        assert_eq!(terms("ＢＮ"), ["bn"]);
        assert_eq!(fold('\u{3000}'), ' ');
    }

    #[test]
    fn particles_and_question_words_are_stop_pairs() {
        assert!(is_stop_pair("的区"));
        assert!(is_stop_pair("区别"));
        assert!(is_stop_pair("为什"));
        assert!(
            is_stop_pair("饱和"),
            "a pair with a particle is never a term"
        );
        assert!(!is_stop_pair("卷积"));
        assert_eq!(
            title_intent_terms("BN 在训练和推理时有什么区别？ How"),
            ["~diff", "~how"]
        );
        assert_eq!(title_intent_terms("为什么用 ReLU"), ["~why"]);
        assert_eq!(
            title_intent_terms("如何解决高方差（过拟合）？"),
            ["~fix", "~how"]
        );
    }

    #[test]
    fn formulas_read_as_people_type_them() {
        assert_eq!(tex_text(r"1\times 1"), "1x1");
        assert!(matches!(tex_text("x + y"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(terms(&tex_text(r"\sqrt{d_k}")), ["sqrt", "d_k"]);
        assert_eq!(
            terms(&tex_text(r"\boldsymbol{w}^{\mathrm{T}}\boldsymbol{x}_i")),
            Vec::<String>::new()
        );
        assert_eq!(
            terms(&tex_text(r"\frac{a}{b} \\ \alpha")),
            ["frac", "alpha"]
        );
        assert_eq!(
            terms(&tex_text(r"\begin{aligned} ab \end{aligned}")),
            ["ab"]
        );
        let pieces: Vec<_> = split_formulas("除以 $\\sqrt{d_k}$ 是为了").collect();
        assert_eq!(
            pieces,
            [(false, "除以 "), (true, "\\sqrt{d_k}"), (false, " 是为了")]
        );
    }
}
