//! Case- and diacritics-insensitive text folding for search and text filters.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Folds text for comparison: NFKD, combining marks dropped, lowercased, and the Latin letters that
/// carry a stroke rather than a combining mark ("ł", "ø", "đ") mapped to their base letters.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            // Typographic dashes and apostrophes are written both ways in the same texts.
            '\u{2010}'..='\u{2015}' => out.push('-'),
            '\u{2018}' | '\u{2019}' | '\u{02bc}' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A text filter folded once and matched against many sentences.
#[derive(Clone, Debug)]
pub struct TextMatcher {
    folded: String,
}

impl TextMatcher {
    pub fn new(text: &str) -> Self {
        Self { folded: fold(text) }
    }

    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// Whether `haystack` contains the text, folded. ASCII sentences against an ASCII needle take
    /// a path that does not allocate, since that is most of a timeline scan.
    pub fn matches(&self, haystack: &str) -> bool {
        if self.folded.is_empty() {
            return true;
        }
        if haystack.is_ascii() && self.folded.is_ascii() {
            let needle = self.folded.as_bytes();
            return haystack
                .as_bytes()
                .windows(needle.len())
                .any(|window| window.eq_ignore_ascii_case(needle));
        }
        fold(haystack).contains(&self.folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_diacritics() {
        assert_eq!(fold("Nguyễn Phú Trọng"), "nguyen phu trong");
        assert_eq!(fold("Łukaszenka"), "lukaszenka");
        assert_eq!(fold("MÜNCHEN"), "munchen");
        assert_eq!(fold("ﬁne"), "fine");
    }

    #[test]
    fn text_matcher_finds_folded_substrings() {
        let matcher = TextMatcher::new("lukašenka");
        assert!(matcher.matches("President Lukasenka met"));
        assert!(!matcher.matches("President Lukashenka met"));
        let ascii = TextMatcher::new("MINSK");
        assert!(ascii.matches("talks in Minsk on Monday"));
        assert!(ascii.matches("talks in Mínsk"));
        assert!(!ascii.matches("talks in Moscow"));
        assert!(TextMatcher::new("").matches("anything"));
    }
}
