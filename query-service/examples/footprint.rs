//! Measures the store's memory per event and the in-process cost of reading a whole timeline.
//!
//! `cargo run --release -p query-service --example footprint -- [EVENTS]` (default 1,000,000).
//! Heap bytes are counted by a wrapping global allocator; the figure per event covers the compact
//! event, its participants and every index, but not the article texts it points into (those are
//! measured separately, as they belong to articles).

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicIsize, Ordering},
    time::Instant,
};

use newsline_query::domain::{
    Store,
    date::PartialDate,
    filter::TimelineFilter,
    model::{Article, Batch, DateSpan, Entity, EntityKind, Event, EventKind, Participant},
    store::TimelinePlan,
    stream::PAGE_SIZE,
};

struct Counting;

static HEAP: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HEAP.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const EVENTS_PER_ARTICLE: u64 = 30;
const PEOPLE: u64 = 5000;
const PLACES: u64 = 500;

fn sentence(n: u64) -> String {
    format!(
        "On {} March the president met minister number {} in the capital to discuss trade.",
        n % 28 + 1,
        n % 997
    )
}

fn main() {
    let events: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let articles = events.div_ceil(EVENTS_PER_ARTICLE);
    let store = Store::new();
    let mut sequence = 0;
    let mut next_batch = |articles: Vec<Article>, entities: Vec<Entity>, events: Vec<Event>| {
        sequence += 1;
        store
            .publish(Batch {
                producer_id: "footprint".into(),
                sequence,
                articles,
                entities,
                events,
            })
            .expect("synthetic batches are valid");
    };

    let entities: Vec<Entity> = (0..PEOPLE)
        .map(|p| Entity {
            id: format!("person:person-{p}"),
            kind: EntityKind::Person,
            name: format!("Person Number {p}"),
            aliases: vec![format!("Number {p}")],
            roles: Vec::new(),
            country_code: String::new(),
        })
        .chain((0..PLACES).map(|c| Entity {
            id: format!("city:city-{c}"),
            kind: EntityKind::City,
            name: format!("City {c}"),
            aliases: Vec::new(),
            roles: Vec::new(),
            country_code: String::new(),
        }))
        .collect();
    next_batch(Vec::new(), entities, Vec::new());

    let article_text = |a: u64| -> String {
        (0..EVENTS_PER_ARTICLE)
            .map(|i| sentence(a * EVENTS_PER_ARTICLE + i))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let article = |a: u64| Article {
        id: format!("article:{a:016x}"),
        title: format!("Digest {a}"),
        series: "Digest".into(),
        text: article_text(a),
        reference_year: 2015,
        ..Article::default()
    };
    for chunk in (0..articles).collect::<Vec<_>>().chunks(1000) {
        next_batch(
            chunk.iter().map(|&a| article(a)).collect(),
            Vec::new(),
            Vec::new(),
        );
    }
    let before_events = HEAP.load(Ordering::Relaxed);

    let started = Instant::now();
    for chunk in (0..articles).collect::<Vec<_>>().chunks(500) {
        let mut batch_events = Vec::new();
        for &a in chunk {
            let text = article_text(a);
            let mut offset = 0u32;
            for i in 0..EVENTS_PER_ARTICLE {
                let n = a * EVENTS_PER_ARTICLE + i;
                if n >= events {
                    break;
                }
                let s = sentence(n);
                debug_assert_eq!(&text[offset as usize..offset as usize + s.len()], s);
                let day = PartialDate::new(
                    2000 + (n % 20) as i32,
                    (n % 12 + 1) as i32,
                    (n % 28 + 1) as i32,
                    "d",
                )
                .expect("valid date");
                let participants = (0..(2 + n % 2))
                    .map(|k| Participant {
                        entity_id: format!("person:person-{}", (n * 7 + k * 131) % PEOPLE),
                        name: String::new(),
                        role: 3,
                    })
                    .collect();
                batch_events.push(Event {
                    id: n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    article_id: format!("article:{a:016x}"),
                    kind: EventKind::ALL[(n % 10) as usize],
                    when: DateSpan {
                        start: day,
                        end: day,
                        year_inferred: false,
                        year_source: 1,
                        text: format!("On {} March", n % 28 + 1),
                    },
                    participants,
                    location_id: format!("city:city-{}", n % PLACES),
                    location_name: String::new(),
                    sentence_start: offset,
                    sentence_end: offset + s.len() as u32,
                    sentence: s.clone(),
                    amounts: Vec::new(),
                    planned: false,
                });
                offset += s.len() as u32 + 1;
            }
        }
        next_batch(Vec::new(), Vec::new(), batch_events);
    }
    let publish_time = started.elapsed();
    let after_events = HEAP.load(Ordering::Relaxed);
    let stats = store.stats();
    let per_event = (after_events - before_events) as f64 / stats.events as f64;
    println!("events stored:            {}", stats.events);
    println!(
        "articles / entities:      {} / {}",
        stats.articles, stats.entities
    );
    println!(
        "heap before events:       {:.1} MiB (articles, entities)",
        before_events as f64 / 1048576.0
    );
    println!(
        "heap after events:        {:.1} MiB",
        after_events as f64 / 1048576.0
    );
    println!(
        "heap per event:           {per_event:.1} bytes (event, participants, all indexes, change log)"
    );
    println!(
        "approx_memory_bytes:      {:.1} MiB (the store's own estimate)",
        stats.approx_memory_bytes as f64 / 1048576.0
    );
    println!(
        "publish:                  {:.2} s ({:.0} events/s, batches of ~15000)",
        publish_time.as_secs_f64(),
        stats.events as f64 / publish_time.as_secs_f64()
    );

    let filter = TimelineFilter::default();
    let started = Instant::now();
    let mut after = None;
    let mut read = 0usize;
    loop {
        let page = store.timeline_page(&filter, &TimelinePlan::Scan, after, false, None, PAGE_SIZE);
        read += page.events.len();
        if page.finished {
            break;
        }
        after = page.resume_after;
    }
    let elapsed = started.elapsed();
    println!(
        "full timeline read:       {read} events in {:.2} s ({:.0} events/s, in process, no encoding)",
        elapsed.as_secs_f64(),
        read as f64 / elapsed.as_secs_f64()
    );
}
