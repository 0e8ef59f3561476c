//! The ingest service: extraction of articles, entities and events, and publishing.

pub mod cli;
pub mod config;
pub mod extract;
pub mod ingest;
pub mod ingest_cmd;
pub mod parse;
pub mod parse_cmd;
pub mod publish;
pub mod server;
pub mod spool;
pub mod transport;
pub mod watch;
