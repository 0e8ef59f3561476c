//! Folding for matching: lower case, diacritics removed ("Nguyễn" matches "nguyen",
//! "Rinkēvičs" matches "rinkevics"), while the original text is kept for display.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Appends the folded form of `c` to `out`.
pub fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        'ł' | 'Ł' => out.push('l'),
        'ø' | 'Ø' => out.push('o'),
        'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ı' => out.push('i'),
        'þ' | 'Þ' => out.push_str("th"),
        _ => {
            for d in std::iter::once(c).nfd() {
                if !is_combining_mark(d) {
                    for l in d.to_lowercase() {
                        out.push(l);
                    }
                }
            }
        }
    }
}

/// The folded form of a string.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

/// Calls `f` with the folded form of a word, without allocating for a short ASCII word (the
/// lexicons are asked about every capitalised word of a text).
pub fn with_folded<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    const SHORT: usize = 32;
    if word.len() <= SHORT && word.is_ascii() {
        let mut buf = [0u8; SHORT];
        for (b, c) in buf.iter_mut().zip(word.bytes()) {
            *b = c.to_ascii_lowercase();
        }
        if let Ok(folded) = std::str::from_utf8(&buf[..word.len()]) {
            return f(folded);
        }
    }
    f(&fold(word))
}

/// A folded copy of a text with, for every folded byte, the byte offset in the original text of
/// the character it came from, so matches in the folded text map back to the original.
pub struct FoldedText {
    pub folded: String,
    origin: Vec<u32>,
    original_len: usize,
}

impl FoldedText {
    pub fn new(text: &str) -> Self {
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            // Most text is ASCII: one byte in, one byte out.
            if c.is_ascii() {
                folded.push(c.to_ascii_lowercase());
                origin.push(i as u32);
                continue;
            }
            let before = folded.len();
            fold_char_into(c, &mut folded);
            origin.extend(std::iter::repeat_n(i as u32, folded.len() - before));
        }
        FoldedText {
            folded,
            origin,
            original_len: text.len(),
        }
    }

    /// The original byte offset of a folded byte offset (a match start or end).
    pub fn original(&self, folded_offset: usize) -> usize {
        if folded_offset >= self.origin.len() {
            return self.original_len;
        }
        self.origin[folded_offset] as usize
    }

    /// The original byte range of a folded range `[start, end)`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.original(start);
        // The end maps to the start of the first character after the match.
        let e = if end >= self.origin.len() {
            self.original_len
        } else {
            let mut e = end;
            // Several folded bytes can come from one character ("ß" -> "ss"); move to the next one.
            while e < self.origin.len() && self.origin[e] == self.origin[end - 1] {
                e += 1;
            }
            self.original(e)
        };
        (s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_fold_for_matching() {
        assert_eq!(fold("Nguyễn Phú Trọng"), "nguyen phu trong");
        assert_eq!(fold("Edgars Rinkēvičs"), "edgars rinkevics");
        assert_eq!(fold("Uladzislaŭ Łazar"), "uladzislau lazar");
    }

    #[test]
    fn short_words_fold_as_fold_does() {
        for word in [
            "Lukashenka",
            "OSCE",
            "Rinkēvičs",
            "Prosecutor's",
            &"X".repeat(40),
        ] {
            assert_eq!(with_folded(word, str::to_string), fold(word), "{word}");
        }
    }

    #[test]
    fn folded_offsets_map_back_to_the_original() {
        let text = "On 26 – 28 November, Nguyễn Phú Trọng visited";
        let folded = FoldedText::new(text);
        let start = folded.folded.find("nguyen phu trong").unwrap();
        let (s, e) = folded.original_range(start, start + "nguyen phu trong".len());
        assert_eq!(&text[s..e], "Nguyễn Phú Trọng");
    }
}
