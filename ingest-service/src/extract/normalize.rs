//! Decoding and normalisation of raw scraped text: lossy UTF-8, Unicode NFC, one form of quotes,
//! dashes and spaces, so later stages match one spelling of each.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// The text of a document and whether invalid UTF-8 had to be replaced.
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub had_invalid_utf8: bool,
}

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD, and drops a leading BOM.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let had_invalid_utf8 = matches!(text, Cow::Owned(_));
    Decoded {
        text,
        had_invalid_utf8,
    }
}

/// What a character becomes in normalised text.
enum Mapped {
    Keep,
    Drop,
    Space,
    Char(char),
}

fn map_char(c: char) -> Mapped {
    match c {
        '\t'
        | '\u{A0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}' => Mapped::Space,
        '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Mapped::Drop,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => {
            Mapped::Char('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Mapped::Char('"'),
        '\u{2010}' | '\u{2011}' => Mapped::Char('-'),
        '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => Mapped::Char('–'),
        c if c.is_control() => Mapped::Drop,
        _ => Mapped::Keep,
    }
}

/// Normalises one line: NFC, straight quotes, en dashes for every dash, single spaces, no control
/// or zero-width characters, trimmed. Runs in one pass over the line.
pub fn normalize_line(line: &str) -> String {
    if line.is_ascii() {
        normalize_ascii_line(line)
    } else {
        normalize_any_line(line)
    }
}

fn normalize_any_line(line: &str) -> String {
    let composed: Cow<'_, str> = if line.is_ascii()
        || is_nfc_quick(line.chars()) == unicode_normalization::IsNormalized::Yes
    {
        Cow::Borrowed(line)
    } else {
        Cow::Owned(line.nfc().collect())
    };
    let mut out = String::with_capacity(composed.len());
    let mut pending_space = false;
    for c in composed.chars() {
        let c = match map_char(c) {
            Mapped::Keep => c,
            Mapped::Char(r) => r,
            Mapped::Drop => continue,
            Mapped::Space => ' ',
        };
        if c == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// `normalize_line` for an ASCII line, byte by byte: the same mapping (tabs are spaces, other
/// control characters go) without decoding characters.
fn normalize_ascii_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for &b in line.as_bytes() {
        let b = match b {
            b'\t' => b' ',
            0..=0x1f | 0x7f => continue,
            _ => b,
        };
        if b == b' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(char::from(b));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_dashes_and_spaces_take_one_form() {
        assert_eq!(
            normalize_line("President Alexander Lukashenka’s  ‘social circle’\u{a0}—\tfar"),
            "President Alexander Lukashenka's 'social circle' – far"
        );
        assert_eq!(
            normalize_line("  On 18 – 20 November  "),
            "On 18 – 20 November"
        );
        assert_eq!(normalize_line("“Distant Arc”"), "\"Distant Arc\"");
    }

    #[test]
    fn decomposed_letters_are_composed() {
        let decomposed = "Nguye\u{302}\u{303}n Phu\u{301} Tro\u{323}ng";
        assert_eq!(normalize_line(decomposed), "Nguyễn Phú Trọng");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let decoded = decode(b"Minsk \xff\xfe hosted");
        assert!(decoded.had_invalid_utf8);
        assert_eq!(decoded.text, "Minsk \u{FFFD}\u{FFFD} hosted");
        assert!(!decode("Minsk".as_bytes()).had_invalid_utf8);
    }

    #[test]
    fn ascii_lines_take_the_same_form_as_any_line() {
        for line in [
            "",
            "   ",
            "\tOn  18\u{7} November\r ",
            "a\t\tb \u{1f}c\u{7f}d  ",
            "\u{0}\u{8} x",
            "Plain line, nothing to do.",
        ] {
            assert_eq!(
                normalize_ascii_line(line),
                normalize_any_line(line),
                "{line:?}"
            );
        }
    }

    #[test]
    fn zero_width_and_control_characters_are_dropped() {
        assert_eq!(normalize_line("Mi\u{200B}nsk\u{7}"), "Minsk");
    }
}
