//! Serving `newsline.v1.IngestService` with health and reflection, the publisher and the watcher.

use std::{future::Future, sync::Arc};

use anyhow::Context;
use newsline_proto::v1::ingest_service_server::IngestServiceServer;
use newsline_server::{DecodeErrorsAreInvalid, RequireToken, grace::serve_with_grace};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;

use crate::{
    config::ServeConfig,
    ingest::{Ingestor, Parser},
    publish::Publisher,
    spool::Spool,
    transport::{IngestApi, RequestGuard},
    watch::{Ledger, Watcher},
};

/// Room for the request fields around the document itself.
const MESSAGE_OVERHEAD_BYTES: usize = 64 * 1024;

/// Serves on `listener` with the extraction's parser until `shutdown` completes; then stops
/// accepting, ends open streams, and keeps whatever is not acknowledged in the spool.
pub async fn run(
    config: ServeConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let parser: Parser = Arc::new(crate::parse::parse_to_proto);
    serve(config, parser, listener, shutdown).await
}

/// `run` with a given parser.
pub async fn serve(
    config: ServeConfig,
    parser: Parser,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Checked first: nothing is started yet that a bad certificate would leave running.
    let mut builder =
        tonic::transport::Server::builder().max_concurrent_streams(config.max_concurrent_streams);
    if let Some(tls) = config.tls.clone() {
        builder = builder
            .tls_config(tls)
            .context("the TLS certificate or key is not usable")?;
    }
    let stop = CancellationToken::new();
    let spool = Arc::new(
        Spool::open(&config.spool_dir)
            .with_context(|| format!("cannot open the spool in {}", config.spool_dir.display()))?,
    );
    if let Some(dir) = &config.watch_dir
        && !dir.is_dir()
    {
        anyhow::bail!(
            "the folder to watch, {}, does not exist or is not a folder",
            dir.display()
        );
    }
    let (publisher, publisher_task) = Publisher::start(
        Arc::clone(&spool),
        config.publisher.clone(),
        stop.child_token(),
    )?;
    let ingestor = Ingestor::new(
        parser,
        publisher.clone(),
        config.max_document_bytes,
        config.ack_wait,
    );
    let watcher_task = match &config.watch_dir {
        Some(dir) => {
            let ledger = Ledger::open(spool.dir()).context("cannot open the watch ledger")?;
            let watcher =
                Watcher::new(dir.clone(), config.watch_interval, ingestor.clone(), ledger);
            Some(tokio::spawn(watcher.run(stop.child_token())))
        }
        None => None,
    };

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IngestServiceServer<IngestApi>>().await;
    let (reflection_v1, reflection_v1alpha) =
        newsline_proto::reflection_services(&["newsline.v1.IngestService"])?;
    let max_message_bytes = config.max_document_bytes + MESSAGE_OVERHEAD_BYTES;
    let ingest_service = IngestServiceServer::new(IngestApi::new(ingestor, stop.clone()))
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(max_message_bytes.max(64 * 1024 * 1024));
    // The token is checked before the guard reads a (possibly large) body; what passes the
    // guard and still cannot be decoded is the client's fault, not an internal error.
    let guarded = RequireToken::new(
        RequestGuard::new(
            DecodeErrorsAreInvalid::new(ingest_service),
            max_message_bytes,
            config.max_document_bytes,
        ),
        config.token.clone(),
    );

    let local_addr = listener.local_addr()?;
    // Small answers must not wait for Nagle's algorithm (a 40 ms stall per unary call).
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(
        %local_addr,
        query_addr = %config.publisher.query_addr,
        spool = %config.spool_dir.display(),
        producer_id = publisher.producer_id(),
        tls = config.tls.is_some(),
        token_required = config.token.is_some(),
        sends_query_token = config.publisher.token.is_some(),
        "serving newsline.v1.IngestService"
    );

    let stopping = {
        let stop = stop.clone();
        let health = health.clone();
        async move {
            tokio::select! {
                _ = shutdown => {}
                _ = stop.cancelled() => {}
            }
            health
                .set_not_serving::<IngestServiceServer<IngestApi>>()
                .await;
            // Ends the streams and the background tasks; graceful shutdown waits for streams.
            stop.cancel();
        }
    };
    let serve = builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(guarded)
        .serve_with_incoming_shutdown(incoming, stopping);
    let served =
        serve_with_grace(serve, stop.clone().cancelled_owned(), config.shutdown_grace).await;
    stop.cancel();
    if let Some(task) = watcher_task {
        let _ = task.await;
    }
    let _ = publisher_task.await;
    let left = publisher.status().pending;
    if left > 0 {
        tracing::info!(
            pending = left,
            spool = %config.spool_dir.display(),
            "stopped; unacknowledged batches stay in the spool for the next start"
        );
    }
    served.context("the gRPC server failed")
}
