//! `--watch DIR`: ingest every file already in the folder, then every file added or changed.
//!
//! The folder is scanned every `interval` rather than watched with inotify: events do not cross
//! many container bind mounts and network file systems, a scan is cheap at the sizes this serves,
//! and it gives a simple rule against half-written files: a file changed since the last scan is
//! ingested only once a scan finds it unchanged (size and modification time). Files present at
//! start are taken as they are. Content already in the ledger is skipped, so restarts, renames and
//! copies do not ingest anything twice. Hidden files and folders (leading `.`) are ignored.

pub mod ledger;

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

pub use ledger::Ledger;

use crate::ingest::{Content, Document, Ingestor, content_hash};

/// What a file looked like at a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileState {
    /// Seen changed at the last scan; ingested when the next scan sees the same stamp.
    Settling(Stamp),
    /// Handled (ingested, already known, or refused) at this stamp.
    Done(Stamp),
}

pub struct Watcher {
    dir: PathBuf,
    interval: Duration,
    ingestor: Ingestor,
    ledger: Arc<Mutex<Ledger>>,
    files: HashMap<PathBuf, FileState>,
}

/// What a scan did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub ingested: usize,
    pub already_known: usize,
    pub failed: usize,
}

impl Watcher {
    pub fn new(dir: PathBuf, interval: Duration, ingestor: Ingestor, ledger: Ledger) -> Self {
        Watcher {
            dir,
            interval,
            ingestor,
            ledger: Arc::new(Mutex::new(ledger)),
            files: HashMap::new(),
        }
    }

    /// Scans until `cancel` fires.
    pub async fn run(mut self, cancel: CancellationToken) {
        tracing::info!(dir = %self.dir.display(), interval_ms = self.interval.as_millis() as u64, "watching for documents");
        let mut first = true;
        loop {
            let report = tokio::select! {
                _ = cancel.cancelled() => return,
                report = self.scan(first) => report,
            };
            if report != ScanReport::default() {
                tracing::info!(
                    ingested = report.ingested,
                    already_known = report.already_known,
                    failed = report.failed,
                    "scanned {}",
                    self.dir.display()
                );
            }
            first = false;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// One pass over the folder. With `take_all`, files are ingested without waiting for them to
    /// settle (the first scan at start).
    pub async fn scan(&mut self, take_all: bool) -> ScanReport {
        let dir = self.dir.clone();
        let listed = tokio::task::spawn_blocking(move || list_files(&dir)).await;
        let files = match listed {
            Ok(Ok(files)) => files,
            Ok(Err(err)) => {
                tracing::warn!(dir = %self.dir.display(), %err, "cannot list the watched folder");
                return ScanReport::default();
            }
            Err(err) => {
                tracing::warn!(%err, "cannot list the watched folder");
                return ScanReport::default();
            }
        };
        let mut report = ScanReport::default();
        self.files
            .retain(|path, _| files.iter().any(|(p, _)| p == path));
        for (path, stamp) in files {
            let ready = match self.files.get(&path) {
                Some(FileState::Done(done)) if *done == stamp => continue,
                Some(FileState::Settling(seen)) if *seen == stamp => true,
                _ => take_all,
            };
            if !ready {
                self.files.insert(path, FileState::Settling(stamp));
                continue;
            }
            self.ingest_file(&path, &mut report).await;
            self.files.insert(path, FileState::Done(stamp));
        }
        report
    }

    async fn ingest_file(&self, path: &Path, report: &mut ScanReport) {
        let bytes = match tokio::fs::read(path).await {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::warn!(file = %path.display(), %err, "cannot read");
                report.failed += 1;
                return;
            }
        };
        let hash = content_hash(&bytes);
        if self.ledger.lock().await.contains(&hash) {
            report.already_known += 1;
            return;
        }
        let source_uri = path.display().to_string();
        let document = Document {
            content: Content::Raw(bytes),
            source_uri: source_uri.clone(),
            published: None,
        };
        match self.ingestor.accept(document).await {
            Ok(accepted) => {
                let outcome = &accepted.outcome;
                // The records are in the spool now, so they will be delivered even across a
                // restart: the document counts as done.
                let recorded =
                    self.ledger
                        .lock()
                        .await
                        .record(&hash, &outcome.document_id, &source_uri);
                if let Err(err) = recorded {
                    tracing::warn!(file = %path.display(), %err, "cannot record in the ledger; the file may be ingested again after a restart");
                }
                tracing::info!(
                    file = %path.display(),
                    document_id = %outcome.document_id,
                    articles = outcome.article_count,
                    events = outcome.event_count,
                    entities = outcome.entity_count,
                    "ingested"
                );
                report.ingested += 1;
            }
            Err(err) => {
                tracing::warn!(file = %path.display(), %err, "not ingested");
                report.failed += 1;
            }
        }
    }
}

/// Every regular, non-hidden file under `dir`, sorted by path.
fn list_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, Stamp)>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // Follows symbolic links, as Kubernetes-style mounted folders are made of them.
            let Ok(metadata) = fs::metadata(entry.path()) else {
                continue;
            };
            if metadata.is_dir() {
                folders.push(entry.path());
            } else if metadata.is_file() {
                files.push((
                    entry.path(),
                    Stamp {
                        len: metadata.len(),
                        modified: metadata.modified().ok(),
                    },
                ));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}
