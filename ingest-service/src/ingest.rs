//! Ingesting one document: check it, parse it, hand its records to the publisher. Shared by the
//! gRPC handlers, the folder watcher and the `ingest` command; free of gRPC transport types.
//!
//! Parsing is CPU-bound and runs on blocking threads, at most two per core at once: a bulk stream
//! keeps several documents in progress, so every core parses while the publisher writes the
//! previous ones to the spool as one group (see `crate::publish`); the second parse per core
//! keeps a core from idling while a finished parse's task is woken, and the bound keeps many
//! streams and the folder watcher from running hundreds of parses side by side, each delaying
//! every answer and holding its memory.

use std::{sync::Arc, time::Duration};

use newsline_proto::v1::{Diagnostic, ParseDocumentResponse, PublishRequest};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::{
    extract::model::PartialDate,
    publish::{Delivery, PublishError, Publisher, Submitted, await_delivery},
};

/// The parser: raw bytes, source URI and publication date in, records out.
pub type Parser =
    Arc<dyn Fn(&[u8], &str, Option<PartialDate>) -> ParseDocumentResponse + Send + Sync>;

/// The default limit on the size of one document.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// A document as it arrives.
#[derive(Clone, Debug)]
pub struct Document {
    pub content: Content,
    pub source_uri: String,
    pub published: Option<PartialDate>,
}

#[derive(Clone, Debug)]
pub enum Content {
    /// Text known to be UTF-8.
    Text(String),
    /// Bytes decoded as UTF-8 with replacement by the parser, which reports what it replaced.
    Raw(Vec<u8>),
}

impl Content {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Content::Text(text) => text.as_bytes(),
            Content::Raw(bytes) => bytes,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(
        "the document is empty: set `text` to the article text (or `raw` to its bytes); whitespace alone is empty too"
    )]
    Empty,
    #[error(
        "the document is {size} bytes, over the limit of {limit} bytes; split it, or raise the limit with --max-document-bytes (NEWSLINE_MAX_DOCUMENT_BYTES)"
    )]
    TooLarge { size: usize, limit: usize },
    #[error("invalid `{field}`: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("the parser failed on this document: {0}")]
    ParserFailed(String),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(
        "the query service rejected this document's records: {reason}; the batch is kept in the spool's `rejected` folder"
    )]
    Rejected { reason: String },
}

/// What one ingested document produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub document_id: String,
    pub article_ids: Vec<String>,
    pub article_count: u32,
    pub entity_count: u32,
    pub event_count: u32,
    pub diagnostics: Vec<Diagnostic>,
    /// The records wait in the spool for the query service.
    pub spooled: bool,
}

/// A document whose records are in the spool, with the means to learn their fate.
#[derive(Debug)]
pub struct Accepted {
    pub outcome: Outcome,
    /// `None` when the document produced no records, so nothing was published.
    pub submitted: Option<Submitted>,
}

#[derive(Clone)]
pub struct Ingestor {
    parser: Parser,
    publisher: Publisher,
    max_document_bytes: usize,
    ack_wait: Duration,
    /// Two permits per core: the parses allowed to run at once.
    parse_slots: Arc<Semaphore>,
}

impl Ingestor {
    /// `ack_wait` is how long `ingest` waits for the query service before it answers that the
    /// records are spooled.
    pub fn new(
        parser: Parser,
        publisher: Publisher,
        max_document_bytes: usize,
        ack_wait: Duration,
    ) -> Self {
        Ingestor {
            parser,
            publisher,
            max_document_bytes,
            ack_wait,
            parse_slots: Arc::new(Semaphore::new(parse_slots())),
        }
    }

    pub fn max_document_bytes(&self) -> usize {
        self.max_document_bytes
    }

    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// Checks and parses without publishing.
    pub async fn parse(&self, document: Document) -> Result<ParseDocumentResponse, IngestError> {
        check_document(&document, self.max_document_bytes)?;
        let parser = Arc::clone(&self.parser);
        let slot = Arc::clone(&self.parse_slots)
            .acquire_owned()
            .await
            .map_err(|err| IngestError::ParserFailed(err.to_string()))?;
        // Parsing is CPU-bound; keep it off the threads that serve connections.
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            parser(
                document.content.as_bytes(),
                &document.source_uri,
                document.published,
            )
        })
        .await
        .map_err(|err| IngestError::ParserFailed(err.to_string()))
    }

    /// Parses and spools the document's records without waiting for the query service.
    pub async fn accept(&self, document: Document) -> Result<Accepted, IngestError> {
        let document_id = document_id(document.content.as_bytes());
        let parsed = self.parse(document).await?;
        let mut outcome = Outcome {
            document_id,
            article_ids: parsed.articles.iter().map(|a| a.id.clone()).collect(),
            article_count: count(parsed.articles.len()),
            entity_count: count(parsed.entities.len()),
            event_count: count(parsed.events.len()),
            diagnostics: parsed.diagnostics,
            spooled: false,
        };
        if parsed.articles.is_empty() && parsed.entities.is_empty() && parsed.events.is_empty() {
            return Ok(Accepted {
                outcome,
                submitted: None,
            });
        }
        let batch = PublishRequest {
            articles: parsed.articles,
            entities: parsed.entities,
            events: parsed.events,
            ..Default::default()
        };
        let submitted = self.publisher.submit(batch).await?;
        outcome.spooled = true;
        Ok(Accepted {
            outcome,
            submitted: Some(submitted),
        })
    }

    /// Parses, publishes and waits until the query service has the records, or until they are
    /// known to wait in the spool.
    pub async fn ingest(&self, document: Document) -> Result<Outcome, IngestError> {
        let Accepted {
            mut outcome,
            submitted,
        } = self.accept(document).await?;
        if let Some(submitted) = submitted {
            match await_delivery(submitted.delivery, self.ack_wait).await {
                Delivery::Acknowledged => outcome.spooled = false,
                Delivery::Spooled => outcome.spooled = true,
                Delivery::Rejected { reason } => return Err(IngestError::Rejected { reason }),
            }
        }
        Ok(outcome)
    }
}

/// How many parses may run at once: two per core.
pub fn parse_slots() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Rejects what cannot be a document before any work is spent on it.
pub fn check_document(document: &Document, max_document_bytes: usize) -> Result<(), IngestError> {
    let bytes = document.content.as_bytes();
    if bytes.len() > max_document_bytes {
        return Err(IngestError::TooLarge {
            size: bytes.len(),
            limit: max_document_bytes,
        });
    }
    let blank = match &document.content {
        Content::Text(text) => text.trim().is_empty(),
        Content::Raw(raw) => raw.iter().all(u8::is_ascii_whitespace),
    };
    if blank {
        return Err(IngestError::Empty);
    }
    Ok(())
}

/// The SHA-256 of the content, in hex: what the watcher's ledger remembers.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `document:` and the first 16 hex digits of the content hash.
pub fn document_id(bytes: &[u8]) -> String {
    format!("document:{}", &content_hash(bytes)[..16])
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Document {
        Document {
            content: Content::Text(s.into()),
            source_uri: String::new(),
            published: None,
        }
    }

    #[test]
    fn blank_and_oversized_documents_are_refused_with_the_limit_named() {
        assert!(matches!(
            check_document(&text(" \n\t"), 100),
            Err(IngestError::Empty)
        ));
        let raw = Document {
            content: Content::Raw(b"\r\n".to_vec()),
            ..text("")
        };
        assert!(matches!(check_document(&raw, 100), Err(IngestError::Empty)));
        let err = check_document(&text(&"x".repeat(101)), 100).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("101 bytes") && message.contains("limit of 100"),
            "{message}"
        );
        assert!(message.contains("--max-document-bytes"), "{message}");
        assert!(check_document(&text("Minsk, 5 May."), 100).is_ok());
    }

    #[test]
    fn document_ids_depend_on_content_only() {
        let id = document_id(b"Lukashenka met Putin.");
        assert!(id.starts_with("document:") && id.len() == "document:".len() + 16);
        assert_eq!(id, document_id(b"Lukashenka met Putin."));
        assert_ne!(id, document_id(b"Lukashenka met Xi."));
        assert_eq!(content_hash(b"").len(), 64);
    }
}
