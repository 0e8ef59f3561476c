//! The direct wire encoder of timeline responses against the conversion path: for generated
//! corpus-like stores (non-ASCII sentences, sentences not in their article, interned date texts,
//! amounts with and without periods, planned events, empty locations, every kind and role, more
//! participants than fit inline), every encoded response decodes with prost to exactly the
//! `StreamTimelineResponse` the conversion path builds, and is byte for byte what prost encodes;
//! the same for every `WatchTimelineResponse` (events with each flag, caught-up, heartbeats).

use newsline_proto::v1 as pb;
use newsline_query::{
    domain::{
        Store,
        cursor::Cursor,
        date::PartialDate,
        filter::TimelineFilter,
        model::{Amount, Article, Batch, DateSpan, Event, EventKind, Participant},
        stream::{OwnedWatchItems, TimelineItem, WatchEncoder},
        view::EventView,
    },
    transport::wire::{self, WatchWire},
};
use proptest::prelude::*;
use prost::{Message, bytes::BytesMut};

const SENTENCES: &[&str] = &[
    "Putin met Xi in Moscow on 18 November.",
    "Nguyễn Phú Trọng hosted Xi Jinping in Hà Nội on 12 December 2023.",
    "Лавров встретился с Ван И 5 марта.",
    "Erdoğan and Scholz signed a €3.2 billion deal 🤝 in 2024.",
    "The ministers will meet again next year.",
    "Trade between the two countries reached $1.5 billion in 2022.",
];

const ENTITIES: &[(&str, &str)] = &[
    ("person:putin", "Vladimir Putin"),
    ("person:xi", "Xi Jinping"),
    ("person:trong", "Nguyễn Phú Trọng"),
    ("country:ru", "Russia"),
    ("country:cn", "China"),
    ("city:hanoi", "Hà Nội"),
    ("organization:un", "United Nations"),
];

/// Articles made of chosen sentences; each event points at one of its article's sentences.
#[derive(Clone, Debug)]
struct Draft {
    articles: Vec<Vec<usize>>,
    events: Vec<EventDraft>,
}

#[derive(Clone, Debug)]
struct EventDraft {
    article: usize,
    sentence: usize,
    /// 0: the sentence where the article has it; 1: a sentence the article lacks; 2: right text,
    /// wrong code point end.
    placement: u8,
    kind: usize,
    start: (i32, i32, i32),
    days_later: i32,
    year_inferred: bool,
    year_source: u8,
    /// 0: none; 1: a part of the sentence; 2: a text not in it.
    date_text: u8,
    participants: Vec<(usize, u8)>,
    location: Option<usize>,
    amounts: Vec<(f64, usize, i32, bool)>,
    planned: bool,
}

fn event_draft(articles: usize) -> impl Strategy<Value = EventDraft> {
    (
        (
            0..articles,
            0..8usize,
            prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
        ),
        (
            0..10usize,
            (-3000..3000i32, 0..=12i32, 0..=28i32),
            0..400i32,
        ),
        (any::<bool>(), 0..=5u8, 0..3u8),
        prop::collection::vec((0..ENTITIES.len(), 0..=5u8), 0..6),
        prop::option::of(0..ENTITIES.len()),
        prop::collection::vec(
            (
                prop_oneof![Just(0.0), Just(-0.0), Just(1.5e9), Just(-3.25), Just(42.0)],
                0..3usize,
                0..4i32,
                any::<bool>(),
            ),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(
                (article, sentence, placement),
                (kind, start, days_later),
                (year_inferred, year_source, date_text),
                participants,
                location,
                amounts,
                planned,
            )| EventDraft {
                article,
                sentence,
                placement,
                kind,
                start,
                days_later,
                year_inferred,
                year_source,
                date_text,
                participants,
                location,
                amounts,
                planned,
            },
        )
}

fn draft() -> impl Strategy<Value = Draft> {
    prop::collection::vec(prop::collection::vec(0..SENTENCES.len(), 1..6), 1..4).prop_flat_map(
        |articles| {
            let count = articles.len();
            (
                Just(articles),
                prop::collection::vec(event_draft(count), 1..40),
            )
                .prop_map(|(articles, events)| Draft { articles, events })
        },
    )
}

fn date(year: i32, month: i32, day: i32) -> PartialDate {
    PartialDate::new(year, month, day, "test").expect("in range")
}

fn batch(draft: &Draft) -> Batch {
    let articles: Vec<Article> = draft
        .articles
        .iter()
        .enumerate()
        .map(|(i, sentences)| Article {
            id: format!("article:{i:016x}"),
            title: format!("Article {i}"),
            text: sentences
                .iter()
                .map(|&s| SENTENCES[s])
                .collect::<Vec<_>>()
                .join(" "),
            reference_year: 2024,
            ..Article::default()
        })
        .collect();
    let events = draft
        .events
        .iter()
        .enumerate()
        .map(|(n, e)| {
            let sentences = &draft.articles[e.article];
            let index = e.sentence % sentences.len();
            let before: usize = sentences[..index]
                .iter()
                .map(|&s| SENTENCES[s].chars().count() + 1)
                .sum();
            let mut sentence = SENTENCES[sentences[index]].to_owned();
            let mut sentence_end = before + sentence.chars().count();
            match e.placement {
                1 => sentence = format!("Not in the article: {sentence}"),
                2 => sentence_end += 1,
                _ => {}
            }
            let date_text = match e.date_text {
                1 => sentence.chars().take(7).collect(),
                2 => "sometime in spring".to_owned(),
                _ => String::new(),
            };
            let (year, month, day) = e.start;
            let start = date(year, month, day);
            let end = if e.days_later == 0 || month == 0 {
                start
            } else {
                date(year + e.days_later / 100, month, day)
            };
            Event {
                id: 0x1234_5678_0000_0000 + n as u64 * 7919,
                article_id: articles[e.article].id.clone(),
                kind: EventKind::ALL[e.kind],
                when: DateSpan {
                    start,
                    end,
                    year_inferred: e.year_inferred,
                    year_source: e.year_source,
                    text: date_text,
                },
                participants: e
                    .participants
                    .iter()
                    .map(|&(entity, role)| Participant {
                        entity_id: ENTITIES[entity].0.into(),
                        name: ENTITIES[entity].1.into(),
                        role,
                    })
                    .collect(),
                location_id: e.location.map_or(String::new(), |l| ENTITIES[l].0.into()),
                location_name: e.location.map_or(String::new(), |l| ENTITIES[l].1.into()),
                sentence,
                sentence_start: before as u32,
                sentence_end: sentence_end as u32,
                amounts: e
                    .amounts
                    .iter()
                    .map(|&(value, currency, metric, period)| Amount {
                        value,
                        currency: ["", "USD", "EUR"][currency].into(),
                        metric,
                        period: period.then(|| DateSpan {
                            start: date(2022, 0, 0),
                            end: date(2022, 12, 0),
                            year_inferred: true,
                            year_source: 2,
                            text: "in 2022".into(),
                        }),
                        text: if value == 0.0 {
                            String::new()
                        } else {
                            format!("{value} billion")
                        },
                    })
                    .collect(),
                planned: e.planned,
            }
        })
        .collect();
    Batch {
        producer_id: "wire-test".into(),
        sequence: 1,
        articles,
        entities: Vec::new(),
        events,
    }
}

fn assert_same(encoded: &wire::Encoded, expected: pb::WatchTimelineResponse) {
    let decoded = pb::WatchTimelineResponse::decode(encoded.0.as_ref()).expect("decodes");
    assert_eq!(decoded, expected);
    assert_eq!(encoded.0.as_ref(), expected.encode_to_vec().as_slice());
}

/// The watch messages of an event at `cursor`, both ways, with every flag combination and
/// with the cursor at revision 0 (a field left out) and not.
fn check_watch_messages(cursor: &Cursor, view: &EventView<'_>) {
    let (mut wire, mut owned) = (WatchWire, OwnedWatchItems);
    for cursor in [
        *cursor,
        Cursor {
            revision: 0,
            ..*cursor
        },
        Cursor::default(),
    ] {
        for (backdated, replayed) in [(false, false), (true, false), (false, true), (true, true)] {
            assert_same(
                &wire.event(view, &cursor, backdated, replayed),
                owned.event(view, &cursor, backdated, replayed).into(),
            );
        }
        assert_same(&wire.caught_up(&cursor), owned.caught_up(&cursor).into());
        assert_same(&wire.heartbeat(&cursor), owned.heartbeat(&cursor).into());
    }
}

/// Streams every event of `filter` both ways and compares each response.
fn compare(store: &Store, filter: &TimelineFilter, descending: bool) -> usize {
    let plan = store.plan_timeline(filter);
    let page = store.timeline_page_with(
        filter,
        &plan,
        None,
        descending,
        None,
        usize::MAX,
        |cursor, view| {
            check_watch_messages(&cursor, view);
            let mut buf = BytesMut::new();
            wire::put_timeline_response(&cursor, view, &mut buf);
            let converted = pb::StreamTimelineResponse::from(TimelineItem {
                event: view.to_event(),
                cursor: cursor.encode(),
            });
            (buf.freeze(), converted)
        },
    );
    // The owned path the unary reads and watches use must agree with the views too.
    let owned = store.timeline_page(filter, &plan, None, descending, None, usize::MAX);
    assert_eq!(owned.events.len(), page.events.len());
    for ((key, (bytes, expected)), (owned_key, owned_event)) in
        page.events.iter().zip(&owned.events)
    {
        assert_eq!(key, owned_key);
        assert_eq!(
            expected.event,
            Some(pb::Event::from(owned_event.clone())),
            "view and owned event differ"
        );
        let decoded = pb::StreamTimelineResponse::decode(bytes.as_ref()).expect("decodes");
        assert_eq!(&decoded, expected);
        assert_eq!(bytes.as_ref(), expected.encode_to_vec().as_slice());
    }
    page.events.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn encoded_timelines_decode_to_the_converted_responses(draft in draft()) {
        let store = Store::new();
        let batch = batch(&draft);
        let stored = batch.events.len();
        store.publish(batch).expect("a valid batch");
        let all = compare(&store, &TimelineFilter::default(), false);
        prop_assert_eq!(all, stored);
        compare(&store, &TimelineFilter::default(), true);
        let by_entity = TimelineFilter {
            entity_ids: vec![ENTITIES[0].0.into(), ENTITIES[5].0.into()],
            ..TimelineFilter::default()
        };
        compare(&store, &by_entity, false);
    }
}

#[test]
fn the_encoder_notices_a_differing_field() {
    // The comparison above can fail: a response with a changed field is told apart.
    let store = Store::new();
    let draft = Draft {
        articles: vec![vec![1, 2]],
        events: vec![EventDraft {
            article: 0,
            sentence: 1,
            placement: 0,
            kind: 3,
            start: (2024, 3, 5),
            days_later: 0,
            year_inferred: false,
            year_source: 1,
            date_text: 1,
            participants: vec![(2, 1), (1, 2)],
            location: Some(5),
            amounts: vec![(1.5e9, 1, 1, true)],
            planned: true,
        }],
    };
    store.publish(batch(&draft)).expect("a valid batch");
    let filter = TimelineFilter::default();
    let plan = store.plan_timeline(&filter);
    let page = store.timeline_page_with(&filter, &plan, None, false, None, 10, |cursor, view| {
        let mut buf = BytesMut::new();
        wire::put_timeline_response(&cursor, view, &mut buf);
        let mut converted = pb::StreamTimelineResponse::from(TimelineItem {
            event: view.to_event(),
            cursor: cursor.encode(),
        });
        assert_eq!(
            pb::StreamTimelineResponse::decode(buf.as_ref()).expect("decodes"),
            converted
        );
        let event = converted.event.as_mut().expect("set");
        assert!(event.sentence.contains("Лавров"));
        assert_eq!(event.participants.len(), 2);
        event.sentence_end += 1;
        pb::StreamTimelineResponse::decode(buf.as_ref()).expect("decodes") != converted
    });
    assert_eq!(page.events.len(), 1);
    assert!(page.events[0].1);
}
