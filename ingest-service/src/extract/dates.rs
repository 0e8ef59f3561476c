//! Dates: finds every date expression of a sentence and resolves it to a `DateRange` with day,
//! month or year precision, and finds the year an article assumes for dates written without one.
//!
//! Resolution is stateful over one article: relative dates ("the next day", "two weeks later",
//! "this time around") resolve from the previous dated expression, and weekdays or "today" from
//! the article's own date (publication date, agency dateline, or a listing page's date line).

mod calendar;
pub mod grammar;
mod lexicon;
mod source_uri;
mod tokens;

pub use source_uri::source_uri_date;

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};
use chrono::{Datelike, NaiveDate};

pub use grammar::DateCue;
use grammar::{Found, Raw, Ymd};
use lexicon::{AnaphorMode, LEXICON, Part, Unit};

use super::model::{DateRange, PartialDate, YearSource};

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

/// Resolves the dates of one article, sentence by sentence, in reading order.
#[derive(Clone, Debug)]
pub struct DateResolver {
    /// The year for dates written without one, and how it was found.
    year: Option<(u16, YearSource)>,
    /// The article's "today": publication date, dateline or listing date line.
    now: Option<NaiveDate>,
    /// The last dated happening with day precision, for "the next day" or "two weeks later".
    anchor_day: Option<(NaiveDate, NaiveDate)>,
    /// The last dated happening of any precision, for "meanwhile".
    anchor_any: Option<(PartialDate, PartialDate)>,
    /// The latest month-or-better date seen, for "in the last two months".
    latest: Option<PartialDate>,
}

fn partial(d: NaiveDate) -> PartialDate {
    PartialDate {
        year: d.year() as u16,
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

fn month_of(d: PartialDate) -> PartialDate {
    PartialDate { day: 0, ..d }
}

fn year_of(year: u16) -> PartialDate {
    PartialDate {
        year,
        month: 0,
        day: 0,
    }
}

fn naive(d: PartialDate) -> Option<NaiveDate> {
    if d.year == 0 || d.month == 0 || d.day == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

/// A day date must exist; with an unknown year, February 29 is allowed.
fn valid(d: PartialDate) -> bool {
    if d.month > 12 || (d.month == 0 && d.day != 0) {
        return false;
    }
    if d.day == 0 {
        return true;
    }
    let year = if d.year == 0 { 2000 } else { i32::from(d.year) };
    NaiveDate::from_ymd_opt(year, u32::from(d.month), u32::from(d.day)).is_some()
}

struct Resolved {
    start: PartialDate,
    end: PartialDate,
    year_inferred: bool,
    source: YearSource,
    relative: bool,
}

impl Resolved {
    fn relative(start: PartialDate, end: PartialDate) -> Self {
        Resolved {
            start,
            end,
            year_inferred: true,
            source: YearSource::Relative,
            relative: true,
        }
    }
}

impl DateResolver {
    /// `reference_year` as found by [`reference_year`]; `now` is the article's own date when known
    /// (its year may be 0, then the reference year fills it).
    pub fn new(reference_year: Option<u16>, source: YearSource, now: Option<PartialDate>) -> Self {
        let mut resolver = DateResolver {
            year: reference_year.map(|y| (y, source)),
            now: None,
            anchor_day: None,
            anchor_any: None,
            latest: None,
        };
        if let Some(now) = now {
            resolver.set_now(now, false);
        }
        resolver
    }

    /// A date line that dates what follows it: the page's date, or one item of a listing page.
    /// With `sets_year`, dates written without a year below it take its year.
    pub fn set_now(&mut self, date: PartialDate, sets_year: bool) {
        let year = if date.year != 0 {
            date.year
        } else {
            self.year.map_or(0, |(y, _)| y)
        };
        if sets_year && date.year != 0 {
            self.year = Some((date.year, YearSource::Article));
        }
        if let Some(d) = naive(PartialDate { year, ..date }) {
            self.now = Some(d);
        }
    }

    /// The latest happening the article reports as past, found before reading it in order, so
    /// that a planned date earlier in the year than it falls in the next year.
    pub fn set_latest_reported(&mut self, date: Option<PartialDate>) {
        if let Some(date) = date {
            self.latest = Some(self.latest.map_or(date, |l| l.max(date)));
        }
    }

    pub fn now(&self) -> Option<PartialDate> {
        self.now.map(partial)
    }

    /// The last dated happening, for a sentence that continues the story without a date of its own.
    pub fn last_anchor(&self) -> Option<(PartialDate, PartialDate)> {
        self.anchor_any
    }

    fn fill_year(&self, ymd: Ymd, planned: bool) -> (PartialDate, bool, YearSource) {
        let month = ymd.month.unwrap_or(0);
        let day = ymd.day.unwrap_or(0);
        if let Some(year) = ymd.year {
            return (
                PartialDate { year, month, day },
                false,
                YearSource::Explicit,
            );
        }
        let Some((year, source)) = self.year else {
            return (
                PartialDate {
                    year: 0,
                    month,
                    day,
                },
                true,
                YearSource::Unknown,
            );
        };
        let mut date = PartialDate { year, month, day };
        // A planned happening dated before what the article already reports as past lies in the
        // next year ("in September 2022 … will pay a visit from 28 February").
        if planned
            && source == YearSource::Article
            && let Some(latest) = self.latest
            && latest.year == year
            && (month, day) < (latest.month, latest.day)
            && month != 0
        {
            date.year = year + 1;
        }
        (date, true, source)
    }

    fn resolve_raw(&self, raw: Raw, planned: bool, explicit_before: bool) -> Option<Resolved> {
        match raw {
            Raw::Absolute { start, end } => {
                let (mut s, inferred, source) = self.fill_year(start, planned);
                let mut e = if end == start {
                    s
                } else {
                    let end_ymd = Ymd {
                        year: end.year.or(start.year),
                        ..end
                    };
                    let (mut e, _, _) = self.fill_year(end_ymd, planned);
                    if end.year.is_none() && start.year.is_none() {
                        e.year = s.year;
                    }
                    e
                };
                if start.year.is_none() && end.year.is_some() {
                    // "January – September 2015": the year written once covers both ends.
                    s.year = e.year;
                    if (s.month, s.day) > (e.month, e.day) {
                        s.year = e.year.saturating_sub(1);
                    }
                    return Some(Resolved {
                        start: s,
                        end: e,
                        year_inferred: false,
                        source: YearSource::Explicit,
                        relative: false,
                    });
                }
                if s.year != 0 && e.year == s.year && e.month < s.month {
                    e.year += 1;
                }
                Some(Resolved {
                    start: s,
                    end: e,
                    year_inferred: inferred,
                    source,
                    relative: false,
                })
            }
            Raw::Season {
                first_month,
                part,
                year,
                year_offset,
            } => {
                let (y, inferred, source) = match year {
                    Some(y) => (y, false, YearSource::Explicit),
                    None => {
                        let (y, source) = self.year?;
                        (y.checked_add_signed(year_offset as i16)?, true, source)
                    }
                };
                let (first, last) = match part {
                    None => (0, 2),
                    Some(Part::Early) => (0, 0),
                    Some(Part::Mid) => (1, 1),
                    Some(Part::Late) => (2, 2),
                };
                let at = |k: u8| {
                    let m = first_month + k;
                    if m > 12 {
                        PartialDate {
                            year: y + 1,
                            month: m - 12,
                            day: 0,
                        }
                    } else {
                        PartialDate {
                            year: y,
                            month: m,
                            day: 0,
                        }
                    }
                };
                Some(Resolved {
                    start: at(first),
                    end: at(last),
                    year_inferred: inferred,
                    source,
                    relative: false,
                })
            }
            Raw::Weekday { weekday, offset } => {
                let now = self.now?;
                let back =
                    (7 + now.weekday().num_days_from_monday() as i64 - i64::from(weekday)) % 7;
                let mut day = now - chrono::Duration::days(back);
                if offset > 0 {
                    day += chrono::Duration::days(7);
                } else if offset < 0 && back == 0 {
                    day -= chrono::Duration::days(7);
                }
                Some(Resolved::relative(partial(day), partial(day)))
            }
            Raw::Shift {
                amount,
                unit,
                vague,
                from_now,
                after_phrase,
            } => {
                // "X, two years after an attempt to …": the attempt lies before the date just given.
                let amount = if after_phrase && explicit_before {
                    -amount
                } else {
                    amount
                };
                if from_now {
                    return self.shift_from_now(amount, unit);
                }
                if vague {
                    let (start, _) = self.anchor_any?;
                    if start.month == 0 {
                        return None;
                    }
                    return Some(Resolved::relative(month_of(start), month_of(start)));
                }
                match unit {
                    Unit::Day | Unit::Week => {
                        let (s, e) = self.anchor_day?;
                        let days = i64::from(amount) * if unit == Unit::Week { 7 } else { 1 };
                        let shift = chrono::Duration::days(days);
                        Some(Resolved::relative(partial(s + shift), partial(e + shift)))
                    }
                    Unit::Month => {
                        let (s, _) = self.anchor_any?;
                        if s.month == 0 {
                            return None;
                        }
                        let d = calendar::add_months(month_of(s), amount)?;
                        Some(Resolved::relative(d, d))
                    }
                    Unit::Year => {
                        let (s, _) = self.anchor_any?;
                        let y = year_of(s.year.checked_add_signed(amount as i16)?);
                        Some(Resolved::relative(y, y))
                    }
                }
            }
            Raw::Anaphor(mode) => {
                let (s, e) = match self.anchor_day {
                    Some((s, e)) => (partial(s), partial(e)),
                    None => self.anchor_any?,
                };
                Some(match mode {
                    AnaphorMode::Same => Resolved::relative(s, e),
                    AnaphorMode::End => Resolved::relative(e, e),
                    AnaphorMode::Month => Resolved::relative(month_of(s), month_of(s)),
                })
            }
            Raw::NthDay(n) => {
                let (s, _) = self.anchor_day?;
                let day = s + chrono::Duration::days(i64::from(n) - 1);
                Some(Resolved::relative(partial(day), partial(day)))
            }
            Raw::RelativeDay(offset) => self.relative_to_today(offset),
            Raw::AdjacentDay(offset) => match self.anchor_day {
                Some((s, e)) => {
                    let day = if offset > 0 {
                        e + chrono::Duration::days(1)
                    } else {
                        s - chrono::Duration::days(1)
                    };
                    Some(Resolved::relative(partial(day), partial(day)))
                }
                None => self.relative_to_today(offset),
            },
            Raw::RelativeYear(offset) => {
                let base = self
                    .now
                    .map(|d| d.year() as u16)
                    .or(self.year.map(|(y, _)| y))?;
                let y = year_of(base.checked_add_signed(offset as i16)?);
                Some(Resolved::relative(y, y))
            }
            Raw::RelativeMonth(offset) => {
                let now = self.now?;
                let d = calendar::add_months(month_of(partial(now)), offset)?;
                Some(Resolved::relative(d, d))
            }
            Raw::RelativeWeek(offset) => {
                let now = self.now?;
                let monday = now
                    - chrono::Duration::days(i64::from(now.weekday().num_days_from_monday()))
                    + chrono::Duration::weeks(i64::from(offset));
                Some(Resolved::relative(
                    partial(monday),
                    partial(monday + chrono::Duration::days(6)),
                ))
            }
            Raw::LastMonths(n) => {
                let base = self
                    .latest
                    .filter(|d| d.month != 0)
                    .or(self.now.map(partial))?;
                let end = month_of(base);
                let start = calendar::add_months(end, 1 - n as i32)?;
                Some(Resolved::relative(start, end))
            }
            Raw::FirstMonths {
                months,
                year,
                year_offset,
            } => {
                let (y, inferred, source) = match year {
                    Some(y) => (y, false, YearSource::Explicit),
                    None => {
                        let base = self
                            .now
                            .map(|d| (d.year() as u16, YearSource::Article))
                            .or(self.year)?;
                        (base.0.checked_add_signed(year_offset as i16)?, true, base.1)
                    }
                };
                let start = PartialDate {
                    year: y,
                    month: 1,
                    day: 0,
                };
                let end = PartialDate {
                    year: y,
                    month: months as u8,
                    day: 0,
                };
                Some(Resolved {
                    start,
                    end,
                    year_inferred: inferred,
                    source,
                    relative: year.is_none(),
                })
            }
            Raw::Weekend { last, month, year } => {
                let (y, inferred, source) = match year {
                    Some(y) => (y, false, YearSource::Explicit),
                    None => {
                        let (y, source) = self.year?;
                        (y, true, source)
                    }
                };
                let (sat, sun) = calendar::weekend(y, month, last)?;
                Some(Resolved {
                    start: partial(sat),
                    end: partial(sun),
                    year_inferred: inferred,
                    source,
                    relative: false,
                })
            }
        }
    }

    fn year_base(&self) -> Option<u16> {
        self.now
            .map(|d| d.year() as u16)
            .or(self.year.map(|(y, _)| y))
    }

    fn relative_to_today(&self, offset: i32) -> Option<Resolved> {
        if let Some(now) = self.now {
            let day = now + chrono::Duration::days(i64::from(offset));
            return Some(Resolved::relative(partial(day), partial(day)));
        }
        // Only the year is known: keep what is certain rather than guess a day.
        let (y, _) = self.year?;
        Some(Resolved::relative(year_of(y), year_of(y)))
    }

    fn shift_from_now(&self, amount: i32, unit: Unit) -> Option<Resolved> {
        match (unit, self.now) {
            (Unit::Day | Unit::Week, Some(now)) => {
                let days = i64::from(amount) * if unit == Unit::Week { 7 } else { 1 };
                let d = partial(now + chrono::Duration::days(days));
                Some(Resolved::relative(d, d))
            }
            (Unit::Month, Some(now)) => {
                let d = calendar::add_months(month_of(partial(now)), amount)?;
                Some(Resolved::relative(d, d))
            }
            (Unit::Year, _) => {
                let base = self
                    .now
                    .map(|d| d.year() as u16)
                    .or(self.year.map(|(y, _)| y))?;
                let y = year_of(base.checked_add_signed(amount as i16)?);
                Some(Resolved::relative(y, y))
            }
            _ => None,
        }
    }

    /// Every date expression of `sentence`, resolved, in order. `planned` tells that the sentence
    /// announces a future happening. Dates that give the time of a happening ("on 9 June", "the
    /// next day") become the anchor of later relative dates; "since 2009" or "until 2025" do not.
    pub fn resolve(&mut self, sentence: &str, planned: bool) -> Vec<DateMention> {
        self.resolve_scanned(sentence, &scan(sentence), 0, planned)
    }

    /// As [`DateResolver::resolve`] for `sentence[from..]`, with the expressions [`scan`] found in
    /// the whole sentence, so that a sentence read twice is parsed once. Offsets are relative to
    /// `from`.
    pub fn resolve_scanned(
        &mut self,
        sentence: &str,
        scanned: &ScannedDates,
        from: usize,
        planned: bool,
    ) -> Vec<DateMention> {
        let sentence = sentence.get(from..).unwrap_or("");
        let shifted: Vec<Found> = scanned
            .found
            .iter()
            .filter(|f| f.start >= from)
            .map(|f| Found {
                start: f.start - from,
                end: f.end - from,
                core_start: f.core_start - from,
                ..*f
            })
            .collect();
        let found = merge_relative_years(sentence, shifted, self.year_base());
        let mut mentions = Vec::with_capacity(found.len());
        let mut explicit_before = false;
        for Found {
            raw,
            cue,
            start,
            end,
            relative_year,
            ..
        } in found
        {
            let antecedent = explicit_before
                && matches!(
                    raw,
                    Raw::Shift {
                        after_phrase: true,
                        ..
                    }
                );
            let deictic = matches!(
                raw,
                Raw::RelativeDay(_) | Raw::RelativeWeek(_) | Raw::RelativeMonth(_)
            );
            let Some(mut resolved) = self.resolve_raw(raw, planned, explicit_before) else {
                continue;
            };
            if relative_year {
                resolved.year_inferred = true;
                resolved.source = YearSource::Relative;
            }
            if !valid(resolved.start) || !valid(resolved.end) || resolved.end < resolved.start {
                continue;
            }
            let year_only = resolved.start.month == 0 && resolved.end.month == 0;
            let range = DateRange {
                start: resolved.start,
                end: resolved.end,
                year_inferred: resolved.year_inferred,
                year_source: resolved.source,
                text: sentence[start..end].to_string(),
            };
            if matches!(cue, DateCue::Plain | DateCue::By) {
                self.observe(&range, cue);
            }
            if !resolved.relative {
                explicit_before = true;
            }
            mentions.push(DateMention {
                start,
                end,
                range,
                cue,
                relative: resolved.relative,
                year_only,
                deictic,
                antecedent,
            });
        }
        mentions
    }

    fn observe(&mut self, range: &DateRange, cue: DateCue) {
        if range.start.year == 0 {
            return;
        }
        if let (Some(s), Some(e)) = (naive(range.start), naive(range.end))
            && cue == DateCue::Plain
        {
            self.anchor_day = Some((s, e));
        }
        if cue == DateCue::Plain && (range.start.month != 0 || self.anchor_any.is_none()) {
            self.anchor_any = Some((range.start, range.end));
        }
        if range.start.month != 0 && self.latest.is_none_or(|l| range.end > l) {
            let end = range.end;
            // A planned date is not yet the article's past.
            if self
                .now
                .is_none_or(|now| naive(end).is_none_or(|d| d <= now))
            {
                self.latest = Some(end);
            }
        }
    }
}

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

/// A line that is nothing but a date (a listing page's item date, BelTA's "21 April 2024, 09:57",
/// an agency dateline "MINSK, February 4."): the date it gives, for `DateResolver::set_now`.
pub fn date_line(sentence: &str) -> Option<PartialDate> {
    // A day is written in digits: without any, there is nothing to tokenize.
    if !has_digit(sentence) {
        return None;
    }
    date_line_scanned(sentence, &scan(sentence))
}

/// [`date_line`] for a sentence already [`scan`]ned.
pub fn date_line_scanned(sentence: &str, scanned: &ScannedDates) -> Option<PartialDate> {
    let [one] = scanned.found.as_slice() else {
        return None;
    };
    let Raw::Absolute { start, end } = one.raw else {
        return None;
    };
    if start != end || start.day.is_none() || start.month.is_none() {
        return None;
    }
    let before = &sentence[..one.core_start];
    let after = &sentence[one.end..];
    // Before: nothing, or an upper-case place and a comma ("MINSK,"), or a weekday ("Monday,").
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
        });
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

/// The page's own date near its top: an ISO date line or a date line of its own (see [`date_line`]).
pub fn page_date(article_text: &str) -> Option<PartialDate> {
    if let Some(d) = iso_date_line(article_text) {
        return Some(d);
    }
    article_text
        .lines()
        .take(12)
        .filter(|l| l.len() < 120)
        .find_map(|line| {
            let line = line.trim();
            // A dateline starts a paragraph: "MINSK, February 4. /TASS/. Belarusian President …".
            let head = match line.find(". ") {
                Some(i) if line[..i].contains(',') => &line[..i + 1],
                _ => line,
            };
            date_line(head)
        })
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

static COMPLETED_CUES: LazyLock<AhoCorasick> = LazyLock::new(|| {
    phrase_set(
        &COMPLETED_PERIOD_CUES
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    )
});

/// Words showing that a plain year is a completed period whose figures are reported afterwards
/// ("reached $245m in 2014", "trade for 2019"), so the article is from a later year.
const COMPLETED_PERIOD_CUES: &[&str] = &[
    "trade",
    "turnover",
    "exports",
    "imports",
    "amounted",
    "reached",
    "totaled",
    "totalled",
    "decreased",
    "increased",
    "grew",
    "fell",
    "dropped",
    "rose",
    "level",
    "record",
    "result",
    "results",
    "statistics",
];

fn sentences_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '.', '!', '?'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The year for dates written without one, and how it was found: the publication date first, else
/// the article's content (its own date line when the years it mentions agree, else the latest
/// year it reports as past); None when nothing supports one (never today's date).
pub fn reference_year(
    article_text: &str,
    published: Option<PartialDate>,
) -> (Option<u16>, YearSource) {
    if let Some(p) = published.filter(|p| p.year != 0) {
        return (Some(p.year), YearSource::PublicationDate);
    }
    let mut evidence: Option<u16> = None;
    // Every piece of evidence is a year written in four digits: most pieces have none.
    for sentence in sentences_of(article_text).filter(|s| has_year_digits(s)) {
        if contains_phrase(&FORWARD_CUES, sentence) {
            continue;
        }
        let completed = contains_phrase(&COMPLETED_CUES, sentence);
        let tokens = tokens::tokenize(sentence);
        for found in grammar::find(sentence, &tokens) {
            if found.cue != DateCue::Plain {
                continue;
            }
            let year = match found.raw {
                Raw::Absolute { start, end } => {
                    let Some(y) = end.year.or(start.year) else {
                        continue;
                    };
                    let plain_year = start.month.is_none() && end.month.is_none();
                    let subject = sentence[found.end..].trim_start().starts_with("was ")
                        || sentence[found.end..].trim_start().starts_with("were ");
                    if plain_year && (completed || subject) {
                        y + 1
                    } else {
                        y
                    }
                }
                Raw::Season { year: Some(y), .. } | Raw::FirstMonths { year: Some(y), .. } => y,
                Raw::Weekend { year: Some(y), .. } => y,
                _ => continue,
            };
            evidence = Some(evidence.map_or(year, |e| e.max(year)));
        }
    }
    if let Some(page) = page_date(article_text).filter(|d| d.year != 0)
        && evidence.is_none_or(|e| e <= page.year)
    {
        return (Some(page.year), YearSource::Article);
    }
    match evidence {
        Some(y) => (Some(y), YearSource::Article),
        None => (None, YearSource::Unknown),
    }
}

#[cfg(test)]
mod tests;
