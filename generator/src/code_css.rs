//! The stylesheet for highlighted code, generated from syntaxmate's bundled
//! GitHub themes: the light one by default and the dark one for dark mode.

use crate::markdown::code::CLASS_PREFIX;
use syntaxmate::{html_stylesheet, Theme};

/// syntaxmate anchors its rules at this class; our blocks carry `hl-code`.
const ROOT_CLASS: &str = "sm-hl-root";

pub fn stylesheet() -> String {
    let css = |name: &str| {
        Theme::bundled(name)
            .map(|theme| html_stylesheet(&theme, CLASS_PREFIX))
            .unwrap_or_default()
            .replace(ROOT_CLASS, "hl-code")
    };
    // Every token colour readable on our code backgrounds (WCAG AA, 4.5:1),
    // which replace the themes' own (style.css's `--code-bg`).
    let light = legible(&css("github-light"), LIGHT_CODE_BG, (0, 0, 0));
    let dark = legible(&css("github-dark"), DARK_CODE_BG, (255, 255, 255));
    let scoped_dark = scope(&dark, ":root[data-theme=dark]");
    let auto_dark = scope(&dark, ":root:not([data-theme=light])");
    format!("/* generated from syntaxmate's GitHub themes */\n{light}\n{scoped_dark}\n@media (prefers-color-scheme: dark) {{\n{auto_dark}\n}}\n")
}

/// `--code-bg` of the theme's light and dark modes (style.css).
const LIGHT_CODE_BG: (u8, u8, u8) = (0xf6, 0xf8, 0xfa);
const DARK_CODE_BG: (u8, u8, u8) = (0x1e, 0x22, 0x27);

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Moves each `color:#rrggbb` of `css` towards `toward` until it reaches a
/// contrast of 4.5:1 on `background`, and drops the themes' background
/// colours (the page's `--code-bg` is the background).
fn legible(css: &str, background: (u8, u8, u8), toward: (u8, u8, u8)) -> String {
    let css = drop_backgrounds(css);
    let mut out = String::with_capacity(css.len());
    let mut rest = css.as_str();
    while let Some(at) = rest.find("color:#") {
        let is_background = rest[..at].ends_with("background-");
        let hex_start = at + "color:#".len();
        out.push_str(&rest[..hex_start]);
        let hex = rest.get(hex_start..hex_start + 6).unwrap_or("");
        let parsed = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 6);
        match parsed.filter(|_| !is_background) {
            Some(value) => {
                let mut c = ((value >> 16) as u8, (value >> 8) as u8, value as u8);
                let mix =
                    |from: u8, to: u8| (f64::from(from) * 0.9 + f64::from(to) * 0.1).round() as u8;
                while contrast(c, background) < 4.5 {
                    c = (mix(c.0, toward.0), mix(c.1, toward.1), mix(c.2, toward.2));
                }
                out.push_str(&format!("{:02x}{:02x}{:02x}", c.0, c.1, c.2));
                rest = &rest[hex_start + 6..];
            }
            None => rest = &rest[hex_start..],
        }
    }
    out.push_str(rest);
    out
}

/// `css` without its `background-color:#rrggbb;` declarations.
fn drop_backgrounds(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find("background-color:#") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // To the declaration's `;`, or to the rule's end, which is kept.
        rest = match after.find([';', '}']) {
            Some(end) if after.as_bytes()[end] == b';' => &after[end + 1..],
            Some(end) => &after[end..],
            None => "",
        };
    }
    out.push_str(rest);
    out
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
    fn every_token_colour_is_readable_on_its_background() {
        let css = super::stylesheet();
        let (light, dark) = css.split_once(":root[data-theme=dark]").unwrap();
        for (part, bg) in [(light, super::LIGHT_CODE_BG), (dark, super::DARK_CODE_BG)] {
            let mut checked = 0;
            let pieces: Vec<&str> = part.split("color:#").collect();
            for (before, piece) in pieces.iter().zip(&pieces[1..]) {
                if before.ends_with("background-") {
                    continue;
                }
                let Ok(v) = u32::from_str_radix(&piece[..6], 16) else {
                    continue;
                };
                let c = ((v >> 16) as u8, (v >> 8) as u8, v as u8);
                assert!(super::contrast(c, bg) >= 4.5, "#{v:06x} on {bg:?}");
                checked += 1;
            }
            assert!(checked > 5);
        }
    }

    #[test]
    fn has_light_and_dark_rules() {
        let css = super::stylesheet();
        assert!(css.contains("[class|=\"sm-hl-s-keyword\"]"), "{css}");
        assert!(css.contains(":root[data-theme=dark] :where(.hl-code"));
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(!css.contains("sm-hl-root"));
        assert!(
            !css.contains("background-color"),
            "the page sets code backgrounds"
        );
    }

    #[test]
    fn backgrounds_are_dropped_up_to_their_declaration_only() {
        assert_eq!(
            super::drop_backgrounds(
                "a{background-color:#fff;color:#111}b{color:#222;background-color:#000}c{}"
            ),
            "a{color:#111}b{color:#222;}c{}"
        );
    }

    /// A light-only rule would colour its tokens with the light theme in
    /// dark mode (rules override inherited colours).
    #[test]
    fn dark_mode_restyles_every_token_the_light_theme_styles() {
        let css = super::stylesheet();
        let (light, dark) = css.split_once(":root[data-theme=dark]").unwrap();
        let selectors = |part: &str| -> std::collections::BTreeSet<String> {
            part.split_inclusive('}')
                .filter_map(|rule| rule.split_once('{'))
                .map(|(selectors, _)| {
                    let s = selectors.rsplit("*/").next().unwrap_or(selectors).trim();
                    s.strip_prefix(":root[data-theme=dark]")
                        .unwrap_or(s)
                        .trim()
                        .to_string()
                })
                .filter(|s| s.contains(":where"))
                .collect()
        };
        let (light, dark) = (
            selectors(light),
            selectors(&format!(":root[data-theme=dark]{dark}")),
        );
        assert!(light.len() > 20);
        let missing: Vec<_> = light.difference(&dark).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }
}
