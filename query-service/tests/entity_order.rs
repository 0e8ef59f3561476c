//! One-entity timelines walk the entity's events kept in timeline order (built on first use,
//! dropped when one of its events changes). Property: after any sequence of publishes (new
//! events, replacements that move an event in time or change who takes part), a one-entity
//! timeline read page by page, either way and within date bounds, is exactly the unfiltered
//! timeline with only that entity's events kept.

use newsline_query::domain::{
    Store,
    date::{DateBounds, PartialDate},
    filter::TimelineFilter,
    model::{Article, Batch, DateSpan, Event, EventKind, Participant},
};
use proptest::prelude::*;

const ENTITIES: [&str; 4] = ["person:a", "person:b", "country:c", "city:d"];

/// (event id, year, participants as a bit set over `ENTITIES`)
type Draft = (u64, i32, u8);

fn batch(sequence: u64, events: &[Draft]) -> Batch {
    let article = Article {
        id: "article:0000000000000001".into(),
        title: "t".into(),
        text: "Met.".into(),
        ..Article::default()
    };
    Batch {
        producer_id: "order".into(),
        sequence,
        articles: if sequence == 1 { vec![article] } else { vec![] },
        entities: Vec::new(),
        events: events
            .iter()
            .map(|&(id, year, who)| {
                let day = PartialDate::new(year, 1 + (id % 12) as i32, 1, "d").unwrap();
                Event {
                    id,
                    article_id: "article:0000000000000001".into(),
                    kind: EventKind::Meeting,
                    when: DateSpan {
                        start: day,
                        end: day,
                        ..DateSpan::default()
                    },
                    participants: (0..ENTITIES.len())
                        .filter(|i| who & (1 << i) != 0)
                        .map(|i| Participant {
                            entity_id: ENTITIES[i].into(),
                            name: ENTITIES[i].into(),
                            role: 0,
                        })
                        .collect(),
                    location_id: String::new(),
                    location_name: String::new(),
                    sentence: "Met.".into(),
                    sentence_start: 0,
                    sentence_end: 4,
                    amounts: Vec::new(),
                    planned: false,
                }
            })
            .collect(),
    }
}

/// Event ids of a whole timeline, read `page` events at a time.
fn read(store: &Store, filter: &TimelineFilter, descending: bool, page: usize) -> Vec<u64> {
    let plan = store.plan_timeline(filter);
    let mut after = None;
    let mut ids = Vec::new();
    loop {
        let got = store.timeline_page(filter, &plan, after, descending, None, page);
        ids.extend(got.events.iter().map(|(_, e)| e.id));
        if got.finished {
            return ids;
        }
        after = got.resume_after;
    }
}

fn expected(store: &Store, entity: &str, bounds: DateBounds, descending: bool) -> Vec<u64> {
    let all = TimelineFilter {
        bounds,
        ..TimelineFilter::default()
    };
    let plan = store.plan_timeline(&all);
    store
        .timeline_page(&all, &plan, None, descending, None, usize::MAX)
        .events
        .into_iter()
        .filter(|(_, e)| e.participants.iter().any(|p| p.entity_id == entity))
        .map(|(_, e)| e.id)
        .collect()
}

fn drafts() -> impl Strategy<Value = Vec<Draft>> {
    prop::collection::vec((1..60u64, 1990..2030i32, 0..16u8), 1..50)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn one_entity_timelines_are_the_filtered_whole_timeline(
        batches in prop::collection::vec(drafts(), 1..5),
        page in 1..7usize,
        from in prop::option::of(1995..2025i32),
    ) {
        let store = Store::new();
        for (i, events) in batches.iter().enumerate() {
            store.publish(batch(i as u64 + 1, events)).expect("valid");
            for entity in ENTITIES {
                for bounds in [
                    DateBounds::default(),
                    DateBounds::new(from.map(|y| PartialDate { year: y, month: 0, day: 0 }), None, "f.")
                        .expect("valid bounds"),
                ] {
                    let filter = TimelineFilter {
                        entity_ids: vec![entity.into()],
                        bounds,
                        ..TimelineFilter::default()
                    };
                    for descending in [false, true] {
                        prop_assert_eq!(
                            read(&store, &filter, descending, page),
                            expected(&store, entity, bounds, descending),
                            "{} descending {}", entity, descending
                        );
                    }
                }
            }
        }
    }
}
