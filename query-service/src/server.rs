//! Wiring: the store, the gRPC services, health, reflection and graceful shutdown.

use std::future::Future;

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
    transport::{query::QueryApi, sink::SinkApi},
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
    let store = Store::new();
    let token = CancellationToken::new();
    let (health, health_service) = tonic_health::server::health_reporter();
    for service in ["", QUERY_SERVICE, RECORD_SINK_SERVICE] {
        health
            .set_service_status(service, ServingStatus::Serving)
            .await;
    }
    let (reflection_v1, reflection_v1alpha) =
        newsline_proto::reflection_services(&[QUERY_SERVICE, RECORD_SINK_SERVICE])?;

    let query = QueryServiceServer::new(QueryApi::new(
        store.clone(),
        token.clone(),
        config.stream_buffer,
    ))
    .max_decoding_message_size(config.max_message_bytes)
    .max_encoding_message_size(config.max_message_bytes);
    let sink = RecordSinkServiceServer::new(SinkApi::new(store, token.clone()))
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);

    let local_addr = listener.local_addr()?;
    // Small responses must not wait for Nagle's algorithm (a 40 ms stall per unary call).
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(%local_addr, "query service listening");
    let stop = async move {
        shutdown.await;
        for service in ["", QUERY_SERVICE, RECORD_SINK_SERVICE] {
            health
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        // Ends watches and other open streams, which graceful shutdown would otherwise wait on.
        token.cancel();
        tracing::info!("query service shutting down");
    };
    Server::builder()
        // Publish batches are megabytes: wide HTTP/2 windows spare the producer round trips.
        .initial_stream_window_size(Some(8 << 20))
        .initial_connection_window_size(Some(16 << 20))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(query)
        .add_service(sink)
        .serve_with_incoming_shutdown(incoming, stop)
        .await?;
    tracing::info!("query service stopped");
    Ok(())
}
