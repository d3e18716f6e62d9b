//! Site configuration from an optional `config.toml`; every field has a default
//! so that any folder of notes builds with no configuration at all.

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Site title in Chinese and English.
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    /// Absolute URL where the site is published, e.g. `https://user.github.io/repo/`.
    /// Used for the sitemap, canonical links and the 404 page; all other links are relative.
    pub base_url: String,
    /// Theme folder name below `themes/` in the site folder (overrides the built-in theme file by file).
    pub theme: String,
    /// Build the search index and show the search box (`search = false`
    /// for a site that needs neither).
    pub search: bool,
    /// Publish the playground gallery `/play/` (by default only when the
    /// content uses a playground).
    pub playground: Option<bool>,
    /// Study mode: answers that fold, self-grading with spaced repetition,
    /// the drill page and the Anki deck (`study = false` for none of it).
    pub study: bool,
}

impl Default for Config {
    fn default() -> Self {
        // No title or description of our own: a folder of someone's notes
        // is titled after itself (see `Site::site_title`).
        Config {
            title: String::new(),
            title_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            base_url: "/".to_string(),
            theme: "default".to_string(),
            search: true,
            playground: None,
            study: true,
        }
    }
}

impl Config {
    /// Reads `path` if it exists; a missing file gives the defaults.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        if !path.exists() {
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(path)?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))
    }

    /// The configured title in `lang` (the other language's when only that
    /// one is set); empty when none is.
    pub fn title(&self, lang: crate::lang::Lang) -> &str {
        let (own, other) = match lang {
            crate::lang::Lang::Zh => (&self.title, &self.title_en),
            crate::lang::Lang::En => (&self.title_en, &self.title),
        };
        if own.is_empty() {
            other
        } else {
            own
        }
    }

    pub fn description(&self, lang: crate::lang::Lang) -> &str {
        let (own, other) = match lang {
            crate::lang::Lang::Zh => (&self.description, &self.description_en),
            crate::lang::Lang::En => (&self.description_en, &self.description),
        };
        if own.is_empty() {
            other
        } else {
            own
        }
    }

    /// The base URL with exactly one trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }

    /// The path part of the base URL (`/repo/` for `https://user.github.io/repo/`).
    pub fn base_path(&self) -> String {
        let url = self.base_url();
        let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        let path = if url.contains("://") {
            after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
        } else {
            after_scheme
        };
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_of_a_sub_path_site() {
        let c = Config {
            base_url: "https://user.github.io/repo".into(),
            ..Config::default()
        };
        assert_eq!(c.base_url(), "https://user.github.io/repo/");
        assert_eq!(c.base_path(), "/repo/");
        assert_eq!(Config::default().base_path(), "/");
    }
}
