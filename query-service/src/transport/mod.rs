//! gRPC handlers: validate, convert, call the domain, convert back.

pub mod convert;
pub mod query;
pub mod sink;
mod status;

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use futures::{Future, Stream};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;

use crate::domain::DomainError;

pub type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A producer's channel as a response stream that ends with UNAVAILABLE as soon as the server
/// shuts down, whatever is still buffered, so graceful shutdown never waits on a stream.
struct ShutdownAware<D> {
    receiver: mpsc::Receiver<Result<D, DomainError>>,
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    ended: bool,
}

impl<D> Stream for ShutdownAware<D> {
    type Item = Result<D, DomainError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if self.shutdown.as_mut().poll(cx).is_ready() {
            self.ended = true;
            return Poll::Ready(Some(Err(DomainError::ShuttingDown)));
        }
        let next = self.receiver.poll_recv(cx);
        if let Poll::Ready(None | Some(Err(_))) = &next {
            self.ended = true;
        }
        next
    }
}

/// Spawns `produce` with the sending half of a bounded channel and returns the receiving half as
/// a response stream of wire messages.
pub fn spawn_stream<D, W, F, Fut>(
    token: &CancellationToken,
    buffer: usize,
    produce: F,
) -> ResponseStream<W>
where
    D: Send + 'static,
    W: From<D> + Send + 'static,
    F: FnOnce(mpsc::Sender<Result<D, DomainError>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(buffer.max(1));
    tokio::spawn(produce(sender));
    let stream = ShutdownAware {
        receiver,
        shutdown: Box::pin(token.clone().cancelled_owned()),
        ended: false,
    };
    Box::pin(futures::StreamExt::map(stream, |item| {
        item.map(W::from).map_err(Status::from)
    }))
}
