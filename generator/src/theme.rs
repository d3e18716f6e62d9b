//! The theme: Tera templates and static files. The default theme
//! (`themes/default/` in the repository) is compiled into the binary so the
//! generator works from anywhere; a site's own `themes/<name>/` folder, or its
//! `templates/` and `static/` folders, override it file by file.

use crate::code_css;
use crate::i18n::{self, Strings};
use crate::lang::Lang;
use anyhow::Context as _;
use include_dir::{include_dir, Dir};
use std::collections::BTreeMap;
use std::path::Path;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes/default");
/// The playground's WebAssembly bundle (`cargo run -p xtask -- wasm playground-wasm`),
/// served next to the widget's `embed.js` in `static/playground/`.
static PLAYGROUND_PKG: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../playground-wasm/pkg");

pub struct Theme {
    tera: tera::Tera,
    /// Output path (below the site root) → bytes.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// Interface strings, Chinese then English (see [`Theme::strings`]).
    strings: [Strings; 2],
}

impl Theme {
    /// The built-in theme overridden by the site folder's theme files.
    pub fn load(site_root: &Path, name: &str) -> anyhow::Result<Theme> {
        let mut templates: BTreeMap<String, String> = BTreeMap::new();
        let mut static_files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        collect_embedded(&DEFAULT_THEME, &mut templates, &mut static_files);
        static_files.insert(
            "static/highlight.css".into(),
            code_css::stylesheet().into_bytes(),
        );
        // The search engine, compiled to WebAssembly by `cargo run -p xtask -- wasm`.
        static_files.insert(
            "static/search/search.js".into(),
            include_bytes!("../../search/pkg/search.js").to_vec(),
        );
        static_files.insert(
            "static/search/search_bg.wasm".into(),
            include_bytes!("../../search/pkg/search_bg.wasm").to_vec(),
        );
        collect_playground_bundle(&PLAYGROUND_PKG, &mut static_files);
        let theme_dir = site_root.join("themes").join(name);
        for (dir, into_templates) in [
            (theme_dir.join("templates"), true),
            (site_root.join("templates"), true),
            (theme_dir.join("static"), false),
            (site_root.join("static"), false),
        ] {
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
            {
                let rel = entry
                    .path()
                    .strip_prefix(&dir)?
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(entry.path())
                    .with_context(|| format!("reading {}", entry.path().display()))?;
                if into_templates {
                    let text = String::from_utf8(bytes)
                        .with_context(|| format!("{} is not UTF-8", entry.path().display()))?;
                    templates.insert(rel, text);
                } else {
                    static_files.insert(format!("static/{rel}"), bytes);
                }
            }
        }
        let strings = Lang::ALL.map(|lang| {
            let file = format!("i18n/{}.toml", lang.code());
            let own = [site_root.join(&file), theme_dir.join(&file)]
                .into_iter()
                .find(|path| path.is_file())
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))
                })
                .transpose()?;
            Strings::parse(i18n::default_source(lang), own.as_deref())
                .with_context(|| format!("{file} of the theme"))
        });
        let [zh, en] = strings;
        let strings = [zh?, en?];
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which makes every URL unreadable in the output.
        tera.set_escape_fn(crate::markdown::escape_html);
        tera.add_raw_templates(templates.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| anyhow::anyhow!("template error: {}", describe_tera_error(&e)))?;
        Ok(Theme {
            tera,
            static_files,
            strings,
        })
    }

    /// The interface strings in `lang`.
    pub fn strings(&self, lang: Lang) -> &Strings {
        &self.strings[usize::from(lang == Lang::En)]
    }

    /// Renders `template` with a context (one of `context.rs`'s types); an
    /// `Err` carries Tera's message.
    pub fn render(
        &self,
        template: &str,
        context: &impl serde::Serialize,
    ) -> Result<String, String> {
        let context =
            tera::Context::from_serialize(context).map_err(|e| describe_tera_error(&e))?;
        self.tera
            .render(template, &context)
            .map_err(|e| describe_tera_error(&e))
    }
}

fn collect_embedded(
    dir: &'static Dir<'static>,
    templates: &mut BTreeMap<String, String>,
    statics: &mut BTreeMap<String, Vec<u8>>,
) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = path.strip_prefix("templates/") {
            templates.insert(
                name.to_string(),
                String::from_utf8_lossy(file.contents()).into_owned(),
            );
        } else if path.starts_with("static/") {
            statics.insert(path, file.contents().to_vec());
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, templates, statics);
    }
}

/// Every file of the playground bundle (subfolders too, e.g. `sources/`)
/// except the freshness hash, below `static/playground/`.
fn collect_playground_bundle(dir: &'static Dir<'static>, statics: &mut BTreeMap<String, Vec<u8>>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if path != "SOURCE_HASH" {
            statics.insert(
                format!("static/playground/{path}"),
                file.contents().to_vec(),
            );
        }
    }
    for sub in dir.dirs() {
        collect_playground_bundle(sub, statics);
    }
}

/// Tera hides the useful part of an error in its source chain.
pub fn describe_tera_error(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_theme_has_templates_and_katex_assets() {
        let theme = Theme::load(Path::new("/nonexistent"), "default").unwrap();
        assert!(theme
            .static_files
            .contains_key("static/katex/katex.min.css"));
        assert!(theme.static_files.keys().any(|k| k.ends_with(".woff2")));
        assert!(theme.static_files.contains_key("static/highlight.css"));
        for f in [
            "static/playground/embed.js",
            "static/playground/playground_wasm.js",
            "static/playground/playground_wasm_bg.wasm",
        ] {
            assert!(theme.static_files.contains_key(f), "{f}");
        }
        assert!(!theme
            .static_files
            .contains_key("static/playground/SOURCE_HASH"));
        for t in ["page.html", "section.html", "home.html", "404.html"] {
            assert!(theme.tera.get_template_names().any(|n| n == t), "{t}");
        }
    }

    #[test]
    fn site_folder_overrides_a_template() {
        let dir = std::env::temp_dir().join(format!("theme-override-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("templates/404.html"), "custom {{ 1 + 1 }}").unwrap();
        let theme = Theme::load(&dir, "default").unwrap();
        assert_eq!(
            theme.render("404.html", &serde_json::json!({})).unwrap(),
            "custom 2"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
