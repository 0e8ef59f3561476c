//! A server fault while applying a batch is answered INTERNAL, never as a bad batch: publishers
//! set aside what is refused as invalid, so a server bug must not look like bad data. Nothing of
//! the batch is applied or logged, and the same batch is accepted once the fault is gone.

mod common;

use common::*;
use newsline_proto::v1 as pb;
use newsline_query::{Config, domain::fault, storage::Storage};
use tonic::Code;

const PRODUCER: &str = "apply-panic-test";

fn faulty_batch() -> pb::PublishRequest {
    pb::PublishRequest {
        producer_id: PRODUCER.into(),
        ..fixture_batch(1)
    }
}

async fn stats(server: &TestServer) -> pb::GetStatsResponse {
    server
        .query()
        .await
        .get_stats(pb::GetStatsRequest::default())
        .await
        .unwrap()
        .into_inner()
}

/// The batch records in the data folder (the server must be stopped).
fn logged_batches(dir: &std::path::Path) -> usize {
    let (_storage, recovery) = Storage::open(dir, u64::MAX).unwrap();
    recovery.records.len()
}

#[tokio::test]
async fn a_panicking_apply_is_internal_and_the_batch_is_accepted_after_the_fault_clears() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..Config::default()
    };

    let server = TestServer::start_with(config.clone()).await;
    let armed = fault::panic_when_applying(PRODUCER);
    let (acks, error) = server.publish(vec![faulty_batch()]).await;
    assert!(acks.is_empty(), "acknowledged despite the fault: {acks:?}");
    let status = error.expect("the publish stream ends with an error");
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    let after_fault = stats(&server).await;
    assert_eq!(
        (after_fault.events, after_fault.revision),
        (0, 0),
        "something of the batch was applied"
    );
    server.stop().await;
    assert_eq!(logged_batches(dir.path()), 0, "the batch was logged");

    drop(armed);
    let server = TestServer::start_with(config).await;
    let acks = server.publish_ok(vec![faulty_batch()]).await;
    assert!(!acks[0].duplicate, "the retry was taken for a resent batch");
    assert_eq!(acks[0].events_upserted, 5);
    assert_eq!(stats(&server).await.events, 5);
    server.stop().await;
    assert_eq!(logged_batches(dir.path()), 1);
}
