//! Server settings.

/// Settings of one server instance; `Default` suits tests.
#[derive(Clone, Debug)]
pub struct Config {
    /// How many responses a stream buffers ahead of a slow reader.
    pub stream_buffer: usize,
    /// The largest request or response message, in bytes; publish batches can be big.
    pub max_message_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            stream_buffer: 256,
            max_message_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The default listen address of the binary.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:50051";
