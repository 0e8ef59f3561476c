//! Wiring: the store, the gRPC services, health, reflection and graceful shutdown.

use std::{future::Future, sync::Arc, time::Instant};

use anyhow::Context;
use newsline_server::{DecodeErrorsAreInvalid, RequireToken, grace::serve_with_grace};
use prost::Message;

use newsline_proto::v1::{
    query_service_server::QueryServiceServer, record_sink_service_server::RecordSinkServiceServer,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Server, server::TcpIncoming};
use tonic_health::ServingStatus;

use crate::{
    config::Config,
    domain::Store,
    storage::Storage,
    transport::{
        convert::batch_from_wire,
        query::QueryApi,
        routes::EncodedTimelines,
        sink::{SharedLog, SinkApi},
    },
};

/// The gRPC service names the health service reports on (besides "", the whole server).
pub const QUERY_SERVICE: &str = "newsline.v1.QueryService";
pub const RECORD_SINK_SERVICE: &str = "newsline.v1.RecordSinkService";

/// Serves on `listener` with default settings until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with(Config::default(), listener, shutdown).await
}

/// Serves on `listener` until `shutdown` completes; open streams then end with UNAVAILABLE.
pub async fn run_with(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Checked first: nothing is started yet that a bad certificate would leave running.
    let mut builder = Server::builder()
        // Publish batches are megabytes: wide HTTP/2 windows spare the producer round trips.
        .initial_stream_window_size(Some(8 << 20))
        .initial_connection_window_size(Some(16 << 20))
        .max_concurrent_streams(config.max_concurrent_streams)
        // A peer that vanished without closing its connection is found and dropped.
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)));
    if let Some(tls) = config.tls.clone() {
        builder = builder
            .tls_config(tls)
            .context("the TLS certificate or key is not usable")?;
    }
    let store = Store::new();
    let log = match &config.data_dir {
        Some(dir) => {
            Some(open_and_replay(dir.clone(), config.compact_after_bytes, store.clone()).await?)
        }
        None => {
            tracing::warn!(
                "no --data-dir (NEWSLINE_DATA_DIR): records are kept in memory only and are lost when the service stops"
            );
            None
        }
    };
    let token = CancellationToken::new();
    let (health, health_service) = tonic_health::server::health_reporter();
    for service in ["", QUERY_SERVICE, RECORD_SINK_SERVICE] {
        health
            .set_service_status(service, ServingStatus::Serving)
            .await;
    }
    let (reflection_v1, reflection_v1alpha) =
        newsline_proto::reflection_services(&[QUERY_SERVICE, RECORD_SINK_SERVICE])?;

    // With a read token, the write token reads too; without one, reading is open.
    let read_tokens = match &config.read_token {
        Some(read) => [Some(read.clone()), config.write_token.clone()]
            .into_iter()
            .flatten()
            .collect(),
        None => Vec::new(),
    };
    let query_api = Arc::new(QueryApi::new(
        store.clone(),
        token.clone(),
        config.stream_buffer,
    ));
    let query = QueryServiceServer::from_arc(Arc::clone(&query_api))
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    // Timelines and watches stream wire bytes encoded straight from the store (`transport::wire`).
    let query = EncodedTimelines::new(query, query_api, config.max_message_bytes);
    let query = RequireToken::new(DecodeErrorsAreInvalid::new(query), read_tokens);
    let mut sink_api = SinkApi::new(store, token.clone());
    if let Some(log) = &log {
        sink_api = sink_api.with_log(Arc::clone(log));
    }
    let sink = RecordSinkServiceServer::new(sink_api)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    let sink = RequireToken::new(
        DecodeErrorsAreInvalid::new(sink),
        config.write_token.clone(),
    );

    let local_addr = listener.local_addr()?;
    // Small responses must not wait for Nagle's algorithm (a 40 ms stall per unary call).
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(
        %local_addr,
        tls = config.tls.is_some(),
        write_token_required = config.write_token.is_some(),
        read_token_required = config.read_token.is_some(),
        data_dir = config.data_dir.as_ref().map(|d| d.display().to_string()),
        "query service listening"
    );
    let (stopping_tx, stopping) = tokio::sync::oneshot::channel::<()>();
    let stop = async move {
        shutdown.await;
        for service in ["", QUERY_SERVICE, RECORD_SINK_SERVICE] {
            health
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        // Ends watches and other open streams, which graceful shutdown would otherwise wait on.
        token.cancel();
        let _ = stopping_tx.send(());
        tracing::info!("query service shutting down");
    };
    let serve = builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(query)
        .add_service(sink)
        .serve_with_incoming_shutdown(incoming, stop);
    let stopping = async move {
        if stopping.await.is_err() {
            // The shutdown future was dropped unfired: only the server decides when it ends.
            std::future::pending::<()>().await;
        }
    };
    serve_with_grace(serve, stopping, config.shutdown_grace).await?;
    if let Some(storage) = log {
        // A compaction in progress finishes: not needed for safety, but its files are tidy.
        let _ = tokio::task::spawn_blocking(move || storage.wait_for_compaction()).await;
    }
    tracing::info!("query service stopped");
    Ok(())
}

/// Opens the data folder `dir`: loads the newest snapshot into `store`, then applies every
/// logged batch after it, oldest first.
async fn open_and_replay(
    dir: std::path::PathBuf,
    compact_after_bytes: u64,
    store: Store,
) -> anyhow::Result<SharedLog> {
    let replay = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let started = Instant::now();
        let (storage, recovery) = Storage::open(&dir, compact_after_bytes)?;
        let snapshot_events = recovery.snapshot.as_ref().map_or(0, |s| s.events.len());
        let snapshot_articles = recovery.snapshot.as_ref().map_or(0, |s| s.articles.len());
        if let Some(snapshot) = recovery.snapshot {
            store
                .restore(snapshot)
                .context("the snapshot does not hang together")?;
        }
        let snapshot_seconds = started.elapsed().as_secs_f64();
        let (mut applied, mut in_snapshot, mut skipped) = (0usize, 0usize, 0usize);
        for (index, record) in recovery.records.iter().enumerate() {
            let outcome = newsline_proto::v1::PublishRequest::decode(record.as_slice())
                .map_err(|error| error.to_string())
                .and_then(|request| batch_from_wire(request).map_err(|error| error.to_string()))
                .and_then(|batch| store.publish(batch).map_err(|error| error.to_string()));
            match outcome {
                // Applied between a compaction's log switch and its copy: already in the snapshot.
                Ok(outcome) if outcome.duplicate => in_snapshot += 1,
                Ok(_) => applied += 1,
                Err(reason) => {
                    skipped += 1;
                    tracing::warn!(record = index, %reason, "skipped a logged batch that no longer applies");
                }
            }
        }
        tracing::info!(
            snapshot_events,
            snapshot_articles,
            snapshot_bytes = recovery.snapshot_bytes,
            snapshot_seconds,
            log_files = recovery.log_files,
            log_bytes = recovery.log_bytes,
            log_batches = applied,
            log_batches_in_snapshot = in_snapshot,
            log_batches_skipped = skipped,
            revision = store.revision(),
            seconds = started.elapsed().as_secs_f64(),
            "loaded the data folder"
        );
        // A long log left by a previous run (or by an older version) is compacted right away.
        storage.compact_in_background_if_due(&store);
        Ok(storage)
    });
    replay.await.context("loading the data folder failed")?
}
