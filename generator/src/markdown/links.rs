//! Link pass: links to other markdown files become URLs of the reader's
//! language, images and other local files resolve against the file that links
//! to them, and anything broken is reported where it is written.

use super::outline::Spanned;
use super::sanitize::url_is_safe;
use super::{escape_html, Pass, LANG_PREFIX, ROOT};
use crate::diagnostics::Kind;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// What the site knows about its files, so this pass needs no file system.
pub trait Resolver: Sync {
    /// The URL path (from the site root, without the language prefix) of the page
    /// built from `target` (a content-relative `.md` path), or `None` if no such page.
    fn page_path(&self, target: &str) -> Option<String>;
    /// The id on the page that a link's `#fragment` means: the fragment
    /// itself, or the id of the heading whose GitHub-style slug it is (links
    /// written for GitHub keep working). `None` when there is no such place.
    fn anchor(&self, target: &str, lang: crate::lang::Lang, fragment: &str) -> Option<String>;
    /// Whether a non-markdown file exists at this content-relative path.
    fn has_asset(&self, path: &str) -> bool;
}

/// Joins a relative link with the folder of the file it appears in and
/// normalises `.`/`..`/`\`. `None` when it climbs out of the content folder.
pub fn resolve_relative(from_file: &str, dest: &str) -> Option<String> {
    let dest = dest.replace('\\', "/");
    let mut parts: Vec<&str> = if let Some(absolute) = dest.strip_prefix('/') {
        return normalize(Vec::new(), absolute);
    } else {
        from_file.split('/').collect()
    };
    parts.pop();
    normalize(parts, &dest)
}

fn normalize<'a>(mut parts: Vec<&'a str>, dest: &'a str) -> Option<String> {
    for part in dest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn is_external(dest: &str) -> bool {
    dest.starts_with("//")
        || dest.starts_with('#')
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn pass<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut missing_image: Option<String> = None;
    // Inside a link whose URL is refused: its text stays, the link goes.
    let mut refused_link = false;
    for (event, range) in events {
        if let Some(alt) = missing_image.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let html = format!("<span class=\"missing-image\">{}</span>", escape_html(alt));
                    out.push((Event::InlineHtml(CowStr::from(html)), range));
                    missing_image = None;
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Link { ref dest_url, .. }) if !url_is_safe(dest_url, false) => {
                cx.warning(
                    range.start,
                    Kind::Link,
                    format!("link to `{dest_url}` removed (only http(s), mailto, ftp and relative links are kept)"),
                );
                refused_link = true;
            }
            Event::End(TagEnd::Link) if refused_link => refused_link = false,
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite_link(&dest_url, range.start, cx);
                out.push((
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest,
                        title,
                        id,
                    }),
                    range,
                ));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => match rewrite_image(&dest_url, range.start, cx) {
                Some(dest) => out.push((
                    Event::Start(Tag::Image {
                        link_type,
                        dest_url: dest,
                        title,
                        id,
                    }),
                    range,
                )),
                None => missing_image = Some(String::new()),
            },
            other => out.push((other, range)),
        }
    }
    out
}

/// The page a link without `.md` means, as authors' tools read it:
/// `a/b` → `a/b.md`; a folder `a/` → its own page (`_index.md`, `index.md`,
/// `README.md`) or, without one, its section page.
fn page_file(target: &str, resolver: &dyn Resolver) -> Option<String> {
    let bare = target.trim_end_matches('/');
    let candidates = [
        format!("{bare}.md"),
        format!("{bare}/_index.md"),
        format!("{bare}/index.md"),
        format!("{bare}/README.md"),
        format!("{bare}/readme.md"),
    ];
    candidates
        .into_iter()
        .find(|c| resolver.page_path(c).is_some())
        .or_else(|| (bare.is_empty()).then(|| "_index.md".to_string()))
}

pub(super) fn rewrite_link<'a>(dest: &CowStr<'a>, offset: usize, cx: &mut Pass<'_>) -> CowStr<'a> {
    if let Some(fragment) = dest
        .strip_prefix('#')
        .filter(|f| !f.is_empty() && !f.starts_with('/'))
    {
        // In-page links, often written for GitHub's heading ids.
        return match cx
            .resolver
            .anchor(cx.rel_path, cx.lang, &percent_decode(fragment))
        {
            Some(id) => CowStr::from(format!("#{id}")),
            None => {
                cx.warning(
                    offset,
                    Kind::Link,
                    format!("no question or heading `#{fragment}` on this page"),
                );
                dest.clone()
            }
        };
    }
    if is_external(dest) || dest.is_empty() {
        return dest.clone();
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest.as_ref(), None),
    };
    let Some(target) = resolve_relative(cx.rel_path, &percent_decode(path)) else {
        cx.warning(
            offset,
            Kind::Link,
            format!("link `{dest}` points outside the content folder"),
        );
        return dest.clone();
    };
    let page = if target.ends_with(".md") {
        Some(target.clone())
    } else if cx.resolver.has_asset(&target) {
        None
    } else {
        page_file(&target, cx.resolver)
    };
    if let Some(target) = page {
        let Some(path) = cx.resolver.page_path(&target) else {
            cx.error(
                offset,
                Kind::Link,
                format!("broken link: no page `{target}`"),
            );
            return dest.clone();
        };
        if let Some(id) = fragment.filter(|f| !f.is_empty()) {
            let id = percent_decode(id);
            let Some(id) = cx.resolver.anchor(&target, cx.lang, &id) else {
                cx.error(
                    offset,
                    Kind::Link,
                    format!("broken link: `{target}` has no question or heading `#{id}`"),
                );
                return CowStr::from(format!("{ROOT}{LANG_PREFIX}{path}#{id}"));
            };
            return CowStr::from(format!("{ROOT}{LANG_PREFIX}{path}#{id}"));
        }
        return CowStr::from(format!("{ROOT}{LANG_PREFIX}{path}"));
    }
    if path.ends_with('/') || cx.resolver.has_asset(&target) {
        let suffix = fragment.map_or(String::new(), |f| format!("#{f}"));
        return CowStr::from(format!("{ROOT}{target}{suffix}"));
    }
    cx.error(
        offset,
        Kind::Link,
        format!("broken link: no file `{target}`"),
    );
    dest.clone()
}

pub(super) fn rewrite_image<'a>(
    dest: &CowStr<'a>,
    offset: usize,
    cx: &mut Pass<'_>,
) -> Option<CowStr<'a>> {
    if !url_is_safe(dest, true) {
        cx.warning(
            offset,
            Kind::Image,
            format!("image source `{dest}` removed; its alt text is shown instead"),
        );
        return None;
    }
    if is_external(dest) {
        return Some(dest.clone());
    }
    let target =
        resolve_relative(cx.rel_path, &percent_decode(dest)).filter(|t| cx.resolver.has_asset(t));
    match target {
        Some(target) => Some(CowStr::from(format!("{ROOT}{target}"))),
        None => {
            cx.warning(
                offset,
                Kind::Image,
                format!("missing image `{dest}`; its alt text is shown instead"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_file() {
        assert_eq!(
            resolve_relative("a/b.md", "../c/d.md").as_deref(),
            Some("c/d.md")
        );
        assert_eq!(
            resolve_relative("a/b.md", "img\\x.png").as_deref(),
            Some("a/img/x.png")
        );
        assert_eq!(
            resolve_relative("a/b.md", "./x.md").as_deref(),
            Some("a/x.md")
        );
        assert_eq!(resolve_relative("b.md", "../x.md"), None);
        assert_eq!(
            resolve_relative("a/b.md", "/img/y.png").as_deref(),
            Some("img/y.png")
        );
    }

    #[test]
    fn external_links_are_left_alone() {
        assert!(is_external("https://example.com"));
        assert!(is_external("mailto:a@b"));
        assert!(is_external("#local"));
        assert!(!is_external("../x.md"));
        assert!(!is_external("C.md"));
    }

    #[test]
    fn script_urls_never_become_links_or_images() {
        let r = crate::markdown::tests::render_page(
            "[x](javascript:alert(1)) [y](<JavaScript:alert(2)>) <vbscript:z> ![i](javascript:alert(3)) ![d](data:image/png;base64,AA)\n",
        );
        assert!(!r.html.contains("href="), "{}", r.html);
        assert!(
            r.html
                .starts_with("<p>x y vbscript:z <span class=\"missing-image\">i</span>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("src=\"data:image/png;base64,AA\""),
            "{}",
            r.html
        );
        assert_eq!(r.diagnostics.len(), 4, "{:?}", r.diagnostics);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b.md"), "a b.md");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
