//! Faults: the query service goes away in the middle of an ingest and comes back; the ingest
//! service restarts with a non-empty spool. Every document's records must arrive.

mod support;

use std::collections::BTreeSet;

use newsline_proto::v1::{IngestDocumentRequest, IngestDocumentsRequest};
use support::*;
use tokio_stream::wrappers::ReceiverStream;

fn request(name: &str, bytes: &[u8]) -> IngestDocumentsRequest {
    IngestDocumentsRequest {
        raw: bytes.to_vec(),
        source_uri: format!("file:///{name}"),
        tag: name.to_string(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_sent_while_the_query_service_is_down_arrive_when_it_returns() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("debug,h2=info,hyper=info,tower=info")
        .with_test_writer()
        .try_init();
    let query_listener = listener("127.0.0.1:0").await;
    let query_addr = query_listener.local_addr().unwrap();
    let query = start_query_on(query_listener).await;
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let seeds = seeds();
    let (first_name, first_bytes) = &seeds[0];
    let (second_name, second_bytes) = &seeds[seeds.len() - 1];
    let first_expected = expected_event_ids(ingest.addr, first_bytes).await;
    let second_expected = expected_event_ids(ingest.addr, second_bytes).await;

    let (requests, requests_rx) = tokio::sync::mpsc::channel(4);
    let mut answers = ingest_client(ingest.addr)
        .await
        .ingest_documents(ReceiverStream::new(requests_rx))
        .await
        .expect("the bulk stream opens")
        .into_inner();

    requests
        .send(request(first_name, first_bytes))
        .await
        .unwrap();
    let answer = answers.message().await.unwrap().expect("an answer");
    let result = answer.result.expect("the first document is ingested");
    assert!(
        !result.spooled,
        "acknowledged while the query service is up"
    );
    wait_for_events(query_addr, &first_expected).await;

    // The query service stops in the middle of the bulk load.
    query.stop().await;
    requests
        .send(request(second_name, second_bytes))
        .await
        .unwrap();
    let answer = answers.message().await.unwrap().expect("an answer");
    assert_eq!(answer.index, 1);
    assert_eq!(&answer.tag, second_name);
    let result = answer.result.expect("accepted into the spool");
    assert!(
        result.spooled,
        "the query service is down, so it waits in the spool"
    );
    assert_eq!(spooled_batches(spool.path()), 1);

    // It comes back on the same address, empty (it keeps records in memory); the spooled
    // document arrives without any help, and the stream goes on.
    let query = start_query_on(listener(&query_addr.to_string()).await).await;
    wait_for_events(query_addr, &second_expected).await;
    requests
        .send(request(first_name, first_bytes))
        .await
        .unwrap();
    let answer = answers.message().await.unwrap().expect("an answer");
    assert!(!answer.result.expect("ingested").spooled);
    drop(requests);
    assert!(
        answers.message().await.unwrap().is_none(),
        "the stream ends with OK"
    );

    let mut expected: BTreeSet<String> = first_expected;
    expected.extend(second_expected);
    let events = wait_for_events(query_addr, &expected).await;
    assert_no_duplicates(&events);
    assert_eq!(spooled_batches(spool.path()), 0);
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_ingest_service_drains_its_spool() {
    let query_addr = unused_addr().await;
    let spool = tempfile::tempdir().unwrap();
    let config = ingest_config(spool.path(), &format!("http://{query_addr}"));
    let ingest = start_ingest(config.clone()).await;
    let mut expected = BTreeSet::new();
    for (name, bytes) in seeds() {
        expected.extend(expected_event_ids(ingest.addr, &bytes).await);
        let answer = ingest_client(ingest.addr)
            .await
            .ingest_document(IngestDocumentRequest {
                raw: bytes,
                source_uri: format!("file:///{name}"),
                ..Default::default()
            })
            .await
            .expect("accepted while the query service is down")
            .into_inner();
        assert!(answer.spooled);
    }
    ingest.stop().await;
    assert_eq!(spooled_batches(spool.path()), seeds().len());

    let query = start_query_on(listener(&query_addr.to_string()).await).await;
    let ingest = start_ingest(config).await;
    let events = wait_for_events(query.addr, &expected).await;
    assert_no_duplicates(&events);
    let drained = async {
        while spooled_batches(spool.path()) > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, drained)
        .await
        .expect("acknowledged batches leave the spool");
    ingest.stop().await;
    query.stop().await;
}
