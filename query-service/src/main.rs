//! The query service binary: `serve` runs the server, `healthcheck` asks a running one. Both are
//! library calls; this file only parses the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsline_query::{Config, config::ServeArgs, healthcheck, run_with};
use newsline_server::{shutdown, telemetry};

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
    Serve(ServeArgs),
    /// Exit 0 when the server reports SERVING, 1 otherwise with the reason on stderr.
    Healthcheck(healthcheck::HealthcheckArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => {
            telemetry::init(args.log_format);
            match serve(&args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{error:#}");
                    eprintln!("query-service: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Healthcheck(args) => {
            healthcheck::run_command(&args, "http://127.0.0.1:50051").await
        }
    }
}

async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::try_from(args)?;
    let listen = args.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    run_with(config, listener, shutdown::signal()).await
}
