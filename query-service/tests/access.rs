//! Tokens and TLS on the query service: publishing needs the write token, reading the read token
//! (or the write token), refusals say nothing but UNAUTHENTICATED, health stays open, and the
//! whole server speaks TLS only when given a certificate.

mod common;

use std::time::Duration;

use common::*;
use newsline_proto::v1::{
    self as pb, query_service_client::QueryServiceClient,
    record_sink_service_client::RecordSinkServiceClient,
};
use newsline_server::{BearerInterceptor, Token};
use tokio::sync::oneshot;
use tonic::{
    Code,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint},
};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

const WRITE: &str = "write-token-for-tests";
const READ: &str = "read-token-for-tests";

fn token(secret: &str) -> Token {
    Token::parse(secret, "a test").unwrap()
}

struct Server {
    port: u16,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start(config: newsline_query::Config) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(newsline_query::run_with(config, listener, async {
        let _ = stopped.await;
    }));
    Server { port, stop, task }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

/// Polls health until SERVING; health needs no token.
async fn wait_serving(channel: Channel) {
    let poll = async {
        loop {
            let answer = HealthClient::new(channel.clone())
                .check(HealthCheckRequest::default())
                .await;
            if answer.is_ok_and(|a| a.into_inner().status == 1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("the server reports SERVING");
}

async fn read_with(channel: Channel, secret: Option<&str>) -> Result<u64, tonic::Status> {
    let mut client =
        QueryServiceClient::with_interceptor(channel, BearerInterceptor::new(secret.map(token)));
    Ok(client
        .get_stats(pb::GetStatsRequest::default())
        .await?
        .into_inner()
        .events)
}

async fn publish_with(
    channel: Channel,
    secret: Option<&str>,
    sequence: u64,
) -> Result<pb::PublishResponse, tonic::Status> {
    let mut client = RecordSinkServiceClient::with_interceptor(
        channel,
        BearerInterceptor::new(secret.map(token)),
    );
    let mut acks = client
        .publish(tokio_stream::iter([fixture_batch(sequence)]))
        .await?
        .into_inner();
    acks.message()
        .await?
        .ok_or_else(|| tonic::Status::unknown("no acknowledgement"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_the_write_token_and_reads_the_read_token() {
    let server = start(newsline_query::Config {
        write_token: Some(token(WRITE)),
        read_token: Some(token(READ)),
        ..Default::default()
    })
    .await;
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{}", server.port))
        .unwrap()
        .connect_lazy();
    wait_serving(channel.clone()).await;

    for secret in [None, Some("wrong"), Some(READ)] {
        let status = publish_with(channel.clone(), secret, 1)
            .await
            .expect_err("publishing without the write token");
        assert_eq!(status.code(), Code::Unauthenticated, "{secret:?}");
        assert_eq!(status.message(), "unauthenticated");
    }
    assert_eq!(read_with(channel.clone(), Some(READ)).await.unwrap(), 0);
    assert!(
        !publish_with(channel.clone(), Some(WRITE), 1)
            .await
            .unwrap()
            .duplicate
    );
    for secret in [None, Some("wrong")] {
        let status = read_with(channel.clone(), secret)
            .await
            .expect_err("reading without a token");
        assert_eq!(status.code(), Code::Unauthenticated, "{secret:?}");
    }
    let events = read_with(channel.clone(), Some(READ)).await.unwrap();
    assert!(events > 0);
    assert_eq!(
        read_with(channel.clone(), Some(WRITE)).await.unwrap(),
        events
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_only_a_write_token_reading_stays_open() {
    let server = start(newsline_query::Config {
        write_token: Some(token(WRITE)),
        ..Default::default()
    })
    .await;
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{}", server.port))
        .unwrap()
        .connect_lazy();
    wait_serving(channel.clone()).await;
    assert_eq!(read_with(channel.clone(), None).await.unwrap(), 0);
    assert_eq!(
        publish_with(channel.clone(), None, 1)
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_only_tls() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let server = start(newsline_query::Config {
        tls: Some(newsline_server::server_tls(&cert, &key).unwrap()),
        ..Default::default()
    })
    .await;
    let tls = Endpoint::from_shared(format!("https://localhost:{}", server.port))
        .unwrap()
        .tls_config(
            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(certified.cert.pem())),
        )
        .unwrap()
        .connect_lazy();
    wait_serving(tls.clone()).await;
    assert!(!publish_with(tls.clone(), None, 1).await.unwrap().duplicate);
    assert!(read_with(tls, None).await.unwrap() > 0);

    let plaintext = Endpoint::from_shared(format!("http://127.0.0.1:{}", server.port))
        .unwrap()
        .timeout(Duration::from_secs(5))
        .connect_lazy();
    assert!(
        read_with(plaintext, None).await.is_err(),
        "plaintext is not served"
    );
    // A client that trusts another authority does not get through either.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let untrusted = Endpoint::from_shared(format!("https://localhost:{}", server.port))
        .unwrap()
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(other.cert.pem())))
        .unwrap()
        .timeout(Duration::from_secs(5))
        .connect_lazy();
    assert!(read_with(untrusted, None).await.is_err());

    // The healthcheck command (the container health check) speaks TLS when given the authority.
    let healthcheck = |ca: Option<&std::path::Path>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_query-service"));
        command
            .args(["healthcheck", "--addr"])
            .arg(format!("https://localhost:{}", server.port))
            .env_remove("NEWSLINE_HEALTHCHECK_CA")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(ca) = ca {
            command.arg("--ca").arg(ca);
        }
        command.status().unwrap()
    };
    assert!(healthcheck(Some(&cert)).success());
    assert!(
        !healthcheck(None).success(),
        "no trusted authority, no answer"
    );
    server.stop().await;
}
