//! Routes: which output page shows which page key in which language, and
//! the URLs and templates that follow from that. Pure; no site needed.

use crate::content::PageKind;
use crate::lang::Lang;

/// One output page: which page key, in which language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub key: String,
    pub kind: PageKind,
    pub lang: Lang,
}

impl Route {
    /// URL path from the site root, without a leading slash: `en/foundations/softmax/`.
    pub fn url(&self) -> String {
        url_of(&self.key, self.lang)
    }

    pub fn output_file(&self) -> String {
        format!("{}index.html", self.url())
    }

    /// The template this route is rendered with.
    pub fn template(&self) -> &'static str {
        match self.kind {
            PageKind::Home => "home.html",
            PageKind::Section => "section.html",
            PageKind::Chapter => "page.html",
        }
    }
}

/// URL path of page `key` in `lang` (`""` is the home page).
pub fn url_of(key: &str, lang: Lang) -> String {
    if key.is_empty() {
        lang.url_prefix().to_string()
    } else {
        format!("{}{key}/", lang.url_prefix())
    }
}

/// `../` once per folder level of a URL path, so that links work under any base path.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_root_prefixes() {
        assert_eq!(url_of("", Lang::En), "en/");
        assert_eq!(url_of("a/x", Lang::Zh), "a/x/");
        assert_eq!(root_prefix("en/a/x/"), "../../../");
        assert_eq!(root_prefix(""), "");
    }
}
