//! Property tests of date normalisation through the public dates API: a written date resolves to
//! itself in every common form, a date without a year takes the article's year, ranges keep their
//! order, impossible calendar dates never come out, and any text resolves without a panic into
//! mentions that point at real slices of it.

use chrono::NaiveDate;
use newsline_ingest::extract::{
    dates::{DateMention, DateResolver},
    model::{PartialDate, YearSource},
};
use proptest::prelude::*;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: u16, month: u8) -> u8 {
    (28..=31)
        .rev()
        .find(|&day| NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), day).is_some())
        .unwrap() as u8
}

/// A valid (year, month, day) between 1950 and 2049.
fn valid_day() -> impl Strategy<Value = (u16, u8, u8)> {
    (1950u16..2050, 1u8..=12)
        .prop_flat_map(|(year, month)| (Just(year), Just(month), 1..=days_in_month(year, month)))
}

fn resolve(sentence: &str, reference_year: Option<u16>) -> Vec<DateMention> {
    DateResolver::new(reference_year, YearSource::Article, None).resolve(sentence, false)
}

fn day(year: u16, month: u8, day: u8) -> PartialDate {
    PartialDate { year, month, day }
}

/// What must hold for every mention of any text.
fn assert_sane(sentence: &str, mentions: &[DateMention]) -> Result<(), TestCaseError> {
    for mention in mentions {
        prop_assert!(mention.start <= mention.end && mention.end <= sentence.len());
        prop_assert!(sentence.is_char_boundary(mention.start));
        prop_assert!(sentence.is_char_boundary(mention.end));
        for date in [mention.range.start, mention.range.end] {
            prop_assert!(date.month <= 12, "{date:?} in {sentence:?}");
            if date.day != 0 {
                prop_assert!(
                    date.month != 0
                        && NaiveDate::from_ymd_opt(
                            i32::from(date.year),
                            u32::from(date.month),
                            u32::from(date.day)
                        )
                        .is_some()
                        || date.year == 0,
                    "impossible date {date:?} from {sentence:?}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_written_day_resolves_to_itself_in_every_common_form(
        (year, month, d) in valid_day(),
        form in 0usize..3,
    ) {
        let name = MONTHS[usize::from(month) - 1];
        let sentence = match form {
            0 => format!("On {d} {name} {year}, the foreign minister met his counterpart."),
            1 => format!("On {name} {d}, {year}, the foreign minister met his counterpart."),
            _ => format!("The foreign minister met his counterpart on {d} {name} {year}."),
        };
        let mentions = resolve(&sentence, None);
        prop_assert_eq!(mentions.len(), 1, "{:?}: {:?}", sentence, mentions);
        let range = &mentions[0].range;
        prop_assert_eq!(range.start, day(year, month, d));
        prop_assert_eq!(range.end, day(year, month, d));
        prop_assert_eq!(range.year_source, YearSource::Explicit);
        prop_assert!(!range.year_inferred);
        assert_sane(&sentence, &mentions)?;
    }

    #[test]
    fn a_day_without_a_year_takes_the_articles_year((year, month, d) in valid_day()) {
        let name = MONTHS[usize::from(month) - 1];
        let sentence = format!("On {d} {name}, the foreign minister met his counterpart.");
        let mentions = resolve(&sentence, Some(year));
        prop_assert_eq!(mentions.len(), 1, "{:?}: {:?}", sentence, mentions);
        prop_assert_eq!(mentions[0].range.start, day(year, month, d));
        prop_assert!(mentions[0].range.year_inferred);
        prop_assert_eq!(mentions[0].range.year_source, YearSource::Article);
    }

    #[test]
    fn day_ranges_keep_their_order(
        (year, month, first) in valid_day(),
        length in 1u8..10,
    ) {
        let last = first.saturating_add(length).min(days_in_month(year, month));
        prop_assume!(last > first);
        let name = MONTHS[usize::from(month) - 1];
        let sentence = format!("From {first} to {last} {name} {year}, the assembly met in Minsk.");
        let mentions = resolve(&sentence, None);
        prop_assert_eq!(mentions.len(), 1, "{:?}: {:?}", sentence, mentions);
        prop_assert_eq!(mentions[0].range.start, day(year, month, first));
        prop_assert_eq!(mentions[0].range.end, day(year, month, last));
    }

    #[test]
    fn a_month_and_year_keep_month_precision(year in 1950u16..2050, month in 1u8..=12) {
        let name = MONTHS[usize::from(month) - 1];
        let sentence = format!("In {name} {year}, the two countries signed an agreement.");
        let mentions = resolve(&sentence, None);
        prop_assert_eq!(mentions.len(), 1, "{:?}: {:?}", sentence, mentions);
        prop_assert_eq!(mentions[0].range.start, day(year, month, 0));
        prop_assert_eq!(mentions[0].range.end.year, year);
        prop_assert_eq!(mentions[0].range.end.month, month);
    }

    #[test]
    fn impossible_calendar_days_never_come_out(
        year in 1950u16..2050,
        month in 1u8..=12,
        d in 1u8..=35,
    ) {
        let name = MONTHS[usize::from(month) - 1];
        let sentence = format!("On {d} {name} {year}, the minister arrived in Minsk.");
        assert_sane(&sentence, &resolve(&sentence, None))?;
    }

    #[test]
    fn any_text_resolves_without_a_panic_into_slices_of_it(
        words in proptest::collection::vec(
            prop_oneof![
                "\\PC{0,12}",
                "[0-9]{1,5}",
                proptest::sample::select(vec![
                    "on", "On", "from", "to", "–", "-", "and", "until", "the next day", "later",
                    "weeks", "ago", "in", "late", "early", "mid-", "today", "Monday", ",", ".",
                    "January", "Feb.", "May", "Sept", "December", "2015", "1999", "31", "0",
                ]).prop_map(str::to_string),
            ],
            0..24,
        ),
        reference_year in proptest::option::of(1u16..3000),
    ) {
        let sentence = words.join(" ");
        let mentions = resolve(&sentence, reference_year);
        assert_sane(&sentence, &mentions)?;
    }
}
