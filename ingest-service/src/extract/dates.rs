//! Dates: finds every date expression of a sentence and resolves it to a `DateRange` with day,
//! month or year precision, and finds the year an article assumes for dates written without one.
//!
//! Resolution is stateful over one article: relative dates ("the next day", "two weeks later",
//! "this time around") resolve from the previous dated expression, and weekdays or "today" from
//! the article's own date (publication date, agency dateline, or a listing page's date line).

mod anchor;
mod calendar;
pub mod grammar;
mod lexicon;
mod resolver;
mod source_uri;
mod tokens;

pub use anchor::{
    date_line, date_line_scanned, document_year, latest_reported, page_date, reference_year,
};
pub use grammar::DateCue;
pub use resolver::DateResolver;
pub use source_uri::source_uri_date;

use grammar::{Found, Raw, Ymd};

use super::model::DateRange;

/// One date expression found in a text, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct DateMention {
    /// Byte range in the text given to `DateResolver::resolve`, preposition included.
    pub start: usize,
    pub end: usize,
    pub range: DateRange,
    pub cue: DateCue,
    /// Resolved from an earlier date or the article's date rather than written out.
    pub relative: bool,
    /// A year-only date ("in 2014") or year range.
    pub year_only: bool,
    /// Relative to the moment of writing ("today", "this week"): a moment, not a period.
    pub deictic: bool,
    /// An earlier happening the sentence measures from ("…, two years after an attempt to …").
    pub antecedent: bool,
}

/// The date expressions of a sentence before resolution.
#[derive(Clone, Debug, Default)]
pub struct ScannedDates {
    found: Vec<Found>,
}

/// Finds the date expressions of `sentence`; [`DateResolver::resolve_scanned`] resolves them.
pub fn scan(sentence: &str) -> ScannedDates {
    let tokens = tokens::tokenize(sentence);
    ScannedDates {
        found: grammar::find(sentence, &tokens),
    }
}

/// "on 26 April this year": a date without a year followed by "this/last/next year" takes that year.
fn merge_relative_years(sentence: &str, found: Vec<Found>, base: Option<u16>) -> Vec<Found> {
    let mut merged: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        if let (Some(prev), Raw::RelativeYear(offset), Some(base)) =
            (merged.last_mut(), f.raw, base)
        {
            let between = &sentence[prev.end..f.start];
            if let Raw::Absolute { start, end } = prev.raw
                && start.year.is_none()
                && end.year.is_none()
                && between.trim_matches([' ', ',']).is_empty()
            {
                let year = base.checked_add_signed(offset as i16);
                prev.raw = Raw::Absolute {
                    start: Ymd { year, ..start },
                    end: Ymd { year, ..end },
                };
                prev.end = f.end;
                prev.relative_year = true;
                continue;
            }
        }
        merged.push(f);
    }
    merged
}

#[cfg(test)]
mod tests;
