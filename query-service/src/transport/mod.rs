//! gRPC handlers: validate, convert, call the domain, convert back.

pub mod convert;
mod deadline;
pub mod query;
pub mod routes;
pub mod sink;
mod status;
pub mod wire;

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use futures::{Future, Stream};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;

use crate::domain::{DomainError, stream::Sink};

pub type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A producer's channel of batches as a response stream of single items that ends with
/// UNAVAILABLE as soon as the server shuts down, whatever is still buffered, so graceful shutdown
/// never waits on a stream.
struct ShutdownAware<D> {
    receiver: mpsc::Receiver<Result<Vec<D>, DomainError>>,
    batch: std::vec::IntoIter<D>,
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    ended: bool,
}

// Nothing in it is pinned structurally: the shutdown future is boxed and the rest is plain data.
impl<D> Unpin for ShutdownAware<D> {}

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
        loop {
            if let Some(item) = self.batch.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.receiver.poll_recv(cx) {
                Poll::Ready(Some(Ok(batch))) => self.batch = batch.into_iter(),
                Poll::Ready(Some(Err(error))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Spawns `produce` with the sending half of a bounded channel of `buffer` batches and returns
/// the receiving half as a response stream of wire messages.
pub fn spawn_stream<D, W, F, Fut>(
    token: &CancellationToken,
    buffer: usize,
    produce: F,
) -> ResponseStream<W>
where
    D: Send + 'static,
    W: From<D> + Send + 'static,
    F: FnOnce(Sink<D>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(buffer.max(1));
    tokio::spawn(produce(sender));
    let stream = ShutdownAware {
        receiver,
        batch: Vec::new().into_iter(),
        shutdown: Box::pin(token.clone().cancelled_owned()),
        ended: false,
    };
    Box::pin(futures::StreamExt::map(stream, |item| {
        item.map(W::from).map_err(Status::from)
    }))
}
