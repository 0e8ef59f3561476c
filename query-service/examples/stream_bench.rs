//! End-to-end timeline throughput: starts a real server on loopback, publishes synthetic events
//! through `RecordSinkService/Publish`, then times one `StreamTimeline` over all of them.
//!
//! `cargo run --release -p query-service --example stream_bench -- [EVENTS]` (default 1,000,000).

use std::time::{Duration, Instant};

use newsline_proto::v1::{
    self as pb, query_service_client::QueryServiceClient,
    record_sink_service_client::RecordSinkServiceClient,
};

const EVENTS_PER_ARTICLE: u64 = 30;
const ARTICLES_PER_BATCH: u64 = 200;
const PEOPLE: u64 = 5000;
const PLACES: u64 = 500;

fn sentence(n: u64) -> String {
    format!(
        "On {} March the president met minister number {} in the capital to discuss trade.",
        n % 28 + 1,
        n % 997
    )
}

fn batch(sequence: u64, first_article: u64, last_article: u64, events: u64) -> pb::PublishRequest {
    let mut request = pb::PublishRequest {
        producer_id: "stream-bench".into(),
        sequence,
        ..Default::default()
    };
    if sequence == 1 {
        request.entities = (0..PEOPLE)
            .map(|p| pb::Entity {
                id: format!("person:person-{p}"),
                kind: pb::EntityKind::Person as i32,
                name: format!("Person Number {p}"),
                ..Default::default()
            })
            .chain((0..PLACES).map(|c| pb::Entity {
                id: format!("city:city-{c}"),
                kind: pb::EntityKind::City as i32,
                name: format!("City {c}"),
                ..Default::default()
            }))
            .collect();
    }
    for a in first_article..last_article {
        let article_id = format!("article:{a:016x}");
        let sentences: Vec<String> = (0..EVENTS_PER_ARTICLE)
            .map(|i| sentence(a * EVENTS_PER_ARTICLE + i))
            .collect();
        request.articles.push(pb::Article {
            id: article_id.clone(),
            title: format!("Digest {a}"),
            text: sentences.join(" "),
            reference_year: 2015,
            ..Default::default()
        });
        let mut offset = 0u32;
        for (i, s) in sentences.iter().enumerate() {
            let n = a * EVENTS_PER_ARTICLE + i as u64;
            if n >= events {
                break;
            }
            let day = pb::CalendarDate {
                year: 2000 + (n % 20) as i32,
                month: (n % 12 + 1) as i32,
                day: (n % 28 + 1) as i32,
            };
            request.events.push(pb::Event {
                id: format!("event:{:016x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                article_id: article_id.clone(),
                kind: (n % 10 + 1) as i32,
                when: Some(pb::DateRange {
                    start: Some(day),
                    end: Some(day),
                    year_source: pb::YearSource::Explicit as i32,
                    text: format!("On {} March", n % 28 + 1),
                    ..Default::default()
                }),
                participants: (0..(2 + n % 2))
                    .map(|k| pb::Participant {
                        entity_id: format!("person:person-{}", (n * 7 + k * 131) % PEOPLE),
                        role: pb::ParticipantRole::Party as i32,
                        ..Default::default()
                    })
                    .collect(),
                location_id: format!("city:city-{}", n % PLACES),
                sentence: s.clone(),
                sentence_start: offset,
                sentence_end: offset + s.len() as u32,
                ..Default::default()
            });
            offset += s.len() as u32 + 1;
        }
    }
    request
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsline_query::run(listener, async {
        let _ = stopped.await;
    }));
    newsline_query::healthcheck::wait_until_serving(&addr, "", Duration::from_secs(30)).await?;

    let articles = events.div_ceil(EVENTS_PER_ARTICLE);
    let batches: Vec<pb::PublishRequest> = (0..articles.div_ceil(ARTICLES_PER_BATCH))
        .map(|b| {
            let first = b * ARTICLES_PER_BATCH;
            batch(
                b + 1,
                first,
                (first + ARTICLES_PER_BATCH).min(articles),
                events,
            )
        })
        .collect();
    let started = Instant::now();
    let mut sink = RecordSinkServiceClient::connect(addr.clone())
        .await?
        .max_encoding_message_size(64 << 20);
    let mut acks = sink
        .publish(tokio_stream::iter(batches))
        .await?
        .into_inner();
    let mut last = None;
    while let Some(ack) = acks.message().await? {
        last = Some(ack);
    }
    let publish = started.elapsed();
    println!(
        "published {events} events in {:.2} s ({:.0} events/s), revision {}",
        publish.as_secs_f64(),
        events as f64 / publish.as_secs_f64(),
        last.map_or(0, |a| a.revision)
    );

    // Large HTTP/2 windows, as a bulk reader would configure them.
    let channel = tonic::transport::Endpoint::from_shared(addr.clone())?
        .initial_stream_window_size(8 << 20)
        .initial_connection_window_size(16 << 20)
        .connect()
        .await?;
    let mut query = QueryServiceClient::new(channel);
    let stats = query.get_stats(pb::GetStatsRequest {}).await?.into_inner();
    println!(
        "store: {} events, approx {:.1} MiB ({:.0} B/event incl. articles)",
        stats.events,
        stats.approx_memory_bytes as f64 / 1048576.0,
        stats.approx_memory_bytes as f64 / stats.events as f64
    );
    for round in 1..=2 {
        let started = Instant::now();
        let mut stream = query
            .stream_timeline(pb::StreamTimelineRequest::default())
            .await?
            .into_inner();
        let mut received = 0u64;
        let mut bytes = 0usize;
        while let Some(item) = stream.message().await? {
            received += 1;
            bytes += prost::Message::encoded_len(&item);
        }
        let elapsed = started.elapsed();
        println!(
            "StreamTimeline round {round}: {received} events in {:.2} s ({:.0} events/s, {:.1} MiB/s of messages)",
            elapsed.as_secs_f64(),
            received as f64 / elapsed.as_secs_f64(),
            bytes as f64 / 1048576.0 / elapsed.as_secs_f64()
        );
    }
    let mut latencies = Vec::new();
    let mut filtered_items = 0u64;
    for i in 0..50 {
        let started = Instant::now();
        let mut stream = query
            .stream_timeline(pb::StreamTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    entity_ids: vec![format!("person:person-{}", i * 97 % PEOPLE)],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await?
            .into_inner();
        while stream.message().await?.is_some() {
            filtered_items += 1;
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "one-entity timelines: {} events each on average, p50 {:.2} ms, max {:.2} ms",
        filtered_items / 50,
        latencies[25].as_secs_f64() * 1000.0,
        latencies[49].as_secs_f64() * 1000.0
    );
    let _ = stop.send(());
    server.await??;
    Ok(())
}
