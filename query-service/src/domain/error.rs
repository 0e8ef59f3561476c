//! The one error type of the domain; the transport maps it to gRPC statuses in one place.

/// Everything a store operation can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The request or a record is malformed; `field` names it as the API spells it.
    #[error("invalid `{field}`: {reason}")]
    InvalidArgument { field: String, reason: String },
    /// A publish batch is malformed; nothing of it was applied.
    #[error("batch {sequence}: invalid `{field}`: {reason}")]
    InvalidBatch {
        sequence: u64,
        field: String,
        reason: String,
    },
    /// An id that is not stored.
    #[error("{what} `{id}` not found")]
    NotFound { what: &'static str, id: String },
    /// The server is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A batch could not be made durable; it was not acknowledged, so its producer keeps it.
    #[error("the batch could not be written to the data log: {reason}")]
    Storage { reason: String },
    /// A fault of the server itself (a panic while applying, say), not of the request: nothing
    /// was acknowledged, so the producer keeps the batch and may send it again.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// Re-labels an argument error as an error of publish batch `sequence`.
    pub fn in_batch(self, sequence: u64) -> Self {
        match self {
            Self::InvalidArgument { field, reason } => Self::InvalidBatch {
                sequence,
                field,
                reason,
            },
            other => other,
        }
    }
}
