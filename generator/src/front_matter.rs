//! Optional front matter: TOML between `+++` lines or YAML between `---` lines.
//!
//! Front matter never costs the author content: keys this generator does not
//! know are kept (`page.extra` in templates), a field of the wrong type is
//! reported and ignored, and a block that cannot be parsed at all is reported
//! and hidden, never printed into the page. A page that says `draft` is a
//! draft even when the rest of its front matter is broken.

use serde_json::{Map, Value};

/// The fields a page may set. Everything is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub weight: Option<i64>,
    pub tags: Vec<String>,
    pub draft: bool,
    pub date: Option<String>,
    /// The last part of the page's URL instead of the file name.
    pub slug: Option<String>,
    /// Old URLs of the page (`/old/path/`): each gets a page that redirects here.
    pub aliases: Vec<String>,
    /// Every other key, as written (for templates).
    pub extra: Map<String, Value>,
}

/// The result of splitting a file: its front matter, the markdown body, and
/// how many lines precede the body (to keep reported line numbers exact).
#[derive(Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    pub body_line: usize,
    /// Problems in the front matter (the page is built regardless).
    pub problems: Vec<FrontMatterError>,
}

/// A front matter problem with its 1-based line in the file.
#[derive(Debug, PartialEq)]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

/// Splits front matter from the body and parses it.
pub fn split(text: &str) -> Split<'_> {
    for (fence, is_toml) in [("+++", true), ("---", false)] {
        let Some(rest) = text.strip_prefix(fence).and_then(|r| r.strip_prefix('\n')) else {
            continue;
        };
        let Some(close) = find_closing_fence(rest, fence) else {
            // A `---` first line may be a thematic break; `+++` is front matter.
            if is_toml {
                return Split {
                    front: FrontMatter::default(),
                    body: text,
                    body_line: 0,
                    problems: vec![FrontMatterError {
                        line: 1,
                        message: format!("front matter opened with `{fence}` is never closed"),
                    }],
                };
            }
            continue;
        };
        let raw = &rest[..close];
        let after = &rest[close + fence.len()..];
        let body = after.strip_prefix('\n').unwrap_or(after);
        let body_line = raw.matches('\n').count() + 2;
        let parsed = if is_toml {
            parse_toml(raw)
        } else {
            parse_yaml(raw)
        };
        let (front, problems) = match parsed {
            Ok(map) => fields(map, raw),
            Err(err) => {
                let front = FrontMatter {
                    draft: says_draft(raw),
                    ..FrontMatter::default()
                };
                let message = format!(
                    "{}; the front matter is ignored{}",
                    err.message,
                    if front.draft {
                        " (but the page stays a draft)"
                    } else {
                        ""
                    }
                );
                (front, vec![FrontMatterError { message, ..err }])
            }
        };
        return Split {
            front,
            body,
            body_line,
            problems,
        };
    }
    Split {
        front: FrontMatter::default(),
        body: text,
        body_line: 0,
        problems: Vec::new(),
    }
}

fn find_closing_fence(rest: &str, fence: &str) -> Option<usize> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// A `draft` line in front matter that does not parse.
fn says_draft(raw: &str) -> bool {
    raw.lines().any(|line| {
        let line = line.trim().to_ascii_lowercase();
        line.strip_prefix("draft")
            .map(|rest| rest.trim_start())
            .and_then(|rest| rest.strip_prefix([':', '=']))
            .is_some_and(|value| {
                matches!(
                    value.trim().trim_matches(['"', '\'']),
                    "true" | "yes" | "on"
                )
            })
    })
}

/// The known fields of a parsed front matter, and the problems of those
/// whose value has the wrong type (they are ignored).
fn fields(mut map: Map<String, Value>, raw: &str) -> (FrontMatter, Vec<FrontMatterError>) {
    let mut problems = Vec::new();
    let mut wrong = |key: &str, expected: &str| {
        problems.push(FrontMatterError {
            line: line_of(raw, key),
            message: format!("`{key}` should be {expected}; it is ignored"),
        })
    };
    let mut take = |key: &str| map.remove(key).filter(|v| !v.is_null());
    let text = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut front = FrontMatter::default();
    if let Some(v) = take("title") {
        front.title = text(v).or_else(|| {
            wrong("title", "a string");
            None
        });
    }
    if let Some(v) = take("description") {
        front.description = text(v).or_else(|| {
            wrong("description", "a string");
            None
        });
    }
    if let Some(v) = take("weight") {
        front.weight = match &v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if front.weight.is_none() {
            wrong("weight", "a whole number");
        }
    }
    if let Some(v) = take("tags") {
        match v {
            Value::Array(items) => front.tags = items.into_iter().filter_map(text).collect(),
            Value::String(s) => front.tags = vec![s],
            _ => wrong("tags", "a list of strings"),
        }
    }
    if let Some(v) = take("draft") {
        front.draft = match v {
            Value::Bool(b) => b,
            Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes"),
            _ => {
                wrong("draft", "true or false");
                true
            }
        };
    }
    if let Some(v) = take("date") {
        front.date = text(v);
    }
    if let Some(v) = take("slug") {
        let slug = text(v).map(|s| s.trim().trim_matches('/').to_string());
        match slug.filter(|s| !s.is_empty() && !s.contains(['/', '\\', '?', '#'])) {
            Some(slug) => front.slug = Some(slug),
            None => wrong("slug", "one URL segment (no `/`)"),
        }
    }
    if let Some(v) = take("aliases") {
        match v {
            Value::Array(items) => front.aliases = items.into_iter().filter_map(text).collect(),
            Value::String(s) => front.aliases = vec![s],
            _ => wrong("aliases", "a list of URL paths"),
        }
    }
    front.extra = map;
    (front, problems)
}

/// The line (1-based, in the file) where `key` is set, for messages.
fn line_of(raw: &str, key: &str) -> usize {
    raw.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(['=', ':']))
        })
        .map_or(1, |i| i + 2)
}

fn parse_toml(raw: &str) -> Result<Map<String, Value>, FrontMatterError> {
    let table: toml::Table = toml::from_str(raw).map_err(|err| {
        let line = err.span().map_or(0, |span| {
            raw[..span.start.min(raw.len())].matches('\n').count()
        });
        FrontMatterError {
            line: line + 2,
            message: err.message().to_string(),
        }
    })?;
    match serde_json::to_value(table) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Ok(Map::new()),
    }
}

fn parse_yaml(raw: &str) -> Result<Map<String, Value>, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: serde_yaml::Value = serde_yaml::from_str(raw).map_err(|err| FrontMatterError {
        line: err.location().map_or(0, |l| l.line()) + 1,
        message: err.to_string(),
    })?;
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FrontMatterError {
            line: 2,
            message: "front matter should be a list of `key: value` lines".into(),
        }),
        Err(err) => Err(FrontMatterError {
            line: 2,
            message: err.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter() {
        let s = split("+++\ntitle = \"Softmax\"\nweight = 4\n+++\n# Body\n");
        assert_eq!(s.front.title.as_deref(), Some("Softmax"));
        assert_eq!(s.front.weight, Some(4));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
        assert!(s.problems.is_empty());
    }

    #[test]
    fn yaml_front_matter_keeps_unknown_keys() {
        let s = split("---\ntitle: 池化\ntags: [cnn]\ndraft: true\nlayout: post\nhero: {x: 1}\ndate: 2020-01-02\n---\nx");
        assert_eq!(s.front.title.as_deref(), Some("池化"));
        assert!(s.front.draft);
        assert_eq!(s.front.date.as_deref(), Some("2020-01-02"));
        assert_eq!(s.front.extra["layout"], "post");
        assert_eq!(s.front.extra["hero"]["x"], 1);
        assert_eq!(s.body, "x");
        assert!(s.problems.is_empty());
    }

    #[test]
    fn slug_and_aliases() {
        let s = split("+++\nslug = \"bn\"\naliases = [\"/old/bn/\", \"x.html\"]\n+++\n");
        assert_eq!(s.front.slug.as_deref(), Some("bn"));
        assert_eq!(s.front.aliases, ["/old/bn/", "x.html"]);
        let s = split("+++\nslug = \"a/b\"\n+++\n");
        assert!(s.front.slug.is_none() && s.problems.len() == 1);
    }

    #[test]
    fn no_front_matter() {
        let s = split("# Title\n---\n");
        assert_eq!(s.front, FrontMatter::default());
        assert_eq!(s.body_line, 0);
        let s = split("---\n\ntext after a rule\n");
        assert_eq!(
            s.body, "---\n\ntext after a rule\n",
            "an unclosed --- is a rule"
        );
    }

    #[test]
    fn problems_carry_the_file_line_and_never_show_the_block() {
        let s = split("+++\ntitle = \"a\"\nweight = \"x\"\n+++\nbody");
        assert_eq!(s.problems[0].line, 3);
        assert_eq!(s.front.title.as_deref(), Some("a"), "the rest is kept");
        let s = split("+++\ntitle = 1\n");
        assert!(s.problems[0].message.contains("never closed"));
        let s = split("---\ntitle: [a\ndraft: true\n---\nbody");
        assert_eq!(s.body, "body", "an unparsable block is hidden");
        assert!(s.front.draft, "and its draft line still counts");
        assert_eq!(s.problems.len(), 1);
    }
}
