//! Dated events of whole pages through the public pipeline: the seed pages, agency datelines,
//! publication dates, determinism and hostile input.

use newsline_ingest::extract::model::{
    Event, EventKind, ParsedDocument, PartialDate, ParticipantRole, TradeMetric, YearSource,
};
use newsline_ingest::extract::{DocumentInput, parse_document};

const SEED_SERBIA: &str = include_str!("../../seeds/000_b0fa4eb77ff2d830.txt");
const SEED_VIETNAM_TAG: &str = include_str!("../../seeds/002_35d08d5ca100e3bb.txt");

fn parse(text: &str, published: Option<PartialDate>) -> ParsedDocument {
    parse_document(&DocumentInput {
        bytes: text.as_bytes(),
        source_uri: "test",
        published,
    })
}

fn d(year: u16, month: u8, day: u8) -> PartialDate {
    PartialDate { year, month, day }
}

fn find(doc: &ParsedDocument, kind: EventKind, start: PartialDate) -> Vec<&Event> {
    doc.events
        .iter()
        .filter(|e| e.kind == kind && e.when.start == start)
        .collect()
}

fn names(event: &Event) -> Vec<&str> {
    event.participants.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn the_serbian_visit_is_dated_from_the_article_year() {
    let doc = parse(SEED_SERBIA, None);
    let visits = find(&doc, EventKind::Visit, d(2015, 11, 18));
    assert_eq!(visits.len(), 1, "{:#?}", doc.events);
    let visit = visits[0];
    assert_eq!(visit.when.end, d(2015, 11, 20));
    assert!(visit.when.year_inferred);
    assert_eq!(visit.when.year_source, YearSource::Article);
    assert!(
        names(visit).contains(&"Tomislav Nikolic"),
        "{:?}",
        names(visit)
    );
    let guest = visit
        .participants
        .iter()
        .find(|p| p.name == "Tomislav Nikolic")
        .unwrap();
    assert_eq!(guest.role, ParticipantRole::Guest);
    let article = &doc.articles[0];
    let sentence: String = article
        .text
        .chars()
        .skip(visit.sentence_start as usize)
        .take((visit.sentence_end - visit.sentence_start) as usize)
        .collect();
    assert_eq!(sentence, visit.sentence);
}

#[test]
fn relative_dates_resolve_from_the_happening_before() {
    let doc = parse(SEED_SERBIA, None);
    let vote = doc
        .events
        .iter()
        .find(|e| e.kind == EventKind::Vote)
        .expect("the UNESCO vote");
    assert_eq!(
        (vote.when.start, vote.when.end),
        (d(2015, 11, 8), d(2015, 11, 10))
    );
    assert_eq!(vote.when.year_source, YearSource::Relative);
    let third_day = find(&doc, EventKind::Conference, d(2015, 12, 12));
    assert_eq!(third_day.len(), 1, "{:#?}", doc.events);
}

#[test]
fn exports_and_imports_are_two_trade_figures() {
    let doc = parse(SEED_SERBIA, None);
    let trade = find(&doc, EventKind::Trade, d(2014, 0, 0));
    let mut figures: Vec<(TradeMetric, f64)> = trade
        .iter()
        .flat_map(|e| e.amounts.iter().map(|a| (a.metric, a.value)))
        .collect();
    figures.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        figures,
        vec![
            (TradeMetric::Imports, 8.7e6),
            (TradeMetric::Turnover, 169.3e6),
            (TradeMetric::Turnover, 245e6),
            (TradeMetric::Exports, 318e6),
        ]
    );
    assert!(trade.iter().all(|e| e.amounts[0].currency == "USD"));
    assert!(
        trade
            .iter()
            .all(|e| e.amounts[0].period.as_ref() == Some(&e.when))
    );
}

#[test]
fn forward_looking_years_are_not_the_article_year() {
    let doc = parse(SEED_SERBIA, None);
    // "valid up to 2025" and "the idea of gathering … in 2016" do not make it a 2016 or 2025 article.
    assert_eq!(doc.articles[0].reference_year, Some(2015));
    let gathering = find(&doc, EventKind::Conference, d(2016, 0, 0));
    assert_eq!(gathering.len(), 1);
    assert!(gathering[0].planned);
}

#[test]
fn each_pasted_article_has_its_own_year() {
    let doc = parse(SEED_VIETNAM_TAG, None);
    let years: Vec<Option<u16>> = doc.articles.iter().map(|a| a.reference_year).collect();
    assert_eq!(
        years,
        vec![Some(2017), Some(2016), Some(2015), Some(2015), Some(2014)]
    );
    assert_eq!(
        find(&doc, EventKind::Visit, d(2016, 10, 29))[0].when.end,
        d(2016, 10, 30)
    );
    assert_eq!(find(&doc, EventKind::Sanction, d(2016, 10, 18)).len(), 1);
    assert_eq!(
        find(&doc, EventKind::Visit, d(2014, 12, 10))[0].when.end,
        d(2014, 12, 12)
    );
}

#[test]
fn a_publication_date_wins_and_today_is_never_used() {
    let text =
        "Belarus and Poland\n\nOn 4 June, Polish foreign minister Radoslaw Sikorski visited Minsk.";
    let undated = parse(text, None);
    assert!(
        undated.events.iter().all(|e| e.when.start.year == 0),
        "{:#?}",
        undated.events
    );
    assert!(
        undated
            .events
            .iter()
            .all(|e| e.when.year_source == YearSource::Unknown)
    );
    let dated = parse(text, Some(d(2013, 6, 6)));
    let visit = &find(&dated, EventKind::Visit, d(2013, 6, 4));
    assert_eq!(visit.len(), 1, "{:#?}", dated.events);
    assert_eq!(visit[0].when.year_source, YearSource::PublicationDate);
}

#[test]
fn an_agency_dateline_dates_the_statement_under_it() {
    let text = "Trade news\n\nMOSCOW, November 1. /TASS/. Trade turnover between Russia and Belarus rose by 6% in the \
        first eight months of 2024 to 2.9 trillion rubles ($29.5 bln), Russia's Economic Development Minister \
        Maksim Reshetnikov said.";
    let doc = parse(text, None);
    let statement = find(&doc, EventKind::Statement, d(2024, 11, 1));
    assert_eq!(statement.len(), 1, "{:#?}", doc.events);
    let trade = find(&doc, EventKind::Trade, d(2024, 1, 0));
    assert_eq!(
        trade.len(),
        1,
        "the rouble figure only, not its dollar conversion: {:#?}",
        doc.events
    );
    assert_eq!(trade[0].when.end, d(2024, 8, 0));
    assert_eq!(trade[0].amounts[0].currency, "RUB");
}

#[test]
fn undated_happenings_make_no_events() {
    let text = "Recent contacts\n\nRecently, Belarus's Prime Minister Andrei Kobyakov visited Chisinau and met the \
        President of Moldova. The sides signed several agreements.";
    assert!(parse(text, Some(d(2016, 11, 1))).events.is_empty());
}

#[test]
fn the_same_page_gives_the_same_events() {
    let a = parse(SEED_VIETNAM_TAG, None);
    let b = parse(SEED_VIETNAM_TAG, None);
    assert_eq!(a.events, b.events);
    let mut ids: Vec<&str> = a.events.iter().map(|e| e.id.as_str()).collect();
    let before = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), before, "event ids are unique");
}

#[test]
fn hostile_text_gives_no_panic_and_no_hang() {
    let many_dates =
        "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus. ".repeat(2_000);
    let doc = parse(&many_dates, Some(d(2015, 12, 1)));
    assert!(!doc.events.is_empty());
    for text in [
        "-".repeat(200_000),
        "1".repeat(200_000),
        "$".repeat(100_000),
        "On On On On 31 – – – February ".repeat(5_000),
        "the next day two weeks later the day before ".repeat(5_000),
    ] {
        let _ = parse(&text, None);
    }
}
