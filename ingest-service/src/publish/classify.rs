//! What the publisher does with each status a `Publish` stream can end with. Losing data is the
//! one thing a status must never cause: a batch is set aside only when the query service judged
//! the batch itself, and every status that speaks of the server, the network or the settings
//! keeps the batch spooled.

use tonic::Code;

use super::PublisherConfig;

/// The publisher's answer to the status a `Publish` stream ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open a new stream after a backoff and send the same batches again.
    Retry,
    /// The oldest batch in flight will never be accepted: set it aside (a group is split first,
    /// so only the bad document is), so that the batches behind it can go through.
    Reject,
    /// The query service refuses this producer, whatever it sends: retried unchanged it is
    /// refused again, so it is reported as a setting to fix. The batches stay spooled and are
    /// still retried, since the fix may be made on the query service's side.
    Refused(Refusal),
}

/// Why the query service refuses this producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or not one the query service accepts.
    Unauthenticated,
    /// A token the query service knows, but not allowed to publish.
    PermissionDenied,
    /// The address answers gRPC but does not serve `newsline.v1.RecordSinkService`.
    NotASink,
}

/// Where the token sent to the query service may be set, in the order they are read.
const TOKEN_SETTINGS: &str = "NEWSLINE_QUERY_TOKEN or --query-token-file \
     (NEWSLINE_QUERY_TOKEN_FILE), or, when both services share one token, NEWSLINE_TOKEN or \
     --token-file (NEWSLINE_TOKEN_FILE)";

impl Refusal {
    /// What is wrong and which setting fixes it, for a message to the user.
    pub fn hint(self, config: &PublisherConfig) -> String {
        let addr = &config.query_addr;
        let origin = config.token_origin.unwrap_or("the publisher's settings");
        match (self, &config.token) {
            (Refusal::Unauthenticated, None) => format!(
                "{addr} wants a write token and none is set: set {TOKEN_SETTINGS} to the query \
                 service's write token"
            ),
            (Refusal::Unauthenticated, Some(_)) => format!(
                "{addr} does not accept the token from {origin}: set it to the query service's \
                 write token (read from {TOKEN_SETTINGS})"
            ),
            (Refusal::PermissionDenied, _) => format!(
                "{addr} does not let the token from {origin} publish: set it to the query \
                 service's write token, not a read token (read from {TOKEN_SETTINGS})"
            ),
            (Refusal::NotASink, _) => format!(
                "{addr} does not serve newsline.v1.RecordSinkService: set --query-addr \
                 (NEWSLINE_QUERY_ADDR) to the query service"
            ),
        }
    }
}

pub(crate) fn action(code: Code) -> Action {
    match code {
        // The batch is malformed, or out of what this query service accepts (tonic's answer to a
        // message over its size limit): sent again it is refused again, and it would hold up
        // every batch behind it.
        Code::InvalidArgument | Code::OutOfRange => Action::Reject,
        // About the credentials, not the batch: the same batch passes with the right token.
        Code::Unauthenticated => Action::Refused(Refusal::Unauthenticated),
        Code::PermissionDenied => Action::Refused(Refusal::PermissionDenied),
        // About the address, not the batch: a wrong `--query-addr`, or a server being replaced.
        Code::Unimplemented => Action::Refused(Refusal::NotASink),
        // A fault of the server, not of the batch (a panicking apply answers INTERNAL; a proxy or
        // a broken connection, UNKNOWN): the batch passes once the fault is fixed.
        Code::Internal | Code::Unknown | Code::DataLoss => Action::Retry,
        // Transient by definition: shutting down, overloaded, too slow, a conflict, cancelled.
        Code::Unavailable
        | Code::ResourceExhausted
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::Cancelled => Action::Retry,
        // They depend on the query service's state rather than on the batch, so the batch may
        // pass later; retrying keeps it, setting it aside would lose it.
        Code::FailedPrecondition | Code::NotFound | Code::AlreadyExists => Action::Retry,
        // A stream that ends cleanly with batches unacknowledged did not apply them (or applied
        // them, and acknowledges the re-sent ones as duplicates).
        Code::Ok => Action::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Code; 17] = [
        Code::Ok,
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    #[test]
    fn only_a_judgement_of_the_batch_sets_it_aside() {
        let rejected: Vec<_> = ALL
            .into_iter()
            .filter(|code| action(*code) == Action::Reject)
            .collect();
        assert_eq!(rejected, [Code::InvalidArgument, Code::OutOfRange]);
        assert_eq!(action(Code::Internal), Action::Retry);
        assert_eq!(action(Code::Unavailable), Action::Retry);
        assert_eq!(
            action(Code::Unauthenticated),
            Action::Refused(Refusal::Unauthenticated)
        );
        assert_eq!(
            action(Code::PermissionDenied),
            Action::Refused(Refusal::PermissionDenied)
        );
    }
}
