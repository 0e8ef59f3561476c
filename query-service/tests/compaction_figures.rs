//! Restart time and data-folder size with and without log compaction, for docs/robustness.md.
//! Not part of the normal run (it measures, it asserts no speed):
//!
//! ```text
//! cargo build --release -p query-service
//! NEWSLINE_QUERY_BIN=target/release/query-service \
//!   cargo test -p query-service --test compaction_figures -- --ignored --nocapture
//! ```
//!
//! The workload: `FIGURES_BATCHES` (default 2000) batches of `PER_BATCH` articles with `EVENTS`
//! events each; four in five of every batch's articles are republished (with changed events), so
//! the log holds about five times the live events.

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use newsline_proto::v1::{self as pb, record_sink_service_client::RecordSinkServiceClient};

const PER_BATCH: u64 = 20;
/// One article in this many is new; the rest are republished.
const NEW_EVERY: u64 = 5;
const EVENTS: u64 = 8;
const PATIENCE: Duration = Duration::from_secs(300);

fn binary() -> String {
    std::env::var("NEWSLINE_QUERY_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_query-service").to_string())
}

fn spawn(data_dir: &Path, compact_after_bytes: u64, log: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let child = Command::new(binary())
        .args(["serve", "--listen", &listen.to_string(), "--data-dir"])
        .arg(data_dir)
        .args(["--compact-after-bytes", &compact_after_bytes.to_string()])
        .env("RUST_LOG", "info")
        .env_remove("NEWSLINE_TOKEN")
        .env_remove("NEWSLINE_READ_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    (child, format!("http://{listen}"))
}

fn article_text(id: u64, version: u64) -> String {
    let sentences: Vec<String> = (0..EVENTS)
        .map(|i| {
            format!(
                "In version {version} Lukashenka met official number {i} of article {id} in Minsk \
                 to discuss trade, energy and the border."
            )
        })
        .collect();
    format!(
        "{} Some more background text follows here.",
        sentences.join(" ")
    )
}

fn batch(sequence: u64) -> pb::PublishRequest {
    let mut articles = Vec::new();
    let mut events = Vec::new();
    let mut chosen = std::collections::HashSet::new();
    for k in 0..PER_BATCH {
        // One slot in NEW_EVERY publishes a new article; the others republish (with changed
        // events) one that an earlier batch published new.
        let fresh = sequence * PER_BATCH + k;
        let id = if k % NEW_EVERY == 0 || sequence == 1 {
            fresh
        } else {
            let earlier = (sequence * 7919 + k * 104_729) % (sequence - 1) + 1;
            let republished = earlier * PER_BATCH + k - k % NEW_EVERY;
            if chosen.contains(&republished) {
                fresh
            } else {
                republished
            }
        };
        chosen.insert(id);
        let text = article_text(id, sequence);
        for i in 0..EVENTS {
            let sentence = format!(
                "In version {sequence} Lukashenka met official number {i} of article {id} in Minsk \
                 to discuss trade, energy and the border."
            );
            let byte_start = text.find(&sentence).unwrap() as u32;
            events.push(pb::Event {
                id: format!("event:{:016x}", id * 64 + i),
                article_id: format!("article:{id:016x}"),
                kind: pb::EventKind::Meeting as i32,
                when: Some(pb::DateRange {
                    start: Some(pb::CalendarDate {
                        year: 2000 + (sequence % 20) as i32,
                        month: 1 + (i % 12) as i32,
                        day: 1 + (k % 28) as i32,
                    }),
                    end: None,
                    year_inferred: false,
                    year_source: pb::YearSource::Explicit as i32,
                    text: String::new(),
                }),
                participants: vec![
                    pb::Participant {
                        entity_id: "person:alexander-lukashenka".into(),
                        name: "Alexander Lukashenka".into(),
                        role: pb::ParticipantRole::Party as i32,
                    },
                    pb::Participant {
                        entity_id: format!("person:official-{}", (id + i) % 500),
                        name: String::new(),
                        role: pb::ParticipantRole::Party as i32,
                    },
                ],
                location_id: "city:minsk".into(),
                sentence: sentence.clone(),
                sentence_start: byte_start,
                sentence_end: byte_start + sentence.len() as u32,
                amounts: Vec::new(),
                planned: false,
                location_name: "Minsk".into(),
            });
        }
        articles.push(pb::Article {
            id: format!("article:{id:016x}"),
            title: format!("Article {id}"),
            series: "Digest".into(),
            authors: vec!["Someone".into()],
            sections: Vec::new(),
            published: Some(pb::CalendarDate {
                year: 2015,
                month: 1,
                day: 1,
            }),
            reference_year: 2015,
            reference_year_source: pb::YearSource::PublicationDate as i32,
            source_uri: String::new(),
            text,
            entity_ids: Vec::new(),
        });
    }
    pb::PublishRequest {
        producer_id: "figures".into(),
        sequence,
        articles,
        entities: Vec::new(),
        events,
    }
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

async fn serving(addr: &str) {
    newsline_query::healthcheck::wait_until_serving(addr, "", PATIENCE)
        .await
        .unwrap();
}

fn stop(mut child: Child) {
    // SIGTERM: a running compaction finishes first.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
}

fn batches() -> u64 {
    std::env::var("FIGURES_BATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

async fn measure(label: &str, compact_after_bytes: u64) {
    let batches = batches();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("server.log");
    let (child, addr) = spawn(&data, compact_after_bytes, &log);
    serving(&addr).await;
    let publishing = Instant::now();
    let mut sink = RecordSinkServiceClient::connect(addr.clone())
        .await
        .unwrap();
    sink = sink
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let mut acks = sink
        .publish(tokio_stream::iter((1..=batches).map(batch)))
        .await
        .unwrap()
        .into_inner();
    let mut acknowledged = 0;
    while let Some(ack) = acks.message().await.unwrap() {
        assert!(!ack.duplicate);
        acknowledged += 1;
    }
    assert_eq!(acknowledged, batches);
    let publish_seconds = publishing.elapsed().as_secs_f64();
    stop(child);
    let bytes = folder_bytes(&data);
    let mut restarts = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let (child, addr) = spawn(&data, compact_after_bytes, &log);
        serving(&addr).await;
        restarts.push(started.elapsed().as_secs_f64());
        stop(child);
    }
    restarts.sort_by(f64::total_cmp);
    let server_log = std::fs::read_to_string(&log).unwrap();
    let compactions: Vec<&str> = server_log
        .lines()
        .filter(|l| l.contains("compacted the data log"))
        .collect();
    let loads: Vec<&str> = server_log
        .lines()
        .filter(|l| l.contains("loaded the data folder"))
        .collect();
    println!(
        "{label}: {batches} batches published in {publish_seconds:.1} s; folder {:.1} MiB; \
         restart (spawn to SERVING) median {:.2} s of {restarts:?}; {} compactions",
        bytes as f64 / (1 << 20) as f64,
        restarts[1],
        compactions.len()
    );
    for line in compactions.iter().rev().take(2).chain(loads.last()) {
        println!("    {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures; run by hand with --ignored --nocapture"]
async fn restart_time_and_folder_size_with_and_without_compaction() {
    measure("no compaction", u64::MAX).await;
    measure("compaction at 64 MiB (default)", 64 << 20).await;
    measure("compaction at 8 MiB", 8 << 20).await;
}
