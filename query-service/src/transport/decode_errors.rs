//! A request that prost cannot decode is the client's fault, but tonic answers it with INTERNAL
//! ("failed to decode Protobuf message: …"), which tells a client to retry or blame the server.
//! This wrapper relabels exactly those answers INVALID_ARGUMENT, keeping tonic's message, which
//! names the message and field that failed.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use http::{HeaderValue, Request, Response};
use tonic::{Code, server::NamedService};
use tower::Service;

/// How tonic's decode failures begin, percent-encoded as `grpc-message` carries them.
const DECODE_FAILURE: &[u8] = b"failed%20to%20decode%20Protobuf%20message";

#[derive(Clone, Debug)]
pub struct DecodeErrorsAreInvalid<S> {
    inner: S,
}

impl<S> DecodeErrorsAreInvalid<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S: NamedService> NamedService for DecodeErrorsAreInvalid<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for DecodeErrorsAreInvalid<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            relabel(&mut response);
            Ok(response)
        })
    }
}

fn relabel<B>(response: &mut Response<B>) {
    let headers = response.headers_mut();
    let internal = headers
        .get("grpc-status")
        .is_some_and(|status| status.as_bytes() == (Code::Internal as i32).to_string().as_bytes());
    let decode_failure = headers
        .get("grpc-message")
        .is_some_and(|message| message.as_bytes().starts_with(DECODE_FAILURE));
    if internal && decode_failure {
        headers.insert(
            "grpc-status",
            HeaderValue::from(Code::InvalidArgument as i32),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: tonic::Status) -> Response<()> {
        let mut response = status.into_http::<()>();
        relabel(&mut response);
        response
    }

    #[test]
    fn only_decode_failures_are_relabelled() {
        let decode = answered(tonic::Status::internal(
            "failed to decode Protobuf message: GetEntityRequest.id: invalid string value",
        ));
        let status = tonic::Status::from_header_map(decode.headers()).unwrap();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains("GetEntityRequest.id"));

        let other = answered(tonic::Status::internal("the store failed"));
        assert_eq!(
            tonic::Status::from_header_map(other.headers())
                .unwrap()
                .code(),
            Code::Internal
        );
        let ok = answered(tonic::Status::not_found(
            "failed to decode Protobuf message",
        ));
        assert_eq!(
            tonic::Status::from_header_map(ok.headers()).unwrap().code(),
            Code::NotFound
        );
    }
}
