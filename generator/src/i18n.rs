//! Interface strings: one table per language, owned by the theme
//! (`themes/default/i18n/{zh,en}.toml`, overridable key by key by a site's
//! theme). Templates read it as `t`, the generator through [`Strings::get`],
//! the browser scripts from the JSON each page carries ([`Strings::script_json`]).
//! No interface text lives anywhere else, except in the playground widget,
//! which runs on other people's pages too and so carries its own.

use crate::lang::Lang;
use serde_json::{Map, Value};

/// The tables of the scripts, put into pages as JSON: search's when the
/// site has search, study mode's (`study`, `drill`) when it has study mode.
const SEARCH_TABLES: &[&str] = &["search"];
const STUDY_TABLES: &[&str] = &["study", "drill"];

/// One language's interface strings.
#[derive(Debug, Clone)]
pub struct Strings {
    /// `t` in templates: keys, and tables of keys (`play.copy`).
    pub table: Value,
    /// The scripts' tables as JSON, safe inside `<script>` (no `<`), for
    /// each combination of search and study mode (see [`Strings::script_json`]).
    scripts: [String; 4],
}

impl Strings {
    /// The table from the default theme's TOML with `overrides` (a theme's
    /// own file, if any) merged over it key by key.
    pub fn parse(default: &str, overrides: Option<&str>) -> anyhow::Result<Strings> {
        let mut table: Value = toml::from_str::<toml::Value>(default)
            .map(to_json)
            .map_err(|e| anyhow::anyhow!("the default strings: {e}"))?;
        if let Some(text) = overrides {
            let own = toml::from_str::<toml::Value>(text).map(to_json)?;
            merge(&mut table, own);
        }
        let scripts = [0, 1, 2, 3].map(|flags| {
            let search = SEARCH_TABLES.iter().filter(|_| flags & 1 != 0);
            let study = STUDY_TABLES.iter().filter(|_| flags & 2 != 0);
            let tables: Map<String, Value> = search
                .chain(study)
                .filter_map(|&name| Some((name.to_string(), table.get(name)?.clone())))
                .collect();
            Value::Object(tables).to_string().replace('<', "\\u003c")
        });
        Ok(Strings { table, scripts })
    }

    /// The scripts' strings as JSON for a site with or without search and
    /// study mode (a page carries only what its scripts read).
    pub fn script_json(&self, search: bool, study: bool) -> &str {
        &self.scripts[usize::from(search) | usize::from(study) << 1]
    }

    /// The string at a dotted `key` (`play.title`); the key itself when the
    /// theme has none, so a missing string shows where it is missing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        key.split('.')
            .try_fold(&self.table, |value, part| value.get(part))
            .and_then(Value::as_str)
            .unwrap_or(key)
    }

    /// [`Strings::get`] with `{name}` fields filled in.
    pub fn fill(&self, key: &str, fields: &[(&str, &str)]) -> String {
        fields
            .iter()
            .fold(self.get(key).to_string(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// The default theme's strings in `lang` (parsed once).
pub fn builtin(lang: Lang) -> &'static Strings {
    static BUILTIN: std::sync::OnceLock<[Strings; 2]> = std::sync::OnceLock::new();
    let [zh, en] = BUILTIN.get_or_init(|| {
        Lang::ALL
            .map(|l| Strings::parse(default_source(l), None).expect("the default strings parse"))
    });
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The embedded default strings of `lang`.
pub fn default_source(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => include_str!("../../themes/default/i18n/zh.toml"),
        Lang::En => include_str!("../../themes/default/i18n/en.toml"),
    }
}

fn to_json(value: toml::Value) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `over`'s keys replace `base`'s, tables merged recursively.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
            if let Value::Object(map) = value {
                for (k, v) in map {
                    keys(v, &format!("{prefix}{k}."), out);
                }
            } else {
                out.push(prefix.trim_end_matches('.').to_string());
            }
        }
        let [zh, en] = Lang::ALL.map(|l| Strings::parse(default_source(l), None).unwrap());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        keys(&zh.table, "", &mut a);
        keys(&en.table, "", &mut b);
        assert_eq!(a, b);
        assert!(a.len() > 90, "{}", a.len());
    }

    #[test]
    fn a_theme_overrides_one_key_and_keeps_the_rest() {
        let s = Strings::parse(
            default_source(Lang::En),
            Some("home = \"Start\"\n[play]\ncopy = \"Copy </script>\"\n"),
        )
        .unwrap();
        assert_eq!(s.get("home"), "Start");
        assert_eq!(s.get("play.copy"), "Copy </script>");
        assert_eq!(s.get("play.title"), "Algorithm playground");
        assert_eq!(s.get("no.such.key"), "no.such.key");
        assert_eq!(
            s.fill("play.preview_alt", &[("title", "IoU")]),
            "IoU: click to step through it"
        );
        let all = s.script_json(true, true);
        assert!(all.contains("\"search\"") && all.contains("\"drill\""));
        assert_eq!(s.script_json(false, false), "{}");
        assert!(!s.script_json(true, false).contains("study"));
    }
}
