//! Server settings: the `serve` command's flags ([`ServeArgs`]) and what a server runs with
//! ([`Config`]), read from the flags by `TryFrom` so a bad token or TLS file stops the start.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use newsline_server::{Token, telemetry::LogFormat};
use tonic::transport::ServerTlsConfig;

/// `query-service serve`: every flag also reads an environment variable (`NEWSLINE_*`), as a
/// container sets them.
#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "NEWSLINE_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// How log lines are written.
    #[arg(long, env = "NEWSLINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// How many responses a stream buffers ahead of a slow reader.
    #[arg(long, env = "NEWSLINE_STREAM_BUFFER", default_value_t = Config::default().stream_buffer)]
    pub stream_buffer: usize,
    /// The largest gRPC message accepted or sent, in bytes.
    #[arg(long, env = "NEWSLINE_MAX_MESSAGE_BYTES", default_value_t = Config::default().max_message_bytes)]
    pub max_message_bytes: usize,
    /// A folder for the log of published batches, replayed at start; without it records live
    /// in memory only.
    #[arg(long, env = "NEWSLINE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Compact the data log into a snapshot once it holds this many bytes and more than the
    /// last snapshot, so a restart reads about the live data only.
    #[arg(long, env = "NEWSLINE_COMPACT_AFTER_BYTES", default_value_t = Config::default().compact_after_bytes, value_parser = clap::value_parser!(u64).range(1..))]
    pub compact_after_bytes: u64,
    /// A file holding the token publishing (RecordSinkService) needs, or the token itself in
    /// NEWSLINE_TOKEN; without either, publishing is open.
    #[arg(long, env = "NEWSLINE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// A file holding the token reading (QueryService) needs (the write token reads too), or
    /// the token itself in NEWSLINE_READ_TOKEN; without either, reading is open.
    #[arg(long, env = "NEWSLINE_READ_TOKEN_FILE")]
    pub read_token_file: Option<PathBuf>,
    /// The server's TLS certificate chain (PEM); with --tls-key it serves TLS only.
    #[arg(long, env = "NEWSLINE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "NEWSLINE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How long a shutdown waits for open connections, in milliseconds.
    #[arg(long, env = "NEWSLINE_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
    /// The most calls one connection may have open at once; more wait their turn.
    #[arg(long, env = "NEWSLINE_MAX_CONCURRENT_STREAMS", default_value_t = Config::default().max_concurrent_streams, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_streams: u32,
}

impl TryFrom<&ServeArgs> for Config {
    type Error = anyhow::Error;

    /// Reads the token and TLS files the flags name.
    fn try_from(args: &ServeArgs) -> anyhow::Result<Self> {
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                Some(newsline_server::server_tls(cert, key).context("cannot set up TLS")?)
            }
            _ => None,
        };
        Ok(Config {
            stream_buffer: args.stream_buffer,
            max_message_bytes: args.max_message_bytes,
            data_dir: args.data_dir.clone(),
            compact_after_bytes: args.compact_after_bytes,
            write_token: secret("NEWSLINE_TOKEN", args.token_file.as_deref())?,
            read_token: secret("NEWSLINE_READ_TOKEN", args.read_token_file.as_deref())?,
            tls,
            shutdown_grace: Duration::from_millis(args.shutdown_grace_ms),
            max_concurrent_streams: args.max_concurrent_streams,
        })
    }
}

/// A token from its file flag or from the environment variable `env_name` holding it; a secret
/// has no flag of its own, which `ps` would show.
fn secret(env_name: &str, file: Option<&Path>) -> anyhow::Result<Option<Token>> {
    let from_env = std::env::var(env_name).ok();
    Ok(Token::resolve(file, env_name, from_env.as_deref())?)
}

/// Settings of one server instance; `Default` suits tests.
#[derive(Clone, Debug)]
pub struct Config {
    /// How many responses a stream buffers ahead of a slow reader.
    pub stream_buffer: usize,
    /// The largest request or response message, in bytes; publish batches can be big.
    pub max_message_bytes: usize,
    /// Where the log of published batches lives; `None` keeps everything in memory only.
    pub data_dir: Option<PathBuf>,
    /// The log is compacted into a snapshot once it is this big and bigger than the last
    /// snapshot.
    pub compact_after_bytes: u64,
    /// Publishing (`RecordSinkService`) needs this token when set.
    pub write_token: Option<Token>,
    /// Reading (`QueryService`) needs this token, or the write token, when set.
    pub read_token: Option<Token>,
    /// Serve TLS only, with this identity.
    pub tls: Option<ServerTlsConfig>,
    /// How long a shutdown waits for connections to finish before it stops regardless (a client
    /// that opened a connection and never spoke would otherwise hold it forever).
    pub shutdown_grace: Duration,
    /// The most calls one connection may have open at once (HTTP/2 SETTINGS); more wait.
    pub max_concurrent_streams: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            stream_buffer: 256,
            max_message_bytes: 64 * 1024 * 1024,
            data_dir: None,
            compact_after_bytes: 64 * 1024 * 1024,
            write_token: None,
            read_token: None,
            tls: None,
            shutdown_grace: Duration::from_secs(10),
            max_concurrent_streams: 1024,
        }
    }
}

/// The default listen address of the binary.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:50051";
