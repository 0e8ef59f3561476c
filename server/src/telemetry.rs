//! Logging for both servers: one shape, so a log pipeline reads the two services alike.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

/// How log lines are written (`--log-format`, `NEWSLINE_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, coloured when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line with the event's fields at the top level (`flatten_event`), the
    /// shape log collectors index without a nested `fields` object.
    Json,
}

/// Installs the global subscriber, honouring `RUST_LOG` (default `info`); logs go to stderr so
/// stdout stays free for command output. A second call (as in tests that start several servers
/// in one process) keeps the first subscriber.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _already_installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
