//! `--max-concurrent-streams` on both servers: calls past the limit on one connection wait (the
//! HTTP/2 client holds them back, as the server's SETTINGS ask) and go ahead as soon as an earlier
//! call ends, never failing; another connection has a limit of its own.
//!
//! That the extra calls are still waiting is checked after many round trips on another connection
//! have finished, which an unrestrained call would have outrun; no test sleeps, and every wait is
//! bounded by a timeout that fails the test.

mod support;

use std::{net::SocketAddr, time::Duration};

use futures::future::join_all;
use newsline_proto::v1::{
    GetStatsRequest, IngestDocumentsRequest, ParseDocumentRequest, WatchTimelineRequest,
    ingest_service_client::IngestServiceClient, query_service_client::QueryServiceClient,
};
use support::*;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};

/// The limit under test: small, so a few calls fill a connection.
const LIMIT: u32 = 2;
/// Calls sent past the limit on the crowded connection.
const EXTRA: usize = 3;
/// Calls finished on other connections while the extra ones must still be waiting.
const ROUND_TRIPS: usize = 20;

/// One HTTP/2 connection (a tonic `Channel` to one endpoint never opens a second).
async fn connection(addr: SocketAddr) -> Channel {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(5));
    tokio::time::timeout(PATIENCE, endpoint.connect())
        .await
        .expect("connects within the bound")
        .expect("connects")
}

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {PATIENCE:?}"))
}

/// Asserts that none of `extra` has finished, then that each finishes with success once
/// `release` has ended one of the calls holding the connection.
async fn assert_extra_calls_wait_then_succeed<E: std::fmt::Debug>(
    extra: Vec<JoinHandle<Result<(), E>>>,
    release: impl Future<Output = ()>,
) {
    for (n, call) in extra.iter().enumerate() {
        assert!(
            !call.is_finished(),
            "extra call {n} finished while the connection was at its limit"
        );
    }
    release.await;
    for (n, result) in bounded("the extra calls", join_all(extra))
        .await
        .into_iter()
        .enumerate()
    {
        result
            .expect("the call task does not panic")
            .unwrap_or_else(|status| {
                panic!("extra call {n} failed instead of waiting: {status:?}")
            });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_calls_past_the_limit_wait_for_a_stream_of_their_own_connection() {
    let listener = listener("127.0.0.1:0").await;
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = newsline_query::Config {
        max_concurrent_streams: LIMIT,
        ..Default::default()
    };
    let server = tokio::spawn(newsline_query::run_with(config, listener, async move {
        let _ = stopped.await;
    }));
    wait_serving(addr).await;

    // Watches never end by themselves: each holds a stream of its connection.
    let watch = |channel: Channel| async move {
        bounded(
            "opening a watch",
            QueryServiceClient::new(channel).watch_timeline(WatchTimelineRequest::default()),
        )
        .await
        .expect("a watch within the limit opens")
        .into_inner()
    };
    let crowded = connection(addr).await;
    let mut holders = Vec::new();
    for _ in 0..LIMIT {
        holders.push(watch(crowded.clone()).await);
    }
    let extra: Vec<_> = (0..EXTRA)
        .map(|_| {
            let mut client = QueryServiceClient::new(crowded.clone());
            tokio::spawn(async move { client.get_stats(GetStatsRequest {}).await.map(drop) })
        })
        .collect();

    // Another connection opens as many streams again: the limit is per connection.
    let other = connection(addr).await;
    let mut other_holders = Vec::new();
    for _ in 0..LIMIT {
        other_holders.push(watch(other.clone()).await);
    }
    let mut third = QueryServiceClient::new(connection(addr).await);
    for _ in 0..ROUND_TRIPS {
        bounded(
            "a call on a third connection",
            third.get_stats(GetStatsRequest {}),
        )
        .await
        .expect("other connections are served meanwhile");
    }

    // Ending one watch (the client resets its stream) frees a stream for the waiting calls.
    assert_extra_calls_wait_then_succeed(extra, async {
        drop(holders.pop());
    })
    .await;
    // The remaining watches were not disturbed: the crowded connection still has a free slot
    // and uses it.
    bounded(
        "a call after the extra ones",
        QueryServiceClient::new(crowded.clone()).get_stats(GetStatsRequest {}),
    )
    .await
    .expect("the crowded connection serves again");

    drop((holders, other_holders));
    let _ = stop.send(());
    bounded("the query service stopping", server)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_calls_past_the_limit_wait_for_a_stream_of_their_own_connection() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &query.url());
    config.max_concurrent_streams = LIMIT;
    let ingest = start_ingest(config).await;
    let (_, seed) = seeds().remove(0);

    // A bulk stream whose client keeps its side open holds a stream of its connection.
    struct Holder {
        documents: mpsc::Sender<IngestDocumentsRequest>,
        answers: tonic::Streaming<newsline_proto::v1::IngestDocumentsResponse>,
    }
    let bulk = |channel: Channel| async move {
        let (documents, receiver) = mpsc::channel(1);
        let answers = bounded(
            "opening a bulk stream",
            IngestServiceClient::new(channel).ingest_documents(ReceiverStream::new(receiver)),
        )
        .await
        .expect("a bulk stream within the limit opens")
        .into_inner();
        Holder { documents, answers }
    };
    let parse = |channel: Channel, text: Vec<u8>| async move {
        IngestServiceClient::new(channel)
            .parse_document(ParseDocumentRequest {
                raw: text,
                ..Default::default()
            })
            .await
            .map(drop)
    };

    let crowded = connection(ingest.addr).await;
    let mut holders = Vec::new();
    for _ in 0..LIMIT {
        holders.push(bulk(crowded.clone()).await);
    }
    let extra: Vec<_> = (0..EXTRA)
        .map(|_| tokio::spawn(parse(crowded.clone(), seed.clone())))
        .collect();

    let other = connection(ingest.addr).await;
    let mut other_holders = Vec::new();
    for _ in 0..LIMIT {
        other_holders.push(bulk(other.clone()).await);
    }
    let third = connection(ingest.addr).await;
    for _ in 0..ROUND_TRIPS {
        bounded(
            "a call on a third connection",
            parse(third.clone(), b"Minsk, 2 May 2015.".to_vec()),
        )
        .await
        .expect("other connections are served meanwhile");
    }

    // A bulk stream that ends normally (its client closes its side, the server answers the rest
    // and ends) frees a stream for the waiting calls.
    let mut first = holders.remove(0);
    assert_extra_calls_wait_then_succeed(extra, async {
        first
            .documents
            .send(IngestDocumentsRequest {
                raw: seed.clone(),
                tag: "last".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        drop(first.documents);
        let answer = bounded("the bulk answer", first.answers.message())
            .await
            .expect("the bulk stream answers")
            .expect("one answer");
        assert_eq!(answer.tag, "last");
        assert!(answer.error.is_none(), "{answer:?}");
        let end = bounded("the bulk stream's end", first.answers.message()).await;
        assert!(matches!(end, Ok(None)), "{end:?}");
    })
    .await;

    drop((holders, other_holders));
    ingest.stop().await;
    query.stop().await;
}
