//! `ingest-service`: a thin binary; every command is a library call.

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "ingest-service", version, about = "Extracts articles, entities and dated events from scraped news text")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse documents without any server and print the result.
    Parse(newsline_ingest::parse_cmd::ParseArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => newsline_ingest::parse_cmd::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ingest-service: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
