//! What both newsline servers do the same way, so the two services cannot drift apart:
//! - access control: bearer tokens that are compared in constant time and never printed, a
//!   service wrapper that answers UNAUTHENTICATED without detail, the client-side interceptor
//!   that sends a token, and rustls TLS settings read from PEM files;
//! - requests that cannot be decoded ([`decode_errors`]) and the one gRPC health check both
//!   binaries run ([`healthcheck`]);
//! - process plumbing: one shutdown signal ([`shutdown`]), one log shape ([`telemetry`]) and
//!   serving with a shutdown grace period ([`grace`]).
//!
//! Health and reflection are left open on purpose: container health checks call them without
//! credentials. Wrap only the services that need a token.

mod auth;
pub mod decode_errors;
pub mod grace;
pub mod healthcheck;
pub mod shutdown;
pub mod telemetry;
mod tls;
mod token;

pub use auth::{BearerInterceptor, RequireToken, RequireTokenLayer};
pub use decode_errors::DecodeErrorsAreInvalid;
pub use tls::{TlsError, client_tls, server_tls};
pub use token::{Token, TokenError};

/// An error and its causes on one line: tonic's transport errors say only "transport error" and
/// keep what went wrong (refused, bad certificate, ...) in their sources.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
