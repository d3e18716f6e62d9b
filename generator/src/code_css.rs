//! How highlighted code is coloured: the classes a token gets and the
//! stylesheet that gives them colours, from syntaxmate's bundled GitHub
//! themes (the light one by default, the dark one for dark mode).
//!
//! Each token's style is resolved against both themes when the page is
//! built, and the token carries one class per theme naming its colour in
//! that theme's palette (`<span class="l3 d7">`). syntaxmate's own class
//! output nests a span per scope with the scope's full name and leaves the
//! matching to CSS: 25 bytes of markup per byte of code on the notes of
//! dive-into-dl, half of their pages. Resolving here is also exact TextMate
//! matching, which CSS selectors only approximate.

use std::collections::HashMap;
use std::sync::OnceLock;
use syntaxmate::{html_stylesheet, FontModifiers, RgbColor, Scopes, Style, Theme};

/// The light and dark modes: the theme, its class prefix, the page's code
/// background (`--code-bg` in style.css) and the colour that a token's
/// colour moves towards until it is readable on it.
const MODES: [Mode; 2] = [
    Mode {
        theme: "github-light",
        prefix: 'l',
        background: (0xf6, 0xf8, 0xfa),
        toward: (0, 0, 0),
    },
    Mode {
        theme: "github-dark",
        prefix: 'd',
        background: (0x1e, 0x22, 0x27),
        toward: (255, 255, 255),
    },
];

struct Mode {
    theme: &'static str,
    prefix: char,
    background: (u8, u8, u8),
    toward: (u8, u8, u8),
}

/// Font modifiers and the class suffix of each.
const MODIFIERS: [(FontModifiers, char); 4] = [
    (FontModifiers::BOLD, 'B'),
    (FontModifiers::ITALIC, 'I'),
    (FontModifiers::UNDERLINED, 'U'),
    (FontModifiers::CROSSED_OUT, 'S'),
];

/// One mode's theme and the colours its tokens can have.
struct Palette {
    mode: &'static Mode,
    theme: Theme,
    /// Sorted: a colour's class is its place here, the same in every build.
    colors: Vec<RgbColor>,
    default: Style,
}

impl Palette {
    fn load(mode: &'static Mode) -> Self {
        let theme = Theme::bundled(mode.theme).expect("the GitHub themes are bundled");
        let default = theme.default_style();
        // Every colour a rule of the theme sets (syntaxmate's stylesheet
        // lists them), and the default.
        let css = html_stylesheet(&theme, "x");
        let mut colors: Vec<RgbColor> = foregrounds(&css).chain(default.foreground).collect();
        colors.sort_by_key(|c| (c.red, c.green, c.blue));
        colors.dedup();
        Palette {
            mode,
            theme,
            colors,
            default,
        }
    }

    /// The palette index of `color` (the nearest colour for one the
    /// palette lacks, which a theme rule CSS cannot express could give).
    fn index(&self, color: Option<RgbColor>) -> usize {
        let color = color.or(self.default.foreground).unwrap_or(RgbColor {
            red: 0,
            green: 0,
            blue: 0,
        });
        let distance = |c: &RgbColor| {
            let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
            d(c.red, color.red) + d(c.green, color.green) + d(c.blue, color.blue)
        };
        (0..self.colors.len())
            .min_by_key(|&i| distance(&self.colors[i]))
            .unwrap_or(0)
    }
}

/// The `color:#rrggbb` values of some CSS, not its background colours.
fn foregrounds(css: &str) -> impl Iterator<Item = RgbColor> + '_ {
    let pieces = css.split("color:#");
    pieces
        .clone()
        .zip(pieces.skip(1))
        .filter(|(before, _)| !before.ends_with("background-"))
        .filter_map(|(_, rest)| parse_hex(rest.get(..6)?))
}

fn parse_hex(hex: &str) -> Option<RgbColor> {
    let value = u32::from_str_radix(hex, 16).ok()?;
    Some(RgbColor {
        red: (value >> 16) as u8,
        green: (value >> 8) as u8,
        blue: value as u8,
    })
}

/// The light mode's palette, then the dark one's.
fn palettes() -> &'static [Palette; 2] {
    static PALETTES: OnceLock<[Palette; 2]> = OnceLock::new();
    PALETTES.get_or_init(|| MODES.each_ref().map(Palette::load))
}

/// The classes of a token with these scopes (`l3 d7`, `l1 d4 lI dI`), or
/// an empty string when both themes show it in their default style.
pub fn classes(scopes: Scopes<'_>) -> String {
    let styles: Vec<(Style, &Palette)> = palettes()
        .iter()
        .map(|p| (p.theme.resolve(scopes.clone()), p))
        .collect();
    let plain = styles.iter().all(|(style, p)| {
        style.foreground.or(p.default.foreground) == p.default.foreground
            && style.modifiers.is_empty()
    });
    if plain {
        return String::new();
    }
    let mut out = String::new();
    for (style, palette) in &styles {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(palette.mode.prefix);
        out.push_str(&palette.index(style.foreground).to_string());
    }
    for (style, palette) in &styles {
        for (modifier, suffix) in MODIFIERS {
            if style.modifiers.contains(modifier) {
                out.extend([' ', palette.mode.prefix, suffix]);
            }
        }
    }
    out
}

/// A cache of [`classes`] for one document's scope stacks.
pub type ClassCache = HashMap<syntaxmate::ScopeStackId, std::rc::Rc<str>>;

pub fn stylesheet() -> String {
    let [light, dark] = palettes();
    let mut css = String::from("/* generated from syntaxmate's GitHub themes */\n");
    css.push_str(&rules(light, ""));
    let dark_rules = |root: &str| {
        // A light theme's decoration would stay in dark mode: undone first.
        let l = light.mode.prefix;
        let undo: Vec<String> = MODIFIERS
            .iter()
            .map(|(_, s)| format!("{root} :where(.hl-code .{l}{s})"))
            .collect();
        format!(
            "{} {{font-weight:normal;font-style:normal;text-decoration:none}}\n{}",
            undo.join(", "),
            rules(dark, root)
        )
    };
    css.push_str(&dark_rules(":root[data-theme=dark]"));
    css.push_str("@media (prefers-color-scheme: dark) {\n");
    css.push_str(&dark_rules(":root:not([data-theme=light])"));
    css.push_str("}\n");
    css
}

/// The rules of one palette's classes (its prefix and a colour's index),
/// under `root`; every colour readable on the mode's code background (WCAG
/// AA, 4.5:1), which replaces the theme's own.
fn rules(palette: &Palette, root: &str) -> String {
    let root = if root.is_empty() {
        String::new()
    } else {
        format!("{root} ")
    };
    let prefix = palette.mode.prefix;
    let color = |c: RgbColor| css_color(palette.mode, c);
    let mut out = String::new();
    if let Some(default) = palette.default.foreground {
        out.push_str(&format!(
            "{root}:where(.hl-code){{color:{}}}\n",
            color(default)
        ));
    }
    for (i, c) in palette.colors.iter().enumerate() {
        out.push_str(&format!(
            "{root}:where(.hl-code .{prefix}{i}){{color:{}}}\n",
            color(*c)
        ));
    }
    out.push_str(&format!(
        "{root}:where(.hl-code .{prefix}B){{font-weight:bold}}\n\
         {root}:where(.hl-code .{prefix}I){{font-style:italic}}\n\
         {root}:where(.hl-code .{prefix}U){{text-decoration:underline}}\n\
         {root}:where(.hl-code .{prefix}S){{text-decoration:line-through}}\n\
         {root}:where(.hl-code .{prefix}U.{prefix}S){{text-decoration:underline line-through}}\n"
    ));
    out
}

/// `c` as the stylesheet of `mode` writes it: made readable, `#rrggbb`.
fn css_color(mode: &Mode, c: RgbColor) -> String {
    let (r, g, b) = legible((c.red, c.green, c.blue), mode.background, mode.toward);
    format!("#{r:02x}{g:02x}{b:02x}")
}

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

/// `c` moved towards `toward` until it reaches a contrast of 4.5:1 on
/// `background`.
fn legible(mut c: (u8, u8, u8), background: (u8, u8, u8), toward: (u8, u8, u8)) -> (u8, u8, u8) {
    let mix = |from: u8, to: u8| (f64::from(from) * 0.9 + f64::from(to) * 0.1).round() as u8;
    while contrast(c, background) < 4.5 {
        c = (mix(c.0, toward.0), mix(c.1, toward.1), mix(c.2, toward.2));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colors(css: &str) -> Vec<(u8, u8, u8)> {
        foregrounds(css).map(|c| (c.red, c.green, c.blue)).collect()
    }

    #[test]
    fn every_token_colour_is_readable_on_its_background() {
        let css = stylesheet();
        let (light, dark) = css.split_once(":root[data-theme=dark]").unwrap();
        for (part, bg) in [(light, MODES[0].background), (dark, MODES[1].background)] {
            let found = colors(part);
            assert!(found.len() > 5, "{part}");
            for c in found {
                assert!(contrast(c, bg) >= 4.5, "{c:?} on {bg:?}");
            }
        }
    }

    /// A class the light theme colours but dark mode does not would keep
    /// its light colour on the dark background; each mode's rules must
    /// cover every class a token can carry.
    #[test]
    fn both_modes_style_every_class_of_their_palette() {
        let css = stylesheet();
        assert!(
            !css.contains("background"),
            "the page sets code backgrounds"
        );
        let [light, dark] = palettes();
        for i in 0..light.colors.len() {
            assert!(css.contains(&format!(":where(.hl-code .l{i}){{color:#")));
        }
        for root in [":root[data-theme=dark]", ":root:not([data-theme=light])"] {
            for i in 0..dark.colors.len() {
                assert!(css.contains(&format!("{root} :where(.hl-code .d{i}){{color:#")));
            }
            for suffix in ['B', 'I', 'U', 'S'] {
                assert!(css.contains(&format!("{root} :where(.hl-code .l{suffix})")));
                assert!(css.contains(&format!("{root} :where(.hl-code .d{suffix})")));
            }
        }
        assert!(
            css.contains("@media (prefers-color-scheme: dark) {\n:root:not([data-theme=light])")
        );
    }

    /// Each token's classes name the colour its scopes resolve to in each
    /// theme, exactly (no nearest colour: the palette holds every colour
    /// these themes give code in ten languages), and the stylesheet gives
    /// that class that colour, made readable.
    #[test]
    fn a_tokens_classes_are_its_colours_in_each_theme() {
        let samples = [
            ("python", "import numpy as np\n@dataclass\nclass A(B):\n    def f(self, x=1e-5):\n        return f\"{x!r}\" if x else None  # c\n"),
            ("rust", "fn main() { let x: Vec<u8> = vec![1, 2]; println!(\"{x:?}\"); } // c\n"),
            ("cpp", "#include <vector>\ntemplate <typename T> int f(const T& v) { return v * 2; }\n"),
            ("javascript", "const f = async (a) => { await g(`/x/${a}`); return /re+/g.test(a); };\n"),
            ("shellscript", "for f in *.md; do echo \"$f\" | grep -q x && rm -- \"$f\"; done # c\n"),
            ("json", "{\"a\": [1, 2.5, true, null], \"b\": \"s\"}\n"),
            ("yaml", "key: value # c\nlist:\n  - 1\n  - \"two\"\n"),
            ("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n"),
            ("sql", "SELECT a, COUNT(*) FROM t WHERE b = 'x' GROUP BY a; -- c\n"),
            ("markdown", "# Title\n**bold** _it_ `code` [l](u)\n"),
        ];
        let css = stylesheet();
        let mut coloured = 0;
        for (language, code) in samples {
            let document = crate::markdown::code::tokenize(language, code).unwrap();
            for token in document.lines().iter().flat_map(|l| l.tokens()) {
                let classes = classes(token.scopes());
                for palette in palettes() {
                    let style = palette.theme.resolve(token.scopes());
                    let color = style.foreground.or(palette.default.foreground).unwrap();
                    let Some(i) = palette.colors.iter().position(|c| *c == color) else {
                        panic!("{language}: {color:?} is not in the palette");
                    };
                    if classes.is_empty() {
                        assert_eq!(Some(color), palette.default.foreground);
                        continue;
                    }
                    let class = format!("{}{i}", palette.mode.prefix);
                    assert!(
                        classes.split(' ').any(|c| c == class),
                        "{classes} lacks {class}"
                    );
                    let rule = format!(
                        ":where(.hl-code .{class}){{color:{}}}",
                        css_color(palette.mode, color)
                    );
                    assert!(css.contains(&rule), "{rule}");
                    coloured += 1;
                }
            }
        }
        assert!(coloured > 100, "{coloured}");
    }

    #[test]
    fn a_colour_the_palette_lacks_gets_the_nearest() {
        let [light, _] = palettes();
        let first = light.colors[0];
        assert_eq!(light.index(Some(first)), 0);
        let near = RgbColor {
            red: first.red ^ 1,
            ..first
        };
        assert_eq!(light.colors[light.index(Some(near))], first);
        assert_eq!(
            light.colors[light.index(None)],
            light.default.foreground.unwrap()
        );
    }
}
