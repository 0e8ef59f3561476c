//! Event extraction on real sentences from the seed pages, with hand-made entity mentions.

use super::*;
use crate::extract::model::{Article, Mention, YearSource};

pub(crate) fn entity(id: &str, kind: EntityKind, name: &str, country: Option<&str>) -> Entity {
    Entity {
        id: id.to_string(),
        kind,
        name: name.to_string(),
        aliases: vec![name.to_string()],
        roles: Vec::new(),
        country_code: country.map(str::to_string),
    }
}

fn entities() -> BTreeMap<String, Entity> {
    [
        entity("country:BY", EntityKind::Country, "Belarus", Some("BY")),
        entity("country:RS", EntityKind::Country, "Serbia", Some("RS")),
        entity("country:AZ", EntityKind::Country, "Azerbaijan", Some("AZ")),
        entity("country:XK", EntityKind::Country, "Kosovo", Some("XK")),
        entity("country:LV", EntityKind::Country, "Latvia", Some("LV")),
        entity("country:ES", EntityKind::Country, "Spain", Some("ES")),
        entity(
            "person:tomislav-nikolic",
            EntityKind::Person,
            "Tomislav Nikolic",
            Some("RS"),
        ),
        entity(
            "person:alexander-lukashenka",
            EntityKind::Person,
            "Alexander Lukashenka",
            Some("BY"),
        ),
        entity(
            "person:ilham-aliyev",
            EntityKind::Person,
            "Ilham Aliyev",
            Some("AZ"),
        ),
        entity(
            "person:uladzimir-makei",
            EntityKind::Person,
            "Uladzimir Makei",
            Some("BY"),
        ),
        entity(
            "person:edgars-rinkevics",
            EntityKind::Person,
            "Edgars Rinkēvičs",
            Some("LV"),
        ),
        entity(
            "organization:unesco",
            EntityKind::Organization,
            "UNESCO",
            None,
        ),
        entity("city:minsk", EntityKind::City, "Minsk", Some("BY")),
        entity("city:riga", EntityKind::City, "Riga", Some("LV")),
        entity("city:madrid", EntityKind::City, "Madrid", Some("ES")),
    ]
    .into_iter()
    .map(|e| (e.id.clone(), e))
    .collect()
}

/// An article whose paragraphs are split into sentences at ". ", with a mention at every
/// occurrence of each surface form.
pub(crate) fn analyzed(
    paragraphs: &[&str],
    surfaces: &[(&str, &str)],
    year: Option<u16>,
) -> AnalyzedArticle {
    let text = paragraphs.join("\n\n");
    let mut sentences = Vec::new();
    let mut start = 0;
    for paragraph in paragraphs {
        let mut s = start;
        for (i, _) in paragraph.match_indices(". ") {
            sentences.push(Span {
                start: s,
                end: start + i + 1,
            });
            s = start + i + 2;
        }
        sentences.push(Span {
            start: s,
            end: start + paragraph.len(),
        });
        start += paragraph.len() + 2;
    }
    let all = entities();
    let mut mentions: Vec<Mention> = Vec::new();
    for (surface, id) in surfaces {
        for (i, _) in text.match_indices(surface) {
            let span = Span {
                start: i,
                end: i + surface.len(),
            };
            if mentions
                .iter()
                .any(|m| m.span.start < span.end && span.start < m.span.end)
            {
                continue;
            }
            mentions.push(Mention {
                span,
                entity_id: id.to_string(),
                kind: all[*id].kind,
            });
        }
    }
    mentions.sort_by_key(|m| m.span.start);
    AnalyzedArticle {
        article: Article {
            id: "article:0000000000000001".to_string(),
            text,
            reference_year: year,
            reference_year_source: if year.is_some() {
                YearSource::Article
            } else {
                YearSource::Unknown
            },
            ..Article::default()
        },
        sentences,
        mentions,
    }
}

fn d(year: u16, month: u8, day: u8) -> PartialDate {
    PartialDate { year, month, day }
}

fn ids(event: &Event) -> Vec<&str> {
    event
        .participants
        .iter()
        .map(|p| p.entity_id.as_str())
        .collect()
}

const SERBIA: &[(&str, &str)] = &[
    ("Serbian", "country:RS"),
    ("Serbia", "country:RS"),
    ("Tomislav Nikolic", "person:tomislav-nikolic"),
    ("Nikolic", "person:tomislav-nikolic"),
    ("Belarus", "country:BY"),
    ("Lukashenka", "person:alexander-lukashenka"),
    ("Kosovo", "country:XK"),
    ("UNESCO", "organization:unesco"),
    ("Minsk", "city:minsk"),
];

#[test]
fn a_dated_visit_with_guest_and_host() {
    let article = analyzed(
        &[
            "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit. According to his Belarusian counterpart, Serbia remains a partner.",
        ],
        SERBIA,
        Some(2015),
    );
    let events = extract_events(&article, &entities(), None);
    assert_eq!(events.len(), 1, "{events:#?}");
    let visit = &events[0];
    assert_eq!(visit.kind, EventKind::Visit);
    assert_eq!(
        (visit.when.start, visit.when.end),
        (d(2015, 11, 18), d(2015, 11, 20))
    );
    assert_eq!(
        ids(visit),
        vec!["person:tomislav-nikolic", "country:RS", "country:BY"]
    );
    assert_eq!(visit.participants[0].role, ParticipantRole::Guest);
    assert_eq!(visit.participants[2].role, ParticipantRole::Host);
    assert_eq!(visit.location_id.as_deref(), Some("country:BY"));
    assert_eq!(visit.sentence_start, 0);
    assert_eq!(visit.sentence_end, visit.sentence.chars().count() as u32);
    assert!(visit.id.starts_with("event:") && visit.id.len() == 22);
}

#[test]
fn trade_figures_take_parties_from_the_context_and_each_amount_is_an_event() {
    let article = analyzed(
        &[
            "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
            "Trade has been growing steadily since 2009 and reached $245m in 2014. However, the two countries are unlikely to reach their declared target of a $500m turnover in the coming years.",
        ],
        SERBIA,
        Some(2015),
    );
    let events = extract_events(&article, &entities(), None);
    let trade: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::Trade)
        .collect();
    assert_eq!(trade.len(), 1, "{events:#?}");
    assert_eq!(trade[0].when.start, d(2014, 0, 0));
    assert_eq!(trade[0].amounts[0].value, 245e6);
    assert_eq!(trade[0].amounts[0].metric, TradeMetric::Turnover);
    let mut parties = ids(trade[0]);
    parties.sort();
    assert_eq!(parties, vec!["country:BY", "country:RS"]);

    let article = analyzed(
        &[
            "In 2014, Belarusian exports to Azerbaijan were worth $318m and its imports from Azerbaijan a mere $8.7m.",
        ],
        &[("Belarus", "country:BY"), ("Azerbaijan", "country:AZ")],
        Some(2015),
    );
    let events = extract_events(&article, &entities(), None);
    let metrics: Vec<TradeMetric> = events.iter().map(|e| e.amounts[0].metric).collect();
    assert_eq!(metrics, vec![TradeMetric::Exports, TradeMetric::Imports]);
    assert_ne!(events[0].id, events[1].id);
}

#[test]
fn relative_dates_and_votes() {
    let article = analyzed(
        &[
            "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
            "Nikolic also thanked Lukashenka for his continued support of Serbia’s territorial integrity. In fact, ten days earlier Belarus voted against admitting Kosovo to UNESCO.",
        ],
        SERBIA,
        Some(2015),
    );
    let events = extract_events(&article, &entities(), None);
    let vote = events
        .iter()
        .find(|e| e.kind == EventKind::Vote)
        .expect("a vote");
    assert_eq!(
        (vote.when.start, vote.when.end),
        (d(2015, 11, 8), d(2015, 11, 10))
    );
    assert_eq!(
        ids(vote),
        vec!["country:BY", "country:XK", "organization:unesco"]
    );
    assert_eq!(events.len(), 2, "{events:#?}");
}

#[test]
fn a_meeting_abroad_is_a_visit_and_undated_sentences_make_no_event() {
    let article = analyzed(
        &[
            "On July 19-20, Foreign Minister Uladzimir Makei met his Latvian counterpart Edgars Rinkēvičs in Riga. Makei and Rinkēvičs discussed inter-state visits.",
        ],
        &[
            ("Uladzimir Makei", "person:uladzimir-makei"),
            ("Makei", "person:uladzimir-makei"),
            ("Latvian", "country:LV"),
            ("Edgars Rinkēvičs", "person:edgars-rinkevics"),
            ("Rinkēvičs", "person:edgars-rinkevics"),
            ("Riga", "city:riga"),
        ],
        Some(2018),
    );
    let events = extract_events(&article, &entities(), None);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].kind, EventKind::Visit);
    assert_eq!(events[0].location_id.as_deref(), Some("city:riga"));
}

#[test]
fn an_agreement_continuing_a_dated_visit_shares_its_date() {
    let article = analyzed(
        &[
            "On 13-14 June, foreign minister Uladzimir Makei visited Madrid. Belarus and Spain agreed to establish a joint commission on economic and industrial cooperation. The commission will first meet this autumn in Minsk.",
        ],
        &[
            ("Uladzimir Makei", "person:uladzimir-makei"),
            ("Madrid", "city:madrid"),
            ("Belarus", "country:BY"),
            ("Spain", "country:ES"),
            ("Minsk", "city:minsk"),
        ],
        Some(2017),
    );
    let events = extract_events(&article, &entities(), None);
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Visit, EventKind::Agreement, EventKind::Meeting],
        "{events:#?}"
    );
    assert_eq!(events[1].when.start, d(2017, 6, 13));
    assert!(events[2].planned);
    assert_eq!(
        (events[2].when.start, events[2].when.end),
        (d(2017, 9, 0), d(2017, 11, 0))
    );
}

#[test]
fn a_postponed_visit_is_other() {
    let article = analyzed(
        &[
            "The Belarusian president postponed his visit to Moscow, which was originally scheduled for 25 – 26 November. Belarus explained the postponement.",
        ],
        &[("Belarus", "country:BY")],
        Some(2015),
    );
    let events = extract_events(&article, &entities(), None);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].kind, EventKind::Other);
    assert_eq!(events[0].when.start, d(2015, 11, 25));
}

#[test]
fn the_same_input_gives_the_same_events() {
    let article = analyzed(
        &[
            "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
        ],
        SERBIA,
        Some(2015),
    );
    assert_eq!(
        extract_events(&article, &entities(), None),
        extract_events(&article, &entities(), None)
    );
}

#[test]
fn no_year_support_leaves_the_year_unknown() {
    let article = analyzed(
        &[
            "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
        ],
        SERBIA,
        None,
    );
    let events = extract_events(&article, &entities(), None);
    assert_eq!(events[0].when.start, d(0, 11, 18));
    assert_eq!(events[0].when.year_source, YearSource::Unknown);
    let events = extract_events(&article, &entities(), Some(d(2015, 12, 1)));
    assert_eq!(events[0].when.start, d(2015, 11, 18));
}

#[test]
fn datelines_date_the_statements_below_them() {
    let article = analyzed(
        &[
            "MOSCOW, November 1. /TASS/. Trade turnover between Russia and Belarus rose by 6% in the first eight months of this year, Minister Maksim Reshetnikov said.",
        ],
        &[
            ("Belarus", "country:BY"),
            ("Maksim Reshetnikov", "person:edgars-rinkevics"),
        ],
        Some(2024),
    );
    let events = extract_events(&article, &entities(), None);
    let statement = events
        .iter()
        .find(|e| e.kind == EventKind::Statement)
        .expect("a statement");
    assert_eq!(statement.when.start, d(2024, 11, 1));
    assert_eq!(statement.participants[0].role, ParticipantRole::Speaker);
}

#[test]
fn a_changed_measure_is_a_sanction_and_a_change_alone_is_not() {
    let kinds = |s: &str| -> Vec<EventKind> {
        combine_kinds(&TRIGGERS.find(s), &[])
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(
        kinds("The restrictions were prolonged to July 31."),
        [EventKind::Sanction]
    );
    assert_eq!(
        kinds("EU governments extended economic sanctions against Russia."),
        [EventKind::Sanction]
    );
    assert!(kinds("The minister extended an invitation to his colleague.").is_empty());
    // Forms made by rule from the lemma: "convict" gives "convicted".
    assert_eq!(kinds("He was convicted in absentia."), [EventKind::Legal]);
}

#[test]
fn a_dated_clause_about_named_actors_is_an_event_even_without_a_trigger() {
    let article = analyzed(
        &[
            "On 30 January, dozens of Belarusians stood in front of the court.",
            "Dozens of Belarusians stood in front of the court again.",
        ],
        &[("Belarusians", "country:BY")],
        Some(2016),
    );
    let events = extract_events(&article, &entities(), None);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].kind, EventKind::Other);
    assert_eq!(events[0].when.start, d(2016, 1, 30));
}
