//! The stylesheet for highlighted code, generated from syntect's bundled
//! themes: a light one by default and a dark one for dark mode.

use crate::markdown::code::CLASS_STYLE;
use syntect::highlighting::ThemeSet;
use syntect::html::css_for_theme_with_class_style;

pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, CLASS_STYLE).ok())
            .unwrap_or_default()
    };
    let light = css("InspiredGitHub");
    let dark = css("base16-ocean.dark");
    let scoped_dark = scope(&dark, ":root[data-theme=dark]");
    let auto_dark = scope(&dark, ":root:not([data-theme=light])");
    format!("/* generated from syntect themes */\n{light}\n{scoped_dark}\n@media (prefers-color-scheme: dark) {{\n{auto_dark}\n}}\n")
}

/// Prefixes every selector of a flat stylesheet with `prefix`.
fn scope(css: &str, prefix: &str) -> String {
    let mut out = String::new();
    for rule in css.split_inclusive('}') {
        match rule.split_once('{') {
            Some((selectors, body)) => {
                let selectors = selectors.rsplit("*/").next().unwrap_or(selectors);
                let scoped: Vec<String> = selectors
                    .split(',')
                    .map(|s| format!("{prefix} {}", s.trim()))
                    .collect();
                out.push_str(&scoped.join(", "));
                out.push_str(" {");
                out.push_str(body);
                out.push('\n');
            }
            None => out.push_str(rule),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_light_and_dark_rules() {
        let css = super::stylesheet();
        assert!(css.contains(".hl-"));
        assert!(css.contains(":root[data-theme=dark] .hl-"));
        assert!(css.contains("prefers-color-scheme: dark"));
    }
}
