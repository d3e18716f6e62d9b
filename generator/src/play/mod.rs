//! The playground pages: a gallery `/play/` and one full page per algorithm,
//! `/play/<algo>/`, in both languages (`/en/play/…`), plus a static picture of
//! each algorithm, `/play/<algo>/preview.svg`, for readers and platforms
//! without JavaScript.
//!
//! The pages only place the `<dlq-playground>` element (the widget in
//! `themes/default/static/playground/` does the rest) and the "Embed" panel
//! with copy-paste snippets. `?embed=1` is handled in the browser by the same
//! page (see `static/playground/page.js`): the site is static, so there is no
//! separate iframe page.
//!
//! Deliberately not here: any computation the widget shows; the preview is
//! drawn from the final values of a native run of the default input, the same
//! code the widget runs as WebAssembly.

pub mod preview;

use crate::context::{self, Frame, OwnPage};
use crate::lang::Lang;
use crate::markdown::playground::ids;
use crate::route::root_prefix;
use crate::site::Site;
use crate::theme::Theme;
use serde::Serialize;

/// URL path (from the site root, no leading slash) of the gallery in `lang`.
pub fn gallery_url(lang: Lang) -> String {
    format!("{}play/", lang.url_prefix())
}

/// URL path of one algorithm's page in `lang`.
pub fn page_url(algo: &str, lang: Lang) -> String {
    format!("{}play/{algo}/", lang.url_prefix())
}

/// Every playground page's URL path in `languages` (for the sitemap).
pub fn urls(languages: &[Lang]) -> Vec<String> {
    languages
        .iter()
        .flat_map(|&lang| {
            std::iter::once(gallery_url(lang)).chain(ids().map(move |algo| page_url(algo, lang)))
        })
        .collect()
}

/// The gallery `/play/` in `lang` (an `Err` carries the template's message).
pub fn render_gallery(site: &Site, theme: &Theme, lang: Lang) -> Result<String, String> {
    theme.render("play-index.html", &gallery_context(site, theme, lang))
}

/// One algorithm's page `/play/<algo>/` in `lang`.
pub fn render_algorithm(
    site: &Site,
    theme: &Theme,
    algo: &str,
    lang: Lang,
) -> Result<String, String> {
    theme.render("play.html", &algo_context(site, theme, algo, lang))
}

/// The picture shown for `algo` without JavaScript and in link previews.
pub fn render_preview(algo: &str) -> String {
    preview::svg(algo)
}

/// The frame and `page` of a playground page (what `base.html` expects).
fn frame<'a>(
    site: &'a Site,
    theme: &'a Theme,
    lang: Lang,
    url: &str,
    other_url: &str,
    title: &str,
    description: &str,
) -> Frame<'a, OwnPage<'a>> {
    let page = OwnPage {
        kind: "play",
        key: url.trim_end_matches('/').to_string(),
        url: url.to_string(),
        title: title.to_string(),
        description: Some(description.to_string()),
        playground: Some(true),
        translation: context::translation(site, lang.other(), other_url, true, Vec::new()),
    };
    Frame::new(
        site,
        theme,
        lang,
        url,
        context::nav(
            site,
            theme,
            lang,
            context::Place::Elsewhere,
            &root_prefix(url),
        ),
        page,
    )
}

fn titles(algo: &str, lang: Lang) -> (&'static str, &'static str) {
    crate::markdown::playground::describe(algo, lang).unwrap_or(("", ""))
}

/// A card of the gallery (`algos`).
#[derive(Serialize)]
struct Card {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    url: String,
    preview: String,
}

#[derive(Serialize)]
struct Gallery {
    algos: Vec<Card>,
}

fn gallery_context<'a>(
    site: &'a Site,
    theme: &'a Theme,
    lang: Lang,
) -> Frame<'a, OwnPage<'a>, Gallery> {
    let t = theme.strings(site.display_lang(lang));
    let (title, description) = (t.get("play.title"), t.get("play.description"));
    let algos = ids()
        .map(|id| {
            let (title, summary) = titles(id, lang);
            Card {
                id,
                title,
                summary,
                url: page_url(id, lang),
                preview: format!("play/{id}/preview.svg"),
            }
        })
        .collect();
    let (url, other) = (gallery_url(lang), gallery_url(lang.other()));
    frame(site, theme, lang, &url, &other, title, description).with(Gallery { algos })
}

/// `algo` on an algorithm's page.
#[derive(Serialize)]
struct Algo<'a> {
    id: &'a str,
    title: &'static str,
    summary: &'static str,
    gallery: String,
}

#[derive(Serialize)]
struct AlgoPage<'a> {
    algo: Algo<'a>,
    embed: Embed,
}

fn algo_context<'a>(
    site: &'a Site,
    theme: &'a Theme,
    algo: &'a str,
    lang: Lang,
) -> Frame<'a, OwnPage<'a>, AlgoPage<'a>> {
    let (title, summary) = titles(algo, lang);
    let url = page_url(algo, lang);
    let alt = theme
        .strings(site.display_lang(lang))
        .fill("play.preview_alt", &[("title", title)]);
    frame(
        site,
        theme,
        lang,
        &url,
        &page_url(algo, lang.other()),
        title,
        summary,
    )
    .with(AlgoPage {
        algo: Algo {
            id: algo,
            title,
            summary,
            gallery: gallery_url(lang),
        },
        embed: embed_snippets(&site.config.base_url(), algo, lang, title, &alt),
    })
}

/// `embed`: the copy-paste snippets of the "Embed" panel.
#[derive(Serialize)]
struct Embed {
    /// The site's public URL (or its path, when no `base_url` is configured).
    base: String,
    absolute: bool,
    script: String,
    iframe: String,
    markdown: String,
}

/// The copy-paste snippets of the "Embed" panel. `base` is the site's public
/// URL; when it is only a path (no `base_url` configured), the page's script
/// rewrites it to the address the reader sees (`data-base` on the panel).
/// `alt` is the preview picture's text.
fn embed_snippets(base: &str, algo: &str, lang: Lang, title: &str, alt: &str) -> Embed {
    let code = lang.code();
    let page = format!("{base}{}", page_url(algo, lang));
    let script = format!(
        "<script type=\"module\" src=\"{base}static/playground/embed.js\"></script>\n\
<dlq-playground algo=\"{algo}\" lang=\"{code}\"></dlq-playground>"
    );
    let iframe = format!(
        "<iframe class=\"dlq-playground\" src=\"{page}?embed=1\" title=\"{title}\"\n        \
loading=\"lazy\" style=\"width:100%;height:720px;border:0\"></iframe>\n\
<script>\n\
  // Grows each playground iframe to the height of its content.\n\
  addEventListener(\"message\", (e) => {{\n\
    if (!e.data || e.data.type !== \"dlq-playground:height\") return;\n\
    for (const f of document.querySelectorAll(\"iframe.dlq-playground\"))\n\
      if (f.contentWindow === e.source) f.style.height = e.data.height + \"px\";\n\
  }});\n\
</script>"
    );
    let markdown = format!("[![{alt}]({base}play/{algo}/preview.svg)]({page})");
    Embed {
        base: base.to_string(),
        absolute: base.starts_with("http://") || base.starts_with("https://"),
        script,
        iframe,
        markdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Fails when the playground pages, the embed files or the no-JS fallback
    /// link of a shortcode disappear from the build output.
    #[test]
    fn build_output_has_play_pages_embed_files_and_fallback_links() {
        let site = crate::site::tests::site(&[
            (
                "cnn/conv.md",
                "# 卷积\n\n```playground conv2d stride=2\n```\n",
            ),
            (
                "cnn/conv.en.md",
                "# Convolution\n\n```playground conv2d\n```\n",
            ),
        ]);
        let theme = Theme::load(Path::new("/nonexistent"), "default").unwrap();
        let output = crate::build::render(&site, &theme);
        let files = &output.files;
        let text = |path: &str| {
            String::from_utf8(
                files
                    .get(path)
                    .unwrap_or_else(|| panic!("{path} missing from the build"))
                    .clone(),
            )
            .unwrap()
        };
        for lang in Lang::ALL {
            let gallery = text(&format!("{}index.html", gallery_url(lang)));
            for algo in ids() {
                assert!(
                    gallery.contains(&format!("href=\"../{}\"", page_url(algo, lang)))
                        || gallery.contains(&format!("href=\"../../{}\"", page_url(algo, lang))),
                    "gallery links to {algo}: {gallery}"
                );
                let page = text(&format!("{}index.html", page_url(algo, lang)));
                assert!(
                    page.contains(&format!("<dlq-playground algo=\"{algo}\"")),
                    "{page}"
                );
                assert!(page.contains("static/playground/embed.js\"></script>"));
                assert!(page.contains("?embed=1"), "the iframe snippet");
                assert!(page.contains(&format!("play/{algo}/preview.svg")));
            }
        }
        for algo in ids() {
            let svg = text(&format!("play/{algo}/preview.svg"));
            assert!(svg.starts_with("<svg") && svg.contains("<rect"), "{svg}");
        }
        for file in [
            "static/playground/embed.js",
            "static/playground/element.js",
            "static/playground/widget.css",
            "static/playground/playground_wasm.js",
            "static/playground/playground_wasm_bg.wasm",
            "static/playground/sources/conv2d.json",
        ] {
            assert!(files.contains_key(file), "{file}");
        }
        let sitemap = text("sitemap.xml");
        assert!(
            sitemap.contains("<loc>/play/conv2d/</loc>")
                && sitemap.contains("<loc>/en/play/</loc>"),
            "{sitemap}"
        );
        let chapter = text("cnn/conv/index.html");
        assert!(
            chapter.contains("<a class=\"playground-fallback\" href=\"../../play/conv2d/\""),
            "{chapter}"
        );
        assert!(chapter.contains("src=\"../../static/playground/embed.js\""));
        let en = text("en/cnn/conv/index.html");
        assert!(en.contains("href=\"../../../en/play/conv2d/\""), "{en}");
        let plain = text("index.html");
        assert!(
            !plain.contains("static/playground/embed.js"),
            "pages without a widget do not load it"
        );
        let errors: Vec<_> = output
            .report
            .diagnostics
            .iter()
            .filter(|d| d.kind.as_str() == "template")
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
