//! The bulk stream's counterpart of the unary checks in `guard`: a request body wrapper that
//! reads the gRPC messages of `IngestDocuments` as they arrive and, instead of letting one bad
//! message end the whole stream in prost's decoder, replaces it with a harmless one and notes
//! why, so the handler answers that document with an error and goes on.
//!
//! - `text` that is not UTF-8: the field is removed from the message.
//! - a message over the size limit: its bytes are skipped as they arrive (never buffered) and an
//!   empty message stands in for it, so its answer carries the index but not the tag.
//! - a message prost cannot decode (malformed protobuf, invalid UTF-8 in another string field):
//!   a message holding only its tag (when that much is readable) stands in for it.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body::{Body as HttpBody, Frame};
use newsline_proto::v1::IngestDocumentsRequest;
use prost::Message;
use tonic::{Status, body::Body};

use super::guard::{TEXT_FIELD, find_length_delimited_field, invalid_utf8_offset, without_field};

/// The protobuf field number of `tag` in `IngestDocumentsRequest`.
const TAG_FIELD: u64 = 5;

/// Why a message of the stream was replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// `text` was not UTF-8; the first invalid byte was at this offset.
    InvalidUtf8 { offset: usize },
    /// The message had this many bytes, over the limit.
    TooLarge { bytes: usize },
    /// prost could not decode the message; `detail` is its error ("failed to decode Protobuf
    /// message: …", naming the field).
    Undecodable { detail: String },
}

/// The replacements of one stream, by 0-based message index; shared between the body wrapper
/// and the handler through the request's extensions.
#[derive(Clone, Debug, Default)]
pub struct StreamChecks(Arc<Mutex<HashMap<u64, Replaced>>>);

impl StreamChecks {
    /// Why the message at `index` was replaced, if it was. The body wrapper records it before the
    /// message reaches the decoder, so the handler always sees it in time.
    pub fn take(&self, index: u64) -> Option<Replaced> {
        self.lock().remove(&index)
    }

    fn record(&self, index: u64, replaced: Replaced) {
        self.lock().insert(index, replaced);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Replaced>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

const HEADER: usize = 5;

pub struct CheckedBody {
    inner: Body,
    buffer: BytesMut,
    index: u64,
    /// Bytes of an oversized message still to drop.
    skipping: usize,
    max_message_bytes: usize,
    checks: StreamChecks,
    inner_done: bool,
}

impl CheckedBody {
    pub fn new(inner: Body, max_message_bytes: usize, checks: StreamChecks) -> Self {
        CheckedBody {
            inner,
            buffer: BytesMut::new(),
            index: 0,
            skipping: 0,
            max_message_bytes,
            checks,
            inner_done: false,
        }
    }

    /// The next whole message from the buffer, checked and possibly replaced.
    fn next_message(&mut self) -> Option<Bytes> {
        if self.skipping > 0 {
            let dropped = self.skipping.min(self.buffer.len());
            self.buffer.advance(dropped);
            self.skipping -= dropped;
            if self.skipping > 0 {
                return None;
            }
            return Some(self.emit(Bytes::new()));
        }
        if self.buffer.len() < HEADER {
            return None;
        }
        let compressed = self.buffer[0];
        let length = u32::from_be_bytes([
            self.buffer[1],
            self.buffer[2],
            self.buffer[3],
            self.buffer[4],
        ]) as usize;
        if length > self.max_message_bytes {
            self.checks
                .record(self.index, Replaced::TooLarge { bytes: length });
            self.buffer.advance(HEADER);
            self.skipping = length;
            return self.next_message();
        }
        if self.buffer.len() < HEADER + length {
            return None;
        }
        let frame = self.buffer.split_to(HEADER + length).freeze();
        if compressed != 0 {
            // Compression is not enabled on this server; let the decoder report it.
            self.index += 1;
            return Some(frame);
        }
        let message = frame.slice(HEADER..);
        if let Some(offset) = invalid_utf8_offset(&message, TEXT_FIELD) {
            let rest = without_field(&message, TEXT_FIELD);
            if IngestDocumentsRequest::decode(rest.as_slice()).is_ok() {
                self.checks
                    .record(self.index, Replaced::InvalidUtf8 { offset });
                return Some(self.emit(rest.into()));
            }
        }
        // Decoded here once more so that one bad message costs one answer, not the stream: the
        // decoder downstream cannot go on after a failure.
        match IngestDocumentsRequest::decode(message.clone()) {
            Ok(_) => {
                self.index += 1;
                Some(frame)
            }
            Err(err) => {
                self.checks.record(
                    self.index,
                    Replaced::Undecodable {
                        detail: err.to_string(),
                    },
                );
                Some(self.emit(tag_only(&message).into()))
            }
        }
    }

    fn emit(&mut self, message: Bytes) -> Bytes {
        self.index += 1;
        let mut frame = BytesMut::with_capacity(HEADER + message.len());
        frame.put_u8(0);
        frame.put_u32(message.len() as u32);
        frame.put_slice(&message);
        frame.freeze()
    }
}

/// A message holding only the `tag` of `message`, when that much of it is readable, so the
/// answer to an undecodable message still tells the client which document it was.
fn tag_only(message: &[u8]) -> Vec<u8> {
    let tag = find_length_delimited_field(message, TAG_FIELD)
        .and_then(|tag| std::str::from_utf8(tag).ok())
        .unwrap_or_default();
    IngestDocumentsRequest {
        tag: tag.to_owned(),
        ..Default::default()
    }
    .encode_to_vec()
}

impl HttpBody for CheckedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        loop {
            if let Some(message) = this.next_message() {
                return Poll::Ready(Some(Ok(Frame::data(message))));
            }
            if this.inner_done {
                // A cut-off message is passed on as it is, for the decoder to report.
                if this.buffer.is_empty() {
                    return Poll::Ready(None);
                }
                let rest = this.buffer.split().freeze();
                return Poll::Ready(Some(Ok(Frame::data(rest))));
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => this.inner_done = true,
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => this.buffer.extend_from_slice(&data),
                    Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};
    use newsline_proto::v1::IngestDocumentsRequest;
    use prost::Message;

    fn framed(message: &[u8]) -> Vec<u8> {
        let mut frame = vec![0u8];
        frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
        frame.extend_from_slice(message);
        frame
    }

    /// Feeds `bytes` in chunks of `chunk` bytes and decodes what comes out.
    async fn run(
        bytes: Vec<u8>,
        chunk: usize,
        max: usize,
    ) -> (Vec<IngestDocumentsRequest>, StreamChecks) {
        let chunks: Vec<Result<Frame<Bytes>, Status>> = bytes
            .chunks(chunk)
            .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
            .collect();
        let inner = Body::new(StreamBody::new(futures::stream::iter(chunks)));
        let checks = StreamChecks::default();
        let out = CheckedBody::new(inner, max, checks.clone())
            .collect()
            .await
            .unwrap()
            .to_bytes();
        let mut rest = &out[..];
        let mut messages = Vec::new();
        while !rest.is_empty() {
            let length = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
            messages.push(IngestDocumentsRequest::decode(&rest[5..5 + length]).unwrap());
            rest = &rest[5 + length..];
        }
        (messages, checks)
    }

    #[tokio::test]
    async fn bad_messages_are_replaced_and_noted_whatever_the_chunking() {
        let good = IngestDocumentsRequest {
            text: "Minsk".into(),
            tag: "a".into(),
            ..Default::default()
        }
        .encode_to_vec();
        // text = "a\xffb", tag = "b"
        let invalid = [0x0a, 0x03, b'a', 0xff, b'b', 0x2a, 0x01, b'b'];
        let large = IngestDocumentsRequest {
            text: "x".repeat(100),
            tag: "c".into(),
            ..Default::default()
        }
        .encode_to_vec();
        let mut stream = framed(&good);
        stream.extend(framed(&invalid));
        stream.extend(framed(&large));
        stream.extend(framed(&good));
        for chunk in [1, 3, 7, 1000] {
            let (messages, checks) = run(stream.clone(), chunk, 64).await;
            let tags: Vec<_> = messages.iter().map(|m| m.tag.as_str()).collect();
            assert_eq!(tags, ["a", "b", "", "a"], "chunk {chunk}");
            assert_eq!(messages[1].text, "");
            assert_eq!(checks.take(0), None);
            assert_eq!(checks.take(1), Some(Replaced::InvalidUtf8 { offset: 1 }));
            assert_eq!(
                checks.take(2),
                Some(Replaced::TooLarge { bytes: large.len() })
            );
            assert_eq!(checks.take(3), None);
        }
    }

    #[tokio::test]
    async fn undecodable_messages_are_replaced_by_their_tag_and_noted() {
        let good = IngestDocumentsRequest {
            text: "Minsk".into(),
            tag: "a".into(),
            ..Default::default()
        }
        .encode_to_vec();
        // tag = "b", then `text` as a varint: the wrong wire type.
        let wrong_wire_type = [0x2a, 0x01, b'b', 0x08, 0x01];
        // `source_uri` = "\xc3(" (not UTF-8), tag = "c".
        let bad_uri = [0x12, 0x02, 0xc3, 0x28, 0x2a, 0x01, b'c'];
        // A varint that never ends: nothing, not even the tag, is readable.
        let garbage = [0xff, 0xff, 0xff];
        // Invalid UTF-8 in `text` and a truncated rest: undecodable, not just a bad text.
        let both = [0x0a, 0x01, 0xff, 0x12, 0x09, b'x'];
        let mut stream = Vec::new();
        for message in [
            &good[..],
            &wrong_wire_type,
            &bad_uri,
            &garbage,
            &both,
            &good,
        ] {
            stream.extend(framed(message));
        }
        for chunk in [1, 4, 1000] {
            let (messages, checks) = run(stream.clone(), chunk, 64).await;
            let tags: Vec<_> = messages.iter().map(|m| m.tag.as_str()).collect();
            assert_eq!(tags, ["a", "b", "c", "", "", "a"], "chunk {chunk}");
            let details: Vec<_> = (0..6)
                .map(|index| match checks.take(index) {
                    Some(Replaced::Undecodable { detail }) => detail,
                    None => String::new(),
                    other => panic!("message {index}: {other:?}"),
                })
                .collect();
            assert_eq!(details[0], "");
            assert!(
                details[1].contains("IngestDocumentsRequest.text"),
                "{}",
                details[1]
            );
            assert!(
                details[2].contains("IngestDocumentsRequest.source_uri"),
                "{}",
                details[2]
            );
            for detail in &details[1..5] {
                assert!(
                    detail.starts_with("failed to decode Protobuf message"),
                    "{detail}"
                );
            }
            assert_eq!(details[5], "");
        }
    }
}
