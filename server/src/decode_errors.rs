//! A request that cannot be decoded is the client's fault, but tonic answers it with INTERNAL
//! ("failed to decode Protobuf message: …", "Unexpected EOF decoding stream.", "Missing request
//! message."), which tells a client to retry or blame the server. [`DecodeErrorsAreInvalid`]
//! relabels exactly those answers INVALID_ARGUMENT and says which RPC and which request message
//! they were about, keeping tonic's detail (the field that failed). A message with the compressed
//! flag but no `grpc-encoding` stays INTERNAL: the gRPC specification asks for that.
//!
//! The request message is named after the method, `<package>.<Method>Request`: buf's STANDARD
//! lint (`RPC_REQUEST_STANDARD_NAME`) holds every newsline RPC to that, and a test checks it
//! against the descriptor set.
//!
//! It sees answers whose status is in the response headers: unary and server-streaming calls,
//! whose single request is decoded before the handler runs. A client stream decodes its messages
//! inside the handler, which has to map a decode failure itself (with [`undecodable_message`]).

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use http::{Request, Response};
use tonic::{Code, Status, server::NamedService};
use tower::Service;

/// How prost's decode failures begin, as tonic reports them.
pub const DECODE_FAILURE: &str = "failed to decode Protobuf message";
/// tonic's words for a body that ends inside a gRPC message.
const CUT_OFF: &str = "Unexpected EOF decoding stream.";
/// tonic's words for a unary call whose body holds no message.
const MISSING: &str = "Missing request message.";

/// Wraps a generated gRPC server so that undecodable requests are answered INVALID_ARGUMENT.
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
        let path = request.uri().path().to_owned();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            relabel(&path, &mut response);
            Ok(response)
        })
    }
}

/// Whether `status` is tonic's answer to a request message it could not read.
pub fn is_undecodable(status: &Status) -> bool {
    status.code() == Code::Internal
        && (status.message().starts_with(DECODE_FAILURE)
            || status.message() == CUT_OFF
            || status.message() == MISSING)
}

/// The status for a request message of the method at `path` (`/<package>.<Service>/<Method>`)
/// that tonic could not read, given tonic's `detail` (see [`is_undecodable`]). For a client
/// stream, `which` says which message of the stream it was.
pub fn undecodable_message(path: &str, which: Option<u64>, detail: &str) -> Status {
    let (rpc, request_type) = describe(path);
    let subject = match which {
        Some(index) => format!("message {index} of the stream"),
        None => "the request".to_owned(),
    };
    let message = match detail {
        CUT_OFF => format!(
            "{rpc}: {subject} ends inside a gRPC message: its length prefix promises more bytes than were sent"
        ),
        MISSING => format!("{rpc}: {subject} holds no message; send one {request_type}"),
        _ => format!("{rpc}: {subject} is not a valid {request_type}: {detail}"),
    };
    Status::invalid_argument(message)
}

/// The RPC as people write it (`newsline.v1.IngestService/IngestDocument`) and the full name of
/// its request message (`newsline.v1.IngestDocumentRequest`).
pub fn describe(path: &str) -> (&str, String) {
    let rpc = path.trim_start_matches('/');
    let request_type = match rpc.split_once('/') {
        Some((service, method)) if !method.is_empty() => match service.rsplit_once('.') {
            Some((package, _)) => format!("{package}.{method}Request"),
            None => format!("{method}Request"),
        },
        _ => "request message".to_owned(),
    };
    (rpc, request_type)
}

fn relabel<B>(path: &str, response: &mut Response<B>) {
    let headers = response.headers_mut();
    let internal = headers
        .get(Status::GRPC_STATUS)
        .is_some_and(|status| status.as_bytes() == (Code::Internal as i32).to_string().as_bytes());
    if !internal {
        return;
    }
    let Some(status) = Status::from_header_map(headers) else {
        return;
    };
    if !is_undecodable(&status) {
        return;
    }
    if undecodable_message(path, None, status.message())
        .add_header(headers)
        .is_err()
    {
        // Cannot happen (the message is percent-encoded); still, never leave INTERNAL behind.
        headers.insert(
            Status::GRPC_STATUS,
            http::HeaderValue::from(Code::InvalidArgument as i32),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET_ENTITY: &str = "/newsline.v1.QueryService/GetEntity";

    fn answered(path: &str, status: Status) -> Status {
        let mut response = status.into_http::<()>();
        relabel(path, &mut response);
        Status::from_header_map(response.headers()).unwrap()
    }

    #[test]
    fn decode_failures_name_the_rpc_the_message_and_the_field() {
        let status = answered(
            GET_ENTITY,
            Status::internal(
                "failed to decode Protobuf message: GetEntityRequest.id: invalid string value",
            ),
        );
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "newsline.v1.QueryService/GetEntity: the request is not a valid \
             newsline.v1.GetEntityRequest: failed to decode Protobuf message: \
             GetEntityRequest.id: invalid string value"
        );
    }

    #[test]
    fn other_answers_are_left_alone() {
        let other = answered(GET_ENTITY, Status::internal("the store failed"));
        assert_eq!(
            (other.code(), other.message()),
            (Code::Internal, "the store failed")
        );
        let not_found = answered(GET_ENTITY, Status::not_found(DECODE_FAILURE));
        assert_eq!(not_found.code(), Code::NotFound);
        // The gRPC specification asks for INTERNAL here.
        let compressed = "protocol error: received message with compressed-flag but no grpc-encoding was specified";
        assert_eq!(
            answered(GET_ENTITY, Status::internal(compressed)).code(),
            Code::Internal
        );
        let ok = Response::new(());
        let mut relabelled = Response::new(());
        relabel(GET_ENTITY, &mut relabelled);
        assert_eq!(ok.headers(), relabelled.headers());
    }

    #[test]
    fn cut_off_and_missing_messages_are_the_client_s_fault_too() {
        let cut_off = answered(GET_ENTITY, Status::internal(CUT_OFF));
        assert_eq!(cut_off.code(), Code::InvalidArgument);
        assert!(
            cut_off.message().contains("length prefix"),
            "{}",
            cut_off.message()
        );
        let missing = answered(GET_ENTITY, Status::internal(MISSING));
        assert_eq!(missing.code(), Code::InvalidArgument);
        assert_eq!(
            missing.message(),
            "newsline.v1.QueryService/GetEntity: the request holds no message; send one newsline.v1.GetEntityRequest"
        );
    }

    #[test]
    fn odd_paths_still_get_a_readable_description() {
        assert_eq!(
            describe("/newsline.v1.IngestService/IngestDocuments"),
            (
                "newsline.v1.IngestService/IngestDocuments",
                "newsline.v1.IngestDocumentsRequest".to_owned()
            )
        );
        assert_eq!(
            describe("/Service/Method"),
            ("Service/Method", "MethodRequest".to_owned())
        );
        assert_eq!(
            describe("/nonsense"),
            ("nonsense", "request message".to_owned())
        );
        assert_eq!(
            undecodable_message("/a.B/C", Some(3), "failed to decode Protobuf message: x")
                .message(),
            "a.B/C: message 3 of the stream is not a valid a.CRequest: failed to decode Protobuf message: x"
        );
    }
}
