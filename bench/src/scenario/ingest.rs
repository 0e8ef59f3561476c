//! Ingest end to end: raw pages sent through `IngestService/IngestDocuments` to a real
//! `ingest-service serve`, which parses them and publishes to a real `query-service`; a document
//! counts once its answer says the query service accepted its records (not spooled).
//!
//! The corpus has a few dozen pages, so each page is sent in several copies made distinct: copy k
//! appends a short reference "(ref. k.i)" to each body paragraph line, which changes every
//! article's content-derived id while leaving its dates, names and events as they were.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use newsline_proto::v1 as pb;
use newsline_proto::v1::ingest_service_client::IngestServiceClient;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use serde::Serialize;
use tokio_stream::wrappers::ReceiverStream;

use crate::procs;
use crate::stats::Figure;

/// Longest wait for the next document's answer.
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone, Debug, Serialize)]
pub struct IngestRun {
    pub documents: u64,
    pub bytes: u64,
    pub articles: u64,
    pub events: u64,
    pub rejected: u64,
    pub spooled: u64,
    pub stored_articles: u64,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct IngestReport {
    pub runs: Vec<IngestRun>,
    pub articles_per_second: Figure,
    pub documents_per_second: Figure,
    pub mb_per_second: Figure,
}

/// A page's text with every body paragraph line tagged with copy `copy`.
pub fn variant(text: &str, copy: usize) -> String {
    if copy == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 256);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.chars().count() >= 120 && body.ends_with('.') {
            out.push_str(body);
            out.push_str(&format!(" (ref. {copy}.{index})"));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Reads the pages and makes `documents` distinct documents from them.
pub fn documents(pages: &[PathBuf], documents: usize) -> anyhow::Result<Vec<(String, String)>> {
    let mut texts = Vec::new();
    for page in pages {
        let bytes = std::fs::read(page).with_context(|| format!("reading {}", page.display()))?;
        texts.push((
            page.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    if texts.is_empty() {
        bail!("no pages to ingest");
    }
    Ok((0..documents)
        .map(|i| {
            let (name, text) = &texts[i % texts.len()];
            let copy = i / texts.len();
            (format!("{name}#{copy}"), variant(text, copy))
        })
        .collect())
}

/// One run on fresh services: every document through one `IngestDocuments` stream.
pub async fn run_once(
    bin_dir: &Path,
    log_dir: &Path,
    spool_dir: &Path,
    documents: &[(String, String)],
) -> anyhow::Result<IngestRun> {
    let (query, query_channel) = procs::start_query_service(bin_dir, log_dir).await?;
    let _ = std::fs::remove_dir_all(spool_dir);
    let (_ingest, ingest_channel) =
        procs::start_ingest_service(bin_dir, log_dir, &query.url(), spool_dir).await?;
    let mut client = IngestServiceClient::new(ingest_channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let requests: Vec<pb::IngestDocumentsRequest> = documents
        .iter()
        .map(|(tag, text)| pb::IngestDocumentsRequest {
            text: text.clone(),
            source_uri: tag.clone(),
            tag: tag.clone(),
            ..Default::default()
        })
        .collect();
    let bytes: u64 = documents.iter().map(|(_, text)| text.len() as u64).sum();
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        for request in requests {
            if tx.send(request).await.is_err() {
                break;
            }
        }
    });
    let mut answers = client
        .ingest_documents(ReceiverStream::new(rx))
        .await
        .context("opening IngestDocuments")?
        .into_inner();
    let mut run = IngestRun {
        documents: 0,
        bytes,
        articles: 0,
        events: 0,
        rejected: 0,
        spooled: 0,
        stored_articles: 0,
        seconds: 0.0,
    };
    // Stop at the last answer rather than at the end of the stream: the clock is about the
    // documents, and a server slow to close the stream must not hang the harness.
    while run.documents < documents.len() as u64 {
        let answer = tokio::time::timeout(ANSWER_TIMEOUT, answers.message())
            .await
            .with_context(|| format!("no IngestDocuments answer within {ANSWER_TIMEOUT:?}"))?
            .context("reading IngestDocuments")?
            .context("the IngestDocuments stream ended before every document was answered")?;
        run.documents += 1;
        match (answer.result, answer.error) {
            (Some(result), None) => {
                run.articles += u64::from(result.article_count);
                run.events += u64::from(result.event_count);
                run.spooled += u64::from(result.spooled);
            }
            _ => run.rejected += 1,
        }
    }
    run.seconds = started.elapsed().as_secs_f64();
    sender.await?;
    if run.documents != documents.len() as u64 {
        bail!(
            "{} documents sent but {} answered",
            documents.len(),
            run.documents
        );
    }
    let stats = QueryServiceClient::new(query_channel)
        .get_stats(pb::GetStatsRequest {})
        .await?
        .into_inner();
    run.stored_articles = stats.articles;
    Ok(run)
}

pub fn summarize(runs: Vec<IngestRun>) -> IngestReport {
    let rate = |f: &dyn Fn(&IngestRun) -> f64| -> Figure {
        Figure::of(&runs.iter().map(|r| f(r) / r.seconds).collect::<Vec<_>>())
    };
    IngestReport {
        articles_per_second: rate(&|r| r.articles as f64),
        documents_per_second: rate(&|r| r.documents as f64),
        mb_per_second: rate(&|r| r.bytes as f64 / 1e6),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_tag_long_paragraphs_only_and_keep_line_ends() {
        let paragraph = "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit, and met Alexander Lukashenka in Minsk.";
        let text = format!("Title line\r\n{paragraph}\n348 reads\n");
        assert_eq!(variant(&text, 0), text);
        let copy = variant(&text, 3);
        assert_eq!(
            copy,
            format!("Title line\r\n{paragraph} (ref. 3.1)\n348 reads\n")
        );
        assert_ne!(variant(&text, 4), copy);
    }
}
