//! Calendar arithmetic on top of chrono.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::extract::model::PartialDate;

/// Shifts a month-precision date by `delta` months.
pub fn add_months(d: PartialDate, delta: i32) -> Option<PartialDate> {
    if d.year == 0 || d.month == 0 {
        return None;
    }
    let index = i32::from(d.year) * 12 + i32::from(d.month) - 1 + delta;
    let year = u16::try_from(index.div_euclid(12)).ok()?;
    let month = (index.rem_euclid(12) + 1) as u8;
    Some(PartialDate {
        year,
        month,
        day: 0,
    })
}

/// The first or last Saturday–Sunday weekend that lies wholly in the month.
pub fn weekend(year: u16, month: u8, last: bool) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), 1)?;
    let days = first
        .iter_days()
        .take_while(|d| d.month() == u32::from(month));
    let saturdays: Vec<NaiveDate> = days
        .filter(|d| d.weekday() == Weekday::Sat)
        .filter(|d| d.succ_opt().is_some_and(|s| s.month() == u32::from(month)))
        .collect();
    let sat = if last {
        saturdays.last()
    } else {
        saturdays.first()
    }
    .copied()?;
    Some((sat, sat.succ_opt()?))
}

pub fn partial(d: NaiveDate) -> PartialDate {
    PartialDate {
        year: d.year() as u16,
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

pub fn month_of(d: PartialDate) -> PartialDate {
    PartialDate { day: 0, ..d }
}

pub fn year_of(year: u16) -> PartialDate {
    PartialDate {
        year,
        month: 0,
        day: 0,
    }
}

pub fn naive(d: PartialDate) -> Option<NaiveDate> {
    if d.year == 0 || d.month == 0 || d.day == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

/// A day date must exist; with an unknown year, February 29 is allowed.
pub fn valid(d: PartialDate) -> bool {
    if d.month > 12 || (d.month == 0 && d.day != 0) {
        return false;
    }
    if d.day == 0 {
        return true;
    }
    let year = if d.year == 0 { 2000 } else { i32::from(d.year) };
    NaiveDate::from_ymd_opt(year, u32::from(d.month), u32::from(d.day)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_wrap_across_years() {
        let oct = PartialDate {
            year: 2016,
            month: 10,
            day: 0,
        };
        assert_eq!(
            add_months(oct, -1),
            Some(PartialDate {
                year: 2016,
                month: 9,
                day: 0
            })
        );
        assert_eq!(
            add_months(oct, 3),
            Some(PartialDate {
                year: 2017,
                month: 1,
                day: 0
            })
        );
        assert_eq!(
            add_months(
                PartialDate {
                    year: 2016,
                    month: 1,
                    day: 0
                },
                -1
            ),
            Some(PartialDate {
                year: 2015,
                month: 12,
                day: 0
            })
        );
    }

    #[test]
    fn last_weekend_of_october_2016_is_the_29th_and_30th() {
        let (sat, sun) = weekend(2016, 10, true).unwrap();
        assert_eq!((sat.day(), sun.day()), (29, 30));
    }
}
