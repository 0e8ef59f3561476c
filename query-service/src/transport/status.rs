//! The one mapping from domain errors to gRPC statuses.

use tonic::Status;

use crate::domain::DomainError;

impl From<DomainError> for Status {
    fn from(error: DomainError) -> Self {
        let message = error.to_string();
        match error {
            DomainError::InvalidArgument { .. } | DomainError::InvalidBatch { .. } => {
                Status::invalid_argument(message)
            }
            DomainError::NotFound { .. } => Status::not_found(message),
            DomainError::ShuttingDown | DomainError::Storage { .. } => Status::unavailable(message),
            DomainError::Internal { .. } => Status::internal(message),
        }
    }
}
