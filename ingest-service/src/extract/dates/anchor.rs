//! Document time: the date a page or one of its items is written on, and the year its dates
//! without one assume, with where that year came from.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};

use super::calendar::valid;
use super::grammar::{self, DateCue, Found, Raw};
use super::lexicon::LEXICON;
use super::{ScannedDates, scan, tokens};
use crate::extract::model::{PartialDate, YearSource};

/// The latest explicitly dated (year and month written) happening among sentences that do not
/// announce a future one.
pub fn latest_reported<'a>(
    sentences: impl Iterator<Item = (&'a ScannedDates, bool)>,
) -> Option<PartialDate> {
    let mut latest: Option<PartialDate> = None;
    for (scanned, planned) in sentences {
        if planned {
            continue;
        }
        for found in &scanned.found {
            if found.cue != DateCue::Plain {
                continue;
            }
            if let Raw::Absolute { end, .. } = found.raw
                && let (Some(year), Some(month)) = (end.year, end.month)
            {
                let date = PartialDate {
                    year,
                    month,
                    day: end.day.unwrap_or(0),
                };
                if valid(date) {
                    latest = Some(latest.map_or(date, |l| l.max(date)));
                }
            }
        }
    }
    latest
}

/// A line that is nothing but a date (a listing page's item date, BelTA's "21 April 2024, 09:57",
/// an agency dateline "MINSK, February 4.", "Sunday 4 November 2018", "Posted on 4 May 2021",
/// "26 November 202018:51"): the date it gives, for `DateResolver::set_now`.
pub fn date_line(sentence: &str) -> Option<PartialDate> {
    // A day is written in digits: without any, there is nothing to tokenize.
    if !has_digit(sentence) {
        return None;
    }
    date_line_scanned(sentence, &scan(sentence))
}

/// [`date_line`] for a sentence already [`scan`]ned.
pub fn date_line_scanned(sentence: &str, scanned: &ScannedDates) -> Option<PartialDate> {
    // A stamp glued to its clock time ("26 November 202018:51") hides the year in one number:
    // part them and read the line again.
    match unglue_clock(sentence) {
        Some(parted) => date_line_found(&parted, &scan(&parted).found),
        None => date_line_found(sentence, &scanned.found),
    }
}

fn date_line_found(sentence: &str, found: &[Found]) -> Option<PartialDate> {
    // "Sunday 4 November 2018", "Wednesday, July 11, 2018": the weekday names the same day.
    let found = match found {
        [weekday, rest @ ..]
            if matches!(weekday.raw, Raw::Weekday { .. })
                && rest.len() == 1
                && sentence[weekday.end..rest[0].core_start]
                    .chars()
                    .all(|c| c.is_whitespace() || c == ',') =>
        {
            rest
        }
        _ => found,
    };
    let [one] = found else {
        return None;
    };
    let Raw::Absolute { start, end } = one.raw else {
        return None;
    };
    if start != end || start.day.is_none() || start.month.is_none() || is_chrome(sentence) {
        return None;
    }
    let before = &sentence[..one.core_start];
    let after = &sentence[one.end..];
    // Before: nothing, or an upper-case place and a comma ("MINSK,"), or a weekday ("Monday,"),
    // or a stamp's label ("Posted on", "Publishing date:").
    let before_ok = before.trim().is_empty()
        || before.trim_end().ends_with(',')
            && before.trim_end_matches(',').split_whitespace().count() <= 3
            && before
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(|c| c.is_uppercase())
        || before.split_whitespace().all(|w| {
            LEXICON
                .weekday(&w.trim_matches(',').to_lowercase())
                .is_some()
                || w.chars().all(|c| !c.is_alphanumeric())
        })
        || is_stamp_label(before);
    // After: nothing, a time ("09:57"), a full stop or an agency tag ("/TASS/.", "(BelTA)").
    let after_ok = after.split_whitespace().all(|w| {
        w.chars()
            .all(|c| c.is_ascii_digit() || ":.,/()-–".contains(c))
            || w.trim_matches(|c: char| !c.is_alphanumeric())
                .chars()
                .all(char::is_uppercase)
            || w.contains("BelTA")
    });
    (before_ok && after_ok).then_some(PartialDate {
        year: start.year.unwrap_or(0),
        month: start.month.unwrap_or(0),
        day: start.day.unwrap_or(0),
    })
}

/// "…202018:51" → "…2020 18:51": a four-digit year run into a clock time. `None` when the text
/// has no such number.
fn unglue_clock(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let clock = i - start == 6
            && bytes.get(i) == Some(&b':')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && (start == 0 || !bytes[start - 1].is_ascii_alphanumeric());
        if clock && matches!(&text[start..start + 2], "19" | "20" | "21") {
            return Some(format!("{} {}", &text[..start + 4], &text[start + 4..]));
        }
    }
    None
}

fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `text` has a run of exactly four ASCII digits starting with 1 or 2: what every year
/// the date grammar accepts (1800–2199) is tokenized from.
fn has_year_digits(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 4 && matches!(bytes[start], b'1' | b'2') {
            return true;
        }
    }
    false
}

/// news.by pages begin with " date 2019-12-13": the page's date line, not always right.
fn iso_date_line(text: &str) -> Option<PartialDate> {
    let mut cut = text.len().min(400);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let at = head.find("date ")?;
    if at > 0 && !head[..at].ends_with(char::is_whitespace) {
        return None;
    }
    let rest = &head.as_bytes()[at + 5..];
    if rest.len() < 10 || rest[4] != b'-' || rest[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| std::str::from_utf8(&rest[r]).ok()?.parse::<u16>().ok();
    let date = PartialDate {
        year: num(0..4)?,
        month: num(5..7)? as u8,
        day: num(8..10)? as u8,
    };
    (valid(date) && date.year >= 1800).then_some(date)
}

/// The page's own date near its top: an ISO date line, or a stamp line of its own (see
/// [`date_line`]) or ending a title ("Briefing by the Spokesperson, September 10, 2015").
/// Site chrome ("Updated at …", a header's today) is not the page's date: where stamps near the
/// top disagree on the year, the earliest year is the article's and the later one the day the
/// page was shown or touched.
pub fn page_date(article_text: &str) -> Option<PartialDate> {
    if let Some(d) = iso_date_line(article_text) {
        return Some(d);
    }
    let mut best: Option<PartialDate> = None;
    for line in article_text.lines().take(12).filter(|l| l.len() < 160) {
        let line = line.trim();
        // A dateline starts a paragraph: "MINSK, February 4. /TASS/. Belarusian President …".
        let head = match line.find(". ") {
            Some(i) if line[..i].contains(',') => &line[..i + 1],
            _ => line,
        };
        let Some(date) = date_line(head).or_else(|| title_stamp(line)) else {
            continue;
        };
        if best.is_none_or(|b| date.year != 0 && date.year < b.year) {
            best = Some(date);
        }
    }
    best
}

/// A heading that ends with the full date it was issued on, after a comma or a dash.
fn title_stamp(line: &str) -> Option<PartialDate> {
    if !has_digit(line) || line.split_whitespace().count() > 25 {
        return None;
    }
    let scanned = scan(line);
    let last = scanned.found.last()?;
    let Raw::Absolute { start, end } = last.raw else {
        return None;
    };
    let (Some(year), Some(month), Some(day)) = (start.year, start.month, start.day) else {
        return None;
    };
    let before = line[..last.core_start].trim_end();
    let after = line[last.end..].trim();
    let ends_title = before.ends_with([',', '–', '—', '|'])
        && before.chars().any(char::is_alphabetic)
        && after
            .chars()
            .all(|c| c.is_ascii_digit() || ":. ".contains(c));
    (start == end && ends_title).then_some(PartialDate { year, month, day })
}

/// Whether `text` holds one of the automaton's phrases as whole words.
fn contains_phrase(phrases: &AhoCorasick, text: &str) -> bool {
    phrases.find_overlapping_iter(text).any(|m| {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn phrase_set(phrases: &[String]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(phrases)
        .expect("the cue phrases build an automaton")
}

static FORWARD_CUES: LazyLock<AhoCorasick> = LazyLock::new(|| phrase_set(&LEXICON.forward_cues));

/// The words of `data/dates_anchor_words.tsv`, by class.
struct AnchorWords {
    stamp: Vec<String>,
    chrome: Vec<String>,
    completed: AhoCorasick,
}

fn parse_anchor_words(tsv: &str) -> AnchorWords {
    let mut stamp = Vec::new();
    let mut chrome = Vec::new();
    let mut completed = Vec::new();
    for line in tsv
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (word, class) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("data/dates_anchor_words.tsv: malformed line {line:?}"));
        let word = word.trim().to_lowercase();
        match class.trim() {
            "stamp" => stamp.push(word),
            "chrome" => chrome.push(word),
            "completed" => completed.push(word),
            other => panic!("data/dates_anchor_words.tsv: unknown class {other:?}"),
        }
    }
    AnchorWords {
        stamp,
        chrome,
        completed: phrase_set(&completed),
    }
}

/// Built into the binary, so a malformed file fails the first test rather than a user's run.
static ANCHOR_WORDS: LazyLock<AnchorWords> =
    LazyLock::new(|| parse_anchor_words(include_str!("../../../data/dates_anchor_words.tsv")));

/// Whether `text` starts with one of `phrases` as whole words, ignoring case.
fn starts_with_phrase(phrases: &[String], text: &str) -> bool {
    let text = text.trim_start();
    phrases.iter().any(|p| {
        text.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
            && !text[p.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    })
}

/// A line of the site rather than the article ("Updated at 17:19, 07-01-2021", "© 2015-2024
/// Ukrinform. All rights reserved").
fn is_chrome(text: &str) -> bool {
    let words = &ANCHOR_WORDS.chrome;
    starts_with_phrase(words, text)
        || text.contains('©')
        || text.to_ascii_lowercase().contains("all rights reserved")
}

/// "Posted on", "Publishing date:": a label whose date is the page's or the item's own.
fn is_stamp_label(text: &str) -> bool {
    let label = text
        .trim()
        .trim_end_matches([':', '-', '–', '|'])
        .trim_end()
        .to_ascii_lowercase();
    !label.is_empty() && ANCHOR_WORDS.stamp.contains(&label)
}

fn sentences_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '.', '!', '?'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The words of `text` next to a date within its clause: all of the clause before it
/// (`before`), else up to `n` words after it.
fn clause_window(text: &str, n: usize, before: bool) -> &str {
    const CLAUSE: [char; 6] = [',', ';', '(', ')', '“', '"'];
    if before {
        return text.rsplit(CLAUSE).next().unwrap_or("");
    }
    // "In 2014, exports reached …": an opening date governs the clause after its comma.
    let text = text.trim_start().trim_start_matches(',');
    let text = text.split(CLAUSE).next().unwrap_or("");
    let end = text
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .nth(n)
        .unwrap_or(text.len());
    &text[..end]
}

/// A date that identifies a document rather than telling when the article was written: "Law
/// No. 2849-X of March 31, 2023", "resolution 2206 (2015)".
fn names_a_document(sentence: &str, found: &Found) -> bool {
    let before = sentence[..found.core_start].trim_end();
    if let Some(rest) = before.strip_suffix('(') {
        return rest.trim_end().ends_with(|c: char| c.is_ascii_digit());
    }
    let Some(rest) = before.strip_suffix("of") else {
        return false;
    };
    if rest.ends_with(char::is_alphanumeric) {
        return false;
    }
    rest.split_whitespace()
        .next_back()
        .is_some_and(|w| w.chars().any(|c| c.is_ascii_digit()))
}

/// A year that opens or closes a span written with "to" or "and" ("the 2019 to 2022
/// government", "between 2015 and 2020"): the span is a period, not a moment of the story.
fn in_year_span(sentence: &str, found: &Found) -> bool {
    let is_year = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_ascii_digit());
        w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())
    };
    let mut before = sentence[..found.core_start].split_whitespace().rev();
    let mut after = sentence[found.end..].split_whitespace();
    let joiner = |w: Option<&str>| matches!(w, Some("to" | "and"));
    (joiner(before.next()) && before.next().is_some_and(is_year))
        || (joiner(after.next()) && after.next().is_some_and(is_year))
}

/// A plain year that is part of a name ("Right to Choose-2016", "Expo 2020") or qualifies a
/// noun ("its 2017 presidency", "the 2016 elections"): a programme, a term or a name, possibly
/// still to come, not a time the article reports as past.
fn qualifies_a_name(sentence: &str, found: &Found) -> bool {
    let before = &sentence[..found.core_start];
    if before.ends_with(['-', '–']) && before[..before.len() - 1].ends_with(char::is_alphabetic) {
        return true;
    }
    let previous = before.split_whitespace().next_back().unwrap_or("");
    let next = sentence[found.end..]
        .trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let governed = found.start < found.core_start;
    let capitalised_name = !governed
        && previous.chars().next().is_some_and(char::is_uppercase)
        && previous.chars().all(char::is_alphabetic)
        && LEXICON.classes(&previous.to_lowercase()).is_empty();
    let determiner = matches!(
        previous.to_lowercase().as_str(),
        "the" | "its" | "his" | "her" | "their" | "our" | "a" | "an" | "whose" | "this" | "that"
    );
    let noun_follows = next.chars().next().is_some_and(char::is_alphabetic)
        && !matches!(
            next.to_lowercase().as_str(),
            "was" | "were" | "is" | "are" | "has" | "had" | "have" | "and" | "or" | "to"
        );
    capitalised_name || determiner && noun_follows
}

/// How much a year in the text tells about when the article was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    /// A time the text reports as past: the article is from then or later.
    Reported,
    /// A year in a name or qualifying a noun ("the 2014 World Championship", "its 2017
    /// presidency"): what the article is about, possibly still to come; used only when nothing
    /// better dates it.
    Named,
}

/// What one date expression of the text says about the year it was written in: the year and
/// its weight, or nothing when it is not evidence (a range of years, a document's date).
fn year_evidence(sentence: &str, found: &Found) -> Option<(u16, Weight)> {
    if found.cue != DateCue::Plain {
        return None;
    }
    match found.raw {
        Raw::Absolute { start, end } => {
            let y = end.year.or(start.year)?;
            // "2020–2021 programmes", "the 2019 to 2022 government": a span, not a moment.
            if start.year.is_some() && end.year.is_some() && start.year != end.year {
                return None;
            }
            if names_a_document(sentence, found) || in_year_span(sentence, found) {
                return None;
            }
            let plain_year = start.month.is_none() && end.month.is_none();
            if plain_year && qualifies_a_name(sentence, found) {
                return Some((y, Weight::Named));
            }
            let after = sentence[found.end..].trim_start();
            let subject = after.starts_with("was ") || after.starts_with("were ");
            let completed = || {
                let words = &ANCHOR_WORDS.completed;
                contains_phrase(words, clause_window(&sentence[..found.start], 0, true))
                    || contains_phrase(words, clause_window(after, 5, false))
            };
            let year = if plain_year && (subject || completed()) {
                y + 1
            } else {
                y
            };
            Some((year, Weight::Reported))
        }
        Raw::Season { year: Some(y), .. } | Raw::FirstMonths { year: Some(y), .. } => {
            Some((y, Weight::Reported))
        }
        Raw::Weekend { year: Some(y), .. } => Some((y, Weight::Reported)),
        _ => None,
    }
}

/// The latest year `text` reports as past, and the latest it names, from the date expressions
/// of its sentences.
fn latest_evidence(text: &str) -> (Option<u16>, Option<u16>) {
    let mut reported: Option<u16> = None;
    let mut named: Option<u16> = None;
    // Every piece of evidence is a year written in four digits: most pieces have none.
    for sentence in sentences_of(text).filter(|s| has_year_digits(s)) {
        if contains_phrase(&FORWARD_CUES, sentence) || is_chrome(sentence) {
            continue;
        }
        let tokens = tokens::tokenize(sentence);
        let found = grammar::find(sentence, &tokens);
        // A stamp is the page's date, not a time it reports: `page_date` weighs it (a header's
        // today is later than the article, and must not outvote the article's own stamp).
        if date_line_found(sentence, &found).is_some() {
            continue;
        }
        for found in found {
            let Some((year, weight)) = year_evidence(sentence, &found) else {
                continue;
            };
            let slot = match weight {
                Weight::Reported => &mut reported,
                Weight::Named => &mut named,
            };
            *slot = Some(slot.map_or(year, |e| e.max(year)));
        }
    }
    (reported, named)
}

/// The year for dates written without one, and how it was found: the publication date first, else
/// the article's content (its own date line when the years it mentions agree, else the latest
/// year it reports as past); None when nothing supports one (never today's date).
pub fn reference_year(
    article_text: &str,
    published: Option<PartialDate>,
) -> (Option<u16>, YearSource) {
    document_year("", article_text, published)
}

/// [`reference_year`], with the article's title as a last resort: a title's year ("digest of the
/// 2016 parliament elections") is the time it is about when the text gives none.
pub fn document_year(
    title: &str,
    article_text: &str,
    published: Option<PartialDate>,
) -> (Option<u16>, YearSource) {
    if let Some(p) = published.filter(|p| p.year != 0) {
        return (Some(p.year), YearSource::PublicationDate);
    }
    let (evidence, named) = latest_evidence(article_text);
    if let Some(page) = page_date(article_text).filter(|d| d.year != 0)
        && evidence.is_none_or(|e| e <= page.year)
    {
        return (Some(page.year), YearSource::Article);
    }
    if let Some(y) = evidence {
        return (Some(y), YearSource::Article);
    }
    match title_year(title).or(named) {
        Some(y) => (Some(y), YearSource::Article),
        None => (None, YearSource::Unknown),
    }
}

/// The one year a title names, if it names exactly one and not as a plan.
fn title_year(title: &str) -> Option<u16> {
    if !has_year_digits(title) || contains_phrase(&FORWARD_CUES, title) {
        return None;
    }
    let tokens = tokens::tokenize(title);
    let mut years = grammar::find(title, &tokens)
        .into_iter()
        .filter(|f| f.cue == DateCue::Plain)
        .filter_map(|f| match f.raw {
            Raw::Absolute { start, end } if start.year == end.year => start.year,
            _ => None,
        });
    let first = years.next()?;
    years.all(|y| y == first).then_some(first)
}
