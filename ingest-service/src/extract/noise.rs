//! Noise lines of scraped pages: menus, tag clouds, counters, donation prompts, image names,
//! captions, pull quotes, teasers, author blocks, spam and metadata datelines. The patterns live
//! in `data/noise.txt`; the rules that need context (a caption follows an image, a teaser repeats a
//! paragraph that follows) are here.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use regex::bytes::RegexSet;

/// Lines longer than this are never matched against the noise patterns: noise lines are short,
/// and it keeps a 10 MB line from costing a pass per pattern.
const MAX_PATTERN_LINE: usize = 300;
/// How far (in lines) a teaser or pull quote may stand from the paragraph it repeats.
const REPEAT_WINDOW: usize = 12;

struct NoiseRules {
    phrases: HashMap<String, String>,
    longest_phrase: usize,
    patterns: RegexSet,
    pattern_codes: Vec<String>,
    reasons: HashMap<String, String>,
    /// Link-spam words, matched ASCII-case-insensitively in one pass over a line.
    spam_words: AhoCorasick,
    series_words: HashSet<String>,
}

static RULES: LazyLock<NoiseRules> = LazyLock::new(|| {
    let mut phrases = HashMap::new();
    let mut patterns = Vec::new();
    let mut pattern_codes = Vec::new();
    let mut reasons = HashMap::new();
    let mut spam_words: Vec<String> = Vec::new();
    let mut series_words = HashSet::new();
    for line in include_str!("../../data/noise.txt").lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '|');
        let kind = parts.next().unwrap_or_default();
        let code = parts.next().unwrap_or_default().to_string();
        let text = parts.next().unwrap_or_default();
        match kind {
            "phrase" => {
                phrases.insert(text.to_lowercase(), code);
            }
            "regex" => {
                // ASCII-only patterns use ASCII classes and word boundaries: far cheaper.
                let flags = if text.is_ascii() { "(?i-u)" } else { "(?i)" };
                patterns.push(format!("{flags}{text}"));
                pattern_codes.push(code);
            }
            "reason" => {
                reasons.insert(code, text.to_string());
            }
            "spam" => {
                spam_words.push(code.to_lowercase());
            }
            "series" => {
                series_words.insert(code.to_lowercase());
            }
            other => panic!("data/noise.txt: unknown kind {other:?} in {line:?}"),
        }
    }
    NoiseRules {
        longest_phrase: phrases.keys().map(String::len).max().unwrap_or(0),
        phrases,
        patterns: RegexSet::new(&patterns).expect("data/noise.txt: invalid regex"),
        pattern_codes,
        reasons,
        spam_words: AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&spam_words)
            .expect("data/noise.txt: spam words build an automaton"),
        series_words,
    }
});

static NAME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Lu}[\p{L}'.-]+(?: \p{Lu}[\p{L}'.-]+){1,3}$").expect("valid regex")
});

/// Why a line was dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoiseMark {
    /// A code from `data/noise.txt`, without the `noise.` prefix.
    pub code: String,
}

impl NoiseMark {
    fn new(code: &str) -> Self {
        NoiseMark {
            code: code.to_string(),
        }
    }
}

/// The human-readable reason for a noise code.
pub fn reason(code: &str) -> &'static str {
    RULES
        .reasons
        .get(code)
        .map(String::as_str)
        .unwrap_or("noise line")
}

/// The words that mark a series name in a title suffix.
pub fn is_series_word(word: &str) -> bool {
    RULES.series_words.contains(&word.to_lowercase())
}

/// A line that reads like a title, heading, menu item or caption rather than a paragraph: short
/// and without the punctuation a sentence ends with.
pub fn is_heading_like(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.len() > 250 {
        return false;
    }
    let Some(first) = t.chars().next() else {
        return false;
    };
    if !(first.is_uppercase() || first.is_ascii_digit() || "\"'(…[".contains(first)) {
        return false;
    }
    let ends_like_sentence =
        t.ends_with('.') && !t.ends_with("...") || t.ends_with([',', ';', ':']);
    if ends_like_sentence {
        return false;
    }
    t.split_whitespace().count() <= 22
}

/// A dateline ("4 August 2012", "21 April 2024, 09:57") as a date, when the line is one.
pub fn is_dateline(mark: Option<&NoiseMark>) -> bool {
    mark.is_some_and(|m| m.code == "dateline")
}

fn classify_alone(line: &str) -> Option<NoiseMark> {
    let rules = &*RULES;
    if line.len() <= MAX_PATTERN_LINE {
        if line.len() <= rules.longest_phrase
            && let Some(code) = rules.phrases.get(&line.to_lowercase())
        {
            return Some(NoiseMark::new(code));
        }
        // Most lines match nothing: one DFA pass answers that before the set asks which.
        if rules.patterns.is_match(line.as_bytes())
            && let Some(i) = rules.patterns.matches(line.as_bytes()).iter().next()
        {
            return Some(NoiseMark::new(&rules.pattern_codes[i]));
        }
    }
    let bytes = line.as_bytes();
    let spam_hits = rules
        .spam_words
        .find_iter(bytes)
        .filter(|m| {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            !before.is_some_and(|b| b.is_ascii_alphanumeric())
                && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        })
        .take(3)
        .count();
    (spam_hits >= 3).then(|| NoiseMark::new("spam"))
}

fn next_non_blank(lines: &[String], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&j| !lines[j].is_empty())
}

/// Classifies every line of a page (already normalised): `Some` for a noise line.
pub fn classify(lines: &[String]) -> Vec<Option<NoiseMark>> {
    let mut marks: Vec<Option<NoiseMark>> = lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                None
            } else {
                classify_alone(l)
            }
        })
        .collect();
    let n = lines.len();

    // A caption is the short line right after an image file name.
    for i in 0..n {
        if marks[i].as_ref().is_some_and(|m| m.code == "image")
            && let Some(j) = next_non_blank(lines, i + 1)
            && marks[j].is_none()
            && is_heading_like(&lines[j])
        {
            marks[j] = Some(NoiseMark::new("caption"));
        }
    }

    // Author blocks: a bare name repeated, or followed by a bio starting with the name.
    for i in 0..n {
        if marks[i].is_some() || lines[i].len() > 60 || !NAME_LINE.is_match(&lines[i]) {
            continue;
        }
        let name = lines[i].as_str();
        let Some(j) = next_non_blank(lines, i + 1) else {
            continue;
        };
        let bio_prefix = format!("{name} is ");
        if lines[j] == name || lines[j].starts_with(&bio_prefix) {
            marks[i] = Some(NoiseMark::new("author"));
            let mut k = j;
            while k < n && (lines[k].is_empty() || lines[k] == name) {
                if !lines[k].is_empty() {
                    marks[k] = Some(NoiseMark::new("author"));
                }
                k += 1;
            }
            if k < n && lines[k].starts_with(&bio_prefix) {
                marks[k] = Some(NoiseMark::new("author_bio"));
            }
        }
    }

    // Teasers: a paragraph repeated (whole, or cut with "...") a few lines further down.
    for i in 0..n {
        if marks[i].is_some() || lines[i].len() < 30 {
            continue;
        }
        let line = lines[i].as_str();
        let cut = line
            .strip_suffix("...")
            .or_else(|| line.strip_suffix('…'))
            .map(str::trim_end);
        let end = (i + 1 + REPEAT_WINDOW).min(n);
        let repeated = (i + 1..end).any(|j| {
            marks[j].is_none()
                && (lines[j] == line
                    || cut.is_some_and(|c| c.len() >= 20 && lines[j].starts_with(c)))
        });
        if repeated {
            marks[i] = Some(NoiseMark::new("teaser"));
        }
    }

    // Pull quotes: a heading-like line whose words stand inside a nearby paragraph.
    for i in 0..n {
        if marks[i].is_some()
            || !is_heading_like(&lines[i])
            || lines[i].split_whitespace().count() < 5
        {
            continue;
        }
        let quote = lines[i].trim_end_matches(['.', '…', ' ']);
        let lo = i.saturating_sub(REPEAT_WINDOW / 2);
        let hi = (i + 1 + REPEAT_WINDOW / 2).min(n);
        let quoted = (lo..hi).any(|j| {
            j != i && marks[j].is_none() && lines[j].len() > quote.len() && lines[j].contains(quote)
        });
        if quoted {
            marks[i] = Some(NoiseMark::new("pull_quote"));
        }
    }

    // Menus and tag clouds: two or more short lines in a row with no blank line between them.
    // The last one stays when a paragraph follows it directly: that is a title with its lead.
    let mut i = 0;
    while i < n {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !lines[i].is_empty() {
            i += 1;
        }
        let block = start..i;
        let mut run: Vec<usize> = Vec::new();
        for j in block.clone() {
            let short = is_heading_like(&lines[j])
                || marks[j].as_ref().is_some_and(|m| m.code != "dateline");
            if is_dateline(marks[j].as_ref()) {
                continue;
            }
            if short {
                run.push(j);
            } else {
                flush_menu_run(&run, lines, &mut marks, Some(j));
                run.clear();
            }
        }
        flush_menu_run(&run, lines, &mut marks, None);
    }
    marks
}

fn flush_menu_run(
    run: &[usize],
    lines: &[String],
    marks: &mut [Option<NoiseMark>],
    paragraph_after: Option<usize>,
) {
    if run.len() < 2 {
        return;
    }
    let keep_last = paragraph_after.is_some_and(|p| {
        p == run[run.len() - 1] + 1
            || lines[run[run.len() - 1] + 1..p]
                .iter()
                .all(|l| l.is_empty())
    });
    let upto = if keep_last { run.len() - 1 } else { run.len() };
    for &j in &run[..upto] {
        if marks[j].is_none() {
            marks[j] = Some(NoiseMark::new("navigation"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines()
            .map(crate::extract::normalize::normalize_line)
            .collect()
    }

    fn codes(text: &str) -> Vec<Option<String>> {
        classify(&lines(text))
            .into_iter()
            .map(|m| m.map(|m| m.code))
            .collect()
    }

    #[test]
    fn page_furniture_is_noise() {
        let text = "Loading...\nRSS\nBelarus-Russia relations Belarusian language Belarusian military travel to Belarus\nWhy Support Belarus Digest?\n\nStrengthening Links with Autocratic Friends – Belarus Foreign Policy Digest\n\nOn 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.";
        let c = codes(text);
        assert_eq!(c[0].as_deref(), Some("navigation"));
        assert_eq!(c[1].as_deref(), Some("navigation"));
        assert_eq!(c[2].as_deref(), Some("navigation"));
        assert_eq!(c[3].as_deref(), Some("donation"));
        assert_eq!(c[5], None);
        assert_eq!(c[7], None);
    }

    #[test]
    fn image_caption_teaser_author_counter_and_spam() {
        let text = "Title of the piece\n\nDespite his regained ability to travel to Europe, President Alexander Lukashenka's 'social circle' has so far remained limited.\n\nIn the past month, the Belarusian president has become...\n\naliyev-lukashenka.jpg\n\nIlham Aliyev and Alexander Lukashenka\n\nDespite his regained ability to travel to Europe, President Alexander Lukashenka's 'social circle' has so far remained limited.\n\nIn the past month, the Belarusian president has become his country's most diligent diplomat.\n\nIgar Gubarevich\nIgar Gubarevich\nIgar Gubarevich is a senior analyst of the Ostrogorski Centre in Minsk.\n348 reads\nankara escort çankaya escort çankaya escort escort bayan";
        let c = codes(text);
        assert_eq!(c[2].as_deref(), Some("teaser"));
        assert_eq!(c[4].as_deref(), Some("teaser"));
        assert_eq!(c[6].as_deref(), Some("image"));
        assert_eq!(c[8].as_deref(), Some("caption"));
        assert_eq!(c[10], None);
        assert_eq!(c[12], None);
        assert_eq!(c[14].as_deref(), Some("author"));
        assert_eq!(c[15].as_deref(), Some("author"));
        assert_eq!(c[16].as_deref(), Some("author_bio"));
        assert_eq!(c[17].as_deref(), Some("counter"));
        assert_eq!(c[18].as_deref(), Some("spam"));
    }

    #[test]
    fn pull_quote_and_chart_title() {
        let text = "Austria is now one of Belarus' most important business partners \n\nThe bilateral dimension of the trip was equally important.\n\nAustria is now one of Belarus' most important business partners. The trade turnover has reached $500m a year.\n\nThe number of human trafficking and related crimes (2002–2014)";
        let c = codes(text);
        assert_eq!(c[0].as_deref(), Some("pull_quote"));
        assert_eq!(c[4], None);
        assert_eq!(c[6].as_deref(), Some("chart"));
    }

    #[test]
    fn listing_datelines_and_titles() {
        let text = "4 August 2012\nWhy Europe's Policy Fails in Belarus\n\nOn Friday, Belarusian Foreign Ministry declared that it would not prolong the permit.";
        let c = codes(text);
        assert_eq!(c[0].as_deref(), Some("dateline"));
        assert_eq!(c[1], None);
    }
}
