//! Durability: every applied publish batch is appended to a checksummed log and synced before it
//! is acknowledged; at start the log is replayed into the store.

mod log;

pub use log::{BatchLog, LogError, Opened};
