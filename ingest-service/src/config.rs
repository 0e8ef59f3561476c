//! Command-line flags (each with an environment variable) and the configurations built from them.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use clap::Args;
use newsline_server::Token;
use tonic::transport::ServerTlsConfig;

use crate::{ingest::DEFAULT_MAX_DOCUMENT_BYTES, publish::PublisherConfig};

/// Calls one connection may have open at once, unless `--max-concurrent-streams` says otherwise.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 1024;

/// The environment variable holding the write token itself (rather than a file naming it).
pub const TOKEN_ENV: &str = "NEWSLINE_TOKEN";
/// The environment variable holding the query service's write token itself.
pub const QUERY_TOKEN_ENV: &str = "NEWSLINE_QUERY_TOKEN";

/// A secret from the environment; a secret has no command-line flag, which `ps` would show.
fn secret_from_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub use newsline_server::telemetry::LogFormat;

#[derive(Args, Clone, Debug)]
pub struct LogArgs {
    /// Log format; the level comes from RUST_LOG (default `info`).
    #[arg(long, env = "NEWSLINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How to reach the query service and how hard to try.
#[derive(Args, Clone, Debug)]
pub struct PublishArgs {
    /// The query service that stores the records.
    #[arg(
        long,
        env = "NEWSLINE_QUERY_ADDR",
        default_value = "http://127.0.0.1:50051"
    )]
    pub query_addr: String,
    /// Batches sent ahead of their acknowledgement.
    #[arg(long, env = "NEWSLINE_MAX_IN_FLIGHT", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_in_flight: u16,
    /// Deadline for connecting to the query service, in milliseconds.
    #[arg(long, env = "NEWSLINE_CONNECT_TIMEOUT_MS", default_value_t = 3000)]
    pub connect_timeout_ms: u64,
    /// Deadline for the acknowledgement of a batch, in milliseconds; past it the stream is reopened.
    #[arg(long, env = "NEWSLINE_ACK_TIMEOUT_MS", default_value_t = 30000)]
    pub ack_timeout_ms: u64,
    /// The longest pause between retries while the query service is unavailable, in milliseconds.
    #[arg(long, env = "NEWSLINE_RETRY_MAX_MS", default_value_t = 5000)]
    pub retry_max_ms: u64,
    /// The largest document accepted, in bytes.
    #[arg(long, env = "NEWSLINE_MAX_DOCUMENT_BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: usize,
    /// A file holding the query service's write token, sent with every publish stream (or the
    /// token itself in NEWSLINE_QUERY_TOKEN); without either, the shared token of --token-file
    /// (NEWSLINE_TOKEN_FILE) or NEWSLINE_TOKEN is sent, if any.
    #[arg(long, env = "NEWSLINE_QUERY_TOKEN_FILE")]
    pub query_token_file: Option<PathBuf>,
    /// The certificate authority (PEM) to trust when --query-addr is an https:// address.
    #[arg(long, env = "NEWSLINE_QUERY_CA")]
    pub query_ca: Option<PathBuf>,
    /// The name the query service's certificate must carry, when not the host of --query-addr.
    #[arg(long, env = "NEWSLINE_QUERY_TLS_DOMAIN", requires = "query_ca")]
    pub query_tls_domain: Option<String>,
}

impl PublishArgs {
    /// The publisher's settings; reads the query token (file or NEWSLINE_QUERY_TOKEN, else the
    /// `shared` token) and the certificate authority, so it fails on an unreadable or empty one.
    pub fn publisher_config(
        &self,
        shared: Option<&SharedToken>,
    ) -> anyhow::Result<PublisherConfig> {
        let mut config = PublisherConfig::new(self.query_addr.clone());
        config.max_in_flight = usize::from(self.max_in_flight);
        config.connect_timeout = Duration::from_millis(self.connect_timeout_ms.max(1));
        config.ack_timeout = Duration::from_millis(self.ack_timeout_ms.max(1));
        config.backoff_max = Duration::from_millis(self.retry_max_ms).max(config.backoff_initial);
        let query_token = Token::resolve(
            self.query_token_file.as_deref(),
            QUERY_TOKEN_ENV,
            secret_from_env(QUERY_TOKEN_ENV).as_deref(),
        )?;
        (config.token, config.token_origin) = match (query_token, shared) {
            (Some(token), _) => (
                Some(token),
                Some(match self.query_token_file {
                    Some(_) => "--query-token-file (NEWSLINE_QUERY_TOKEN_FILE)",
                    None => QUERY_TOKEN_ENV,
                }),
            ),
            // One shared secret is the common setup: the same token guards both services.
            (None, Some(shared)) => (Some(shared.token.clone()), Some(shared.origin)),
            (None, None) => (None, None),
        };
        if let Some(ca) = &self.query_ca {
            config.tls = Some(newsline_server::client_tls(
                ca,
                self.query_tls_domain.as_deref(),
            )?);
        }
        Ok(config)
    }
}

/// The write token both services share, from `--token-file` or NEWSLINE_TOKEN.
#[derive(Clone, Debug)]
pub struct SharedToken {
    pub token: Token,
    /// Which of the two settings it came from, for messages.
    pub origin: &'static str,
}

impl SharedToken {
    /// The token of `file` or NEWSLINE_TOKEN; `None` when neither is set.
    pub fn resolve(file: Option<&Path>) -> anyhow::Result<Option<SharedToken>> {
        let token = Token::resolve(file, TOKEN_ENV, secret_from_env(TOKEN_ENV).as_deref())?;
        Ok(token.map(|token| SharedToken {
            token,
            origin: match file {
                Some(_) => "--token-file (NEWSLINE_TOKEN_FILE)",
                None => TOKEN_ENV,
            },
        }))
    }
}

/// `ingest-service serve`.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// The address to serve newsline.v1.IngestService, health and reflection on.
    #[arg(long, env = "NEWSLINE_LISTEN", default_value = "0.0.0.0:50052")]
    pub listen: SocketAddr,
    /// Where batches wait until the query service acknowledges them (and the watch ledger lives).
    #[arg(long, env = "NEWSLINE_SPOOL_DIR", default_value = "spool")]
    pub spool_dir: PathBuf,
    /// A folder to ingest: the files in it at start, then every file added or changed.
    #[arg(long, env = "NEWSLINE_WATCH_DIR")]
    pub watch: Option<PathBuf>,
    /// How often the watched folder is scanned, in milliseconds.
    #[arg(long, env = "NEWSLINE_WATCH_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub watch_interval_ms: u64,
    /// How long IngestDocument waits for the query service before it answers `spooled: true`,
    /// in milliseconds.
    #[arg(long, env = "NEWSLINE_ACK_WAIT_MS", default_value_t = 10000)]
    pub ack_wait_ms: u64,
    /// A file holding the token every IngestService call must bear (`authorization: Bearer
    /// <token>`), or the token itself in NEWSLINE_TOKEN; without either, IngestService is open.
    /// Health and reflection stay open.
    #[arg(long, env = "NEWSLINE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// The server's TLS certificate chain (PEM); with --tls-key it serves TLS only.
    #[arg(long, env = "NEWSLINE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "NEWSLINE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How long a shutdown waits for open connections, in milliseconds.
    #[arg(long, env = "NEWSLINE_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
    /// How many calls one connection may have open at once; a client's further calls wait
    /// until one ends.
    #[arg(long, env = "NEWSLINE_MAX_CONCURRENT_STREAMS", default_value_t = DEFAULT_MAX_CONCURRENT_STREAMS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_streams: u32,
    #[command(flatten)]
    pub publish: PublishArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `ingest-service ingest`.
#[derive(Args, Clone, Debug)]
pub struct IngestArgs {
    /// Files or folders (read recursively, hidden entries skipped) to ingest.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A spool folder to keep what the query service has not acknowledged, for a later
    /// `serve --spool-dir` or `ingest` to deliver; by default a temporary folder. Never share it
    /// with a running server.
    #[arg(long)]
    pub spool_dir: Option<PathBuf>,
    /// How long to wait, after the last document, for the query service to acknowledge
    /// everything, in seconds.
    #[arg(long, env = "NEWSLINE_INGEST_DEADLINE_SECS", default_value_t = 120)]
    pub deadline_secs: u64,
    /// A file holding the write token both services share (or the token itself in
    /// NEWSLINE_TOKEN), sent to the query service when no query token is set, as `serve` does.
    #[arg(long, env = "NEWSLINE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    #[command(flatten)]
    pub publish: PublishArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub use newsline_server::healthcheck::HealthcheckArgs;

/// What `run` needs to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub spool_dir: PathBuf,
    pub watch_dir: Option<PathBuf>,
    pub watch_interval: Duration,
    pub max_document_bytes: usize,
    pub ack_wait: Duration,
    pub publisher: PublisherConfig,
    /// The token IngestService calls must bear; `None` leaves it open.
    pub token: Option<Token>,
    /// Serve TLS only, with this identity.
    pub tls: Option<ServerTlsConfig>,
    /// How long a shutdown waits for open connections before it stops regardless (a client that
    /// connected and never spoke would otherwise hold it forever).
    pub shutdown_grace: Duration,
    /// Calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
    pub max_concurrent_streams: u32,
}

impl ServeConfig {
    /// Defaults for everything but the spool folder and the query service.
    pub fn new(spool_dir: PathBuf, query_addr: impl Into<String>) -> Self {
        ServeConfig {
            spool_dir,
            watch_dir: None,
            watch_interval: Duration::from_millis(1000),
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            ack_wait: Duration::from_secs(10),
            publisher: PublisherConfig::new(query_addr),
            token: None,
            tls: None,
            shutdown_grace: Duration::from_secs(10),
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
        }
    }
}

impl TryFrom<&ServeArgs> for ServeConfig {
    type Error = anyhow::Error;

    /// Reads the token and TLS files the flags name, so a bad one stops the start.
    fn try_from(args: &ServeArgs) -> anyhow::Result<Self> {
        let shared = SharedToken::resolve(args.token_file.as_deref())?;
        let publisher = args.publish.publisher_config(shared.as_ref())?;
        let token = shared.map(|shared| shared.token);
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                Some(newsline_server::server_tls(cert, key).context("cannot set up TLS")?)
            }
            _ => None,
        };
        Ok(ServeConfig {
            spool_dir: args.spool_dir.clone(),
            watch_dir: args.watch.clone(),
            watch_interval: Duration::from_millis(args.watch_interval_ms),
            max_document_bytes: args.publish.max_document_bytes,
            ack_wait: Duration::from_millis(args.ack_wait_ms),
            publisher,
            token,
            tls,
            shutdown_grace: Duration::from_millis(args.shutdown_grace_ms),
            max_concurrent_streams: args.max_concurrent_streams,
        })
    }
}
