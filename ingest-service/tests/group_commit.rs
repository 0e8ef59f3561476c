//! Group commit in the publisher: batches submitted together share one spool write and one
//! sequence number, every submitter still learns its own delivery, a group holding an invalid
//! batch is refused for that batch only, and a group spooled while the query service is away
//! reaches it once, whole, after a restart of the publisher.

mod support;

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use futures::future::join_all;
use newsline_ingest::{
    publish::{Delivery, Publisher, PublisherConfig, Submitted, await_delivery},
    spool::Spool,
};
use newsline_proto::v1::{Article, DateRange, Event, EventKind, PublishRequest};
use support::*;
use tokio_util::sync::CancellationToken;

const DOCUMENTS: usize = 60;

/// One document's records: an article and one event of its own.
fn document(n: usize) -> PublishRequest {
    let article = Article {
        id: format!("article:{n:016x}"),
        title: format!("Article {n}"),
        text: format!("Text {n}."),
        ..Default::default()
    };
    PublishRequest {
        events: vec![Event {
            id: format!("event:{n:016x}"),
            article_id: article.id.clone(),
            kind: EventKind::Meeting as i32,
            when: Some(DateRange::default()),
            sentence: format!("Text {n}."),
            ..Default::default()
        }],
        articles: vec![article],
        ..Default::default()
    }
}

fn config(query_url: String) -> PublisherConfig {
    PublisherConfig {
        max_in_flight: 4,
        connect_timeout: Duration::from_millis(500),
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..PublisherConfig::new(query_url)
    }
}

/// Submits every document at once, as a bulk stream's documents arrive.
async fn submit_together(publisher: &Publisher) -> Vec<Submitted> {
    join_all((0..DOCUMENTS).map(|n| publisher.submit(document(n))))
        .await
        .into_iter()
        .map(|submitted| submitted.expect("spooled"))
        .collect()
}

fn expected_events() -> BTreeSet<String> {
    (0..DOCUMENTS).map(|n| format!("event:{n:016x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_submitted_together_share_spool_writes_and_are_each_acknowledged() {
    let query = start_query().await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::start(spool, config(query.url()), stop.clone()).unwrap();

    let submitted = submit_together(&publisher).await;
    let groups: BTreeSet<u64> = submitted.iter().map(|s| s.sequence).collect();
    assert!(
        groups.len() < DOCUMENTS,
        "{DOCUMENTS} batches submitted at once took {} sequence numbers",
        groups.len()
    );
    assert_eq!(
        groups.iter().copied().collect::<Vec<_>>(),
        (1..=groups.len() as u64).collect::<Vec<_>>(),
        "groups take consecutive sequence numbers"
    );
    for submitted in submitted {
        assert_eq!(
            await_delivery(submitted.delivery, PATIENCE).await,
            Delivery::Acknowledged
        );
    }
    let status = publisher.flush(PATIENCE).await.expect("drained");
    assert_eq!(status.acknowledged, groups.len() as u64);
    assert_eq!(spooled_batches(dir.path()), 0);
    let events = timeline(query.addr).await;
    assert_no_duplicates(&events);
    let ids: BTreeSet<String> = events.into_iter().map(|e| e.id).collect();
    assert_eq!(ids, expected_events());
    stop.cancel();
    task.await.unwrap();
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_spooled_while_the_query_service_is_away_arrive_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let query_addr = unused_addr().await;
    let query_url = format!("http://{query_addr}");

    // The query service is not there: every document is answered as spooled, in shared files.
    {
        let spool = Arc::new(Spool::open(dir.path()).unwrap());
        let stop = CancellationToken::new();
        let (publisher, task) =
            Publisher::start(spool, config(query_url.clone()), stop.clone()).unwrap();
        let submitted = submit_together(&publisher).await;
        let groups: BTreeSet<u64> = submitted.iter().map(|s| s.sequence).collect();
        for submitted in submitted {
            assert_eq!(
                await_delivery(submitted.delivery, PATIENCE).await,
                Delivery::Spooled
            );
        }
        assert_eq!(spooled_batches(dir.path()), groups.len());
        assert!(groups.len() < DOCUMENTS);
        stop.cancel();
        task.await.unwrap();
    }

    // A new process (publisher) with the query service up re-sends the groups.
    let query = start_query_on(listener(&query_addr.to_string()).await).await;
    for round in 0..2 {
        let spool = Arc::new(Spool::open(dir.path()).unwrap());
        let stop = CancellationToken::new();
        let (publisher, task) =
            Publisher::start(spool, config(query_url.clone()), stop.clone()).unwrap();
        publisher.flush(PATIENCE).await.expect("the spool drains");
        assert_eq!(spooled_batches(dir.path()), 0, "round {round}");
        stop.cancel();
        task.await.unwrap();
    }
    let events = timeline(query.addr).await;
    assert_no_duplicates(&events);
    let ids: BTreeSet<String> = events.into_iter().map(|e| e.id).collect();
    assert_eq!(ids, expected_events());
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_batch_in_a_group_is_refused_alone_and_the_others_are_acknowledged() {
    const INVALID: usize = DOCUMENTS / 2;
    let query = start_query().await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::start(spool, config(query.url()), stop.clone()).unwrap();

    let batches = (0..DOCUMENTS).map(|n| {
        let mut batch = document(n);
        if n == INVALID {
            // An event naming an article that is neither in the batch nor stored.
            batch.articles.clear();
        }
        publisher.submit(batch)
    });
    let submitted: Vec<Submitted> = join_all(batches)
        .await
        .into_iter()
        .map(|submitted| submitted.expect("spooled"))
        .collect();
    let invalid_group = submitted[INVALID].sequence;
    assert!(
        submitted
            .iter()
            .filter(|s| s.sequence == invalid_group)
            .count()
            > 1,
        "the invalid batch shares its group"
    );
    for (n, submitted) in submitted.into_iter().enumerate() {
        let delivery = await_delivery(submitted.delivery, PATIENCE).await;
        if n == INVALID {
            assert!(
                matches!(&delivery, Delivery::Rejected { reason } if reason.contains("article")),
                "{delivery:?}"
            );
        } else {
            assert_eq!(delivery, Delivery::Acknowledged, "batch {n}");
        }
    }
    publisher.flush(PATIENCE).await.expect("drained");
    assert_eq!(spooled_batches(dir.path()), 0);
    let set_aside = std::fs::read_dir(dir.path().join("rejected"))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|ext| ext == "batch")
        })
        .count();
    assert_eq!(set_aside, 1, "only the invalid batch is set aside");
    let events = timeline(query.addr).await;
    assert_no_duplicates(&events);
    let ids: BTreeSet<String> = events.into_iter().map(|e| e.id).collect();
    let mut expected = expected_events();
    expected.remove(&format!("event:{INVALID:016x}"));
    assert_eq!(ids, expected);
    stop.cancel();
    task.await.unwrap();
    query.stop().await;
}
