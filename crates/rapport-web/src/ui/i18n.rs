//! The UI's texts in English, German, French and Greek, from `messages.tsv` (one line per
//! message: key, then the four languages). A test checks that every key a template or page
//! asks for exists and has all four texts.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::locale::Lang;

static SOURCE: &str = include_str!("messages.tsv");

fn column(lang: Lang) -> usize {
    match lang {
        Lang::En => 0,
        Lang::De => 1,
        Lang::Fr => 2,
        Lang::El => 3,
    }
}

fn catalogue() -> &'static HashMap<&'static str, [&'static str; 4]> {
    static MAP: OnceLock<HashMap<&'static str, [&'static str; 4]>> = OnceLock::new();
    MAP.get_or_init(|| parse(SOURCE))
}

/// A catalogue in the TSV form: one line per key, then its English, German, French and Greek
/// texts; `#` lines are comments. Lines with fewer than five cells are left out (the tests
/// find them).
pub(super) fn parse(source: &'static str) -> HashMap<&'static str, [&'static str; 4]> {
    source
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split('\t');
            let key = parts.next()?;
            let texts = [parts.next()?, parts.next()?, parts.next()?, parts.next()?];
            Some((key, texts))
        })
        .collect()
}

/// The text of `key` in `lang` (English where a translation is empty), if the key exists.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let texts = catalogue().get(key)?;
    let t = texts[column(lang)];
    Some(if t.is_empty() { texts[0] } else { t })
}

/// The text of `key`; an unknown key shows as itself in brackets (the tests keep that from
/// happening).
pub fn text(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or("⟨missing text⟩")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("…")` key in the templates and pages exists, with all four texts.
    #[test]
    fn every_key_used_exists_in_every_language() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        for dir in ["templates", "src/ui"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (i, _) in text.match_indices("t(\"") {
                        let rest = &text[i + 3..];
                        if let Some(end) = rest.find('"') {
                            let key = &rest[..end];
                            let is_key = key.contains('.')
                                && key.bytes().all(|b| {
                                    b.is_ascii_lowercase()
                                        || b.is_ascii_digit()
                                        || b == b'_'
                                        || b == b'.'
                                });
                            if is_key {
                                used.push((path.display().to_string(), key.to_string()));
                            }
                        }
                    }
                }
            }
        }
        assert!(used.len() > 100, "found only {} keys", used.len());
        for (file, key) in &used {
            let texts = catalogue()
                .get(key.as_str())
                .unwrap_or_else(|| panic!("{file}: no text for {key}"));
            for (lang, t) in Lang::ALL.iter().zip(texts) {
                assert!(!t.trim().is_empty(), "{key} has no {} text", lang.code());
            }
        }
    }

    #[test]
    fn the_catalogue_is_complete_and_well_formed() {
        for line in SOURCE.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "{line}");
            assert!(
                cols.iter().all(|c| !c.trim().is_empty()),
                "untranslated: {line}"
            );
        }
        assert_eq!(lookup(Lang::De, "nav.language"), Some("Sprache"));
    }
}
