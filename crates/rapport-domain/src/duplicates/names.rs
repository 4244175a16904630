//! Names as duplicate detection compares them: the normalized form, and the Jaro-Winkler
//! similarity of two forms (with the cheap upper bound that lets most pairs skip it).

/// Legal-form words removed from the end of organization names, in normalized spelling
/// (so "e.V." is "ev", "S.p.A." is "spa", "Α.Ε." is "αε").
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "haftungsbeschrankt",
    "ev",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
    "co",
    "corp",
    "corporation",
    "sa",
    "sarl",
    "sas",
    "bv",
    "nv",
    "spa",
    "srl",
    "oy",
    "ab",
    "ae",
    "epe",
    "ike",
    "oe",
    "αε",
    "επε",
    "ικε",
    "οε",
];

/// The form names are compared in: lower case; diacritics folded (ä→a, ö→o, ü→u, ß→ss,
/// é/è/ê→e, à/â→a, ç→c, æ→ae, …; Greek letters are kept, their accents dropped and ς
/// written σ); dots and apostrophes removed ("e.V."→"ev", "O'Brien"→"obrien"); other
/// punctuation read as a space; whitespace collapsed. For organizations, legal-form words at
/// the end are removed ("Müller GmbH & Co. KG" → "muller"), unless nothing else is left.
/// Transliterations are not undone: "Mueller" stays "mueller".
pub fn normalize_name(name: &str, is_organization: bool) -> String {
    let mut normalizer = Normalizer::default();
    normalizer.split(name, is_organization);
    let words: Vec<&str> = normalizer.words().collect();
    words.join(" ")
}

/// Normalizes many names into one character arena, reusing its buffers, so that a million
/// names do not cost a million allocations.
#[derive(Default)]
pub(super) struct Normalizer {
    folded: String,
    /// Byte ranges of the words in `folded`, legal forms already dropped.
    words: Vec<(usize, usize)>,
}

impl Normalizer {
    /// Appends the normalized name to `arena`, then its words sorted unless they already are;
    /// returns the two ranges (equal when the words were in order).
    pub(super) fn push(
        &mut self,
        name: &str,
        is_organization: bool,
        arena: &mut Vec<char>,
    ) -> [(u32, u32); 2] {
        self.split(name, is_organization);
        let as_written = self.append(arena);
        let folded = &self.folded;
        let word = |&(start, end): &(usize, usize)| &folded[start..end];
        if self.words.is_sorted_by_key(word) {
            return [as_written, as_written];
        }
        self.words.sort_unstable_by_key(word);
        [as_written, self.append(arena)]
    }

    fn split(&mut self, name: &str, is_organization: bool) {
        self.folded.clear();
        self.words.clear();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                self.folded.push(c.to_ascii_lowercase());
            } else {
                c.to_lowercase().for_each(|c| fold(c, &mut self.folded));
            }
        }
        let mut start = 0;
        for word in self.folded.split(' ') {
            if !word.is_empty() {
                self.words.push((start, start + word.len()));
            }
            start += word.len() + 1;
        }
        while is_organization
            && self.words.len() > 1
            && self
                .words()
                .next_back()
                .is_some_and(|w| LEGAL_FORMS.contains(&w))
        {
            self.words.pop();
        }
    }

    fn words(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.words
            .iter()
            .map(|&(start, end)| &self.folded[start..end])
    }

    /// Appends the words joined by single spaces; returns their range in the arena.
    fn append(&self, arena: &mut Vec<char>) -> (u32, u32) {
        let start = arena.len() as u32;
        for (k, word) in self.words().enumerate() {
            if k > 0 {
                arena.push(' ');
            }
            arena.extend(word.chars());
        }
        (start, arena.len() as u32)
    }
}

/// Appends the folded form of one lower-case character.
fn fold(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ß' => "ss",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        'ά' => "α",
        'έ' => "ε",
        'ή' => "η",
        'ί' | 'ϊ' | 'ΐ' => "ι",
        'ό' => "ο",
        'ύ' | 'ϋ' | 'ΰ' => "υ",
        'ώ' => "ω",
        'ς' => "σ",
        // Dots and apostrophes join ("e.V.", "O'Brien"); combining marks of decomposed text go.
        '.' | '\'' | '’' | '`' | '´' | '\u{300}'..='\u{36f}' => "",
        c if c.is_alphanumeric() => {
            out.push(c);
            return;
        }
        _ => " ",
    };
    out.push_str(folded);
}

/// Jaro-Winkler similarity of two strings, 0..=1, compared character by character: the
/// [`jaro`] similarity `j` raised for a common prefix, `j + ℓ·0.1·(1 − j)` with ℓ the length
/// of the common prefix up to 4 (Winkler 1990, "String Comparator Metrics and Enhanced
/// Decision Rules in the Fellegi-Sunter Model of Record Linkage"; the boost applies at every
/// `j`, as in the Wikipedia definition). Two empty strings are alike (1.0); an empty and a
/// non-empty one are not (0.0).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jaro_winkler_chars(&a, &b)
}

/// Jaro similarity of two strings, 0..=1: `(m/|a| + m/|b| + (m − t)/m) / 3`, where `m`
/// characters match (equal, and at most half the longer length minus one apart) and `t` is
/// half the number of matched characters that stand in a different order (Jaro 1989).
pub fn jaro(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jaro_chars(&a, &b)
}

pub(super) fn jaro_winkler_chars(a: &[char], b: &[char]) -> f64 {
    let j = jaro_chars(a, b);
    j + common_prefix(a, b) as f64 * 0.1 * (1.0 - j)
}

/// Length of the common prefix, up to the four characters Jaro-Winkler counts.
pub(super) fn common_prefix(a: &[char], b: &[char]) -> usize {
    a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count()
}

fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        _ if a.len() <= 128 && b.len() <= 128 => jaro_with(a, b, &mut [0; 2], &mut [0; 2]),
        _ => {
            let (mut a_hit, mut b_hit) = (vec![0; a.len() / 64 + 1], vec![0; b.len() / 64 + 1]);
            jaro_with(a, b, &mut a_hit, &mut b_hit)
        }
    }
}

fn bit(set: &[u64], i: usize) -> bool {
    set[i / 64] >> (i % 64) & 1 == 1
}

/// Jaro of two non-empty strings; `a_hit`/`b_hit` are cleared bit sets with room for each.
fn jaro_with(a: &[char], b: &[char], a_hit: &mut [u64], b_hit: &mut [u64]) -> f64 {
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let end = (i + window + 1).min(b.len());
        for j in i.saturating_sub(window)..end {
            if b[j] == *ca && !bit(b_hit, j) {
                a_hit[i / 64] |= 1 << (i % 64);
                b_hit[j / 64] |= 1 << (j % 64);
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut out_of_order = 0usize;
    let mut j = 0;
    for (_, ca) in a.iter().enumerate().filter(|&(i, _)| bit(a_hit, i)) {
        while !bit(b_hit, j) {
            j += 1;
        }
        out_of_order += usize::from(*ca != b[j]);
        j += 1;
    }
    let m = matches as f64;
    let t = out_of_order as f64 / 2.0;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// How many of each kind of character a name holds (characters fall into 32 buckets), so
/// that the number of characters two names can share is bounded without reading them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Letters([u8; 32]);

impl Letters {
    pub(super) fn of(chars: &[char]) -> Self {
        let mut counts = [0u8; 32];
        for &c in chars {
            let slot = &mut counts[c as usize % 32];
            *slot = slot.saturating_add(1);
        }
        Self(counts)
    }

    /// At least as many characters as names of `la` and `lb` characters with these letters
    /// can share (a count saturates at 255, so longer names fall back to the shorter length).
    pub(super) fn shared(&self, other: &Letters, la: usize, lb: usize) -> usize {
        if la.max(lb) > 255 {
            return la.min(lb);
        }
        let common: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(x, y)| usize::from(*x.min(y)))
            .sum();
        common.min(la.min(lb))
    }
}

/// The most [`jaro_winkler`] can reach for strings of `la` and `lb` characters that share at
/// most `shared` characters and have a common prefix of `prefix` (all shared characters
/// matching, none out of order).
pub(super) fn jaro_winkler_bound(la: usize, lb: usize, shared: usize, prefix: usize) -> f64 {
    if shared == 0 {
        return 0.0;
    }
    let m = shared as f64;
    let j = (m / la as f64 + m / lb as f64 + 1.0) / 3.0;
    j + prefix.min(4) as f64 * 0.1 * (1.0 - j)
}
