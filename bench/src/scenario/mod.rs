//! What is measured: extraction, ingest, loading a store, reading it, and watching it.

pub mod extraction;
pub mod ingest;
pub mod soak;
pub mod store;
pub mod timeline;
pub mod watch;
