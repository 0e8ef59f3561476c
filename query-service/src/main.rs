//! The query service binary: `serve` runs the server, `healthcheck` asks a running one.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use clap::{Parser, Subcommand};
use newsline_query::{Config, healthcheck, run_with, shutdown, telemetry};

#[derive(Parser)]
#[command(
    version,
    about = "Serves the newsline timeline, entities and articles over gRPC."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC server until SIGINT or SIGTERM.
    Serve {
        /// The address to listen on.
        #[arg(long, env = "NEWSLINE_LISTEN", default_value = newsline_query::config::DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// How log lines are written.
        #[arg(long, env = "NEWSLINE_LOG_FORMAT", value_enum, default_value = "text")]
        log_format: telemetry::LogFormat,
        /// How many responses a stream buffers ahead of a slow reader.
        #[arg(long, env = "NEWSLINE_STREAM_BUFFER", default_value_t = Config::default().stream_buffer)]
        stream_buffer: usize,
        /// The largest gRPC message accepted or sent, in bytes.
        #[arg(long, env = "NEWSLINE_MAX_MESSAGE_BYTES", default_value_t = Config::default().max_message_bytes)]
        max_message_bytes: usize,
        /// A folder for the log of published batches, replayed at start; without it records live
        /// in memory only.
        #[arg(long, env = "NEWSLINE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Compact the data log into a snapshot once it holds this many bytes and more than the
        /// last snapshot, so a restart reads about the live data only.
        #[arg(long, env = "NEWSLINE_COMPACT_AFTER_BYTES", default_value_t = Config::default().compact_after_bytes, value_parser = clap::value_parser!(u64).range(1..))]
        compact_after_bytes: u64,
        /// A file holding the token publishing (RecordSinkService) needs, or the token itself in
        /// NEWSLINE_TOKEN; without either, publishing is open.
        #[arg(long, env = "NEWSLINE_TOKEN_FILE")]
        token_file: Option<PathBuf>,
        /// A file holding the token reading (QueryService) needs (the write token reads too), or
        /// the token itself in NEWSLINE_READ_TOKEN; without either, reading is open.
        #[arg(long, env = "NEWSLINE_READ_TOKEN_FILE")]
        read_token_file: Option<PathBuf>,
        /// The server's TLS certificate chain (PEM); with --tls-key it serves TLS only.
        #[arg(long, env = "NEWSLINE_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key (PEM) of --tls-cert.
        #[arg(long, env = "NEWSLINE_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// How long a shutdown waits for open connections, in milliseconds.
        #[arg(long, env = "NEWSLINE_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
        shutdown_grace_ms: u64,
        /// The most calls one connection may have open at once; more wait their turn.
        #[arg(long, env = "NEWSLINE_MAX_CONCURRENT_STREAMS", default_value_t = Config::default().max_concurrent_streams, value_parser = clap::value_parser!(u32).range(1..))]
        max_concurrent_streams: u32,
    },
    /// Exit 0 when the server reports SERVING, 1 otherwise.
    Healthcheck {
        /// The server to ask.
        #[arg(
            long,
            env = "NEWSLINE_HEALTHCHECK_ADDR",
            default_value = "http://127.0.0.1:50051"
        )]
        addr: String,
        /// The service to ask about; empty for the whole server.
        #[arg(long, default_value = "")]
        service: String,
        /// The certificate authority (PEM) to trust when --addr is an https:// address.
        #[arg(long, env = "NEWSLINE_HEALTHCHECK_CA")]
        ca: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve {
            listen,
            log_format,
            stream_buffer,
            max_message_bytes,
            data_dir,
            compact_after_bytes,
            token_file,
            read_token_file,
            tls_cert,
            tls_key,
            shutdown_grace_ms,
            max_concurrent_streams,
        } => {
            if let Err(error) = telemetry::init(log_format) {
                eprintln!("query-service: {error:#}");
                return ExitCode::FAILURE;
            }
            let result = async {
                let config = Config {
                    stream_buffer,
                    max_message_bytes,
                    data_dir,
                    compact_after_bytes,
                    write_token: secret("NEWSLINE_TOKEN", token_file.as_deref())?,
                    read_token: secret("NEWSLINE_READ_TOKEN", read_token_file.as_deref())?,
                    tls: match (&tls_cert, &tls_key) {
                        (Some(cert), Some(key)) => Some(newsline_security::server_tls(cert, key)?),
                        _ => None,
                    },
                    shutdown_grace: Duration::from_millis(shutdown_grace_ms),
                    max_concurrent_streams,
                };
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
                run_with(config, listener, shutdown::signal()).await
            }
            .await;
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{error:#}");
                    eprintln!("query-service: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Healthcheck { addr, service, ca } => match async {
            let tls = match &ca {
                Some(ca) => Some(newsline_security::client_tls(ca, None)?),
                None => None,
            };
            anyhow::Ok(
                healthcheck::check_with_tls(&addr, &service, healthcheck::DEFAULT_WITHIN, tls)
                    .await?,
            )
        }
        .await
        {
            Ok(healthcheck::ServingStatus::Serving) => {
                println!("SERVING");
                ExitCode::SUCCESS
            }
            Ok(status) => {
                eprintln!("query-service healthcheck: `{service}` at {addr} is {status:?}");
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("query-service healthcheck: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// A token from its file flag or from the environment variable `env_name` holding it; a secret
/// has no flag of its own, which `ps` would show.
fn secret(env_name: &str, file: Option<&Path>) -> anyhow::Result<Option<newsline_security::Token>> {
    let from_env = std::env::var(env_name).ok();
    Ok(newsline_security::Token::resolve(
        file,
        env_name,
        from_env.as_deref(),
    )?)
}
