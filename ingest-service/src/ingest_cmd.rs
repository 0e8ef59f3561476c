//! `ingest-service ingest PATH...`: a one-shot load of files and folders into the query service.
//!
//! Shows a progress bar on a terminal and plain log lines otherwise, prints a summary, and succeeds
//! only when the query service has acknowledged every batch before the deadline. A query service
//! that refuses the token (or is no query service) stops the load at once: waiting out the
//! deadline cannot help, and the message names the setting to fix.

use std::{
    io::IsTerminal,
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::{
    config::{IngestArgs, SharedToken},
    ingest::{Content, Document, Ingestor, Parser},
    publish::{Publisher, Refusal},
    spool::Spool,
};

/// The totals of a load.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub documents: usize,
    pub failed: Vec<(PathBuf, String)>,
    pub articles: u64,
    pub events: u64,
    pub entities: u64,
    pub elapsed: Duration,
    /// Batches the query service had not acknowledged when the deadline passed.
    pub unacknowledged: usize,
    /// Batches the query service refused as invalid.
    pub rejected: u64,
    /// The query service refused the publisher itself (its token or address), which stopped the
    /// load.
    pub refused: Option<Refusal>,
    /// Files left unread because the load stopped early.
    pub not_read: usize,
}

impl Summary {
    /// Everything was ingested and acknowledged.
    pub fn complete(&self) -> bool {
        self.failed.is_empty()
            && self.unacknowledged == 0
            && self.rejected == 0
            && self.refused.is_none()
            && self.not_read == 0
    }
}

impl Summary {
    pub fn line(&self) -> String {
        format!(
            "{} documents, {} articles, {} events, {} entities in {:.2} s",
            self.documents,
            self.articles,
            self.events,
            self.entities,
            self.elapsed.as_secs_f64()
        )
    }
}

/// The `ingest` command with the extraction's parser; returns the process exit code.
pub async fn run(args: IngestArgs) -> ExitCode {
    let parser: Parser = Arc::new(crate::parse::parse_to_proto);
    tokio::select! {
        outcome = ingest(args, parser) => match outcome {
            Ok(summary) if summary.complete() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(2)
            }
        },
        _ = newsline_server::shutdown::signal() => {
            eprintln!("interrupted: documents not acknowledged yet are lost unless --spool-dir was given");
            ExitCode::from(130)
        }
    }
}

/// Loads every file under `args.paths`, prints progress and the summary, and reports what failed.
pub async fn ingest(args: IngestArgs, parser: Parser) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let files = collect_files(&args.paths)?;
    let mut temporary_spool = match &args.spool_dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("newsline-ingest-spool-")
                .tempdir()
                .context("cannot create a temporary spool folder")?,
        ),
    };
    let spool_dir = match (&args.spool_dir, &temporary_spool) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temporary)) => temporary.path().to_path_buf(),
        (None, None) => unreachable!("a temporary spool exists when no folder is given"),
    };
    let spool = Arc::new(
        Spool::open(&spool_dir)
            .with_context(|| format!("cannot open the spool in {}", spool_dir.display()))?,
    );
    let stop = CancellationToken::new();
    let shared_token = SharedToken::resolve(args.token_file.as_deref())?;
    let publisher_config = args.publish.publisher_config(shared_token.as_ref())?;
    let query_addr = publisher_config.query_addr.clone();
    let settings = publisher_config.clone();
    let (publisher, publisher_task) =
        Publisher::start(Arc::clone(&spool), publisher_config, stop.clone())?;
    let ingestor = Ingestor::new(
        parser,
        publisher.clone(),
        args.publish.max_document_bytes,
        Duration::ZERO,
    );

    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} documents {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });

    let mut summary = Summary::default();
    let file_count = files.len();
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results = futures::stream::iter(files)
        .map(|path| {
            let ingestor = ingestor.clone();
            async move {
                let accepted = match tokio::fs::read(&path).await {
                    Ok(bytes) => ingestor
                        .accept(Document {
                            content: Content::Raw(bytes),
                            source_uri: path.display().to_string(),
                            published: None,
                        })
                        .await
                        .map_err(|err| err.to_string()),
                    Err(err) => Err(format!("cannot read: {err}")),
                };
                (path, accepted)
            }
        })
        .buffered(parallel);
    while let Some((path, accepted)) = results.next().await {
        match accepted {
            Ok(accepted) => {
                let outcome = accepted.outcome;
                summary.documents += 1;
                summary.articles += u64::from(outcome.article_count);
                summary.events += u64::from(outcome.event_count);
                summary.entities += u64::from(outcome.entity_count);
                let line = format!(
                    "{}: {} articles, {} events, {} entities",
                    path.display(),
                    outcome.article_count,
                    outcome.event_count,
                    outcome.entity_count
                );
                match &progress {
                    // The bar has one line: the file name, not the whole path.
                    Some(bar) => bar.set_message(
                        path.file_name()
                            .map(|name| name.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    ),
                    None => tracing::info!("{line}"),
                }
            }
            Err(reason) => {
                match &progress {
                    Some(bar) => bar.println(format!("{}: not ingested: {reason}", path.display())),
                    None => tracing::warn!(file = %path.display(), "not ingested: {reason}"),
                }
                summary.failed.push((path, reason));
            }
        }
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        if publisher.status().refused.is_some() {
            break;
        }
    }
    drop(results);
    summary.not_read = file_count - summary.documents - summary.failed.len();

    let deadline = Duration::from_secs(args.deadline_secs);
    let waiting = format!("waiting up to {deadline:?} for {query_addr} to acknowledge everything");
    match &progress {
        Some(bar) => bar.set_message(waiting),
        None => tracing::info!("{waiting}"),
    }
    let flushed = publisher.flush(deadline).await;
    stop.cancel();
    let _ = publisher_task.await;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    summary.elapsed = started.elapsed();
    let status = match flushed {
        Ok(status) | Err(status) => status,
    };
    summary.unacknowledged = status.pending;
    summary.refused = status.refused;

    if status.pending == 0 && status.rejected == 0 {
        println!("{}; all acknowledged by {query_addr}", summary.line());
    } else {
        println!("{}; NOT all acknowledged", summary.line());
    }
    if let Some(refusal) = status.refused {
        eprintln!("error: {}", refusal.hint(&settings));
        if summary.not_read > 0 {
            eprintln!(
                "error: stopped at once; {} files were not read",
                summary.not_read
            );
        }
    }
    if status.pending > 0 {
        // A temporary spool is kept too: the message tells how to deliver it later.
        let kept = match temporary_spool.take() {
            Some(temporary) => temporary.keep(),
            None => spool_dir.clone(),
        };
        if status.refused.is_some() {
            eprintln!(
                "error: {} batches were not delivered; they are kept in {}: once the setting is fixed, deliver them with `ingest-service serve --spool-dir {}` or retry the load with `--spool-dir {}`",
                status.pending,
                kept.display(),
                kept.display(),
                kept.display()
            );
        } else {
            eprintln!(
                "error: {query_addr} did not acknowledge {} of the batches within {deadline:?} (is the query service running?); they are kept in {}: deliver them with `ingest-service serve --spool-dir {}` or retry the load",
                status.pending,
                kept.display(),
                kept.display()
            );
        }
    }
    if status.rejected > 0 {
        eprintln!(
            "error: the query service rejected {} batches; they are in {}",
            status.rejected,
            spool_dir.join("rejected").display()
        );
    }
    if !summary.failed.is_empty() {
        eprintln!(
            "error: {} documents were not ingested:",
            summary.failed.len()
        );
        for (path, reason) in &summary.failed {
            eprintln!("  {}: {reason}", path.display());
        }
    }
    summary.rejected = status.rejected;
    drop(temporary_spool);
    Ok(summary)
}

/// Every file named, and every non-hidden file under every folder named, in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_file() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut folders = vec![path.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder)
                .with_context(|| format!("cannot list {}", folder.display()))?
            {
                let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let entry_path = entry.path();
                match std::fs::metadata(&entry_path) {
                    Ok(meta) if meta.is_dir() => folders.push(entry_path),
                    Ok(meta) if meta.is_file() => found.push(entry_path),
                    _ => {}
                }
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}
