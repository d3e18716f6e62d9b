//! Anchor pass: gives every question and heading its id and a permalink, and
//! drops the page-title heading (the template renders the title itself).

use super::outline::{Outline, Shape, Spanned};
use super::{escape_html, Pass};
use pulldown_cmark::{CowStr, Event, Tag};

pub fn pass<'a>(events: Vec<Spanned<'a>>, outline: &Outline, cx: &Pass<'_>) -> Vec<Spanned<'a>> {
    let mut entries = outline.entries.iter().peekable();
    let mut out = Vec::with_capacity(events.len() + outline.entries.len());
    for (i, (event, range)) in events.into_iter().enumerate() {
        if outline
            .title_events
            .as_ref()
            .is_some_and(|r| r.contains(&i))
        {
            continue;
        }
        let Some(entry) = entries.next_if(|e| e.event == i) else {
            out.push((event, range));
            continue;
        };
        let id = escape_html(&entry.id);
        let class = if entry.is_question {
            "question"
        } else {
            "group"
        };
        let label = escape_html(cx.strings.get("permalink"));
        let permalink = format!(
            "<a class=\"permalink\" href=\"#{id}\" aria-label=\"{label}\" title=\"{label}\">#</a>"
        );
        match (entry.shape, event) {
            (
                Shape::Heading(_),
                Event::Start(Tag::Heading {
                    level,
                    classes,
                    attrs,
                    ..
                }),
            ) => {
                let mut classes = classes;
                classes.push(CowStr::from(class));
                let tag = Tag::Heading {
                    level,
                    id: Some(CowStr::from(entry.id.clone())),
                    classes,
                    attrs,
                };
                out.push((Event::Start(tag), range.clone()));
                out.push((Event::InlineHtml(CowStr::from(permalink)), range));
            }
            (Shape::ListItem, _) => {
                out.push((
                    Event::Html(CowStr::from(format!(
                        "<li class=\"{class}\" id=\"{id}\">{permalink}"
                    ))),
                    range,
                ));
            }
            (Shape::BoldParagraph, _) => {
                out.push((
                    Event::Html(CowStr::from(format!(
                        "<p class=\"{class}\" id=\"{id}\">{permalink}"
                    ))),
                    range,
                ));
            }
            (_, event) => out.push((event, range)),
        }
    }
    out
}
