//! The ingest service: extraction of articles, entities and events, and publishing.

pub mod extract;
pub mod ingest;
pub mod publish;
pub mod spool;
pub mod transport;
