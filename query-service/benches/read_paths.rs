//! In-process cost of the timeline read paths, without the network: encoding a whole timeline
//! (direct wire encoder against the conversion path through prost messages) and one-entity
//! timelines (plan plus pages). Best of several rounds, so a busy machine disturbs it less than
//! the end-to-end harness.
//!
//! `cargo bench -p query-service --bench read_paths -- [EVENTS]` (default 1,000,000).

use std::time::{Duration, Instant};

use newsline_proto::v1 as pb;
use newsline_query::{
    domain::{
        Store,
        date::PartialDate,
        filter::TimelineFilter,
        model::{Amount, Article, Batch, DateSpan, Event, EventKind, Participant},
        store::TimelinePlan,
        stream::{OwnedTimelineItems, PAGE_SIZE, TimelineEncoder},
    },
    transport::wire::TimelineWire,
};
use prost::Message;

const EVENTS_PER_ARTICLE: usize = 30;
const ENTITIES: usize = 25_000;
const ROUNDS: usize = 3;

const WORDS: &[&str] = &[
    "president",
    "met",
    "minister",
    "talks",
    "trade",
    "agreement",
    "visit",
    "capital",
    "summit",
    "delegation",
    "signed",
    "discussed",
    "cooperation",
    "energy",
    "security",
    "Hà Nội",
    "Zürich",
    "Erdoğan",
    "Москва",
    "the",
    "in",
    "on",
    "with",
    "and",
];

fn sentence(rng: &mut fastrand::Rng, ascii: bool) -> String {
    let mut text = String::new();
    for i in 0..rng.usize(14..26) {
        let word = loop {
            let word = WORDS[rng.usize(..WORDS.len())];
            if !ascii || word.is_ascii() {
                break word;
            }
        };
        if i > 0 {
            text.push(' ');
        }
        text.push_str(word);
    }
    text.push('.');
    text
}

/// Popular entities take part far more often, as countries do in the corpus.
fn entity(rng: &mut fastrand::Rng) -> usize {
    let x = rng.f64();
    ((x * x * x * x) * ENTITIES as f64) as usize
}

fn entity_id(n: usize) -> String {
    format!("person:p{n}")
}

fn build(events: usize) -> Store {
    let store = Store::new();
    let mut rng = fastrand::Rng::with_seed(20151118);
    let mut next_event = 0u64;
    let articles = events.div_ceil(EVENTS_PER_ARTICLE);
    let mut batch_articles = Vec::new();
    let mut batch_events = Vec::new();
    let mut sequence = 0;
    for a in 0..articles {
        let ascii = rng.u8(..5) != 0;
        let sentences: Vec<String> = (0..EVENTS_PER_ARTICLE)
            .map(|_| sentence(&mut rng, ascii))
            .collect();
        let article_id = format!("article:{a:016x}");
        let mut offset = 0u32;
        for text in &sentences {
            let chars = text.chars().count() as u32;
            let year = rng.i32(1990..2025);
            let day = PartialDate::new(year, rng.i32(1..13), rng.i32(0..29), "d").unwrap();
            let mut participants: Vec<Participant> = (0..rng.usize(1..4))
                .map(|_| {
                    let n = entity(&mut rng);
                    Participant {
                        entity_id: entity_id(n),
                        name: format!("Person Number {n}"),
                        role: rng.u8(0..6),
                    }
                })
                .collect();
            participants.dedup_by(|a, b| a.entity_id == b.entity_id);
            let location = (rng.bool()).then(|| entity(&mut rng));
            batch_events.push(Event {
                id: next_event.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                article_id: article_id.clone(),
                kind: EventKind::ALL[rng.usize(..10)],
                when: DateSpan {
                    start: day,
                    end: day,
                    year_inferred: rng.bool(),
                    year_source: rng.u8(0..6),
                    text: text.chars().take(12).collect(),
                },
                participants,
                location_id: location.map_or(String::new(), |n| format!("city:c{n}")),
                location_name: location.map_or(String::new(), |n| format!("City {n}")),
                sentence: text.clone(),
                sentence_start: offset,
                sentence_end: offset + chars,
                amounts: if rng.u8(..10) == 0 {
                    vec![Amount {
                        value: 1.5e9,
                        currency: "USD".into(),
                        metric: 1,
                        period: None,
                        text: "$1.5 billion".into(),
                    }]
                } else {
                    Vec::new()
                },
                planned: rng.u8(..8) == 0,
            });
            next_event += 1;
            offset += chars + 1;
        }
        batch_articles.push(Article {
            id: article_id,
            title: format!("Article {a}"),
            text: sentences.join(" "),
            reference_year: 2024,
            ..Article::default()
        });
        if batch_events.len() >= 1000 || a + 1 == articles {
            sequence += 1;
            store
                .publish(Batch {
                    producer_id: "read-paths".into(),
                    sequence,
                    articles: std::mem::take(&mut batch_articles),
                    entities: Vec::new(),
                    events: std::mem::take(&mut batch_events),
                })
                .expect("valid batch");
        }
    }
    store
}

/// Reads a whole timeline page by page through `encoder`, handing each page to `sink`; events.
fn read_all<E: TimelineEncoder>(
    store: &Store,
    filter: &TimelineFilter,
    mut encoder: E,
    mut sink: impl FnMut(Vec<E::Item>),
) -> usize {
    let plan: TimelinePlan = store.plan_timeline(filter);
    let mut after = None;
    let mut total = 0;
    loop {
        let page = store.timeline_page_with(
            filter,
            &plan,
            after,
            false,
            None,
            PAGE_SIZE,
            |cursor, event| encoder.push(cursor, event),
        );
        total += page.events.len();
        sink(encoder.finish_page());
        if page.finished {
            return total;
        }
        after = page.resume_after;
    }
}

fn best<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let value = run();
        best = best.min(started.elapsed());
        out = Some(value);
    }
    (best, out.expect("rounds > 0"))
}

fn entity_filter(n: usize) -> TimelineFilter {
    TimelineFilter {
        entity_ids: vec![entity_id(n)],
        ..TimelineFilter::default()
    }
}

fn main() {
    let events: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let store = build(events);
    println!(
        "built {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let all = TimelineFilter::default();
    let (wire, count) = best(|| {
        let mut bytes = 0;
        let n = read_all(&store, &all, TimelineWire::default(), |page| {
            bytes += page.iter().map(|e| e.0.len()).sum::<usize>();
        });
        (n, bytes)
    });
    let (converted, _) = best(|| {
        let mut bytes = 0;
        read_all(&store, &all, OwnedTimelineItems::default(), |page| {
            for item in page {
                bytes += pb::StreamTimelineResponse::from(item).encode_to_vec().len();
            }
        });
        bytes
    });
    let rate = |d: Duration| count.0 as f64 / d.as_secs_f64();
    println!(
        "whole timeline: direct wire encoder {:.0} events/s, conversion path (Event, prost message, encode) {:.0} events/s: {:.2}x ({} bytes)",
        rate(wire),
        rate(converted),
        rate(wire) / rate(converted),
        count.1,
    );

    // The harness's latency entities: the busiest with at most 1,000 events.
    let mut counts = vec![0usize; ENTITIES];
    let probe = |n: usize| read_all(&store, &entity_filter(n), TimelineWire::default(), |_| {});
    for (n, count) in counts.iter_mut().enumerate() {
        *count = probe(n);
    }
    let mut small: Vec<usize> = (0..ENTITIES)
        .filter(|&n| (1..=1000).contains(&counts[n]))
        .collect();
    small.sort_by_key(|&n| std::cmp::Reverse(counts[n]));
    small.truncate(64);
    let mean_events = small.iter().map(|&n| counts[n]).sum::<usize>() / small.len().max(1);
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..ROUNDS * 3 {
        for &n in &small {
            let started = Instant::now();
            read_all(&store, &entity_filter(n), TimelineWire::default(), |_| {});
            times.push(started.elapsed());
        }
    }
    times.sort();
    let quantile = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "one-entity timelines ({} entities, {mean_events} events on average): p50 {:.3} ms, p99 {:.3} ms",
        small.len(),
        quantile(0.5),
        quantile(0.99)
    );
    let busiest = (0..ENTITIES).max_by_key(|&n| counts[n]).unwrap_or(0);
    let (time, read) = best(|| {
        read_all(
            &store,
            &entity_filter(busiest),
            TimelineWire::default(),
            |_| {},
        )
    });
    println!(
        "busiest entity ({read} events): {:.0} events/s",
        read as f64 / time.as_secs_f64()
    );
    println!(
        "store approx memory: {} B/event",
        store.stats().approx_memory_bytes / events as u64
    );
}
