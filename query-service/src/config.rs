//! Server settings.

use std::{path::PathBuf, time::Duration};

use newsline_security::Token;
use tonic::transport::ServerTlsConfig;

/// Settings of one server instance; `Default` suits tests.
#[derive(Clone, Debug)]
pub struct Config {
    /// How many responses a stream buffers ahead of a slow reader.
    pub stream_buffer: usize,
    /// The largest request or response message, in bytes; publish batches can be big.
    pub max_message_bytes: usize,
    /// Where the log of published batches lives; `None` keeps everything in memory only.
    pub data_dir: Option<PathBuf>,
    /// The log is compacted into a snapshot once it is this big and bigger than the last
    /// snapshot.
    pub compact_after_bytes: u64,
    /// Publishing (`RecordSinkService`) needs this token when set.
    pub write_token: Option<Token>,
    /// Reading (`QueryService`) needs this token, or the write token, when set.
    pub read_token: Option<Token>,
    /// Serve TLS only, with this identity.
    pub tls: Option<ServerTlsConfig>,
    /// How long a shutdown waits for connections to finish before it stops regardless (a client
    /// that opened a connection and never spoke would otherwise hold it forever).
    pub shutdown_grace: Duration,
    /// The most calls one connection may have open at once (HTTP/2 SETTINGS); more wait.
    pub max_concurrent_streams: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            stream_buffer: 256,
            max_message_bytes: 64 * 1024 * 1024,
            data_dir: None,
            compact_after_bytes: 64 * 1024 * 1024,
            write_token: None,
            read_token: None,
            tls: None,
            shutdown_grace: Duration::from_secs(10),
            max_concurrent_streams: 1024,
        }
    }
}

/// The default listen address of the binary.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:50051";
