//! The one mapping from ingest errors to gRPC statuses.

use tonic::Status;

use crate::{ingest::IngestError, publish::PublishError};

impl From<IngestError> for Status {
    fn from(err: IngestError) -> Self {
        let message = err.to_string();
        match err {
            IngestError::Empty | IngestError::InvalidField { .. } => {
                Status::invalid_argument(message)
            }
            IngestError::TooLarge { .. } => Status::resource_exhausted(message),
            IngestError::ParserFailed(_) | IngestError::Rejected { .. } => {
                Status::internal(message)
            }
            IngestError::Publish(publish) => match publish {
                // The document was not stored: the client can send it again.
                PublishError::Spool(_) | PublishError::Stopped => Status::unavailable(message),
                PublishError::InvalidAddress { .. } | PublishError::InvalidTls { .. } => {
                    Status::internal(message)
                }
                PublishError::BatchTooLarge { .. } => Status::resource_exhausted(message),
            },
        }
    }
}
