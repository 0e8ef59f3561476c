//! Real servers on 127.0.0.1:0 for the ingest service's integration tests, and the clients to
//! read what arrived. Readiness is polled through the gRPC health service, never slept on.

#![allow(dead_code)]

use std::{
    collections::BTreeSet,
    future::Future,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use newsline_ingest::{config::ServeConfig, publish::PublisherConfig};
use newsline_proto::v1::{
    Event, ParseDocumentRequest, StreamTimelineRequest, ingest_service_client::IngestServiceClient,
    query_service_client::QueryServiceClient,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Every wait in these tests ends by this bound, so a failure never hangs.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds")
}

/// The seed documents: (file name, bytes).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<_> = std::fs::read_dir(seeds_dir())
        .expect("the seeds folder exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seed documents");
    seeds
}

/// A server running in this process, stopped by firing its shutdown future.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Fires the shutdown and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let finished = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the server stops within the bound");
        finished
            .expect("the server task does not panic")
            .expect("the server ends without error");
    }
}

fn shutdown_pair() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    (stop, async move {
        let _ = stopped.await;
    })
}

pub async fn listener(addr: &str) -> TcpListener {
    TcpListener::bind(addr).await.expect("bind a loopback port")
}

/// A port on which nothing listens (bound, then released).
pub async fn unused_addr() -> SocketAddr {
    listener("127.0.0.1:0").await.local_addr().unwrap()
}

pub async fn start_query_on(listener: TcpListener) -> Running {
    let addr = listener.local_addr().unwrap();
    let (stop, shutdown) = shutdown_pair();
    let task = tokio::spawn(newsline_query::run(listener, shutdown));
    wait_serving(addr).await;
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

pub async fn start_query() -> Running {
    start_query_on(listener("127.0.0.1:0").await).await
}

/// A configuration with short retry delays and acknowledgement waits, for tests.
pub fn ingest_config(spool_dir: &Path, query_addr: &str) -> ServeConfig {
    let mut config = ServeConfig::new(spool_dir.to_path_buf(), query_addr);
    config.watch_interval = Duration::from_millis(100);
    config.ack_wait = Duration::from_secs(5);
    config.publisher = PublisherConfig {
        connect_timeout: Duration::from_secs(2),
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(300),
        ..PublisherConfig::new(query_addr)
    };
    config
}

pub async fn start_ingest(config: ServeConfig) -> Running {
    let listener = listener("127.0.0.1:0").await;
    let addr = listener.local_addr().unwrap();
    let (stop, shutdown) = shutdown_pair();
    let task = tokio::spawn(newsline_ingest::server::run(config, listener, shutdown));
    wait_serving(addr).await;
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

pub async fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .timeout(PATIENCE)
        .connect_lazy()
}

/// Polls the health service until the server reports SERVING.
pub async fn wait_serving(addr: SocketAddr) {
    let poll = async {
        loop {
            let mut client = HealthClient::new(channel(addr).await);
            if let Ok(response) = client
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                && response.into_inner().status() == ServingStatus::Serving
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("{addr} never reported SERVING"));
}

pub async fn ingest_client(addr: SocketAddr) -> IngestServiceClient<Channel> {
    IngestServiceClient::new(channel(addr).await)
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024)
}

pub async fn query_client(addr: SocketAddr) -> QueryServiceClient<Channel> {
    QueryServiceClient::new(channel(addr).await).max_decoding_message_size(64 * 1024 * 1024)
}

/// The whole timeline of the query service at `addr`.
pub async fn timeline(addr: SocketAddr) -> Vec<Event> {
    let mut client = query_client(addr).await;
    let mut stream = client
        .stream_timeline(StreamTimelineRequest::default())
        .await
        .expect("StreamTimeline answers")
        .into_inner();
    let mut events = Vec::new();
    while let Some(item) = stream.message().await.expect("the timeline streams") {
        events.push(item.event.expect("every item has an event"));
    }
    events
}

/// The event ids a dry run of the document yields.
pub async fn expected_event_ids(ingest: SocketAddr, text: &[u8]) -> BTreeSet<String> {
    let parsed = ingest_client(ingest)
        .await
        .parse_document(ParseDocumentRequest {
            raw: text.to_vec(),
            ..Default::default()
        })
        .await
        .expect("ParseDocument answers")
        .into_inner();
    parsed.events.into_iter().map(|e| e.id).collect()
}

/// Polls the timeline until every id of `expected` is in it; returns the timeline.
pub async fn wait_for_events(query: SocketAddr, expected: &BTreeSet<String>) -> Vec<Event> {
    let poll = async {
        loop {
            let events = timeline(query).await;
            let ids: BTreeSet<_> = events.iter().map(|e| e.id.clone()).collect();
            if expected.is_subset(&ids) {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    match tokio::time::timeout(PATIENCE, poll).await {
        Ok(events) => events,
        Err(_) => {
            let ids: BTreeSet<_> = timeline(query).await.into_iter().map(|e| e.id).collect();
            let missing: Vec<_> = expected.difference(&ids).collect();
            panic!("events never arrived: {missing:?}");
        }
    }
}

/// Fails when an event id occurs twice.
pub fn assert_no_duplicates(events: &[Event]) {
    let mut seen = BTreeSet::new();
    for event in events {
        assert!(seen.insert(&event.id), "event {} is duplicated", event.id);
    }
}

/// The batch files waiting in a spool folder.
pub fn spooled_batches(spool: &Path) -> usize {
    std::fs::read_dir(spool.join("batches"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".batch"))
                .count()
        })
        .unwrap_or(0)
}

/// A query service with `config` (for example a write token) on 127.0.0.1:0.
pub async fn start_query_with(config: newsline_query::Config) -> Running {
    let listener = listener("127.0.0.1:0").await;
    let addr = listener.local_addr().unwrap();
    let (stop, shutdown) = shutdown_pair();
    let task = tokio::spawn(newsline_query::run_with(config, listener, shutdown));
    wait_serving(addr).await;
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}
