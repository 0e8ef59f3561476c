//! Checks on unary requests that must happen before prost decodes them.
//!
//! prost refuses a `string` field holding invalid UTF-8, and tonic reports that as INTERNAL before
//! any handler runs; a message over the decoding limit becomes OUT_OF_RANGE. The API promises
//! INVALID_ARGUMENT and RESOURCE_EXHAUSTED with messages a person can act on, so this layer reads
//! the (size-limited) body of the unary calls, looks at the `text` field on the wire, and answers
//! those cases itself. Streaming calls pass through; their handler maps the same errors.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use tonic::{Status, body::Body, server::NamedService};
use tower::Service;

use super::stream_guard::{CheckedBody, StreamChecks};
use crate::ingest::IngestError;

/// The protobuf field number of `text` in every request message that carries a document.
pub(crate) const TEXT_FIELD: u64 = 1;
/// The bulk method, whose messages are checked one by one as they stream in.
pub(crate) const STREAM_PATH: &str = "/newsline.v1.IngestService/IngestDocuments";
/// The unary methods whose requests carry a document.
const GUARDED_PATHS: [&str; 2] = [
    "/newsline.v1.IngestService/IngestDocument",
    "/newsline.v1.IngestService/ParseDocument",
];

#[derive(Clone, Debug)]
pub struct RequestGuard<S> {
    inner: S,
    max_message_bytes: usize,
    max_document_bytes: usize,
}

impl<S> RequestGuard<S> {
    /// `max_message_bytes` is the largest request message accepted (the document plus its other
    /// fields); `max_document_bytes` is named in the error message.
    pub fn new(inner: S, max_message_bytes: usize, max_document_bytes: usize) -> Self {
        RequestGuard {
            inner,
            max_message_bytes,
            max_document_bytes,
        }
    }
}

impl<S: NamedService> NamedService for RequestGuard<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<Request<Body>> for RequestGuard<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this call; the fresh clone waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if request.uri().path() == STREAM_PATH {
            let checks = StreamChecks::default();
            let (mut parts, body) = request.into_parts();
            parts.extensions.insert(checks.clone());
            let body = Body::new(CheckedBody::new(body, self.max_message_bytes, checks));
            return Box::pin(inner.call(Request::from_parts(parts, body)));
        }
        if !GUARDED_PATHS.contains(&request.uri().path()) {
            return Box::pin(inner.call(request));
        }
        let max_message_bytes = self.max_message_bytes;
        let max_document_bytes = self.max_document_bytes;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            // 5 bytes of gRPC framing precede the message.
            let bytes = match Limited::new(body, max_message_bytes + 5).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(err) if err.is::<LengthLimitError>() => {
                    return Ok(Status::resource_exhausted(format!(
                        "the request is over {max_message_bytes} bytes: the document is over the limit of {max_document_bytes} bytes; split it, or raise the limit with --max-document-bytes (NEWSLINE_MAX_DOCUMENT_BYTES)"
                    ))
                    .into_http());
                }
                Err(err) => {
                    return Ok(
                        Status::cancelled(format!("cannot read the request: {err}")).into_http()
                    );
                }
            };
            if let Some(status) = check_text_field(&bytes) {
                return Ok(status.into_http());
            }
            inner
                .call(Request::from_parts(parts, Body::new(Full::new(bytes))))
                .await
        })
    }
}

/// INVALID_ARGUMENT when the first uncompressed gRPC message of `frame` has a `text` field that
/// is not UTF-8. Anything it cannot read is left to prost to report.
fn check_text_field(frame: &Bytes) -> Option<Status> {
    let (&compressed, rest) = frame.split_first()?;
    if compressed != 0 || rest.len() < 4 {
        return None;
    }
    let length = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
    let message = rest.get(4..4 + length)?;
    let offset = invalid_utf8_offset(message, TEXT_FIELD)?;
    Some(invalid_text_error(offset).into())
}

/// What a client is told about `text` that is not UTF-8.
pub(crate) fn invalid_text_error(offset: usize) -> IngestError {
    IngestError::InvalidField {
        field: "text".into(),
        reason: format!(
            "it is not valid UTF-8 (the first invalid byte is at offset {offset}); send bytes that may not be UTF-8 in the `raw` field instead, which is decoded with replacement and reported in the diagnostics"
        ),
    }
}

/// The offset of the first invalid byte of `field` in an encoded message, when it is not UTF-8.
pub(crate) fn invalid_utf8_offset(message: &[u8], field: u64) -> Option<usize> {
    let text = find_length_delimited_field(message, field)?;
    std::str::from_utf8(text).err().map(|err| err.valid_up_to())
}

/// The encoded message without any occurrence of the length-delimited `field`.
pub(crate) fn without_field(message: &[u8], field: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    let mut rest = message;
    while !rest.is_empty() {
        let start = rest;
        let Some(key) = read_varint(&mut rest) else {
            out.extend_from_slice(start);
            break;
        };
        let (number, wire_type) = (key >> 3, key & 7);
        let skipped = match wire_type {
            0 => read_varint(&mut rest).map(|_| ()),
            1 => rest.get(8..).map(|r| rest = r),
            2 => read_varint(&mut rest)
                .and_then(|length| usize::try_from(length).ok())
                .and_then(|length| rest.get(length..))
                .map(|r| rest = r),
            5 => rest.get(4..).map(|r| rest = r),
            _ => None,
        };
        if skipped.is_none() {
            // Unreadable from here on: keep it for the decoder to report.
            out.extend_from_slice(start);
            break;
        }
        let consumed = start.len() - rest.len();
        if !(number == field && wire_type == 2) {
            out.extend_from_slice(&start[..consumed]);
        }
    }
    out
}

/// The value of the last occurrence of a length-delimited field (proto3 keeps the last one).
pub(crate) fn find_length_delimited_field(mut message: &[u8], field: u64) -> Option<&[u8]> {
    let mut found = None;
    while !message.is_empty() {
        let key = read_varint(&mut message)?;
        let (number, wire_type) = (key >> 3, key & 7);
        match wire_type {
            0 => {
                read_varint(&mut message)?;
            }
            1 => message = message.get(8..)?,
            2 => {
                let length = usize::try_from(read_varint(&mut message)?).ok()?;
                let value = message.get(..length)?;
                if number == field {
                    found = Some(value);
                }
                message = &message[length..];
            }
            5 => message = message.get(4..)?,
            _ => return None,
        }
    }
    found
}

fn read_varint(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsline_proto::v1::IngestDocumentRequest;
    use prost::Message;

    fn framed(message: &[u8]) -> Bytes {
        let mut frame = vec![0u8];
        frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
        frame.extend_from_slice(message);
        Bytes::from(frame)
    }

    #[test]
    fn invalid_utf8_in_text_is_found_and_valid_text_passes() {
        let valid = IngestDocumentRequest {
            text: "Łukašenka in Minsk".into(),
            source_uri: "file:///a.txt".into(),
            raw: vec![0xff],
            ..Default::default()
        };
        assert!(check_text_field(&framed(&valid.encode_to_vec())).is_none());

        // Field 1, length-delimited, 3 bytes, the middle one invalid.
        let invalid = [0x0a, 0x03, b'a', 0xff, b'b', 0x12, 0x01, b'u'];
        let status = check_text_field(&framed(&invalid)).expect("invalid text is found");
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().contains("offset 1"),
            "{}",
            status.message()
        );
        assert!(status.message().contains("`raw`"));
    }

    #[test]
    fn truncated_messages_are_left_to_prost() {
        assert!(check_text_field(&framed(&[0x0a, 0x09, b'a'])).is_none());
        assert!(check_text_field(&Bytes::from_static(&[0, 0])).is_none());
    }
}
