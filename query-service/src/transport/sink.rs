//! `newsline.v1.RecordSinkService`.

use newsline_proto::v1::{self as pb, record_sink_service_server::RecordSinkService};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::{ResponseStream, convert::batch_from_wire, spawn_stream};
use crate::domain::{DomainError, Store};

const ACK_BUFFER: usize = 16;

pub struct SinkApi {
    store: Store,
    token: CancellationToken,
}

impl SinkApi {
    pub fn new(store: Store, token: CancellationToken) -> Self {
        Self { store, token }
    }
}

/// Applies one batch off the async runtime: a big batch holds the write lock for a while.
async fn apply(
    store: &Store,
    request: pb::PublishRequest,
) -> Result<pb::PublishResponse, DomainError> {
    let batch = batch_from_wire(request)?;
    let store = store.clone();
    let sequence = batch.sequence;
    match tokio::task::spawn_blocking(move || store.publish(batch)).await {
        Ok(outcome) => outcome.map(Into::into),
        Err(join_error) => Err(DomainError::InvalidBatch {
            sequence,
            field: "batch".into(),
            reason: format!("could not be applied: {join_error}"),
        }),
    }
}

#[tonic::async_trait]
impl RecordSinkService for SinkApi {
    type PublishStream = ResponseStream<pb::PublishResponse>;

    async fn publish(
        &self,
        request: Request<Streaming<pb::PublishRequest>>,
    ) -> Result<Response<Self::PublishStream>, Status> {
        if self.token.is_cancelled() {
            return Err(DomainError::ShuttingDown.into());
        }
        let mut inbound = request.into_inner();
        let (store, token) = (self.store.clone(), self.token.clone());
        Ok(Response::new(spawn_stream(
            &self.token,
            ACK_BUFFER,
            move |acks| async move {
                loop {
                    let message = tokio::select! {
                        _ = token.cancelled() => return,
                        message = inbound.message() => message,
                    };
                    let request = match message {
                        Ok(Some(request)) => request,
                        Ok(None) => return,
                        Err(status) => {
                            tracing::debug!(%status, "publisher stream failed");
                            return;
                        }
                    };
                    let sequence = request.sequence;
                    let result = apply(&store, request).await;
                    match &result {
                        Ok(ack) => tracing::debug!(
                            sequence,
                            revision = ack.revision,
                            duplicate = ack.duplicate,
                            "batch applied"
                        ),
                        Err(error) => tracing::warn!(%error, "batch refused"),
                    }
                    let failed = result.is_err();
                    if acks.send(result.map(|ack| vec![ack])).await.is_err() || failed {
                        return;
                    }
                }
            },
        )))
    }
}
