//! Log compaction with `--data-dir`: a server whose log was compacted into a snapshot serves
//! exactly what a server that never compacted serves, before and after restarts; producers'
//! sequence numbers, the revision and cursors survive; and every state a crash in the middle of
//! a compaction can leave starts up to the acknowledged records.

mod common;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use common::*;
use newsline_proto::v1::{self as pb, query_service_client::QueryServiceClient};

const PATIENCE: Duration = Duration::from_secs(60);
const PRODUCER: &str = "compaction-test";
/// Articles the workload keeps republishing.
const ARTICLES: u64 = 6;

fn settings(data_dir: Option<&Path>, compact_after_bytes: u64) -> newsline_query::Config {
    newsline_query::Config {
        data_dir: data_dir.map(Path::to_path_buf),
        compact_after_bytes,
        ..Default::default()
    }
}

async fn start(data_dir: Option<&Path>, compact_after_bytes: u64) -> TestServer {
    TestServer::start_with(settings(data_dir, compact_after_bytes)).await
}

async fn try_start(
    data_dir: Option<&Path>,
    compact_after_bytes: u64,
) -> anyhow::Result<TestServer> {
    TestServer::try_start_with(settings(data_dir, compact_after_bytes)).await
}

/// Batch `sequence` of the workload: the entity fixtures first, then articles republished over
/// and over with changing events (so most logged versions are superseded), entities merged by
/// alias, implicit entities, sentences outside the text and non-ASCII text.
fn workload_batch(sequence: u64) -> pb::PublishRequest {
    if sequence == 1 {
        let mut first = fixture_batch(1);
        first.producer_id = PRODUCER.into();
        return first;
    }
    let slot = sequence % ARTICLES;
    let text = format!(
        "Version {sequence}: Lukashenka met Putin in Minsk. Łukaszenka spoke in Brėst. \
         Trọng agreed on trade {sequence}."
    );
    let mut a = article(&format!("article:{slot:016x}"), &text);
    a.entity_ids = vec![LUKASHENKA.into(), format!("person:implicit-{slot}")];
    let base = 1000 + slot * 100;
    let mut events = vec![
        event(
            base + sequence % 3,
            &a,
            "Lukashenka met Putin in Minsk.",
            pb::EventKind::Meeting,
            date(2015, 1 + (sequence % 12) as i32, 1 + (sequence % 27) as i32),
            &[LUKASHENKA, PUTIN],
            MINSK,
        ),
        event(
            base + 10,
            &a,
            "Łukaszenka spoke in Brėst.",
            pb::EventKind::Statement,
            date(2016, 2, 0),
            &[LUKASHENKA, &format!("person:implicit-{slot}")],
            "city:brest",
        ),
    ];
    if sequence.is_multiple_of(2) {
        let mut outside = event(
            base + 20,
            &a,
            &format!("Trọng agreed on trade {sequence}."),
            pb::EventKind::Trade,
            date(2017, 3, 4),
            &[TRONG],
            "",
        );
        // Not where its offsets say: stored apart from the article text.
        outside.sentence_start += 1;
        outside.sentence_end += 1;
        outside.when.as_mut().unwrap().text = "in the spring".into();
        outside.amounts = vec![pb::Amount {
            value: sequence as f64,
            currency: "USD".into(),
            metric: 1,
            period: None,
            text: format!("${sequence}"),
        }];
        events.push(outside);
    }
    let mut entities = Vec::new();
    if sequence % 10 == 3 {
        // Merges into Putin by alias: "person:v-v-putin" then names his entry.
        entities.push(entity(
            "person:v-v-putin",
            pb::EntityKind::Person,
            "V. V. Putin",
            &["Putin"],
        ));
    }
    match sequence {
        4 => entities.push(entity("person:anna", pb::EntityKind::Person, "Anna", &[])),
        5 => entities.push(entity("person:bella", pb::EntityKind::Person, "Bella", &[])),
        // Bella claims the nickname first, then Anna takes it too: later merges by that name
        // go to Bella, whatever the entry order says.
        6 => entities.push(entity(
            "person:bella",
            pb::EntityKind::Person,
            "Bella",
            &["Nick"],
        )),
        7 => entities.push(entity(
            "person:anna",
            pb::EntityKind::Person,
            "Anna",
            &["Nick"],
        )),
        _ => {}
    }
    pb::PublishRequest {
        producer_id: PRODUCER.into(),
        sequence,
        articles: vec![a],
        entities,
        events,
    }
}

const ENTITY_IDS: &[&str] = &[
    LUKASHENKA,
    PUTIN,
    "person:v-v-putin",
    TRONG,
    MINSK,
    "city:brest",
    "person:implicit-1",
    "person:anna",
    "person:bella",
    "person:nobody",
];

/// Everything a client can see, apart from uptime and memory.
#[derive(Debug, PartialEq)]
struct Visible {
    timeline: Vec<pb::StreamTimelineResponse>,
    descending: Vec<pb::StreamTimelineResponse>,
    counts: (u64, u64, u64, u64),
    entities: Vec<Result<pb::GetEntityResponse, tonic::Code>>,
    articles: Vec<Result<pb::GetArticleResponse, tonic::Code>>,
    searches: Vec<Vec<pb::SearchEntitiesResponse>>,
    relations: Vec<pb::StreamEntityRelationsResponse>,
}

async fn timeline(
    addr: &str,
    request: pb::StreamTimelineRequest,
) -> Vec<pb::StreamTimelineResponse> {
    let mut client = QueryServiceClient::connect(addr.to_string()).await.unwrap();
    let mut stream = client.stream_timeline(request).await.unwrap().into_inner();
    let mut items = Vec::new();
    while let Some(item) = stream.message().await.unwrap() {
        items.push(item);
    }
    items
}

async fn visible(server: &TestServer) -> Visible {
    let mut client = server.query().await;
    let stats = client
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner();
    let mut entities = Vec::new();
    for id in ENTITY_IDS {
        let found = client
            .get_entity(pb::GetEntityRequest { id: id.to_string() })
            .await;
        entities.push(found.map(|r| r.into_inner()).map_err(|s| s.code()));
    }
    let mut articles = Vec::new();
    for slot in 0..=ARTICLES {
        let id = format!("article:{slot:016x}");
        let found = client.get_article(pb::GetArticleRequest { id }).await;
        articles.push(found.map(|r| r.into_inner()).map_err(|s| s.code()));
    }
    let mut searches = Vec::new();
    for query in ["Putin", "Nick", "luk", "implicit"] {
        let mut hits = client
            .search_entities(pb::SearchEntitiesRequest {
                query: query.into(),
                kinds: Vec::new(),
                max_results: 50,
            })
            .await
            .unwrap()
            .into_inner();
        let mut all = Vec::new();
        while let Some(hit) = hits.message().await.unwrap() {
            all.push(hit);
        }
        searches.push(all);
    }
    let mut related = client
        .stream_entity_relations(pb::StreamEntityRelationsRequest {
            entity_id: LUKASHENKA.into(),
            max_sample_events: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut relations = Vec::new();
    while let Some(relation) = related.message().await.unwrap() {
        relations.push(relation);
    }
    Visible {
        timeline: timeline(&server.addr, pb::StreamTimelineRequest::default()).await,
        descending: timeline(
            &server.addr,
            pb::StreamTimelineRequest {
                order: pb::SortOrder::Descending as i32,
                ..Default::default()
            },
        )
        .await,
        counts: (stats.articles, stats.entities, stats.events, stats.revision),
        entities,
        articles,
        searches,
        relations,
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "lock")
        .collect();
    names.sort();
    names
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn with_prefix(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = files(dir)
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .map(|name| dir.join(name))
        .collect();
    paths.sort();
    paths
}

/// Publishes `sequences` in streams of `per_stream` batches.
async fn publish_range(
    server: &TestServer,
    sequences: std::ops::RangeInclusive<u64>,
    per_stream: u64,
) {
    let all: Vec<u64> = sequences.collect();
    for chunk in all.chunks(per_stream as usize) {
        let acks = server
            .publish_ok(chunk.iter().map(|&s| workload_batch(s)).collect())
            .await;
        assert_eq!(acks.len(), chunk.len());
        assert!(acks.iter().all(|ack| !ack.duplicate));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_folder_restarts_to_exactly_what_a_never_compacted_server_holds() {
    const BATCHES: u64 = 150;
    let reference = start(None, u64::MAX).await;
    publish_range(&reference, 1..=BATCHES, 10).await;
    let expected = visible(&reference).await;
    assert!(expected.timeline.len() > 10);

    let plain_dir = tempfile::tempdir().unwrap();
    let plain = start(Some(plain_dir.path()), u64::MAX).await;
    publish_range(&plain, 1..=BATCHES, 10).await;
    plain.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let server = start(Some(dir.path()), 1).await;
    publish_range(&server, 1..=BATCHES, 10).await;
    assert_eq!(
        visible(&server).await,
        expected,
        "compacting changes nothing served"
    );
    server.stop().await;
    let snapshots = with_prefix(dir.path(), "snapshot-");
    assert_eq!(
        snapshots.len(),
        1,
        "one snapshot after compaction: {:?}",
        files(dir.path())
    );
    assert_eq!(
        with_prefix(dir.path(), "batches-").len(),
        1,
        "older logs are removed"
    );
    assert!(!snapshots[0].ends_with("snapshot-0000000000000000.snap"));
    let (compacted, uncompacted) = (folder_bytes(dir.path()), folder_bytes(plain_dir.path()));
    assert!(
        compacted * 2 < uncompacted,
        "compacted {compacted} bytes, uncompacted {uncompacted}"
    );

    let server = start(Some(dir.path()), 1).await;
    assert_eq!(visible(&server).await, expected, "the same after a restart");
    // A producer resending what it was not sure of: recognised across compaction and restart.
    let acks = server
        .publish_ok(vec![workload_batch(BATCHES - 1), workload_batch(BATCHES)])
        .await;
    assert!(acks.iter().all(|ack| ack.duplicate), "{acks:?}");
    // The revision goes on from where it was.
    let acks = server.publish_ok(vec![workload_batch(BATCHES + 1)]).await;
    assert!(!acks[0].duplicate);
    assert_eq!(acks[0].revision, expected.counts.3 + 1);
    // A new entity named by the nickname merges into the entry that claimed it first.
    let merged = server
        .publish_ok(vec![pb::PublishRequest {
            producer_id: "another".into(),
            sequence: 1,
            entities: vec![entity("person:nick", pb::EntityKind::Person, "Nick", &[])],
            ..Default::default()
        }])
        .await;
    assert!(!merged[0].duplicate);
    let nick = server
        .query()
        .await
        .get_entity(pb::GetEntityRequest {
            id: "person:nick".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(nick.entity.unwrap().id, "person:bella");
    server.stop().await;

    // The plain folder (one long log) restarts to the same, then compacts on start.
    let plain = start(Some(plain_dir.path()), 1).await;
    assert_eq!(visible(&plain).await, expected);
    plain.stop().await;
    assert_eq!(with_prefix(plain_dir.path(), "snapshot-").len(), 1);
    reference.stop().await;
}

async fn watch_until_caught_up(addr: &str, cursor: &str) -> Vec<(String, bool)> {
    let mut client = QueryServiceClient::connect(addr.to_string()).await.unwrap();
    let mut stream = client
        .watch_timeline(pb::WatchTimelineRequest {
            cursor: cursor.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Some(item) = tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("the watch catches up")
        .unwrap()
    {
        match item.update {
            Some(pb::watch_timeline_response::Update::Event(watched)) => {
                seen.push((watched.event.unwrap().id, watched.backdated));
            }
            Some(pb::watch_timeline_response::Update::CaughtUp(_)) => return seen,
            _ => {}
        }
    }
    panic!("the watch ended before catching up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_taken_before_a_compaction_resume_after_the_restart() {
    let reference = start(None, u64::MAX).await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(Some(dir.path()), 1).await;
    for target in [&reference, &server] {
        publish_range(target, 1..=40, 8).await;
    }
    let first_page = timeline(
        &server.addr,
        pb::StreamTimelineRequest {
            max_results: 5,
            ..Default::default()
        },
    )
    .await;
    let cursor = first_page.last().unwrap().cursor.clone();
    for target in [&reference, &server] {
        publish_range(target, 41..=80, 8).await;
    }
    server.stop().await;
    assert!(!with_prefix(dir.path(), "snapshot-").is_empty());
    let server = start(Some(dir.path()), 1).await;

    let resume = pb::StreamTimelineRequest {
        cursor: cursor.clone(),
        ..Default::default()
    };
    let expected = timeline(&reference.addr, resume.clone()).await;
    assert!(!expected.is_empty());
    assert_eq!(timeline(&server.addr, resume).await, expected);
    // A watch from the old cursor replays what changed since, as if nothing had restarted.
    let expected = watch_until_caught_up(&reference.addr, &cursor).await;
    assert!(!expected.is_empty());
    assert_eq!(watch_until_caught_up(&server.addr, &cursor).await, expected);
    server.stop().await;
    reference.stop().await;
}

/// Copies every file of `from` (but the lock) into `to`.
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in files(from) {
        std::fs::copy(from.join(&name), to.join(&name)).unwrap();
    }
}

/// A folder holding batches 1..=40 in log 0 only (saved aside in `saved`), then compacted at
/// the next start (its log outgrows the empty snapshot), then 41..=44 in log 1: one snapshot.
async fn folder_compacted_once(dir: &Path, saved: &Path) -> Visible {
    let server = start(Some(dir), u64::MAX).await;
    publish_range(&server, 1..=40, 20).await;
    server.stop().await;
    copy_files(dir, saved);
    let server = start(Some(dir), 1).await;
    publish_range(&server, 41..=44, 4).await;
    let expected = visible(&server).await;
    server.stop().await;
    assert_eq!(
        files(dir),
        [
            "batches-0000000000000001.log",
            "snapshot-0000000000000001.snap"
        ],
        "the 4 later batches are smaller than the snapshot: one compaction"
    );
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_writing_the_snapshot_and_removing_the_old_log_restarts_whole() {
    let (dir, saved) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let expected = folder_compacted_once(dir.path(), saved.path()).await;
    // The old log is back, as if the crash came before its removal.
    std::fs::copy(
        saved.path().join("batches-0000000000000000.log"),
        dir.path().join("batches-0000000000000000.log"),
    )
    .unwrap();
    let server = start(Some(dir.path()), u64::MAX).await;
    assert_eq!(visible(&server).await, expected);
    server.stop().await;
    assert_eq!(
        files(dir.path()),
        [
            "batches-0000000000000001.log",
            "snapshot-0000000000000001.snap"
        ],
        "what the snapshot covers is removed at start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_snapshot_is_renamed_leaves_a_temporary_file_that_is_ignored() {
    let (dir, saved) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let expected = folder_compacted_once(dir.path(), saved.path()).await;
    // The next compaction had switched to log 2 and was writing its snapshot when it crashed.
    let partial = std::fs::read(dir.path().join("snapshot-0000000000000001.snap")).unwrap();
    std::fs::write(
        dir.path().join("snapshot-0000000000000002.snap.tmp"),
        &partial[..partial.len() / 2],
    )
    .unwrap();
    std::fs::write(dir.path().join("batches-0000000000000002.log"), b"NLBATCH1").unwrap();
    let server = start(Some(dir.path()), u64::MAX).await;
    assert_eq!(visible(&server).await, expected);
    // Appends go to the newest log.
    publish_range(&server, 45..=45, 1).await;
    let expected = visible(&server).await;
    server.stop().await;
    assert_eq!(
        files(dir.path()),
        [
            "batches-0000000000000001.log",
            "batches-0000000000000002.log",
            "snapshot-0000000000000001.snap"
        ]
    );
    let server = start(Some(dir.path()), u64::MAX).await;
    assert_eq!(visible(&server).await, expected);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_snapshot_falls_back_to_the_older_files_or_refuses_to_start() {
    let (dir, saved) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let expected = folder_compacted_once(dir.path(), saved.path()).await;
    let snapshot = dir.path().join("snapshot-0000000000000001.snap");
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&snapshot, &bytes).unwrap();
    let damaged = files(dir.path());

    // Without the log it covered, serving would hide records: refused, with a reason.
    let error = try_start(Some(dir.path()), u64::MAX)
        .await
        .err()
        .expect("a start with a hole in the data is refused");
    assert!(
        format!("{error:#}").contains("lacks the batch log of generation 0"),
        "{error:#}"
    );

    // With it (the snapshot damaged after a crash that kept the old log), all is replayed.
    std::fs::rename(
        dir.path().join("snapshot-0000000000000001.snap.corrupt"),
        &snapshot,
    )
    .unwrap();
    assert_eq!(files(dir.path()), damaged);
    std::fs::copy(
        saved.path().join("batches-0000000000000000.log"),
        dir.path().join("batches-0000000000000000.log"),
    )
    .unwrap();
    let server = start(Some(dir.path()), u64::MAX).await;
    assert_eq!(visible(&server).await, expected);
    server.stop().await;
    assert!(
        files(dir.path()).contains(&"snapshot-0000000000000001.snap.corrupt".to_string()),
        "the damaged snapshot is kept aside for inspection"
    );
}
