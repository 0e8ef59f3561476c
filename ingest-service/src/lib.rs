//! The ingest service: extraction of articles, entities and events, and publishing.

pub mod extract;
