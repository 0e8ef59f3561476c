//! `ingest-service`: a thin binary; every command is a library call.

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "ingest-service",
    version,
    about = "Extracts articles, entities and dated events from scraped news text"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse documents without any server and print the result.
    Parse(newsline_ingest::parse_cmd::ParseArgs),
    /// Serve newsline.v1.IngestService (with health and reflection) until SIGINT or SIGTERM,
    /// publishing to the query service; optionally watch a folder.
    Serve(newsline_ingest::config::ServeArgs),
    /// Load files and folders into the query service once; exit 0 only when it acknowledged all.
    Ingest(newsline_ingest::config::IngestArgs),
    /// Exit 0 when the gRPC server at --addr reports SERVING, 1 otherwise.
    Healthcheck(newsline_ingest::config::HealthcheckArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => newsline_ingest::parse_cmd::run(args),
        Command::Serve(args) => return newsline_ingest::cli::serve(args),
        Command::Ingest(args) => return newsline_ingest::cli::ingest(args),
        Command::Healthcheck(args) => return newsline_ingest::cli::healthcheck(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ingest-service: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
