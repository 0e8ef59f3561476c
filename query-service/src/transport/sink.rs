//! `newsline.v1.RecordSinkService`.

use std::sync::Arc;

use newsline_proto::v1::{self as pb, record_sink_service_server::RecordSinkService};
use newsline_server::decode_errors::is_undecodable;
use prost::Message;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::{ResponseStream, convert::batch_from_wire, spawn_stream};
use crate::{
    domain::{DomainError, Store},
    storage::Storage,
};

/// The data folder, shared by every publish stream.
pub type SharedLog = Arc<Storage>;

const ACK_BUFFER: usize = 16;

pub struct SinkApi {
    store: Store,
    token: CancellationToken,
    log: Option<SharedLog>,
}

impl SinkApi {
    /// A sink that keeps batches in memory only.
    pub fn new(store: Store, token: CancellationToken) -> Self {
        Self {
            store,
            token,
            log: None,
        }
    }

    /// Every applied batch is also appended to `log` and synced before it is acknowledged.
    pub fn with_log(mut self, log: SharedLog) -> Self {
        self.log = Some(log);
        self
    }
}

/// Applies one batch off the async runtime: a big batch holds the write lock for a while.
async fn apply(
    store: &Store,
    log: Option<&SharedLog>,
    request: pb::PublishRequest,
) -> Result<pb::PublishResponse, DomainError> {
    let encoded = log.map(|_| request.encode_to_vec());
    let batch = batch_from_wire(request)?;
    let store = store.clone();
    let log = log.cloned();
    let sequence = batch.sequence;
    let durable_publish = move || {
        let (Some(log), Some(encoded)) = (log, encoded) else {
            return store.publish(batch);
        };
        let outcome = {
            // One lock around applying and logging keeps the log in the order batches were
            // applied.
            let mut appending = log.log();
            let outcome = store.publish(batch)?;
            if !outcome.duplicate {
                appending
                    .append(&encoded)
                    .map_err(|error| DomainError::Storage {
                        reason: error.to_string(),
                    })?;
            }
            outcome
        };
        log.compact_in_background_if_due(&store);
        Ok(outcome)
    };
    match tokio::task::spawn_blocking(durable_publish).await {
        Ok(outcome) => outcome.map(Into::into),
        // A panic is the server's fault, not the batch's: answered as an invalid batch, the
        // producer would set good data aside for good.
        Err(join_error) => Err(DomainError::Internal {
            reason: format!("applying batch {sequence} failed: {join_error}"),
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
        let (store, token, log) = (self.store.clone(), self.token.clone(), self.log.clone());
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
                            // A message prost could not decode is answered (the client may still
                            // be listening); a vanished client is not.
                            if is_undecodable(&status) {
                                let refused =
                                    DomainError::invalid("PublishRequest", status.message());
                                let _ = acks.send(Err(refused)).await;
                            }
                            return;
                        }
                    };
                    let sequence = request.sequence;
                    let result = apply(&store, log.as_ref(), request).await;
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
