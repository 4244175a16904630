//! Test helpers for chart output: a tiny XML well-formedness checker, the CSP and accessibility
//! rules every chart must meet, and attribute lookups.

/// A start, end or empty-element tag.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
    self_closing: bool,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Occurrences of `needle` in `haystack`.
pub(super) fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Values of `attr` on every `element` start tag, in document order.
pub(super) fn attr_values(svg: &str, element: &str, attr: &str) -> Vec<String> {
    let tags = parse_tags(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    tags.iter()
        .filter(|t| t.name == element && !t.closing)
        .filter_map(|t| t.attr(attr).map(str::to_string))
        .collect()
}

/// Character data must only use the five XML entities or numeric references.
fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("raw '<' in {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let rest = &text[i + 1..];
        let entity = rest.split(';').next().unwrap_or("");
        let known = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || (entity.starts_with('#') && entity[1..].chars().all(|c| c.is_ascii_digit()));
        if !known || !rest.contains(';') {
            return Err(format!("bad entity at {:?}", &text[i..]));
        }
    }
    Ok(())
}

/// The inside of `<...>`: name, attributes, and whether it closes or is empty.
fn parse_tag(inner: &str) -> Result<Tag, String> {
    if let Some(name) = inner.strip_prefix('/') {
        let name = name.trim().to_string();
        return Ok(Tag {
            name,
            attrs: vec![],
            closing: true,
            self_closing: false,
        });
    }
    let (inner, self_closing) = match inner.strip_suffix('/') {
        Some(inner) => (inner, true),
        None => (inner, false),
    };
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let (name, mut rest) = inner.split_at(name_end);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
        return Err(format!("bad tag name in <{inner}>"));
    }
    let mut attrs: Vec<(String, String)> = vec![];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (attr, after) = rest
            .split_once('=')
            .ok_or(format!("attribute without value: {rest}"))?;
        let quote = after.chars().next().ok_or("missing quote")?;
        if quote != '"' && quote != '\'' {
            return Err(format!("unquoted attribute {attr}"));
        }
        let (value, after) = after[1..]
            .split_once(quote)
            .ok_or("unterminated attribute")?;
        check_text(value)?;
        if attrs.iter().any(|(n, _)| n == attr) {
            return Err(format!("duplicate attribute {attr}"));
        }
        attrs.push((attr.to_string(), value.to_string()));
        if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
            return Err(format!("no space after attribute {attr}"));
        }
        rest = after;
    }
    Ok(Tag {
        name: name.to_string(),
        attrs,
        closing: false,
        self_closing,
    })
}

/// All tags of a document whose tags balance under a single root.
fn parse_tags(svg: &str) -> Result<Vec<Tag>, String> {
    let mut tags = vec![];
    let mut open: Vec<String> = vec![];
    let mut rest = svg;
    let mut roots = 0;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        check_text(text)?;
        if open.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        let mut quote = None;
        let end = rest[start..]
            .char_indices()
            .find(|(_, c)| match (quote, c) {
                (None, '"' | '\'') => {
                    quote = Some(*c);
                    false
                }
                (Some(q), c) if q == *c => {
                    quote = None;
                    false
                }
                (None, '>') => true,
                _ => false,
            })
            .map(|(i, _)| start + i)
            .ok_or("unterminated tag")?;
        let tag = parse_tag(&rest[start + 1..end])?;
        if tag.closing {
            let expected = open.pop().ok_or(format!("stray </{}>", tag.name))?;
            if expected != tag.name {
                return Err(format!("</{}> closes <{expected}>", tag.name));
            }
        } else {
            if open.is_empty() {
                roots += 1;
            }
            if !tag.self_closing {
                open.push(tag.name.clone());
            }
        }
        tags.push(tag);
        rest = &rest[end + 1..];
    }
    if !rest.trim().is_empty() || !open.is_empty() || roots != 1 {
        return Err(format!(
            "unclosed {open:?}, {roots} roots, trailing {rest:?}"
        ));
    }
    Ok(tags)
}

const NUMERIC_ATTRS: [&str; 10] = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "height"];

/// A coordinate as `svg::num` prints it: finite, at most two decimals.
fn check_number(text: &str) -> Result<(), String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("not a number: {text:?}"))?;
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
    if !value.is_finite() || decimals > 2 {
        return Err(format!("bad coordinate {text:?}"));
    }
    Ok(())
}

/// Numbers inside `d="M1 2 L3 4"` or `transform="rotate(-45 1 2)"`.
fn check_numbers_in(list: &str) -> Result<(), String> {
    list.split(|c: char| c.is_whitespace() || c.is_ascii_alphabetic() || "(),".contains(c))
        .filter(|n| !n.is_empty())
        .try_for_each(check_number)
}

/// Every chart must be well-formed, CSP-safe, accessible and free of non-numbers.
pub(super) fn assert_safe_svg(svg: &str) {
    if let Err(problem) = check_safe_svg(svg) {
        panic!("{problem}\n{svg}");
    }
}

fn check_safe_svg(svg: &str) -> Result<(), String> {
    let tags = parse_tags(svg)?;
    for needle in ["NaN", "inf", "<script", "<style", "style="] {
        if svg.contains(needle) {
            return Err(format!("contains {needle:?}"));
        }
    }
    let root = &tags[0];
    let expect = |tag: &Tag, attr: &str, value: Option<&str>| match (tag.attr(attr), value) {
        (Some(_), None) => Ok(()),
        (Some(actual), Some(value)) if actual == value => Ok(()),
        (actual, _) => Err(format!(
            "<{}> {attr}={actual:?}, expected {value:?}",
            tag.name
        )),
    };
    expect(root, "role", Some("img"))?;
    expect(root, "width", Some("100%"))?;
    expect(root, "viewBox", None)?;
    let (title, desc) = (&tags[1], &tags[3]);
    if root.name != "svg" || title.name != "title" || desc.name != "desc" {
        return Err("expected <svg><title/><desc/>…".to_string());
    }
    let labelled_by: Vec<&str> = root
        .attr("aria-labelledby")
        .unwrap_or("")
        .split(' ')
        .collect();
    let ids = [
        title.attr("id").unwrap_or("?"),
        desc.attr("id").unwrap_or("?"),
    ];
    if labelled_by != ids {
        return Err(format!("aria-labelledby {labelled_by:?} but ids {ids:?}"));
    }
    for tag in &tags[1..] {
        for (name, value) in &tag.attrs {
            if name.starts_with("on") {
                return Err(format!("event handler {name}"));
            }
            if NUMERIC_ATTRS.contains(&name.as_str()) || (name == "width" && tag.name != "svg") {
                check_number(value)?;
            }
            if name == "d" || name == "transform" {
                check_numbers_in(value)?;
            }
        }
    }
    Ok(())
}

#[test]
fn the_checker_rejects_broken_markup() {
    let ok = "<svg a=\"1\"><g><title>a &amp; b</title></g><line x=\"1\"/></svg>";
    assert!(parse_tags(ok).is_ok());
    for broken in [
        "<svg><g></svg>",
        "<svg></g></svg>",
        "<svg>a < b</svg>",
        "<svg>a & b</svg>",
        "<svg a=1></svg>",
        "<svg a=\"1\"a=\"2\"></svg>",
        "<svg a=\"1\" a=\"2\"></svg>",
        "<svg></svg><svg></svg>",
        "text<svg></svg>",
        "<svg>",
        "<svg a=\"<\"></svg>",
    ] {
        assert!(parse_tags(broken).is_err(), "accepted {broken}");
    }
    assert!(check_number("1.25").is_ok());
    assert!(check_number("1.255").is_err());
    assert!(check_number("NaN").is_err());
}
