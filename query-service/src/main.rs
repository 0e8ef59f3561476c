//! The query service binary: `serve` runs the server, `healthcheck` asks a running one.

use std::{net::SocketAddr, process::ExitCode};

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
        } => {
            if let Err(error) = telemetry::init(log_format) {
                eprintln!("query-service: {error:#}");
                return ExitCode::FAILURE;
            }
            let config = Config {
                stream_buffer,
                max_message_bytes,
            };
            let result = async {
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
        Command::Healthcheck { addr, service } => match healthcheck::check(&addr, &service).await {
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
