//! The date of a candidate: datelines and date prefixes at the start of a sentence, the date of
//! a happening among a sentence's dates, and the period of a trade figure.

use crate::extract::amounts::FoundAmount;
use crate::extract::dates::{DateCue, DateMention, date_line};
use crate::extract::model::PartialDate;

/// The date of a happening among the sentence's dates: the first that tells when something
/// happened ("on 9 June", not "since 2009", "up to 2025" or "over 2015").
pub(super) fn event_date(dates: &[DateMention], planned: bool) -> Option<&DateMention> {
    dates
        .iter()
        .find(|d| d.cue == DateCue::Plain || (planned && d.cue == DateCue::By))
}

/// The period of a trade figure: the date right after it ("$245m in 2014"), else the nearest
/// before ("In 2014, exports were worth $318m"), else the nearest after. Moments of writing
/// ("today") are not periods.
pub(super) fn amount_date<'d>(
    dates: &'d [DateMention],
    amount: &FoundAmount,
) -> Option<&'d DateMention> {
    let usable = |d: &&DateMention| d.cue == DateCue::Plain && !d.deictic;
    // Dates are in text order: look only around the amount.
    let after = dates.partition_point(|d| d.start < amount.end);
    let next = dates[after..].iter().find(usable);
    next.filter(|d| d.start - amount.end <= 12)
        .or_else(|| {
            dates[..after]
                .iter()
                .rev()
                .filter(|d| d.end <= amount.start)
                .find(usable)
        })
        .or(next)
}

/// A dateline at the start of a sentence ("MINSK, February 4. /TASS/. …", "MINSK, 21 April
/// (BelTA) - …"): its date, and where the rest of the sentence begins.
pub(super) fn dateline(sentence: &str) -> Option<(PartialDate, usize)> {
    let comma = sentence.find(',')?;
    let place = &sentence[..comma];
    if place.is_empty()
        || place.len() > 40
        || place.chars().any(char::is_lowercase)
        || !place.chars().any(char::is_alphabetic)
    {
        return None;
    }
    let rest = &sentence[comma..];
    let cut = [". ", " (", " - ", " – ", " — "]
        .iter()
        .filter_map(|sep| rest.find(sep).map(|i| i + sep.len().min(1)))
        .min()
        .unwrap_or(rest.len());
    let date = date_line(&sentence[..comma + cut])?;
    // Skip the agency tag that follows: "/TASS/.", "(BelTA) -".
    let mut end = comma + cut;
    let tail = &sentence[end..];
    let tag_len = tail.len()
        - tail
            .trim_start_matches(|c: char| {
                c.is_whitespace() || c == '.' || c == '-' || c == '–' || c == '—'
            })
            .len();
    end += tag_len;
    let tail = &sentence[end..];
    if let Some(stripped) = tail
        .strip_prefix("/TASS/")
        .or_else(|| tail.strip_prefix("(BelTA)"))
    {
        end = sentence.len() - stripped.len();
        let after = &sentence[end..];
        end += after.len()
            - after
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || c == '.' || c == '-' || c == '–' || c == '—'
                })
                .len();
    }
    Some((date, end))
}

/// news.by's " date 2019-12-13" prefix, which runs into the first sentence: its length.
pub(super) fn iso_date_prefix(sentence: &str) -> usize {
    let trimmed = sentence.trim_start();
    let Some(rest) = trimmed.strip_prefix("date ") else {
        return 0;
    };
    let b = rest.as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !iso {
        return 0;
    }
    let consumed = sentence.len() - rest.len() + 10;
    consumed + sentence[consumed..].len() - sentence[consumed..].trim_start().len()
}
