//! The publisher against the real query service: many batches in flight are all acknowledged and
//! leave the spool; a batch the query service refuses is set aside and the ones behind it still
//! go through; shutting down with a bulk stream open ends the stream instead of hanging.

mod support;

use std::{sync::Arc, time::Duration};

use newsline_ingest::{
    publish::{Delivery, Publisher, PublisherConfig, await_delivery},
    spool::Spool,
};
use newsline_proto::v1::{
    Article, DateRange, Event, EventKind, IngestDocumentsRequest, PublishRequest,
};
use support::*;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

fn article(n: usize) -> Article {
    Article {
        id: format!("article:{n:016x}"),
        title: format!("Article {n}"),
        text: format!("Text {n}."),
        ..Default::default()
    }
}

fn event(article_id: &str, n: usize) -> Event {
    Event {
        id: format!("event:{n:016x}"),
        article_id: article_id.into(),
        kind: EventKind::Meeting as i32,
        when: Some(DateRange::default()),
        sentence: format!("Text {n}."),
        ..Default::default()
    }
}

fn config(query: &Running) -> PublisherConfig {
    PublisherConfig {
        max_in_flight: 4,
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..PublisherConfig::new(query.url())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_batches_in_flight_are_all_acknowledged_and_leave_the_spool() {
    let query = start_query().await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::start(spool, config(&query), stop.clone()).unwrap();
    let mut deliveries = Vec::new();
    for n in 0..40 {
        let a = article(n);
        let batch = PublishRequest {
            events: vec![event(&a.id, n)],
            articles: vec![a],
            ..Default::default()
        };
        let submitted = publisher.submit(batch).await.unwrap();
        assert_eq!(submitted.sequence, n as u64 + 1);
        deliveries.push(submitted.delivery);
    }
    for delivery in deliveries {
        assert_eq!(
            await_delivery(delivery, PATIENCE).await,
            Delivery::Acknowledged
        );
    }
    let status = publisher.flush(PATIENCE).await.expect("drained");
    assert_eq!(status.acknowledged, 40);
    assert_eq!(spooled_batches(dir.path()), 0);
    assert_eq!(timeline(query.addr).await.len(), 40);
    stop.cancel();
    task.await.unwrap();
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_is_set_aside_and_the_next_ones_go_through() {
    let query = start_query().await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let (publisher, task) = Publisher::start(spool, config(&query), stop.clone()).unwrap();

    // An event naming an article that is neither in the batch nor stored.
    let refused = publisher
        .submit(PublishRequest {
            events: vec![event("article:00000000000000ff", 1)],
            ..Default::default()
        })
        .await
        .unwrap();
    let good = article(2);
    let accepted = publisher
        .submit(PublishRequest {
            events: vec![event(&good.id, 2)],
            articles: vec![good],
            ..Default::default()
        })
        .await
        .unwrap();
    match await_delivery(refused.delivery, PATIENCE).await {
        Delivery::Rejected { reason } => assert!(!reason.is_empty()),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(
        await_delivery(accepted.delivery, PATIENCE).await,
        Delivery::Acknowledged
    );
    let kept = dir
        .path()
        .join("rejected")
        .join(format!("{:020}.batch", refused.sequence));
    assert!(kept.exists(), "the refused batch is kept for inspection");
    assert!(kept.with_extension("reason").exists());
    assert_eq!(spooled_batches(dir.path()), 0);
    let ids: Vec<_> = timeline(query.addr)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [format!("event:{:016x}", 2)]);
    stop.cancel();
    task.await.unwrap();
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_an_open_bulk_stream_with_unavailable() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let (requests, requests_rx) = tokio::sync::mpsc::channel(1);
    let mut answers = ingest_client(ingest.addr)
        .await
        .ingest_documents(ReceiverStream::new(requests_rx))
        .await
        .unwrap()
        .into_inner();
    let (_, seed) = seeds().remove(0);
    requests
        .send(IngestDocumentsRequest {
            raw: seed,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(answers.message().await.unwrap().unwrap().result.is_some());

    // The client keeps the stream open; stopping must not wait for it.
    ingest.stop().await;
    let status = answers.message().await.unwrap_err();
    assert_eq!(
        status.code(),
        tonic::Code::Unavailable,
        "{}",
        status.message()
    );
    drop(requests);
    query.stop().await;
}
