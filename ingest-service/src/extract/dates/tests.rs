//! Date resolution on real sentences from the seed and dev pages.

use super::*;
use crate::extract::model::{PartialDate, YearSource};

fn d(year: u16, month: u8, day: u8) -> PartialDate {
    PartialDate { year, month, day }
}

/// Resolves `sentences` in order with reference year `year` and returns the dates of the last one
/// as (start, end, text).
fn dates_after(
    year: Option<u16>,
    now: Option<PartialDate>,
    sentences: &[&str],
) -> Vec<(PartialDate, PartialDate, String)> {
    let mut resolver = DateResolver::new(year, YearSource::Article, now);
    let mut last = Vec::new();
    for s in sentences {
        last = resolver.resolve(s, false);
    }
    last.into_iter()
        .map(|m| (m.range.start, m.range.end, m.range.text))
        .collect()
}

fn one(year: Option<u16>, sentence: &str) -> (PartialDate, PartialDate) {
    let found = dates_after(year, None, &[sentence]);
    assert_eq!(found.len(), 1, "{sentence}: {found:?}");
    (found[0].0, found[0].1)
}

#[test]
fn day_ranges_with_every_dash() {
    let s = "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.";
    let found = dates_after(Some(2015), None, &[s]);
    assert_eq!(
        found,
        vec![(
            d(2015, 11, 18),
            d(2015, 11, 20),
            "On 18 – 20 November".to_string()
        )]
    );
    assert_eq!(
        one(
            Some(2017),
            "On 5-9 July, the OSCE Parliamentary Assembly held its annual session in Minsk."
        ),
        (d(2017, 7, 5), d(2017, 7, 9))
    );
    assert_eq!(
        one(
            Some(2016),
            "President Lukashenka’s state visit to China on 28–30 September resulted in the signing."
        ),
        (d(2016, 9, 28), d(2016, 9, 30))
    );
    assert_eq!(
        one(
            Some(2014),
            "On 4 and 5 December, the foreign minister visited Basel in Switzerland."
        ),
        (d(2014, 12, 4), d(2014, 12, 5))
    );
    assert_eq!(
        one(
            Some(2018),
            "On July 19-20, Foreign Minister Uladzimir Makei met his Latvian counterpart."
        ),
        (d(2018, 7, 19), d(2018, 7, 20))
    );
}

#[test]
fn ranges_across_months() {
    let s = "President of Belarus Alexander Lukashenko will pay a state visit to the People's Republic of China from 28 February to 2 March.";
    assert_eq!(one(Some(2023), s), (d(2023, 2, 28), d(2023, 3, 2)));
    assert_eq!(
        one(
            Some(2023),
            "Lukashenko to pay state visit from February 28 to March 2"
        ),
        (d(2023, 2, 28), d(2023, 3, 2))
    );
}

#[test]
fn month_ranges_and_months() {
    assert_eq!(
        one(
            Some(2017),
            "In June-July, the intensity of Belarus’s diplomatic dialogue was high."
        ),
        (d(2017, 6, 0), d(2017, 7, 0))
    );
    assert_eq!(
        one(None, "It amounted to $67.7m in January- September 2015."),
        (d(2015, 1, 0), d(2015, 9, 0))
    );
    assert_eq!(
        one(
            None,
            "Belarus’s exports to China in January – August 2016 dropped to $189.6m."
        ),
        (d(2016, 1, 0), d(2016, 8, 0))
    );
    assert_eq!(
        one(
            Some(2017),
            "In June and July, Belarus also held political and economic consultations."
        ),
        (d(2017, 6, 0), d(2017, 7, 0))
    );
    assert_eq!(
        one(
            Some(2016),
            "Earlier in October, deputy foreign minister Valentin Rybakov toured Southeast Asia."
        ),
        (d(2016, 10, 0), d(2016, 10, 0))
    );
    assert_eq!(
        one(
            None,
            "In early October 2018, Belarus and Russia settled the agreement about oil supplies."
        ),
        (d(2018, 10, 0), d(2018, 10, 0))
    );
    assert_eq!(
        one(
            Some(2021),
            "It is planned that the presidents will meet in person by the end of April."
        ),
        (d(2021, 4, 0), d(2021, 4, 0))
    );
    let found = dates_after(
        None,
        None,
        &["A meeting of the Supreme State Council will be held at the end of February 2026."],
    );
    assert_eq!(found[0].2, "at the end of February 2026");
}

#[test]
fn a_month_alone_needs_a_preposition() {
    assert!(dates_after(Some(2019), None, &["May I add that the talks were useful."]).is_empty());
    assert_eq!(
        one(
            Some(2020),
            "Reserves decreased again – by $136 million in September."
        ),
        (d(2020, 9, 0), d(2020, 9, 0))
    );
}

#[test]
fn full_dates_in_both_orders() {
    assert_eq!(
        one(
            None,
            "The 8th Belarus Reality Check took place on October 22, 2018, in Vilnius."
        ),
        (d(2018, 10, 22), d(2018, 10, 22))
    );
    assert_eq!(
        one(
            None,
            "On 21 March 2019, the Russian Ministry of Foreign Affairs issued an official comment."
        ),
        (d(2019, 3, 21), d(2019, 3, 21))
    );
    assert_eq!(
        one(
            Some(2020),
            "Lukashenko plans to meet with Russian leader Vladimir Putin on February 7, as he said."
        ),
        (d(2020, 2, 7), d(2020, 2, 7))
    );
}

#[test]
fn years_and_what_governs_them() {
    let mut resolver = DateResolver::new(Some(2015), YearSource::Article, None);
    let found = resolver.resolve(
        "Trade has been growing steadily since 2009 and reached $245m in 2014.",
        false,
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].cue, DateCue::Since);
    assert_eq!(found[1].cue, DateCue::Plain);
    assert_eq!(found[1].range.start, d(2014, 0, 0));
    assert!(found[1].year_only);
    let found = resolver.resolve(
        "They signed an agreement on social and economic cooperation valid up to 2025.",
        false,
    );
    assert_eq!(found[0].cue, DateCue::Until);
    let found = resolver.resolve(
        "The number of human trafficking and related crimes (2002–2014)",
        false,
    );
    assert_eq!(
        (found[0].range.start, found[0].range.end),
        (d(2002, 0, 0), d(2014, 0, 0))
    );
    assert!(
        resolver
            .resolve(
                "Over 9,000 Turkmens and $3.5bn and 39.2% and COVID-19.",
                false
            )
            .is_empty()
    );
}

#[test]
fn relative_days_resolve_from_the_previous_dated_happening() {
    let article = [
        "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
        "Trade has been growing steadily since 2009 and reached $245m in 2014.",
        "At the inauguration ceremony both presidents made public the idea of gathering the presidents in Minsk in 2016.",
        "In fact, ten days earlier Belarus voted against admitting Kosovo to UNESCO.",
    ];
    let found = dates_after(Some(2015), None, &article);
    assert_eq!(found[0].0, d(2015, 11, 8));
    assert_eq!(found[0].1, d(2015, 11, 10));

    let found = dates_after(
        Some(2014),
        None,
        &[
            "On 10 December, the foreign minister received a delegation.",
            "The next day, the EU ambassadors were invited.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2014, 12, 11), d(2014, 12, 11)));

    let found = dates_after(
        Some(2014),
        None,
        &[
            "On 26 – 28 November, Nguyễn Phú Trọng visited Belarus.",
            "Two weeks later, a large Belarusian delegation visited Ho Chi Minh City.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2014, 12, 10), d(2014, 12, 12)));

    let found = dates_after(
        Some(2016),
        None,
        &[
            "On 18 October, the United States announced that it would prolong sanctions relief for six more months after 31 October.",
            "US Deputy Assistant Secretary of State Bridget Brink, who visited Minsk on the same day, emphasised reform.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2016, 10, 18), d(2016, 10, 18)));

    let found = dates_after(
        Some(2015),
        None,
        &[
            "On his way back to Minsk, Alexander Lukashenka made a stopover in Ashgabat on 10 – 12 December.",
            "It amounted to $67.7m in January- September 2015.",
            "On his third day in Ashgabat, Lukashenka used a statement at an international conference.",
        ],
    );
    assert_eq!(found[0].0, d(2015, 12, 12));
}

#[test]
fn anaphoric_phrases_take_the_previous_date() {
    let found = dates_after(
        Some(2015),
        None,
        &[
            "Azerbaijani President Ilham Aliyev came to Belarus on a one-day official visit on 28 November.",
            "As the trip took place only a few days after Turkey downed a Russian warplane, analysts speculated.",
            "This time around they signed a number of important bilateral documents.",
        ],
    );
    assert_eq!(found[0].0, d(2015, 11, 28));
    let found = dates_after(
        Some(2015),
        None,
        &[
            "Azerbaijani President Ilham Aliyev came to Belarus on a one-day official visit on 28 November.",
            "As the trip took place only a few days after Turkey downed a Russian warplane, analysts speculated.",
        ],
    );
    assert_eq!(found[0].0, d(2015, 11, 0));
    let found = dates_after(
        Some(2017),
        None,
        &[
            "From Madrid, Belarus's top diplomat went to Prague on 15-16 June.",
            "Speaking to media after the first ever official visit of a Belarusian foreign minister to Czechia, Makei expressed hope.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2017, 6, 16), d(2017, 6, 16)));
}

#[test]
fn weekends_seasons_and_last_months() {
    assert_eq!(
        one(
            Some(2016),
            "On the last weekend of October he again went to Abu Dhabi."
        ),
        (d(2016, 10, 29), d(2016, 10, 30))
    );
    assert_eq!(
        one(
            Some(2017),
            "The commission will first meet this autumn in Minsk."
        ),
        (d(2017, 9, 0), d(2017, 11, 0))
    );
    assert_eq!(
        one(
            Some(2017),
            "The crackdown on peaceful protests in early spring failed."
        ),
        (d(2017, 3, 0), d(2017, 3, 0))
    );
    assert_eq!(
        one(
            Some(2017),
            "It is unlikely before mid-2017, barring changes."
        ),
        (d(2017, 0, 0), d(2017, 0, 0))
    );
    let found = dates_after(
        Some(2016),
        None,
        &[
            "Two weeks later, on 24 October, a meeting took place.",
            "In the last two months, Kupchyna travelled to Sarajevo.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2016, 9, 0), d(2016, 10, 0)));
}

#[test]
fn years_ago_and_after() {
    assert_eq!(
        one(
            Some(2016),
            "Exactly two years ago, on a trip to Abu Dhabi, Lukashenka set a target."
        ),
        (d(2014, 0, 0), d(2014, 0, 0))
    );
    let found = dates_after(
        Some(2019),
        None,
        &[
            "In August 2018, Vladimir Putin appointed Babich as ambassador, two years after an unsuccessful attempt to send him to Ukraine.",
        ],
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].0, d(2016, 0, 0));
}

#[test]
fn weekdays_and_today_resolve_from_the_article_date() {
    let found = dates_after(
        Some(2012),
        Some(d(2012, 8, 4)),
        &["On Friday, Belarusian Foreign Ministry declared that it would not prolong the permit."],
    );
    assert_eq!(found[0].0, d(2012, 8, 3));
    let found = dates_after(
        Some(2020),
        Some(d(2020, 2, 4)),
        &["He told reporters after visiting the Dobrush paper factory on Tuesday."],
    );
    assert_eq!(found[0].0, d(2020, 2, 4));
    let found = dates_after(
        Some(2019),
        Some(d(2019, 10, 6)),
        &["The Second Forum of Regions of Belarus and Ukraine was held there this week."],
    );
    assert_eq!((found[0].0, found[0].1), (d(2019, 9, 30), d(2019, 10, 6)));
    // No day known: "today" and "the day before" keep only the year.
    let found = dates_after(
        Some(2021),
        None,
        &["Russian delegation headed by the Prime Minister arrived in Minsk today."],
    );
    assert_eq!(found[0].0, d(2021, 0, 0));
    let found = dates_after(
        Some(2021),
        None,
        &["The day before, the heads of state exchanged congratulations."],
    );
    assert_eq!(found[0].0, d(2021, 0, 0));
    assert!(
        dates_after(
            Some(2021),
            None,
            &["In today's Vietnam, the party boss is no longer the leader."]
        )
        .is_empty()
    );
    assert!(dates_after(None, None, &["On Friday, the ministry declared."]).is_empty());
}

#[test]
fn relative_years_and_periods() {
    assert_eq!(
        one(
            Some(2021),
            "As for the economy, the trade turnover approached $ 30 billion last year."
        ),
        (d(2020, 0, 0), d(2020, 0, 0))
    );
    assert_eq!(
        one(
            Some(2017),
            "The previous meeting took place on 26 April this year."
        ),
        (d(2017, 4, 26), d(2017, 4, 26))
    );
    let found = dates_after(
        Some(2024),
        None,
        &["Trade rose by 6% in the first eight months of this year to 2.9 trillion rubles."],
    );
    assert_eq!((found[0].0, found[0].1), (d(2024, 1, 0), d(2024, 8, 0)));
    let found = dates_after(
        Some(2022),
        None,
        &["As the results of the ten months show, exports amounted to $18 billion."],
    );
    assert_eq!((found[0].0, found[0].1), (d(2022, 1, 0), d(2022, 10, 0)));
    assert_eq!(
        one(
            Some(2022),
            "Exports will be about $22-23 billion at the end of the outgoing year."
        ),
        (d(2022, 0, 0), d(2022, 0, 0))
    );
}

#[test]
fn shifts_counted_in_digits() {
    let found = dates_after(
        Some(2014),
        None,
        &[
            "On 10 December, the minister received a delegation.",
            "3 days later, the ambassadors were invited.",
        ],
    );
    assert_eq!((found[0].0, found[0].1), (d(2014, 12, 13), d(2014, 12, 13)));
}

#[test]
fn a_year_given_by_this_year_is_inferred() {
    let mut resolver = DateResolver::new(Some(2017), YearSource::Article, None);
    let found = resolver.resolve(
        "The previous meeting took place on 26 April this year.",
        false,
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].range.text, "on 26 April this year");
    assert!(found[0].range.year_inferred);
    assert_eq!(found[0].range.year_source, YearSource::Relative);
}

#[test]
fn no_year_means_year_zero_and_unknown_never_today() {
    let mut resolver = DateResolver::new(None, YearSource::Unknown, None);
    let found = resolver.resolve(
        "On 6 February businessman Siarhej Stoliaraŭ was given five years in prison.",
        false,
    );
    assert_eq!(found[0].range.start, d(0, 2, 6));
    assert_eq!(found[0].range.year_source, YearSource::Unknown);
    assert!(found[0].range.year_inferred);
}

#[test]
fn impossible_days_are_dropped() {
    assert!(dates_after(Some(2015), None, &["On 31 February nothing happened."]).is_empty());
    assert!(dates_after(Some(2015), None, &["On 31 – 20 May nothing happened."]).is_empty());
}

#[test]
fn a_planned_date_before_the_reported_past_is_next_year() {
    let mut resolver = DateResolver::new(Some(2022), YearSource::Article, None);
    resolver.resolve(
        "In September 2022, the leaders adopted a joint declaration.",
        false,
    );
    let found = resolver.resolve(
        "Lukashenko will pay a state visit from 28 February to 2 March.",
        true,
    );
    assert_eq!(found[0].range.start, d(2023, 2, 28));
}

#[test]
fn date_lines() {
    assert_eq!(date_line("4 August 2012"), Some(d(2012, 8, 4)));
    assert_eq!(date_line("21 April 2024, 09:57"), Some(d(2024, 4, 21)));
    assert_eq!(date_line("MINSK, February 4."), Some(d(0, 2, 4)));
    assert_eq!(
        date_line("On 4 June the city of Brest hosted an exhibition."),
        None
    );
    assert_eq!(
        page_date(" date 2019-12-13 All-weather friendship"),
        Some(d(2019, 12, 13))
    );
    assert_eq!(
        page_date("All news\n\nMOSCOW, November 1. /TASS/. Trade turnover rose."),
        Some(d(0, 11, 1))
    );
}

#[test]
fn reference_year_prefers_publication_then_content() {
    assert_eq!(
        reference_year("On 8 June …", Some(d(2017, 6, 9))),
        (Some(2017), YearSource::PublicationDate)
    );
    assert_eq!(
        reference_year("Nothing dated here.", None),
        (None, YearSource::Unknown)
    );
    let serbia = "Trade has been growing steadily since 2009 and reached $245m in 2014. \
        At the inauguration ceremony both presidents made public the surprising idea of gathering the presidents in Minsk in 2016. \
        They signed an agreement valid up to 2025. It amounted to $67.7m in January- September 2015.";
    assert_eq!(
        reference_year(serbia, None),
        (Some(2015), YearSource::Article)
    );
    // A stale page date line loses to the years the text reports as past.
    let stale =
        " date 2019-12-13 The diplomacy is 29 years old. 2020 was the most complicated year.";
    assert_eq!(reference_year(stale, None).0, Some(2021));
    let fresh = " date 2019-10-06 Zhytomyr has become the main newsmaker these days.";
    assert_eq!(reference_year(fresh, None).0, Some(2019));
    let forward = "Belarus and Vietnam will seek to increase their turnover from $121m in 2016. \
        Belarus has been doing its best in the Central European Initiative in 2017.";
    assert_eq!(reference_year(forward, None).0, Some(2017));
}

#[test]
fn pathological_input_stays_linear() {
    let mut resolver = DateResolver::new(Some(2015), YearSource::Article, None);
    let long = "On 18 – 20 November, ".repeat(20_000);
    assert_eq!(resolver.resolve(&long, false).len(), 20_000);
    let dashes = "-".repeat(100_000);
    assert!(resolver.resolve(&dashes, false).is_empty());
    assert_eq!(
        reference_year(&"1".repeat(1_000_000), None),
        (None, YearSource::Unknown)
    );
}

#[test]
fn stamps_with_weekdays_labels_and_glued_clocks_are_date_lines() {
    assert_eq!(date_line("Sunday 4 November 2018"), Some(d(2018, 11, 4)));
    assert_eq!(date_line("Wednesday, July 11, 2018"), Some(d(2018, 7, 11)));
    assert_eq!(
        date_line("Publishing date: 26 April 2015"),
        Some(d(2015, 4, 26))
    );
    assert_eq!(date_line("Posted on 4 May 2021"), Some(d(2021, 5, 4)));
    assert_eq!(date_line("26 November 202018:51"), Some(d(2020, 11, 26)));
    // Chrome is not the page's date.
    assert_eq!(date_line("Updated at 17:19, 7 January 2021"), None);
    assert_eq!(
        date_line("Sunday 4 November 2018 he left for Guinea."),
        None
    );
}

#[test]
fn a_header_today_loses_to_the_stamp_on_the_title() {
    let page = "22 September 2017\n\nConsular queries:\n\n\
        Briefing by Foreign Ministry Spokesperson Maria Zakharova, September 10, 2015\n\n\
        Putin visited Ulan Bator in September 2014.";
    assert_eq!(page_date(page), Some(d(2015, 9, 10)));
    assert_eq!(
        reference_year(page, None),
        (Some(2015), YearSource::Article)
    );
}

#[test]
fn years_that_are_not_the_article_time_are_not_evidence() {
    // A copyright line and a law's date in the footer.
    let footer = "Kuleba will hold talks in Berlin on June 2.\n\n\
        Materials follow the Law of Ukraine \"On the Media\" No. 2849-X of March 31, 2023.\n\n\
        © 2015-2024 Ukrinform. All rights reserved.";
    assert_eq!(reference_year(footer, None), (None, YearSource::Unknown));
    // A span of years names a government's term.
    let span = "This was published under the 2019 to 2022 Johnson Conservative government\n\n\
        The UK imposed designations on 21 Jun 2021.";
    assert_eq!(reference_year(span, None).0, Some(2021));
    // A figure "for a completed year" says the article is later only when the cue is near it.
    let far = " date 2019-01-08 They agreed to meet again in early 2019 under the auspices of \
        the co-chairs in order to facilitate high-level talks.";
    assert_eq!(reference_year(far, None).0, Some(2019));
    let near = "The number of victims decreased from around 1000 in 2006 to 81 in 2014.";
    assert_eq!(reference_year(near, None).0, Some(2015));
    // A year in a name dates the article only when nothing else does.
    let named = "The 2014 World Hockey Championship became the largest sports event.";
    assert_eq!(reference_year(named, None).0, Some(2014));
    let outvoted = "Its 2017 presidency will matter. Ministers met in March 2015.";
    assert_eq!(reference_year(outvoted, None).0, Some(2015));
    assert_eq!(
        document_year(
            "Digest of the 2016 parliament elections",
            "On 11 September.",
            None
        ),
        (Some(2016), YearSource::Article)
    );
}

#[test]
fn months_and_parts_of_the_day_resolve_from_the_article_day() {
    let now = Some(d(2018, 4, 20));
    let found = dates_after(
        Some(2018),
        now,
        &["They implement the agreements reached during Erdogan's visit to Astana last September."],
    );
    assert_eq!(found[0].0, d(2017, 9, 0));
    let found = dates_after(Some(2018), now, &["The envoy came to Zimbabwe this June."]);
    assert_eq!(found[0].0, d(2018, 6, 0));
    let found = dates_after(Some(2018), now, &["They will meet next March."]);
    assert_eq!(found[0].0, d(2019, 3, 0));
    // Without the article's month, "last September" could be either year.
    let found = dates_after(
        Some(2018),
        None,
        &["Erdogan visited Astana last September."],
    );
    assert_eq!(found[0].0, d(0, 9, 0));
    let now = Some(d(2018, 7, 11));
    let found = dates_after(
        Some(2018),
        now,
        &["Ramaphosa will this morning meet Buhari."],
    );
    assert_eq!(found[0].0, d(2018, 7, 11));
    let found = dates_after(Some(2018), now, &["He arrived in Abuja last night."]);
    assert_eq!(found[0].0, d(2018, 7, 10));
}

#[test]
fn reported_dates_after_the_article_day_are_last_year_and_plans_look_ahead() {
    let found = dates_after(
        Some(2019),
        Some(d(2019, 1, 8)),
        &["At their talks held in Milan on December 5 they pledged to work intensively."],
    );
    assert_eq!(found[0].0, d(2018, 12, 5));
    // A planned weekday is the coming one (2024-07-04 is a Thursday).
    let mut resolver = DateResolver::new(Some(2024), YearSource::Article, Some(d(2024, 7, 4)));
    let found = resolver.resolve("Kuleba will visit Moldova on Friday.", true);
    assert_eq!(found[0].range.start, d(2024, 7, 5));
}
