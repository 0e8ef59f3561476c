//! Word tokens with byte offsets, for the capitalised-sequence rules of people and organisations.

/// A word of the text: letters and digits, with inner hyphens, apostrophes and dots
/// ("Nandi-Ndaitwah", "U.S"), a trailing possessive removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// Tokenises `text` in one pass.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_alphanumeric() {
                end = j + d.len_utf8();
                chars.next();
            } else if matches!(d, '-' | '\'' | '.') {
                // Inner punctuation stays when a letter or digit follows it.
                let next = text[j + 1..].chars().next();
                if next.is_some_and(char::is_alphanumeric) {
                    chars.next();
                    end = j + 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let word = &text[start..end];
        let trimmed = word.strip_suffix("'s").unwrap_or(word);
        tokens.push(Token {
            start,
            end: start + trimmed.len(),
        });
    }
    tokens
}

/// Whether a word is capitalised like a name: upper-case first letter and some lower case
/// ("Makei", "McDonald", "Nandi-Ndaitwah"), not an acronym.
pub fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_inner_punctuation_and_drop_possessives() {
        let text = "Belarus's Deputy Prime Minister Netumbo Nandi-Ndaitwah met a U.S. delegation.";
        let words: Vec<&str> = tokenize(text).iter().map(|t| t.text(text)).collect();
        assert_eq!(
            words,
            vec![
                "Belarus",
                "Deputy",
                "Prime",
                "Minister",
                "Netumbo",
                "Nandi-Ndaitwah",
                "met",
                "a",
                "U.S",
                "delegation"
            ]
        );
    }
}
