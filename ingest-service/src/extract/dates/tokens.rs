//! A small tokenizer for date expressions: words, plain numbers, dashes and other punctuation,
//! each with its byte range, in one linear pass.

use super::lexicon::{LEXICON, Lexicon, WordClass};

/// The longest word the date grammar needs ("throughout", "afterwards").
const SHORT_WORD: usize = 12;

/// A short ASCII word, lower-cased, without an allocation; empty for longer or non-ASCII words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortWord {
    bytes: [u8; SHORT_WORD],
    len: u8,
}

impl ShortWord {
    fn new(word: &str) -> Self {
        let mut bytes = [0u8; SHORT_WORD];
        if word.len() > SHORT_WORD || !word.is_ascii() {
            return ShortWord { bytes, len: 0 };
        }
        for (b, c) in bytes.iter_mut().zip(word.bytes()) {
            *b = c.to_ascii_lowercase();
        }
        ShortWord {
            bytes,
            len: word.len() as u8,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of letters; `capitalized` tells whether the first letter was upper case. Only short
    /// ASCII words are kept, lower-cased: every word the date grammar knows is one.
    Word {
        lower: ShortWord,
        capitalized: bool,
    },
    /// A run of ASCII digits. `plain` is false for numbers that cannot be a day or a year: grouped
    /// ("9,000"), decimal ("3.5"), money ("$245"), percentages, or glued to letters ("5G").
    Number {
        value: u32,
        digits: u8,
        plain: bool,
        ordinal: bool,
    },
    /// Any dash or hyphen.
    Dash,
    Punct(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    /// What the date vocabulary says of a word, looked up once.
    pub classes: &'static [WordClass],
}

impl Token {
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word { lower, .. } => Some(lower.as_str()),
            _ => None,
        }
    }

    pub fn is_word(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    pub fn is_capitalized(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Word {
                capitalized: true,
                ..
            }
        )
    }

    pub fn is_dash(&self) -> bool {
        matches!(self.kind, TokenKind::Dash)
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct(c)
    }

    /// A plain number's value.
    pub fn number(&self) -> Option<(u32, u8)> {
        match self.kind {
            TokenKind::Number {
                value,
                digits,
                plain: true,
                ..
            } => Some((value, digits)),
            _ => None,
        }
    }
}

pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−')
}

fn is_currency(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '₽')
}

/// Tokens longer than this are not dates; capping them keeps pathological input linear.
const MAX_DIGITS: usize = 9;

pub fn tokenize(text: &str) -> Vec<Token> {
    // About one token per six bytes of news text: one allocation for most sentences.
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 6 + 4);
    let bytes = text.as_bytes();
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        if c.is_alphabetic() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = iter.peek() {
                if n.is_alphabetic() {
                    end = i + n.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            let lower = ShortWord::new(&text[start..end]);
            let lexicon: &'static Lexicon = &LEXICON;
            let classes = if lower.is_empty() {
                &[]
            } else {
                lexicon.classes(lower.as_str())
            };
            tokens.push(Token {
                kind: TokenKind::Word {
                    lower,
                    capitalized: c.is_uppercase(),
                },
                start,
                end,
                classes,
            });
        } else if c.is_ascii_digit() {
            let mut end = start + 1;
            let mut plain = true;
            while end < bytes.len() {
                let b = bytes[end];
                if b.is_ascii_digit() {
                    end += 1;
                } else if (b == b',' || b == b'.')
                    && end + 1 < bytes.len()
                    && bytes[end + 1].is_ascii_digit()
                {
                    // "9,000" or "3.5": one number, never a day or a year.
                    plain = false;
                    end += 1;
                } else {
                    break;
                }
            }
            while iter.peek().is_some_and(|&(i, _)| i < end) {
                iter.next();
            }
            let digits_text = &text[start..end];
            let digits = digits_text.len();
            let value = if plain && digits <= MAX_DIGITS {
                digits_text.parse().unwrap_or(0)
            } else {
                0
            };
            if digits > MAX_DIGITS {
                plain = false;
            }
            // A currency sign right before, or "$ 30" with one space.
            let before = text[..start].chars().rev().find(|c| *c != ' ');
            if before.is_some_and(is_currency) && text[..start].trim_end().len() + 1 >= start {
                plain = false;
            }
            if text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric())
            {
                plain = false;
            }
            let mut ordinal = false;
            // Letters glued on: an ordinal suffix is fine, anything else ("5G", "10m") is not a date.
            let mut suffix_end = end;
            while suffix_end < bytes.len() && bytes[suffix_end].is_ascii_alphabetic() {
                suffix_end += 1;
            }
            if suffix_end > end {
                let suffix = text[end..suffix_end].to_ascii_lowercase();
                if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
                    ordinal = true;
                } else {
                    plain = false;
                }
                while iter.peek().is_some_and(|&(i, _)| i < suffix_end) {
                    iter.next();
                }
                end = suffix_end;
            } else if let Some(&(_, n)) = iter.peek()
                && (n == '%' || (n.is_alphabetic() && !n.is_ascii()))
            {
                plain = false;
            }
            tokens.push(Token {
                kind: TokenKind::Number {
                    value,
                    digits: digits.min(255) as u8,
                    plain,
                    ordinal,
                },
                start,
                end,
                classes: &[],
            });
        } else if is_dash(c) {
            tokens.push(Token {
                kind: TokenKind::Dash,
                start,
                end: start + c.len_utf8(),
                classes: &[],
            });
        } else if c.is_whitespace() {
            continue;
        } else {
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                start,
                end: start + c.len_utf8(),
                classes: &[],
            });
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_that_cannot_be_dates_are_not_plain() {
        for text in ["$245m", "9,000", "3.5", "39.2%", "$ 30", "COVID19"] {
            let tokens = tokenize(text);
            assert!(
                tokens.iter().all(|t| t.number().is_none()),
                "{text}: {tokens:?}"
            );
        }
    }

    #[test]
    fn days_years_and_dashes() {
        let tokens = tokenize("On 18 – 20 November 2015");
        assert_eq!(tokens.len(), 6);
        assert_eq!(tokens[1].number(), Some((18, 2)));
        assert!(tokens[2].is_dash());
        assert_eq!(tokens[5].number(), Some((2015, 4)));
        assert!(tokens[0].is_capitalized());
        assert_eq!(
            &"On 18 – 20 November 2015"[tokens[4].start..tokens[4].end],
            "November"
        );
    }

    #[test]
    fn ordinals_keep_their_value() {
        assert_eq!(
            kinds("21th"),
            vec![TokenKind::Number {
                value: 21,
                digits: 2,
                plain: true,
                ordinal: true
            }]
        );
    }

    #[test]
    fn huge_digit_runs_are_linear_and_not_plain() {
        let text = "1".repeat(100_000);
        let tokens = tokenize(&text);
        assert_eq!(tokens.len(), 1);
        assert!(tokens[0].number().is_none());
    }
}
