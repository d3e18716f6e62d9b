//! The two languages of the site and everything that differs between them:
//! file suffixes and URL prefixes (interface strings are the theme's: `i18n.rs`).

use serde::Serialize;

/// A site language. Chinese is the default: `foo.md` is Chinese, `foo.en.md` English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Lang {
    #[serde(rename = "zh")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 code used in `lang=` and `hreflang=` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Where this language's pages live below the site root (`""` or `"en/"`).
    pub fn url_prefix(self) -> &'static str {
        match self {
            Lang::Zh => "",
            Lang::En => "en/",
        }
    }

    /// The name of the language written in that language, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }
}

/// Splits a content file name into its page stem and language:
/// `softmax.md` → (`softmax`, Zh), `softmax.en.md` → (`softmax`, En).
/// Returns `None` for files that are not markdown.
pub fn split_lang(file_name: &str) -> Option<(&str, Lang)> {
    let stem = file_name.strip_suffix(".md")?;
    Some(match stem.strip_suffix(".en") {
        Some(base) => (base, Lang::En),
        None => (stem.strip_suffix(".zh").unwrap_or(stem), Lang::Zh),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_languages() {
        assert_eq!(split_lang("softmax.md"), Some(("softmax", Lang::Zh)));
        assert_eq!(split_lang("softmax.en.md"), Some(("softmax", Lang::En)));
        assert_eq!(split_lang("softmax.zh.md"), Some(("softmax", Lang::Zh)));
        assert_eq!(split_lang("_index.en.md"), Some(("_index", Lang::En)));
        assert_eq!(split_lang("image.png"), None);
    }
}
