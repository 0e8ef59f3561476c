//! The client's deadline (`grpc-timeout`) applied to a whole response stream.
//!
//! tonic bounds only the wait for a handler's first answer; a stream, a watch above all, would
//! otherwise outlive its deadline until the client resets it. Ending it here with
//! DEADLINE_EXCEEDED frees its producer as soon as the deadline passes.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use futures::{Future, Stream};
use tokio::time::Sleep;
use tonic::{Status, metadata::MetadataMap};

use super::ResponseStream;

/// The longest deadline the gRPC wire format can carry is 8 digits of hours; anything that does
/// not parse is no deadline at all, as the gRPC spec says.
pub fn requested(metadata: &MetadataMap) -> Option<Duration> {
    let value = metadata.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.checked_mul(3600)?),
        "M" => Duration::from_secs(amount.checked_mul(60)?),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// `stream`, ended with DEADLINE_EXCEEDED once `deadline` (if any) has passed.
pub fn bounded<T: Send + 'static>(
    stream: ResponseStream<T>,
    deadline: Option<Duration>,
) -> ResponseStream<T> {
    match deadline {
        Some(deadline) => Box::pin(Bounded {
            inner: stream,
            expiry: Box::pin(tokio::time::sleep(deadline)),
            ended: false,
        }),
        None => stream,
    }
}

struct Bounded<T> {
    inner: ResponseStream<T>,
    expiry: Pin<Box<Sleep>>,
    ended: bool,
}

impl<T> Stream for Bounded<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if self.expiry.as_mut().poll(cx).is_ready() {
            self.ended = true;
            return Poll::Ready(Some(Err(Status::deadline_exceeded(
                "the call's deadline (grpc-timeout) passed",
            ))));
        }
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(value: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert("grpc-timeout", value.parse().unwrap());
        metadata
    }

    #[test]
    fn every_unit_of_the_spec_is_read_and_nonsense_is_no_deadline() {
        assert_eq!(requested(&metadata("2H")), Some(Duration::from_secs(7200)));
        assert_eq!(requested(&metadata("3M")), Some(Duration::from_secs(180)));
        assert_eq!(requested(&metadata("4S")), Some(Duration::from_secs(4)));
        assert_eq!(
            requested(&metadata("300m")),
            Some(Duration::from_millis(300))
        );
        assert_eq!(requested(&metadata("7u")), Some(Duration::from_micros(7)));
        assert_eq!(requested(&metadata("9n")), Some(Duration::from_nanos(9)));
        for nonsense in ["", "S", "12", "1x", "123456789S", "-1S", "1.5S"] {
            assert_eq!(requested(&metadata(nonsense)), None, "{nonsense:?}");
        }
        assert_eq!(requested(&MetadataMap::new()), None);
    }

    #[tokio::test]
    async fn a_stream_past_its_deadline_ends_with_deadline_exceeded() {
        let endless: ResponseStream<u32> = Box::pin(futures::stream::pending());
        let mut bounded = bounded(endless, Some(Duration::from_millis(20)));
        let status = futures::StreamExt::next(&mut bounded)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::DeadlineExceeded);
        assert!(futures::StreamExt::next(&mut bounded).await.is_none());
    }
}
