//! Ranking of entity names against a free-text query.
//!
//! Both sides are folded (see [`super::fold`]) before they meet here. The score bands keep the
//! order a reader expects: exact name or alias, then a prefix of it, then a whole word of it, then
//! a word prefix, then a substring, then a near miss within a few typos.

use strsim::osa_distance;

/// The score of `query` against one folded name or alias, or `None` when it does not match.
pub fn score(query: &str, surface: &str) -> Option<f32> {
    if query.is_empty() || surface.is_empty() {
        return None;
    }
    if query == surface {
        return Some(1.0);
    }
    let query_len = query.chars().count();
    let surface_len = surface.chars().count();
    let coverage = |whole: usize| query_len as f32 / whole.max(1) as f32;
    if surface.starts_with(query) {
        return Some(0.8 + 0.15 * coverage(surface_len));
    }
    let words = || {
        surface
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
    };
    if words().any(|word| word == query) {
        return Some(0.75);
    }
    if let Some(word) = words().find(|word| word.starts_with(query)) {
        return Some(0.6 + 0.1 * coverage(word.chars().count()));
    }
    if query_len >= 3 && surface.contains(query) {
        return Some(0.5);
    }
    typo_score(query, query_len, surface, words())
}

/// How many edits a query of this length may carry and still match.
pub(super) fn allowed_typos(query_len: usize) -> usize {
    match query_len {
        0..=3 => 0,
        4..=7 => 1,
        8..=12 => 2,
        _ => 3,
    }
}

fn typo_score<'a>(
    query: &str,
    query_len: usize,
    surface: &'a str,
    words: impl Iterator<Item = &'a str>,
) -> Option<f32> {
    let allowed = allowed_typos(query_len);
    if allowed == 0 {
        return None;
    }
    let query_first = query.chars().next();
    let mut best: Option<usize> = None;
    let mut consider = |candidate: &str, candidate_len: usize| {
        // Edit distance is at least the length difference: skip what cannot be near.
        if candidate_len.abs_diff(query_len) > allowed {
            return;
        }
        let distance = osa_distance(query, candidate);
        if distance <= allowed && best.is_none_or(|b| distance < b) {
            best = Some(distance);
        }
    };
    consider(surface, surface.chars().count());
    for word in words {
        let word_len = word.chars().count();
        consider(word, word_len);
        // A typo inside a prefix ("Lukashenkа" for "Lukashenka's", "Nikolc" for "Nikolić"):
        // compare with the word's start of about the query's length. Typos rarely hit the first
        // letter, and requiring it keeps this cheap across many names.
        if word_len > query_len && word.chars().next() == query_first {
            for extra in 0..=1 {
                let take = query_len + extra;
                if take < word_len {
                    let end = word.char_indices().nth(take).map_or(word.len(), |(i, _)| i);
                    consider(&word[..end], take);
                }
            }
        }
    }
    best.map(|distance| 0.45 * (1.0 - distance as f32 / (query_len as f32 + 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fold::fold;

    fn scored(query: &str, surface: &str) -> Option<f32> {
        score(&fold(query), &fold(surface))
    }

    #[test]
    fn exact_beats_prefix_beats_word_beats_typo() {
        let exact = scored("Alexander Lukashenka", "Alexander Lukashenka").unwrap();
        let prefix = scored("Alexander Luk", "Alexander Lukashenka").unwrap();
        let word = scored("Lukashenka", "Alexander Lukashenka").unwrap();
        let word_prefix = scored("Lukash", "Alexander Lukashenka").unwrap();
        let typo = scored("Lukashenkо", "Alexander Lukashenka").unwrap();
        assert_eq!(exact, 1.0);
        assert!(exact > prefix && prefix > word && word > word_prefix && word_prefix > typo);
        assert!(typo > 0.0);
    }

    #[test]
    fn case_diacritics_and_typos_are_tolerated() {
        assert_eq!(scored("NGUYEN PHU TRONG", "Nguyễn Phú Trọng"), Some(1.0));
        assert!(scored("Nikolc", "Tomislav Nikolić").is_some());
        assert!(scored("Lukashenkа", "Lukashenka").is_some());
    }

    #[test]
    fn unrelated_names_do_not_match() {
        assert_eq!(scored("Putin", "Alexander Lukashenka"), None);
        assert_eq!(scored("abc", "xyz"), None);
        assert_eq!(scored("", "xyz"), None);
    }
}
