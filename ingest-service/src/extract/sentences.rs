//! Sentence boundaries in an article's text. A sentence never crosses a paragraph break
//! ("\n\n"), so headings are sentences of their own.

use super::model::Span;

/// Words that end with a full stop without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "maj", "capt", "sgt",
    "rev", "gov", "sen", "rep", "amb", "no", "nos", "vol", "vs", "etc", "e.g", "i.e", "cf",
    "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "inc", "ltd", "co", "corp", "dept", "est", "fig", "mln", "bln", "mn", "bn", "u.s", "u.k",
    "u.n", "e.u",
];

fn is_abbreviation(word: &str) -> bool {
    let w = word.trim_start_matches(['(', '"', '\'']);
    if w.chars().count() == 1 && w.chars().all(char::is_uppercase) {
        return true; // an initial: "J. Smith"
    }
    let lower = w.to_ascii_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// The sentences of `text` as byte spans, in order, trimmed of surrounding spaces.
pub fn split_sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut para_start = 0;
    for para in text.split("\n\n") {
        split_paragraph(para, para_start, &mut out);
        para_start += para.len() + 2;
    }
    out
}

fn push_trimmed(text: &str, base: usize, start: usize, end: usize, out: &mut Vec<Span>) {
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        out.push(Span {
            start: base + start + lead,
            end: base + start + lead + trimmed.len(),
        });
    }
}

fn split_paragraph(para: &str, base: usize, out: &mut Vec<Span>) {
    let bytes = para.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'.' || b == b'!' || b == b'?' {
            let mut end = i + 1;
            while end < bytes.len()
                && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | b']')
            {
                end += 1;
            }
            if end < bytes.len() && bytes[end] == b' ' {
                let next = para[end + 1..].chars().next();
                let starts_sentence = next.is_some_and(|c| {
                    c.is_uppercase() || c.is_ascii_digit() || c == '"' || c == '\'' || c == '('
                });
                let word_start = para[..i].rfind(' ').map_or(0, |p| p + 1);
                let word = &para[word_start..i];
                if starts_sentence && (b != b'.' || !is_abbreviation(word)) {
                    push_trimmed(para, base, start, end, out);
                    start = end + 1;
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    push_trimmed(para, base, start, bytes.len(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn splits_seed_paragraphs() {
        let text = "Serbia: trading political support for investment\n\nOn 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit. According to his Belarusian counterpart, Serbia remains Belarus' 'key trade and economic partner in the Balkans'.";
        assert_eq!(
            sentences(text),
            vec![
                "Serbia: trading political support for investment",
                "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
                "According to his Belarusian counterpart, Serbia remains Belarus' 'key trade and economic partner in the Balkans'.",
            ]
        );
    }

    #[test]
    fn abbreviations_and_amounts_do_not_split() {
        let text = "On 11 April 2019, Uladzimir Makei met with a U.S. delegation led by Mr. Brock Bierman. It amounted to $67.7m in 2015.";
        assert_eq!(sentences(text).len(), 2);
    }

    #[test]
    fn quotes_close_a_sentence() {
        let text =
            "Makei spoke about \"new dividing lines in the region.\" Prior to that he met Kurz.";
        assert_eq!(sentences(text).len(), 2);
    }
}
