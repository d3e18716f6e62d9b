//! The two languages of the site and everything that differs between them:
//! file suffixes, URL prefixes and the interface strings of the theme.

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

    /// Interface strings for templates (`{{ t.questions }}`), built once per language.
    pub fn ui_strings(self) -> serde_json::Value {
        static STRINGS: std::sync::OnceLock<[serde_json::Value; 2]> = std::sync::OnceLock::new();
        let [zh, en] =
            STRINGS.get_or_init(|| [Lang::Zh.build_ui_strings(), Lang::En.build_ui_strings()]);
        match self {
            Lang::Zh => zh.clone(),
            Lang::En => en.clone(),
        }
    }

    fn build_ui_strings(self) -> serde_json::Value {
        let (zh, en) = (self == Lang::Zh, self == Lang::En);
        let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
        debug_assert!(zh ^ en);
        serde_json::json!({
            "home": pick("首页", "Home"),
            "questions": pick("题目", "Questions"),
            "question_count": pick("道题", "questions"),
            "sections": pick("章节", "Sections"),
            "chapters": pick("篇目", "Chapters"),
            "on_this_page": pick("本页题目", "On this page"),
            "not_translated": pick(
                "本页还没有中文版，下面显示的是英文原文。",
                "This page has not been translated into English yet; the Chinese original is shown below."
            ),
            "permalink": pick("本题链接", "Link to this question"),
            "search_placeholder": pick("搜索题目…  (按 / )", "Search questions…  (press /)"),
            "search_label": pick("搜索", "Search"),
            "theme_toggle": pick("切换深色/浅色", "Toggle dark/light"),
            "switch_to": pick("English", "中文"),
            "not_found_title": pick("页面不存在", "Page not found"),
            "not_found_text": pick("找不到这个页面。可以回到首页，或者用上面的搜索框找题目。", "This page does not exist. Go back to the home page, or search for a question above."),
            "back_home": pick("回到首页", "Back to the home page"),
            "playground": pick("动手试一试", "Try it yourself"),
            "playground_fallback": pick("交互演示需要 JavaScript。", "The interactive demo needs JavaScript."),
            "prev": pick("上一篇", "Previous"),
            "next": pick("下一篇", "Next"),
        })
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
