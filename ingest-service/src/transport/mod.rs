//! The gRPC face of the ingest service: request checks below prost, conversions, the handlers, and
//! the one mapping from domain errors to statuses.

pub mod convert;
pub mod error;
pub mod guard;
pub mod service;
pub mod stream_guard;

pub use guard::RequestGuard;
pub use service::IngestApi;
