//! End to end: the query service and `serve --watch` on a temporary folder; the seeds dropped in
//! come back from the timeline, and ingesting them again duplicates nothing.

mod support;

use std::collections::BTreeSet;

use newsline_ingest::{
    ingest::Ingestor,
    publish::Publisher,
    spool::Spool,
    watch::{Ledger, Watcher},
};
use newsline_proto::v1::IngestDocumentRequest;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_dropped_into_the_watched_folder_reach_the_timeline_once() {
    let query = start_query().await;
    let watched = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &query.url());
    config.watch_dir = Some(watched.path().to_path_buf());
    let ingest = start_ingest(config).await;

    let mut expected = BTreeSet::new();
    for (name, bytes) in seeds() {
        let ids = expected_event_ids(ingest.addr, &bytes).await;
        assert!(!ids.is_empty(), "seed {name} yields events");
        expected.extend(ids);
        std::fs::write(watched.path().join(&name), &bytes).unwrap();
    }
    let events = wait_for_events(query.addr, &expected).await;
    assert_no_duplicates(&events);
    let first_count = events.len();

    // The same content again: under new names in the watched folder, and over gRPC.
    for (name, bytes) in seeds() {
        std::fs::write(watched.path().join(format!("copy-of-{name}")), &bytes).unwrap();
        let answer = ingest_client(ingest.addr)
            .await
            .ingest_document(IngestDocumentRequest {
                text: String::from_utf8(bytes).unwrap(),
                source_uri: format!("file:///{name}"),
                ..Default::default()
            })
            .await
            .expect("the seed is ingested again")
            .into_inner();
        assert!(
            !answer.spooled,
            "the query service is up, so it acknowledges"
        );
        assert!(answer.document_id.starts_with("document:"));
    }
    let events = timeline(query.addr).await;
    assert_no_duplicates(&events);
    assert_eq!(events.len(), first_count);
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_skips_known_content_across_copies_and_restarts() {
    let query = start_query().await;
    let watched = tempfile::tempdir().unwrap();
    let spool_dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    for (name, bytes) in &seeds {
        std::fs::write(watched.path().join(name), bytes).unwrap();
    }
    let config = ingest_config(spool_dir.path(), &query.url());
    let watcher = |stop: tokio_util::sync::CancellationToken| {
        let spool = std::sync::Arc::new(Spool::open(spool_dir.path()).unwrap());
        let (publisher, task) = Publisher::start(spool, config.publisher.clone(), stop).unwrap();
        let ingestor = Ingestor::new(
            std::sync::Arc::new(newsline_ingest::parse::parse_to_proto),
            publisher.clone(),
            config.max_document_bytes,
            config.ack_wait,
        );
        let ledger = Ledger::open(spool_dir.path()).unwrap();
        (
            Watcher::new(
                watched.path().to_path_buf(),
                config.watch_interval,
                ingestor,
                ledger,
            ),
            publisher,
            task,
        )
    };

    let stop = tokio_util::sync::CancellationToken::new();
    let (mut first, publisher, task) = watcher(stop.clone());
    let report = first.scan(true).await;
    assert_eq!(report.ingested, seeds.len());
    assert_eq!(report.already_known, 0);
    // Unchanged files are not even read again.
    assert_eq!(first.scan(false).await, Default::default());
    // Copies settle for one scan, then are recognised by content.
    for (name, bytes) in &seeds {
        std::fs::write(watched.path().join(format!("again-{name}")), bytes).unwrap();
    }
    assert_eq!(first.scan(false).await, Default::default());
    let report = first.scan(false).await;
    assert_eq!((report.ingested, report.already_known), (0, seeds.len()));
    publisher
        .flush(PATIENCE)
        .await
        .expect("everything is acknowledged");
    stop.cancel();
    task.await.unwrap();

    // After a restart, nothing in the folder is ingested again.
    let stop = tokio_util::sync::CancellationToken::new();
    let (mut second, _publisher, task) = watcher(stop.clone());
    let report = second.scan(true).await;
    assert_eq!(
        (report.ingested, report.already_known),
        (0, 2 * seeds.len())
    );
    stop.cancel();
    task.await.unwrap();
    query.stop().await;
}
