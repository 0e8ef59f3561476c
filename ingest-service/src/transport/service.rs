//! The `IngestService` handlers: validate and convert, call the domain, convert back.

use std::pin::Pin;

use futures::{Stream, StreamExt, stream::FuturesOrdered};
use newsline_proto::v1::{
    DocumentError, IngestDocumentRequest, IngestDocumentResponse, IngestDocumentsRequest,
    IngestDocumentsResponse, ParseDocumentRequest, ParseDocumentResponse,
    ingest_service_server::IngestService,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status, Streaming};

use newsline_server::decode_errors::{is_undecodable, undecodable_message};

use super::{
    guard::{STREAM_PATH, invalid_text_error},
    stream_guard::{Replaced, StreamChecks},
};
use crate::ingest::{Document, IngestError, Ingestor};

/// How many documents of one bulk stream may be in progress (parsed, awaiting acknowledgement).
const STREAM_DOCUMENTS_IN_PROGRESS: usize = 32;

#[derive(Clone)]
pub struct IngestApi {
    ingestor: Ingestor,
    shutdown: CancellationToken,
}

impl IngestApi {
    /// Streams end with UNAVAILABLE when `shutdown` fires, so the server can stop.
    pub fn new(ingestor: Ingestor, shutdown: CancellationToken) -> Self {
        IngestApi { ingestor, shutdown }
    }
}

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl IngestService for IngestApi {
    async fn ingest_document(
        &self,
        request: Request<IngestDocumentRequest>,
    ) -> Result<Response<IngestDocumentResponse>, Status> {
        let document = Document::try_from(request.into_inner())?;
        let outcome = self.ingestor.ingest(document).await?;
        Ok(Response::new(outcome.into()))
    }

    type IngestDocumentsStream = ResponseStream<IngestDocumentsResponse>;

    async fn ingest_documents(
        &self,
        request: Request<Streaming<IngestDocumentsRequest>>,
    ) -> Result<Response<Self::IngestDocumentsStream>, Status> {
        // Set by `RequestGuard`; without it (a server built without the guard) nothing is replaced.
        let checks = request
            .extensions()
            .get::<StreamChecks>()
            .cloned()
            .unwrap_or_default();
        let inbound = request.into_inner();
        let (answers, answers_rx) = mpsc::channel(STREAM_DOCUMENTS_IN_PROGRESS);
        tokio::spawn(ingest_stream(
            self.ingestor.clone(),
            checks,
            inbound,
            answers,
            self.shutdown.clone(),
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(answers_rx))))
    }

    async fn parse_document(
        &self,
        request: Request<ParseDocumentRequest>,
    ) -> Result<Response<ParseDocumentResponse>, Status> {
        let document = Document::try_from(request.into_inner())?;
        let parsed = self.ingestor.parse(document).await?;
        Ok(Response::new(parsed))
    }
}

/// Reads the bulk stream and answers each document in order; several are in progress at once.
/// Stops when the client goes away, when the input ends, or at shutdown.
async fn ingest_stream(
    ingestor: Ingestor,
    checks: StreamChecks,
    mut inbound: Streaming<IngestDocumentsRequest>,
    answers: mpsc::Sender<Result<IngestDocumentsResponse, Status>>,
    shutdown: CancellationToken,
) {
    let mut in_progress = FuturesOrdered::new();
    let mut next_index: u64 = 0;
    let mut input_open = true;
    while input_open || !in_progress.is_empty() {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                let _ = answers.send(Err(Status::unavailable("the ingest service is shutting down; documents answered so far are kept"))).await;
                return;
            }
            _ = answers.closed() => return,
            Some(answer) = in_progress.next(), if !in_progress.is_empty() => {
                if answers.send(Ok(answer)).await.is_err() {
                    return;
                }
            }
            message = inbound.message(), if input_open && in_progress.len() < STREAM_DOCUMENTS_IN_PROGRESS => match message {
                Ok(Some(request)) => {
                    let index = next_index;
                    next_index += 1;
                    let replaced = checks.take(index);
                    in_progress.push_back(ingest_one(ingestor.clone(), index, request, replaced));
                }
                Ok(None) => input_open = false,
                Err(status) => {
                    // Documents before this one are answered first; then the stream ends.
                    while let Some(answer) = in_progress.next().await {
                        if answers.send(Ok(answer)).await.is_err() {
                            return;
                        }
                    }
                    let _ = answers.send(Err(unreadable_message(status, next_index, ingestor.max_document_bytes()))).await;
                    return;
                }
            },
        }
    }
}

async fn ingest_one(
    ingestor: Ingestor,
    index: u64,
    request: IngestDocumentsRequest,
    replaced: Option<Replaced>,
) -> IngestDocumentsResponse {
    let tag = request.tag.clone();
    let result = match replaced {
        Some(Replaced::InvalidUtf8 { offset }) => Err(invalid_text_error(offset).into()),
        Some(Replaced::TooLarge { bytes }) => Err(IngestError::TooLarge {
            size: bytes,
            limit: ingestor.max_document_bytes(),
        }
        .into()),
        Some(Replaced::Undecodable { detail }) => {
            Err(undecodable_message(STREAM_PATH, Some(index), &detail))
        }
        None => match Document::try_from(request) {
            Ok(document) => ingestor.ingest(document).await.map_err(Status::from),
            Err(err) => Err(err.into()),
        },
    };
    match result {
        Ok(outcome) => IngestDocumentsResponse {
            index,
            tag,
            result: Some(outcome.into()),
            error: None,
        },
        Err(status) => IngestDocumentsResponse {
            index,
            tag,
            result: None,
            error: Some(DocumentError {
                code: status.code() as i32,
                message: status.message().to_string(),
            }),
        },
    }
}

/// A stream message that could not be decoded ends the stream (tonic cannot resume after it);
/// say why in the terms of the API. `RequestGuard` replaces the usual culprits before they get
/// here, so this is the fallback for servers built without it.
fn unreadable_message(status: Status, index: u64, max_document_bytes: usize) -> Status {
    match status.code() {
        _ if is_undecodable(&status) => {
            let refused = undecodable_message(STREAM_PATH, Some(index), status.message());
            Status::invalid_argument(format!(
                "{}. Documents before it were ingested",
                refused.message()
            ))
        }
        Code::OutOfRange => Status::resource_exhausted(format!(
            "document {index} is over the limit of {max_document_bytes} bytes; split it, or raise the limit with --max-document-bytes (NEWSLINE_MAX_DOCUMENT_BYTES). Documents before it were ingested"
        )),
        _ => status,
    }
}
