//! The playground shortcode: ```` ```playground conv2d stride=2 ```` renders the
//! step-through widget in place, with a short description that stays readable
//! without JavaScript.

use super::{escape_html, Pass};
use crate::diagnostics::Kind;
use crate::lang::Lang;

/// The playground algorithms' ids, in the crate's order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    playground_wasm::api::ALGORITHMS.iter().map(|a| a.id)
}

/// An algorithm's title and one-line summary in `lang` (the crate's own texts).
pub fn describe(algo: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    playground_wasm::api::ALGORITHMS
        .iter()
        .find(|a| a.id == algo)
        .map(|a| match lang {
            Lang::Zh => (a.title_zh, a.summary_zh),
            Lang::En => (a.title_en, a.summary_en),
        })
}

/// `args` is what follows `playground` in the fence: `conv2d stride=2 padding=1`.
pub fn render(args: &str, offset: usize, cx: &mut Pass<'_>) -> String {
    let mut words = args.split_whitespace();
    let algo = words.next().unwrap_or("");
    let Some((title, summary)) = describe(algo, cx.lang) else {
        let known: Vec<&str> = ids().collect();
        cx.error(
            offset,
            Kind::Playground,
            format!("unknown playground `{algo}`; known: {}", known.join(", ")),
        );
        return format!(
            "<pre class=\"code\"><code>playground {}</code></pre>",
            escape_html(args)
        );
    };
    let mut attrs = String::new();
    // The same options as URL parameters of the full page, which reads them.
    let mut query: Vec<String> = Vec::new();
    for word in words {
        match word.split_once('=') {
            Some((key, value))
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                attrs.push_str(&format!(
                    " {}=\"{}\"",
                    key,
                    escape_html(value.trim_matches('"'))
                ));
                query.push(format!(
                    "{key}={}",
                    percent_encoding::utf8_percent_encode(
                        value.trim_matches('"'),
                        percent_encoding::NON_ALPHANUMERIC
                    )
                ));
            }
            _ => cx.warning(
                offset,
                Kind::Playground,
                format!("ignored playground option `{word}` (expected key=value)"),
            ),
        }
    }
    cx.stats.playgrounds += 1;
    let lang = super::LANG_CODE;
    let [t_try, t_fallback, t_open] = ["playground", "playground_noscript", "playground_open"]
        .map(|key| escape_html(cx.strings.get(key)));
    // The standalone page in the reader's language, through the placeholders
    // (one rendering serves both languages).
    let page = format!("{}{}play/{algo}/", super::ROOT, super::LANG_PREFIX);
    let preview = format!("{}play/{algo}/preview.svg", super::ROOT);
    let query = if query.is_empty() {
        String::new()
    } else {
        escape_html(&format!("?{}", query.join("&")))
    };
    // The element's light children are the fallback: shown by browsers
    // without JavaScript, hidden by the widget's shadow root.
    format!(
        "<figure class=\"playground\" data-algo=\"{algo}\">\
<dlq-playground algo=\"{algo}\" lang=\"{lang}\"{attrs}>\
<a class=\"playground-fallback\" href=\"{page}\"><img src=\"{preview}\" alt=\"{title}\" width=\"640\" height=\"360\" loading=\"lazy\">\
<span>{t_fallback}</span></a></dlq-playground>\
<figcaption class=\"playground-caption\"><strong>{t_try}: {title}</strong> {summary} \
<a class=\"playground-open\" href=\"{page}{query}\">{t_open} ↗</a></figcaption></figure>\n"
    )
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::render_page;

    #[test]
    fn the_widget_has_a_fallback_link_to_its_page_in_the_readers_language() {
        let r = render_page("```playground iou\n```\n");
        assert!(
            r.html.contains(
                "<a class=\"playground-fallback\" href=\"../play/iou/\"><img src=\"../play/iou/preview.svg\""
            ),
            "{}",
            r.html
        );
        assert!(r
            .html
            .contains("<a class=\"playground-open\" href=\"../play/iou/\">"));
    }
}
