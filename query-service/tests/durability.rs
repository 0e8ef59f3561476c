//! Durability with `--data-dir`: what was acknowledged survives a restart and a `kill -9` at a
//! random moment, nothing is duplicated, a torn tail does not stop the start, and a producer's
//! sequence numbers are remembered so a resent batch is recognised after a restart.

mod common;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::*;
use newsline_proto::v1::{
    self as pb, query_service_client::QueryServiceClient,
    record_sink_service_client::RecordSinkServiceClient,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

const PATIENCE: Duration = Duration::from_secs(60);
const EVENTS_PER_BATCH: u64 = 5;

/// Batch `sequence` of the test producer: one article and its events, ids derived from the
/// sequence so that what is present tells which batches arrived.
fn numbered_batch(sequence: u64) -> pb::PublishRequest {
    let text = format!("Meeting number {sequence} took place in Minsk. It went well.");
    let a = article(&format!("article:{sequence:016x}"), &text);
    let events = (0..EVENTS_PER_BATCH)
        .map(|i| {
            let mut e = event(
                sequence * EVENTS_PER_BATCH + i,
                &a,
                "It went well.",
                pb::EventKind::Meeting,
                date(2015, 1 + (sequence % 12) as i32, 1 + (i % 28) as i32),
                &[],
                "",
            );
            e.sentence = format!("It went well ({i}).");
            e.sentence_start = 0;
            e.sentence_end = 0;
            e
        })
        .collect();
    pb::PublishRequest {
        producer_id: "durability-test".into(),
        sequence,
        articles: vec![a],
        entities: Vec::new(),
        events,
    }
}

fn expected_ids(sequence: u64) -> impl Iterator<Item = String> {
    (0..EVENTS_PER_BATCH).map(move |i| event_id(sequence * EVENTS_PER_BATCH + i))
}

async fn all_ids(addr: &str) -> Vec<String> {
    let mut client = QueryServiceClient::connect(addr.to_string()).await.unwrap();
    let mut stream = client
        .stream_timeline(pb::StreamTimelineRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut ids = Vec::new();
    while let Some(item) = stream.message().await.unwrap() {
        ids.push(item.event.unwrap().id);
    }
    ids
}

/// Every id once, and every acknowledged batch whole.
fn check(ids: &[String], acknowledged: &BTreeSet<u64>) {
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an event is duplicated");
    for &sequence in acknowledged {
        for id in expected_ids(sequence) {
            assert!(
                unique.contains(&id),
                "batch {sequence} was acknowledged, but {id} is missing"
            );
        }
    }
}

async fn start_in_process(data_dir: &Path) -> TestServer {
    TestServer::start_with(newsline_query::Config {
        data_dir: Some(data_dir.to_path_buf()),
        ..Default::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_batches_survive_a_restart_and_resent_ones_stay_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in_process(dir.path()).await;
    let acks = server
        .publish_ok((1..=30).map(numbered_batch).collect())
        .await;
    assert_eq!(acks.len(), 30);
    // Republishing an article replaces its events; the log must replay that in order.
    let mut replaced = numbered_batch(5);
    replaced.sequence = 31;
    replaced.events.truncate(2);
    assert_eq!(server.publish_ok(vec![replaced]).await.len(), 1);
    let before = all_ids(&server.addr).await;
    assert_eq!(before.len(), 30 * EVENTS_PER_BATCH as usize - 3);
    server.stop().await;

    let server = start_in_process(dir.path()).await;
    assert_eq!(
        all_ids(&server.addr).await,
        before,
        "the same records after a restart"
    );
    // The producer resends what it is not sure of: recognised, not applied twice.
    let acks = server
        .publish_ok(vec![numbered_batch(29), numbered_batch(32)])
        .await;
    assert!(
        acks[0].duplicate,
        "sequence 29 is remembered across the restart"
    );
    assert!(!acks[1].duplicate);
    server.stop().await;

    let server = start_in_process(dir.path()).await;
    let after = all_ids(&server.addr).await;
    assert_eq!(after.len(), before.len() + EVENTS_PER_BATCH as usize);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_is_cut_with_a_warning_and_the_start_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in_process(dir.path()).await;
    server
        .publish_ok((1..=3).map(numbered_batch).collect())
        .await;
    server.stop().await;
    let log = current_log(dir.path());
    let intact = std::fs::metadata(&log).unwrap().len();
    // Half a record, as a crash in the middle of a write leaves it.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(&[200, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    std::fs::write(&log, &bytes).unwrap();

    let server = start_in_process(dir.path()).await;
    check(&all_ids(&server.addr).await, &(1..=3).collect());
    assert_eq!(
        std::fs::metadata(&log).unwrap().len(),
        intact,
        "the tail is cut"
    );
    server.publish_ok(vec![numbered_batch(4)]).await;
    server.stop().await;
    let server = start_in_process(dir.path()).await;
    check(&all_ids(&server.addr).await, &(1..=4).collect());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_folder_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in_process(dir.path()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = newsline_query::Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let error = newsline_query::run_with(config, listener, std::future::pending())
        .await
        .expect_err("a second server on the same folder");
    assert!(format!("{error:#}").contains("in use"), "{error:#}");
    server.stop().await;
}

/// The batch log being appended to: the one of the highest generation.
fn current_log(data_dir: &Path) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(data_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("batches-") && name.ends_with(".log")
        })
        .collect();
    logs.sort();
    logs.pop().expect("a batch log")
}

/// Whether the folder shows an unfinished compaction: a snapshot being written, or more than
/// one log (the switch to a new log done, the snapshot or the clean-up not).
fn mid_compaction(data_dir: &Path) -> bool {
    let names: Vec<String> = std::fs::read_dir(data_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.iter().any(|name| name.ends_with(".tmp"))
        || names
            .iter()
            .filter(|name| name.starts_with("batches-"))
            .count()
            > 1
}

/// The binary serving on a fresh port with `data_dir`.
fn spawn_binary(data_dir: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(env!("CARGO_BIN_EXE_query-service"))
        .args(["serve", "--listen", &listen.to_string(), "--data-dir"])
        .arg(data_dir)
        // Tiny: the log is compacted every few batches (while it outgrows the snapshot), so
        // kills land in the middle of compactions too.
        .args(["--compact-after-bytes", "2048"])
        .env("RUST_LOG", "warn")
        .env_remove("NEWSLINE_TOKEN")
        .env_remove("NEWSLINE_READ_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the query service starts");
    (child, format!("http://{listen}"))
}

/// Publishes batches from `next` on, one stream, several in flight, until the server dies;
/// returns the sequences it acknowledged.
async fn publish_until_killed(addr: String, mut next: u64) -> BTreeSet<u64> {
    let mut acknowledged = BTreeSet::new();
    let Ok(mut sink) = RecordSinkServiceClient::connect(addr).await else {
        return acknowledged;
    };
    let (batches, outbound) = mpsc::channel(8);
    let Ok(response) = sink.publish(ReceiverStream::new(outbound)).await else {
        return acknowledged;
    };
    let mut acks = response.into_inner();
    for _ in 0..8 {
        let _ = batches.send(numbered_batch(next)).await;
        next += 1;
    }
    while let Ok(Some(ack)) = acks.message().await {
        assert!(!ack.duplicate);
        acknowledged.insert(ack.sequence);
        if batches.send(numbered_batch(next)).await.is_err() {
            break;
        }
        next += 1;
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_no_acknowledged_batch_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged = BTreeSet::new();
    let mut next = 1;
    let mut rng = fastrand::Rng::with_seed(
        std::env::var("KILL_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(0x5eed),
    );
    let mut killed_mid_compaction = 0;
    for trial in 0..20 {
        let (mut child, addr) = spawn_binary(dir.path());
        newsline_query::healthcheck::wait_until_serving(&addr, "", PATIENCE)
            .await
            .unwrap_or_else(|e| panic!("trial {trial}: the server never came up: {e:#}"));
        // What survived the previous kill is all there.
        check(&all_ids(&addr).await, &acknowledged);

        let publisher = tokio::spawn(publish_until_killed(addr.clone(), next));
        tokio::time::sleep(Duration::from_millis(rng.u64(20..400))).await;
        let killed_at = Instant::now();
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let acked = tokio::time::timeout(PATIENCE, publisher)
            .await
            .expect("the publisher notices the kill")
            .unwrap();
        assert!(killed_at.elapsed() < PATIENCE);
        if mid_compaction(dir.path()) {
            killed_mid_compaction += 1;
        }
        // Past every batch the publisher may have sent: applied but unacknowledged ones may exist.
        next = acked.last().map_or(next, |last| last + 1).max(next) + 16;
        acknowledged.extend(acked);
    }
    assert!(
        acknowledged.len() > 20,
        "the trials acknowledged too little to mean anything: {}",
        acknowledged.len()
    );
    eprintln!(
        "{} batches acknowledged; {killed_mid_compaction} of 20 kills left a compaction unfinished",
        acknowledged.len()
    );
    let (mut child, addr) = spawn_binary(dir.path());
    newsline_query::healthcheck::wait_until_serving(&addr, "", PATIENCE)
        .await
        .unwrap();
    check(&all_ids(&addr).await, &acknowledged);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|name| name.starts_with("snapshot-")),
        "the log was compacted: {names:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
