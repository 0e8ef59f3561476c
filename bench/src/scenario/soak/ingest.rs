//! Corpus pages through `IngestDocuments`, made distinct per copy.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use anyhow::Context;
use anyhow::bail;
use newsline_proto::v1 as pb;
use newsline_proto::v1::ingest_service_client::IngestServiceClient;
use serde::Serialize;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tonic::transport::Channel;

use crate::scenario::ingest::variant;

use super::{ANSWER_TIMEOUT, tally::Tally};

/// What went through `IngestDocuments`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestSummary {
    pub documents_sent: u64,
    pub documents_answered: u64,
    pub documents_per_second: f64,
    pub bytes: u64,
    pub rejected: u64,
    pub spooled: u64,
    /// Articles and events as the answers count them (an article sent again counts again).
    pub articles: u64,
    pub events: u64,
    pub distinct_articles: u64,
    #[serde(skip)]
    pub article_ids: HashSet<String>,
}

impl IngestSummary {
    /// Adds the counts of another stream's summary.
    pub(super) fn absorb(&mut self, other: IngestSummary) {
        self.documents_sent += other.documents_sent;
        self.documents_answered += other.documents_answered;
        self.documents_per_second += other.documents_per_second;
        self.bytes += other.bytes;
        self.rejected += other.rejected;
        self.spooled += other.spooled;
        self.articles += other.articles;
        self.events += other.events;
        self.article_ids.extend(other.article_ids);
        self.distinct_articles = self.article_ids.len() as u64;
    }
}

/// Sends corpus pages (copy k of a page tagged "(ref. k.i)", so its articles get new ids) at
/// `rate` documents per second until the deadline, on one `IngestDocuments` stream: lane `lane`
/// of `lanes`, which sends documents `lane`, `lane + lanes`, ...
pub(super) async fn ingester(
    channel: Channel,
    pages: Arc<Vec<(String, String)>>,
    rate: f64,
    (lane, lanes): (usize, usize),
    deadline: tokio::time::Instant,
    tally: Arc<Tally>,
) -> anyhow::Result<IngestSummary> {
    let mut client = IngestServiceClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::IngestDocumentsRequest>(8);
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let (mut sent, mut bytes) = (0u64, 0u64);
        loop {
            ticks.tick().await;
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            let index = sent as usize * lanes + lane;
            let (name, text) = &pages[index % pages.len()];
            let copy = index / pages.len();
            let text = variant(text, copy + 1);
            bytes += text.len() as u64;
            let request = pb::IngestDocumentsRequest {
                text,
                source_uri: format!("{name}#soak-{copy}"),
                tag: index.to_string(),
                ..Default::default()
            };
            if tx.send(request).await.is_err() {
                break;
            }
            sent += 1;
        }
        (sent, bytes)
    });
    let mut answers = match client.ingest_documents(ReceiverStream::new(rx)).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tally.failed("IngestDocuments", &status);
            bail!("opening IngestDocuments: {status}");
        }
    };
    let mut summary = IngestSummary::default();
    loop {
        let answer = match tokio::time::timeout(ANSWER_TIMEOUT, answers.message()).await {
            Err(_) => {
                tally.problem(
                    "ingest answer late",
                    format!("no IngestDocuments answer within {ANSWER_TIMEOUT:?}"),
                );
                break;
            }
            Ok(Ok(Some(answer))) => answer,
            Ok(Ok(None)) => {
                tally.ok("IngestDocuments");
                break;
            }
            Ok(Err(status)) => {
                tally.failed("IngestDocuments", &status);
                break;
            }
        };
        if answer.index != summary.documents_answered {
            tally.problem(
                "ingest answer order",
                format!(
                    "answer {} where {} was due",
                    answer.index, summary.documents_answered
                ),
            );
        }
        summary.documents_answered += 1;
        match (answer.result, answer.error) {
            (Some(result), None) => {
                summary.articles += u64::from(result.article_count);
                summary.events += u64::from(result.event_count);
                if result.spooled {
                    summary.spooled += 1;
                    tally.problem(
                        "ingest spooled",
                        format!(
                            "document {} spooled: the query service did not take it",
                            answer.tag
                        ),
                    );
                }
                summary.article_ids.extend(result.article_ids);
            }
            (_, error) => {
                summary.rejected += 1;
                let (code, message) = error.map_or((Code::Unknown, String::new()), |e| {
                    (Code::from_i32(e.code), e.message)
                });
                tally.record("IngestDocuments (document)", code);
                tally.problem(
                    &format!("IngestDocuments (document) {code:?}"),
                    format!("document {} rejected: {code:?} {message}", answer.tag),
                );
            }
        }
    }
    let (sent, bytes) = sender.await?;
    summary.documents_sent = sent;
    summary.bytes = bytes;
    summary.documents_per_second =
        summary.documents_answered as f64 / started.elapsed().as_secs_f64();
    summary.distinct_articles = summary.article_ids.len() as u64;
    if summary.documents_answered != sent {
        tally.problem(
            "ingest unanswered",
            format!(
                "{sent} documents sent, {} answered",
                summary.documents_answered
            ),
        );
    }
    Ok(summary)
}

pub(super) fn read_pages(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    let mut pages = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        pages.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    if pages.is_empty() {
        bail!("no corpus pages to ingest");
    }
    Ok(pages)
}
