//! Partial calendar dates packed into sortable integers.
//!
//! A packed date is `year_code << 9 | month << 5 | day`, where an unknown part is 0 and a known
//! year is shifted to be positive, so plain integer order is the timeline order the API promises:
//! year, then month, then day, an unknown part sorting before known ones.

use super::error::DomainError;

/// Known years are stored as `year + YEAR_OFFSET`, leaving 0 for "unknown".
const YEAR_OFFSET: i64 = 1 << 21;
/// The widest year the packing holds; far beyond anything a news text dates.
pub const MAX_ABS_YEAR: i32 = 1_000_000;

/// A calendar date whose parts may be unknown (0), as in `newsline.v1.CalendarDate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A packed [`PartialDate`]; integer order is timeline order.
pub type PackedDate = u32;

/// The smallest packed date with a known year: every date below it has none.
pub const FIRST_DATED: PackedDate = 1 << 9;

impl PartialDate {
    /// Checks the parts' ranges; `field` names the date in the error.
    pub fn new(year: i32, month: i32, day: i32, field: &str) -> Result<Self, DomainError> {
        if !(-MAX_ABS_YEAR..=MAX_ABS_YEAR).contains(&year) {
            return Err(DomainError::invalid(
                format!("{field}.year"),
                "is out of range",
            ));
        }
        if !(0..=12).contains(&month) {
            return Err(DomainError::invalid(
                format!("{field}.month"),
                "must be 0 to 12",
            ));
        }
        if !(0..=31).contains(&day) {
            return Err(DomainError::invalid(
                format!("{field}.day"),
                "must be 0 to 31",
            ));
        }
        Ok(Self {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.year == 0 && self.month == 0 && self.day == 0
    }

    pub fn has_year(&self) -> bool {
        self.year != 0
    }

    pub fn pack(&self) -> PackedDate {
        let year_code = if self.year == 0 {
            0
        } else {
            (i64::from(self.year) + YEAR_OFFSET) as u32
        };
        (year_code << 9) | (u32::from(self.month) << 5) | u32::from(self.day)
    }

    pub fn unpack(packed: PackedDate) -> Self {
        let year_code = packed >> 9;
        let year = if year_code == 0 {
            0
        } else {
            (i64::from(year_code) - YEAR_OFFSET) as i32
        };
        Self {
            year,
            month: ((packed >> 5) & 0xF) as u8,
            day: (packed & 0x1F) as u8,
        }
    }

    /// The smallest packed value this date covers: a month or year means its first day, and the
    /// month- or year-precision dates inside it.
    pub fn first_key(&self) -> PackedDate {
        self.pack()
    }

    /// The largest packed value this date covers: a month or year means its last day.
    pub fn last_key(&self) -> PackedDate {
        let month = if self.month == 0 { 15 } else { self.month };
        let day = if self.day == 0 { 31 } else { self.day };
        Self {
            year: self.year,
            month,
            day,
        }
        .pack()
    }
}

/// Whether a packed date has a known year.
pub fn packed_has_year(packed: PackedDate) -> bool {
    packed >> 9 != 0
}

/// True when the range `start..=end` cannot hold: every day `end` may mean lies before every day
/// `start` may mean. Dates with and without a year are not comparable and never conflict.
pub fn end_before_start(start: &PartialDate, end: &PartialDate) -> bool {
    if start.has_year() != end.has_year() || end.is_empty() {
        return false;
    }
    end.last_key() < start.first_key()
}

/// An inclusive filter on event start dates, as `TimelineFilter.from` / `to` describe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateBounds {
    pub from: Option<PackedDate>,
    pub to: Option<PackedDate>,
}

impl DateBounds {
    /// Builds the bounds; empty dates mean "no bound". `field` prefixes error field names.
    pub fn new(
        from: Option<PartialDate>,
        to: Option<PartialDate>,
        field_prefix: &str,
    ) -> Result<Self, DomainError> {
        let from = from.filter(|d| !d.is_empty());
        let to = to.filter(|d| !d.is_empty());
        for (date, name) in [(&from, "from"), (&to, "to")] {
            if let Some(date) = date {
                if !date.has_year() {
                    return Err(DomainError::invalid(
                        format!("{field_prefix}{name}.year"),
                        "is required when the date is set",
                    ));
                }
                if date.day != 0 && date.month == 0 {
                    return Err(DomainError::invalid(
                        format!("{field_prefix}{name}.month"),
                        "is required when the day is set",
                    ));
                }
            }
        }
        let bounds = Self {
            from: from.map(|d| d.first_key()),
            to: to.map(|d| d.last_key()),
        };
        if let (Some(from), Some(to)) = (bounds.from, bounds.to)
            && to < from
        {
            return Err(DomainError::invalid(
                format!("{field_prefix}to"),
                "is before `from`",
            ));
        }
        Ok(bounds)
    }

    pub fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// Whether a packed start date lies within the bounds. A date without a year never matches
    /// bounds that are set.
    pub fn contains(&self, start: PackedDate) -> bool {
        if self.is_unbounded() {
            return true;
        }
        if !packed_has_year(start) {
            return false;
        }
        self.from.is_none_or(|from| start >= from) && self.to.is_none_or(|to| start <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: i32, day: i32) -> PartialDate {
        PartialDate::new(year, month, day, "d").unwrap()
    }

    #[test]
    fn packing_round_trips_and_orders_unknown_parts_first() {
        let dates = [
            date(0, 0, 0),
            date(0, 11, 18),
            date(-44, 3, 15),
            date(2014, 0, 0),
            date(2015, 0, 0),
            date(2015, 11, 0),
            date(2015, 11, 1),
            date(2015, 11, 18),
            date(2015, 12, 0),
        ];
        for window in dates.windows(2) {
            assert!(
                window[0].pack() < window[1].pack(),
                "{:?} < {:?}",
                window[0],
                window[1]
            );
        }
        for d in dates {
            assert_eq!(PartialDate::unpack(d.pack()), d);
            assert_eq!(d.has_year(), d.pack() >= FIRST_DATED);
        }
    }

    #[test]
    fn out_of_range_parts_are_rejected_with_the_field() {
        let err = PartialDate::new(2015, 13, 1, "when.start").unwrap_err();
        assert!(err.to_string().contains("when.start.month"), "{err}");
        assert!(PartialDate::new(2015, 1, 32, "x").is_err());
        assert!(PartialDate::new(MAX_ABS_YEAR + 1, 1, 1, "x").is_err());
    }

    #[test]
    fn bounds_widen_partial_dates_to_whole_periods() {
        let bounds = DateBounds::new(Some(date(2015, 11, 0)), Some(date(2015, 11, 0)), "").unwrap();
        assert!(bounds.contains(date(2015, 11, 0).pack()));
        assert!(bounds.contains(date(2015, 11, 30).pack()));
        assert!(!bounds.contains(date(2015, 12, 1).pack()));
        assert!(!bounds.contains(date(2015, 10, 31).pack()));
        assert!(!bounds.contains(date(2015, 0, 0).pack()));
        assert!(!bounds.contains(date(0, 11, 18).pack()));
        let year = DateBounds::new(Some(date(2015, 0, 0)), None, "").unwrap();
        assert!(year.contains(date(2015, 0, 0).pack()));
        assert!(year.contains(date(2016, 1, 1).pack()));
        assert!(!year.contains(date(2014, 12, 31).pack()));
    }

    #[test]
    fn bounds_reject_to_before_from_and_missing_years() {
        let err =
            DateBounds::new(Some(date(2016, 0, 0)), Some(date(2015, 0, 0)), "filter.").unwrap_err();
        assert!(err.to_string().contains("filter.to"), "{err}");
        let err = DateBounds::new(Some(date(0, 5, 1)), None, "filter.").unwrap_err();
        assert!(err.to_string().contains("filter.from.year"), "{err}");
        assert!(DateBounds::new(Some(date(2015, 5, 0)), Some(date(2015, 5, 0)), "").is_ok());
    }

    #[test]
    fn end_before_start_respects_precision() {
        assert!(end_before_start(&date(2015, 11, 18), &date(2015, 11, 17)));
        assert!(!end_before_start(&date(2015, 11, 18), &date(2015, 11, 0)));
        assert!(!end_before_start(&date(2015, 1, 0), &date(2015, 9, 0)));
        assert!(end_before_start(&date(2015, 0, 0), &date(2014, 0, 0)));
        assert!(!end_before_start(&date(2015, 11, 18), &date(0, 0, 0)));
        assert!(!end_before_start(&date(0, 11, 18), &date(2015, 11, 1)));
    }
}
