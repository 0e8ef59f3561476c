//! Access control and TLS on the ingest service and on its connection to the query service:
//! IngestService calls need the write token, health and reflection stay open, a refused call
//! learns nothing but UNAUTHENTICATED, and records travel over TLS with the token to a query
//! service that requires both.

mod support;

use std::{net::SocketAddr, path::Path, time::Duration};

use newsline_ingest::config::ServeConfig;
use newsline_proto::v1::{
    IngestDocumentRequest, ParseDocumentRequest, StreamTimelineRequest,
    ingest_service_client::IngestServiceClient, query_service_client::QueryServiceClient,
    query_service_server::QueryServiceServer, record_sink_service_server::RecordSinkServiceServer,
};
use newsline_query::{
    domain::Store,
    transport::{query::QueryApi, sink::SinkApi},
};
use newsline_server::{BearerInterceptor, RequireToken, Token};
use support::*;
use tokio::{sync::oneshot, task::JoinHandle};
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{
    Code,
    service::interceptor::InterceptedService,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint},
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

const WRITE_TOKEN: &str = "ingest-write-0123456789";
const QUERY_TOKEN: &str = "query-write-9876543210";
const DOCUMENT: &str = "Minsk, 12 May 2015. President Alexander Lukashenka met Chinese President Xi Jinping in Minsk on 10 May 2015.";

fn token(secret: &str) -> Token {
    Token::parse(secret, "a test").unwrap()
}

/// A self-signed certificate for `localhost`, written as PEM files into `dir`:
/// (certificate, key); the certificate is its own authority.
fn self_signed(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

async fn ingest_with_token(
    addr: SocketAddr,
    secret: Option<&str>,
) -> IngestServiceClient<InterceptedService<Channel, BearerInterceptor>> {
    IngestServiceClient::with_interceptor(
        channel(addr).await,
        BearerInterceptor::new(secret.map(token)),
    )
}

fn parse_request() -> ParseDocumentRequest {
    ParseDocumentRequest {
        text: DOCUMENT.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_calls_need_the_token_while_health_and_reflection_stay_open() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &query.url());
    config.token = Some(token(WRITE_TOKEN));
    let ingest = start_ingest(config).await;

    for presented in [None, Some("wrong-token"), Some("ingest-write-012345678")] {
        let status = ingest_with_token(ingest.addr, presented)
            .await
            .parse_document(parse_request())
            .await
            .expect_err("refused without the right token");
        assert_eq!(status.code(), Code::Unauthenticated, "{presented:?}");
        assert_eq!(status.message(), "unauthenticated", "no detail is given");
    }
    let status = ingest_with_token(ingest.addr, None)
        .await
        .ingest_document(IngestDocumentRequest {
            text: DOCUMENT.into(),
            ..Default::default()
        })
        .await
        .expect_err("a write without a token is refused");
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        timeline(query.addr).await.is_empty(),
        "a refused write stores nothing"
    );

    // A refused call does not need a valid body: the token is checked before the body is read.
    let mut raw = ingest_with_token(ingest.addr, Some("nope")).await;
    let huge = "x".repeat(9 * 1024 * 1024);
    let status = raw
        .parse_document(ParseDocumentRequest {
            text: huge,
            ..Default::default()
        })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::Unauthenticated);

    let parsed = ingest_with_token(ingest.addr, Some(WRITE_TOKEN))
        .await
        .parse_document(parse_request())
        .await
        .expect("the right token passes")
        .into_inner();
    assert_eq!(parsed.events.len(), 1);

    let health = HealthClient::new(channel(ingest.addr).await)
        .check(HealthCheckRequest {
            service: "newsline.v1.IngestService".into(),
        })
        .await
        .expect("health needs no token")
        .into_inner();
    assert_eq!(health.status(), ServingStatus::Serving);
    let listed = list_services(ingest.addr).await;
    assert!(
        listed.contains(&"newsline.v1.IngestService".to_string()),
        "{listed:?}"
    );
    ingest.stop().await;
    query.stop().await;
}

/// The services reflection lists, asked without a token.
async fn list_services(addr: SocketAddr) -> Vec<String> {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(channel(addr).await)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection needs no token")
        .into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer {other:?}"),
    }
}

/// A query service that needs `QUERY_TOKEN` for writes, over TLS when `tls` is given; built
/// from the query service's own store and handlers.
struct GuardedQuery {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

async fn start_guarded_query(tls: Option<(&Path, &Path)>) -> GuardedQuery {
    let listener = listener("127.0.0.1:0").await;
    let addr = listener.local_addr().unwrap();
    let store = Store::new();
    let stop = CancellationToken::new();
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let mut builder = tonic::transport::Server::builder();
    if let Some((cert, key)) = tls {
        builder = builder
            .tls_config(newsline_server::server_tls(cert, key).unwrap())
            .unwrap();
    }
    let router = builder
        .add_service(health_service)
        .add_service(QueryServiceServer::new(QueryApi::new(
            store.clone(),
            stop.clone(),
            64,
        )))
        .add_service(RequireToken::new(
            RecordSinkServiceServer::new(SinkApi::new(store, stop.clone())),
            [token(QUERY_TOKEN)],
        ));
    let (ready_tx, ready) = oneshot::channel();
    let shutdown = stop.clone();
    let task = tokio::spawn(async move {
        let _ = ready_tx.send(());
        router
            .serve_with_incoming_shutdown(
                TcpListenerStream::new(listener),
                shutdown.cancelled_owned(),
            )
            .await
            .unwrap();
    });
    ready.await.unwrap();
    GuardedQuery { addr, stop, task }
}

impl GuardedQuery {
    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

fn tls_channel(addr: SocketAddr, ca: &Path) -> Channel {
    Endpoint::from_shared(format!("https://localhost:{}", addr.port()))
        .unwrap()
        .tls_config(
            ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(std::fs::read(ca).unwrap())),
        )
        .unwrap()
        .timeout(PATIENCE)
        .connect_lazy()
}

/// Polls a TLS health service until it answers SERVING (readiness is never slept on).
async fn wait_serving_tls(addr: SocketAddr, ca: &Path) {
    let poll = async {
        loop {
            let answer = HealthClient::new(tls_channel(addr, ca))
                .check(HealthCheckRequest::default())
                .await;
            if answer.is_ok_and(|a| a.into_inner().status() == ServingStatus::Serving) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .expect("the TLS server reports SERVING");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_travel_over_tls_with_tokens_on_both_hops() {
    let certs = tempfile::tempdir().unwrap();
    let (query_cert, query_key) = self_signed(certs.path(), "query");
    let (ingest_cert, ingest_key) = self_signed(certs.path(), "ingest");
    let query = start_guarded_query(Some((&query_cert, &query_key))).await;
    wait_serving_tls(query.addr, &query_cert).await;

    let spool = tempfile::tempdir().unwrap();
    let query_url = format!("https://localhost:{}", query.addr.port());
    let mut config: ServeConfig = ingest_config(spool.path(), &query_url);
    config.publisher.token = Some(token(QUERY_TOKEN));
    config.publisher.tls = Some(newsline_server::client_tls(&query_cert, None).unwrap());
    config.token = Some(token(WRITE_TOKEN));
    config.tls = Some(newsline_server::server_tls(&ingest_cert, &ingest_key).unwrap());

    let listener = listener("127.0.0.1:0").await;
    let ingest_addr = listener.local_addr().unwrap();
    let (stop_ingest, stopped) = oneshot::channel::<()>();
    let ingest_task = tokio::spawn(newsline_ingest::server::run(config, listener, async move {
        let _ = stopped.await;
    }));
    wait_serving_tls(ingest_addr, &ingest_cert).await;

    // The container health check speaks TLS when given the authority.
    let healthcheck = |ca: Option<&Path>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ingest-service"));
        command
            .args(["healthcheck", "--addr"])
            .arg(format!("https://localhost:{}", ingest_addr.port()))
            .env_remove("NEWSLINE_HEALTHCHECK_CA")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(ca) = ca {
            command.arg("--ca").arg(ca);
        }
        command.status().unwrap()
    };
    assert!(healthcheck(Some(&ingest_cert)).success());
    assert!(!healthcheck(None).success());

    // A plaintext client cannot talk to the TLS server.
    let plaintext = IngestServiceClient::new(channel(ingest_addr).await)
        .parse_document(parse_request())
        .await;
    assert!(plaintext.is_err(), "plaintext reached a TLS-only server");

    let mut client = IngestServiceClient::with_interceptor(
        tls_channel(ingest_addr, &ingest_cert),
        BearerInterceptor::new(Some(token(WRITE_TOKEN))),
    );
    let answer = client
        .ingest_document(IngestDocumentRequest {
            text: DOCUMENT.into(),
            source_uri: "https://example.org/minsk-xi".into(),
            ..Default::default()
        })
        .await
        .expect("ingested over TLS with the token")
        .into_inner();
    assert!(
        !answer.spooled,
        "the query service acknowledged it over TLS"
    );
    assert_eq!(answer.event_count, 1);

    let mut items = QueryServiceClient::new(tls_channel(query.addr, &query_cert))
        .stream_timeline(StreamTimelineRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while let Some(item) = items.message().await.unwrap() {
        events.push(item.event.unwrap());
    }
    assert_eq!(events.len(), 1);
    assert!(events[0].sentence.contains("Xi Jinping"));

    let _ = stop_ingest.send(());
    tokio::time::timeout(PATIENCE, ingest_task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_without_the_query_token_keeps_its_batches_spooled() {
    let query = start_guarded_query(None).await;
    wait_serving(query.addr).await;
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &format!("http://{}", query.addr));
    config.ack_wait = Duration::from_millis(500);
    config.publisher.token = Some(token("not-the-query-token"));
    let ingest = start_ingest(config).await;
    let answer = ingest_client(ingest.addr)
        .await
        .ingest_document(IngestDocumentRequest {
            text: DOCUMENT.into(),
            ..Default::default()
        })
        .await
        .expect("accepted into the spool")
        .into_inner();
    assert!(answer.spooled, "refused by the query service, so spooled");
    assert_eq!(spooled_batches(spool.path()), 1, "nothing accepted is lost");
    assert!(timeline(query.addr).await.is_empty());
    ingest.stop().await;

    // The same spool with the right token delivers it.
    let mut config = ingest_config(spool.path(), &format!("http://{}", query.addr));
    config.publisher.token = Some(token(QUERY_TOKEN));
    let ingest = start_ingest(config).await;
    let poll = async {
        while spooled_batches(spool.path()) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .expect("the spool drains once the token is right");
    assert_eq!(timeline(query.addr).await.len(), 1);
    ingest.stop().await;
    query.stop().await;
}

#[test]
fn serve_refuses_to_start_with_unusable_security_settings() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-token");
    std::fs::write(&empty, "\n").unwrap();
    let not_pem = dir.path().join("cert.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let spool = dir.path().join("spool");
    let spool = spool.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--token-file", empty.to_str().unwrap()], "is empty"),
        (
            &["--token-file", "/nonexistent/token"],
            "cannot read the token file",
        ),
        (
            &[
                "--tls-cert",
                not_pem.to_str().unwrap(),
                "--tls-key",
                not_pem.to_str().unwrap(),
            ],
            "holds no PEM block",
        ),
        (&["--tls-cert", not_pem.to_str().unwrap()], "--tls-key"),
    ];
    for (flags, expected) in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ingest-service"))
            .args(["serve", "--listen", "127.0.0.1:0", "--spool-dir", spool])
            .args(flags)
            .env_remove("NEWSLINE_TOKEN")
            .env_remove("NEWSLINE_QUERY_TOKEN")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{flags:?} started");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}
