//! The query service: an in-memory store of articles, entities and events with timeline indexes,
//! served over gRPC as `newsline.v1.QueryService` and `newsline.v1.RecordSinkService`.
//!
//! Start a server with [`run`] (or [`run_with`]) on a bound listener; wait for it with
//! [`healthcheck::wait_until_serving`].

pub mod config;
pub mod domain;
pub mod server;
pub mod storage;
pub mod transport;

pub use config::Config;
pub use newsline_server::healthcheck;
pub use server::{QUERY_SERVICE, RECORD_SINK_SERVICE, run, run_with};
