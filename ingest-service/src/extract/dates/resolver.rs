//! Resolving the date expressions of one article, sentence by sentence, in reading order:
//! absolute dates take the article's year when they lack one, relative dates ("the next day",
//! "two weeks later") resolve from the previous dated happening, and weekdays or "today" from the
//! article's own date.

use chrono::{Datelike, NaiveDate};

use super::calendar::{self, month_of, naive, partial, valid, year_of};
use super::grammar::{DateCue, Found, Raw, Ymd};
use super::lexicon::{AnaphorMode, Part, Unit};
use super::{DateMention, ScannedDates, merge_relative_years, scan};
use crate::extract::model::{DateRange, PartialDate, YearSource};

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
    /// `reference_year` as found by [`super::reference_year`]; `now` is the article's own date when known
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
        // A happening the article reports, dated months after the article's own day, lies in the
        // year before it ("on December 5" on a page of 8 January). A month's margin leaves room
        // for plans the sentence does not mark as such.
        if !planned
            && let Some(now) = self.now
            && now.year() as u16 == year
            && i32::from(month) - now.month() as i32 >= 2
        {
            date.year = year - 1;
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
                if planned && offset == 0 && back != 0 {
                    // "will visit Moldova on Friday": the coming one.
                    day += chrono::Duration::days(7);
                }
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
            Raw::MonthOfNow { month, offset } => {
                let year = match (self.now, offset) {
                    (Some(now), _) => {
                        let (y, m) = (now.year() as u16, now.month() as u8);
                        match offset {
                            o if o < 0 && month >= m => y.checked_sub(1)?,
                            o if o > 0 && month <= m => y + 1,
                            _ => y,
                        }
                    }
                    (None, 0) => self.year?.0,
                    // "last September" without the article's month: either year could be meant.
                    (None, _) => 0,
                };
                let date = PartialDate {
                    year,
                    month,
                    day: 0,
                };
                let mut resolved = Resolved::relative(date, date);
                if year == 0 {
                    resolved.source = YearSource::Unknown;
                }
                Some(resolved)
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
