//! Optional front matter: TOML between `+++` lines or YAML between `---` lines.

use serde::Deserialize;

/// The fields a page may set. Everything is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub weight: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub draft: bool,
}

/// The result of splitting a file: its front matter, the markdown body, and
/// how many lines precede the body (to keep reported line numbers exact).
#[derive(Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    pub body_line: usize,
}

/// A front matter error with its 1-based line in the file.
#[derive(Debug, PartialEq)]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

/// Splits front matter from the body and parses it.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    for (fence, is_toml) in [("+++", true), ("---", false)] {
        let Some(rest) = text.strip_prefix(fence).and_then(|r| r.strip_prefix('\n')) else {
            continue;
        };
        let close = find_closing_fence(rest, fence).ok_or_else(|| FrontMatterError {
            line: 1,
            message: format!("front matter opened with `{fence}` is never closed"),
        })?;
        let raw = &rest[..close];
        let after = &rest[close + fence.len()..];
        let body = after.strip_prefix('\n').unwrap_or(after);
        let body_line = raw.matches('\n').count() + 2;
        let front = if is_toml {
            parse_toml(raw)?
        } else {
            parse_yaml(raw)?
        };
        return Ok(Split {
            front,
            body,
            body_line,
        });
    }
    Ok(Split {
        front: FrontMatter::default(),
        body: text,
        body_line: 0,
    })
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

fn parse_toml(raw: &str) -> Result<FrontMatter, FrontMatterError> {
    toml::from_str(raw).map_err(|err| {
        let line = err.span().map_or(0, |span| {
            raw[..span.start.min(raw.len())].matches('\n').count()
        });
        FrontMatterError {
            line: line + 2,
            message: err.message().to_string(),
        }
    })
}

fn parse_yaml(raw: &str) -> Result<FrontMatter, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    serde_yaml::from_str(raw).map_err(|err| FrontMatterError {
        line: err.location().map_or(0, |l| l.line()) + 1,
        message: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter() {
        let s = split("+++\ntitle = \"Softmax\"\nweight = 4\n+++\n# Body\n").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Softmax"));
        assert_eq!(s.front.weight, Some(4));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn yaml_front_matter() {
        let s = split("---\ntitle: 池化\ntags: [cnn]\ndraft: true\n---\nx").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("池化"));
        assert!(s.front.draft);
        assert_eq!(s.body, "x");
    }

    #[test]
    fn no_front_matter() {
        let s = split("# Title\n---\n").unwrap();
        assert_eq!(s.front, FrontMatter::default());
        assert_eq!(s.body_line, 0);
    }

    #[test]
    fn errors_carry_the_file_line() {
        let err = split("+++\ntitle = \"a\"\nweight = \"x\"\n+++\n").unwrap_err();
        assert_eq!(err.line, 3);
        let err = split("+++\ntitle = 1\n").unwrap_err();
        assert!(err.message.contains("never closed"));
        let err = split("---\ntitle: a\nunknown_key: 1\n---\n").unwrap_err();
        assert!(err.message.contains("unknown"), "{}", err.message);
    }
}
