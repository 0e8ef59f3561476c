//! In-process cost of the timeline read paths, without the network: encoding a whole timeline
//! (direct wire encoder against the conversion path through prost messages) and one-entity
//! timelines (plan plus pages). Best of several rounds, so a busy machine disturbs it less than
//! the end-to-end harness.
//!
//! The one-entity timelines are also timed each on its own, with the thread's CPU time, page faults
//! and context switches, so that a slow request shows whether the read path itself was slow or
//! the thread waited (another process on the core, a fault served by the kernel).
//!
//! `cargo bench -p query-service --bench read_paths -- [EVENTS] [entities]` (default 1,000,000
//! events; `entities`: only the one-entity timelines).

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
    generate(events, |batch| {
        store.publish(batch).expect("valid batch");
    });
    store
}

/// The synthetic store's batches, in order.
fn generate(events: usize, mut publish: impl FnMut(Batch)) {
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
            publish(Batch {
                producer_id: "read-paths".into(),
                sequence,
                articles: std::mem::take(&mut batch_articles),
                entities: Vec::new(),
                events: std::mem::take(&mut batch_events),
            });
        }
    }
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

#[repr(C)]
struct Timespec {
    seconds: i64,
    nanos: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// The CPU time this thread has used (ns): a request slower on the wall clock than on this one
/// waited for something (a core taken by another process, a page fault served by the kernel).
fn thread_cpu_nanos() -> u64 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec {
        seconds: 0,
        nanos: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the call's duration.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) } != 0 {
        return 0;
    }
    time.seconds as u64 * 1_000_000_000 + time.nanos as u64
}

/// This thread's minor page faults, and its voluntary (blocked) and involuntary (preempted)
/// context switches so far.
fn thread_events() -> [u64; 3] {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let faults = after_name
        .split_whitespace()
        .nth(7)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    let switches = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    [
        faults,
        switches("voluntary_ctxt_switches:"),
        switches("nonvoluntary_ctxt_switches:"),
    ]
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
    if std::env::args().any(|a| a == "server") {
        server_latency(events);
        return;
    }
    let started = Instant::now();
    let store = build(events);
    println!(
        "built {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // `entities` as an argument: only the one-entity timelines.
    if !std::env::args().any(|a| a == "entities") {
        whole_timeline(&store);
    }
    one_entity_timelines(&store, events);
}

fn whole_timeline(store: &Store) {
    let all = TimelineFilter::default();
    let (wire, count) = best(|| {
        let mut bytes = 0;
        let n = read_all(store, &all, TimelineWire::default(), |page| {
            bytes += page.iter().map(|e| e.0.len()).sum::<usize>();
        });
        (n, bytes)
    });
    let (converted, _) = best(|| {
        let mut bytes = 0;
        read_all(store, &all, OwnedTimelineItems::default(), |page| {
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
}

fn one_entity_timelines(store: &Store, events: usize) {
    // The harness's latency entities: the busiest with at most 1,000 events.
    // Counted without reading their timelines, so that the first timed read of each builds its
    // ordered list as the harness's first requests do.
    let counts: Vec<usize> = (0..ENTITIES)
        .map(|n| {
            store
                .entity(&entity_id(n))
                .map_or(0, |activity| activity.event_count as usize)
        })
        .collect();
    // As in the harness, the busiest entity's timeline is read first.
    let busiest = (0..ENTITIES).max_by_key(|&n| counts[n]).unwrap_or(0);
    read_all(
        store,
        &entity_filter(busiest),
        TimelineWire::default(),
        |_| {},
    );
    let mut small: Vec<usize> = (0..ENTITIES)
        .filter(|&n| (1..=1000).contains(&counts[n]))
        .collect();
    small.sort_by_key(|&n| std::cmp::Reverse(counts[n]));
    small.truncate(64);
    let mean_events = small.iter().map(|&n| counts[n]).sum::<usize>() / small.len().max(1);
    let mut times: Vec<Duration> = Vec::new();
    let mut samples: Vec<(Duration, Duration, usize, usize, [u64; 3])> = Vec::new();
    let mut cpu_times: Vec<Duration> = Vec::new();
    for round in 0..ROUNDS * 3 {
        for &n in &small {
            let (cpu_before, events_before) = (thread_cpu_nanos(), thread_events());
            let started = Instant::now();
            read_all(store, &entity_filter(n), TimelineWire::default(), |_| {});
            let wall = started.elapsed();
            let cpu = Duration::from_nanos(thread_cpu_nanos() - cpu_before);
            times.push(wall);
            cpu_times.push(cpu);
            let events_after = thread_events();
            let counted: [u64; 3] = std::array::from_fn(|i| events_after[i] - events_before[i]);
            samples.push((wall, cpu, round, n, counted));
        }
    }
    samples.sort();
    // The slowest requests, and whether they were slow on the CPU or waiting.
    for (wall, cpu, round, n, [faults, blocked, preempted]) in samples.iter().rev().take(8) {
        println!(
            "  slow: {:.3} ms wall, {:.3} ms on the CPU, {faults} page faults, {blocked} blocked, {preempted} preempted (round {round}, entity {n}, {} events)",
            wall.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3,
            counts[*n]
        );
    }
    cpu_times.sort();
    let cpu_quantile =
        |q: f64| cpu_times[((cpu_times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "one-entity timelines on the CPU: p50 {:.3} ms, p99 {:.3} ms",
        cpu_quantile(0.5),
        cpu_quantile(0.99)
    );
    times.sort();
    let quantile = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "one-entity timelines ({} entities, {mean_events} events on average): p50 {:.3} ms, p99 {:.3} ms",
        small.len(),
        quantile(0.5),
        quantile(0.99)
    );
    let (time, read) = best(|| {
        read_all(
            store,
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

/// The harness's filtered-timeline latency test against a real server in this process: the same
/// synthetic store published over gRPC, then one closed-loop client reading the 64 entity
/// timelines in turn over HTTP/2. Compared with the in-process figures, it shows what the
/// transport adds.
fn server_latency(events: usize) {
    use newsline_proto::v1::{
        query_service_client::QueryServiceClient,
        record_sink_service_client::RecordSinkServiceClient,
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(newsline_query::run(listener, std::future::pending()));
        newsline_query::healthcheck::wait_until_serving(&url, "", Duration::from_secs(20))
            .await
            .expect("the server starts");
        let channel = tonic::transport::Channel::from_shared(url.clone())
            .expect("a url")
            .connect()
            .await
            .expect("a connection");
        let mut sink = RecordSinkServiceClient::new(channel.clone());
        // Generated on a thread of its own while publishing, so that 10M events need not be
        // held twice.
        let (requests, generated) = tokio::sync::mpsc::channel::<pb::PublishRequest>(16);
        let generator = std::thread::spawn(move || {
            let mut batches = 0usize;
            generate(events, |batch| {
                batches += 1;
                let request = pb::PublishRequest {
                    producer_id: batch.producer_id,
                    sequence: batch.sequence,
                    articles: batch.articles.into_iter().map(Into::into).collect(),
                    entities: Vec::new(),
                    events: batch.events.into_iter().map(Into::into).collect(),
                };
                requests
                    .blocking_send(request)
                    .expect("the publisher listens");
            });
            batches
        });
        let started = Instant::now();
        let mut acks = sink
            .publish(tokio_stream::wrappers::ReceiverStream::new(generated))
            .await
            .expect("a publish stream")
            .into_inner();
        let mut acked = 0;
        while acks.message().await.expect("an ack").is_some() {
            acked += 1;
        }
        let expected = generator.join().expect("the generator finishes");
        assert_eq!(acked, expected, "every batch acknowledged");
        println!(
            "published {events} events in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let mut client = QueryServiceClient::new(channel).max_decoding_message_size(64 << 20);
        let mut read = async |n: usize| {
            let mut stream = client
                .stream_timeline(pb::StreamTimelineRequest {
                    filter: Some(pb::TimelineFilter {
                        entity_ids: vec![entity_id(n)],
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
                .expect("a stream")
                .into_inner();
            let mut items = 0usize;
            while stream.message().await.expect("an item").is_some() {
                items += 1;
            }
            items
        };
        let mut counts = vec![0usize; ENTITIES];
        let mut chosen: Vec<usize> = Vec::new();
        // The busiest entities first, as the harness streams its busiest before the test.
        for (n, count) in counts.iter_mut().enumerate().take(4000) {
            *count = read(n).await;
        }
        let mut small: Vec<usize> = (0..4000)
            .filter(|&n| (1..=1000).contains(&counts[n]))
            .collect();
        small.sort_by_key(|&n| std::cmp::Reverse(counts[n]));
        small.truncate(64);
        chosen.extend(small);
        let seconds: f64 = std::env::var("READ_PATHS_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10.0);
        println!("latency test: pid {}, {seconds} s", std::process::id());
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        let mut samples: Vec<(Duration, usize)> = Vec::new();
        let mut next = 0;
        while Instant::now() < deadline {
            let n = chosen[next % chosen.len()];
            next += 1;
            let started = Instant::now();
            read(n).await;
            samples.push((started.elapsed(), n));
        }
        let mut times: Vec<Duration> = samples.iter().map(|s| s.0).collect();
        times.sort();
        let quantile = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        println!(
            "server, one client: {} requests, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            times.len(),
            quantile(0.5),
            quantile(0.99),
            quantile(1.0)
        );
        let slow: Vec<String> = samples
            .iter()
            .enumerate()
            .filter(|(_, (time, _))| time.as_secs_f64() * 1e3 > quantile(0.99))
            .map(|(i, (time, n))| format!("#{i} entity {n} {:.1} ms", time.as_secs_f64() * 1e3))
            .collect();
        println!("  above p99: {}", slow.join(", "));
    });
}
