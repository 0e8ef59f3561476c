//! Extraction of articles, entities and dated events from raw scraped text. No gRPC types here.

pub mod dates;
pub mod model;
