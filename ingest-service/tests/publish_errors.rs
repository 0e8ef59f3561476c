//! The publisher keeps a batch the query service failed on (INTERNAL, as a panicking apply
//! answers, or UNAVAILABLE) in the spool, and delivers it once the fault clears; only a judgement
//! of the batch itself sets it aside. The faulty sink is a stand-in `RecordSinkService` in front
//! of the real query service: it receives the batch, answers the fault, and later forwards.

mod support;

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use futures::{Stream, StreamExt};
use newsline_ingest::{
    publish::{Delivery, Publisher, PublisherConfig, await_delivery},
    spool::Spool,
};
use newsline_proto::v1::{
    Article, DateRange, Event, EventKind, PublishRequest, PublishResponse,
    record_sink_service_client::RecordSinkServiceClient,
    record_sink_service_server::{RecordSinkService, RecordSinkServiceServer},
};
use support::*;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status, Streaming};

/// While `faulty` is set, answers `fault` to every Publish stream after receiving its first
/// batch (as the query service does when applying that batch fails); once cleared, forwards every
/// stream to the real query service at `upstream`.
struct FaultySink {
    fault: Code,
    faulty: Arc<AtomicBool>,
    streams: Arc<AtomicUsize>,
    upstream: String,
}

type Acks = Pin<Box<dyn Stream<Item = Result<PublishResponse, Status>> + Send>>;

#[tonic::async_trait]
impl RecordSinkService for FaultySink {
    type PublishStream = Acks;

    async fn publish(
        &self,
        request: Request<Streaming<PublishRequest>>,
    ) -> Result<Response<Acks>, Status> {
        let mut batches = request.into_inner();
        self.streams.fetch_add(1, Ordering::SeqCst);
        if self.faulty.load(Ordering::SeqCst) {
            let fault = Status::new(self.fault, "applying the batch failed (a stand-in fault)");
            let answer = async move {
                let _ = batches.message().await;
                Err(fault)
            };
            return Ok(Response::new(Box::pin(futures::stream::once(answer))));
        }
        let mut upstream = RecordSinkServiceClient::connect(self.upstream.clone())
            .await
            .map_err(|err| Status::unavailable(err.to_string()))?;
        let forwarded = batches.take_while(|batch| std::future::ready(batch.is_ok()));
        let acks = upstream
            .publish(forwarded.filter_map(|batch| std::future::ready(batch.ok())))
            .await?
            .into_inner();
        Ok(Response::new(Box::pin(acks)))
    }
}

struct StandIn {
    url: String,
    streams: Arc<AtomicUsize>,
    faulty: Arc<AtomicBool>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

async fn start_faulty_sink(fault: Code, upstream: &Running) -> StandIn {
    let listener = listener("127.0.0.1:0").await;
    let url = format!("http://{}", listener.local_addr().unwrap());
    let streams = Arc::new(AtomicUsize::new(0));
    let faulty = Arc::new(AtomicBool::new(true));
    let sink = FaultySink {
        fault,
        faulty: Arc::clone(&faulty),
        streams: Arc::clone(&streams),
        upstream: upstream.url(),
    };
    let stop = CancellationToken::new();
    let shutdown = stop.clone().cancelled_owned();
    // The listener is bound already, so the publisher's first connection waits in its backlog.
    let task = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(RecordSinkServiceServer::new(sink))
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
            .await
            .unwrap();
    });
    StandIn {
        url,
        streams,
        faulty,
        stop,
        task,
    }
}

impl StandIn {
    fn clear_the_fault(&self) {
        self.faulty.store(false, Ordering::SeqCst);
    }

    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

fn batch(n: usize) -> PublishRequest {
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

fn rejected_batches(spool: &std::path::Path) -> usize {
    std::fs::read_dir(spool.join("rejected"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".batch"))
                .count()
        })
        .unwrap_or(0)
}

/// Polls until `done` holds (never sleeps for an answer it could wait on).
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let poll = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("never: {what}"));
}

async fn a_server_fault_keeps_the_batch_until_it_clears(fault: Code) {
    const FAULTS: usize = 3;
    let query = start_query().await;
    let sink = start_faulty_sink(fault, &query).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let config = PublisherConfig {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        ..PublisherConfig::new(sink.url.clone())
    };
    let (publisher, task) = Publisher::start(spool, config, stop.clone()).unwrap();
    let submitted = publisher.submit(batch(1)).await.unwrap();

    // While the fault lasts, the batch is retried, neither delivered nor set aside, and its
    // submitter learns that it waits in the spool.
    let streams = Arc::clone(&sink.streams);
    wait_until("the fault is answered several times", || {
        streams.load(Ordering::SeqCst) > FAULTS
    })
    .await;
    assert_eq!(
        await_delivery(submitted.delivery, PATIENCE).await,
        Delivery::Spooled,
        "{fault:?}"
    );
    let status = publisher.status();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (1, 0, 0),
        "{fault:?}"
    );
    assert_eq!(spooled_batches(dir.path()), 1, "{fault:?}: still spooled");
    assert_eq!(rejected_batches(dir.path()), 0, "{fault:?}: not rejected");
    assert!(timeline(query.addr).await.is_empty());

    sink.clear_the_fault();
    let status = publisher
        .flush(PATIENCE)
        .await
        .unwrap_or_else(|status| panic!("{fault:?}: not delivered after the fault: {status:?}"));
    assert_eq!((status.acknowledged, status.rejected), (1, 0), "{fault:?}");
    assert_eq!(spooled_batches(dir.path()), 0);
    assert_eq!(rejected_batches(dir.path()), 0);
    let ids: Vec<_> = timeline(query.addr)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [format!("event:{:016x}", 1)], "{fault:?}");
    stop.cancel();
    task.await.unwrap();
    sink.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_keeps_the_batch_spooled_and_it_is_delivered_after_the_fault_clears() {
    a_server_fault_keeps_the_batch_until_it_clears(Code::Internal).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_keeps_the_batch_spooled_and_it_is_delivered_after_the_fault_clears() {
    a_server_fault_keeps_the_batch_until_it_clears(Code::Unavailable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_argument_from_the_sink_sets_the_batch_aside() {
    let query = start_query().await;
    let sink = start_faulty_sink(Code::InvalidArgument, &query).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(dir.path()).unwrap());
    let stop = CancellationToken::new();
    let (publisher, task) =
        Publisher::start(spool, PublisherConfig::new(sink.url.clone()), stop.clone()).unwrap();
    let refused = publisher.submit(batch(1)).await.unwrap();
    match await_delivery(refused.delivery, PATIENCE).await {
        Delivery::Rejected { reason } => assert!(reason.contains("stand-in"), "{reason}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(rejected_batches(dir.path()), 1);
    assert_eq!(sink.streams.load(Ordering::SeqCst), 1, "not retried");
    // The next batch goes through the same sink, now forwarding.
    sink.clear_the_fault();
    let accepted = publisher.submit(batch(2)).await.unwrap();
    assert_eq!(
        await_delivery(accepted.delivery, PATIENCE).await,
        Delivery::Acknowledged
    );
    assert_eq!(spooled_batches(dir.path()), 0);
    stop.cancel();
    task.await.unwrap();
    sink.stop().await;
    query.stop().await;
}
