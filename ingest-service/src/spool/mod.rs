//! The durable spool: every batch is written and fsynced here before it counts as accepted, and
//! deleted only once the query service has acknowledged it, so a crash or a restart re-delivers
//! instead of losing records. The spool also keeps the producer id and the sequence numbers, which
//! must survive a restart: the query service drops a batch whose sequence is not above the last one
//! it acknowledged from the same producer.
//!
//! A stored batch is usually a group: the records of every document submitted while the previous
//! write was in progress, merged by the publisher (see `crate::publish`), so one file, one file
//! fsync and one directory fsync serve the whole group.
//!
//! Layout of the spool directory:
//! - `producer`: the producer id, created once;
//! - `sequence`: the highest sequence number reserved so far (reserved in blocks to save fsyncs);
//! - `batches/<sequence>.batch`: the encoded `PublishRequest`s not yet acknowledged;
//! - `rejected/<sequence>.batch` and `.reason`: batches the query service refused as invalid;
//! - `ledger.tsv`: the content hashes of ingested files (see `crate::watch::ledger`);
//! - `lock`: locked while a process uses the spool.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use newsline_proto::v1::PublishRequest;
use prost::Message;

/// How many sequence numbers one write of the `sequence` file reserves.
const SEQUENCE_BLOCK: u64 = 256;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("spool file {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "the spool {path} is in use by another process; give each ingest process its own --spool-dir"
    )]
    InUse { path: PathBuf },
}

impl SpoolError {
    /// The same error for another waiter (one failed group write answers every document in it).
    pub fn same_again(&self) -> SpoolError {
        match self {
            SpoolError::Io { path, source } => SpoolError::Io {
                path: path.clone(),
                source: io::Error::new(source.kind(), source.to_string()),
            },
            SpoolError::Corrupt { path, reason } => SpoolError::Corrupt {
                path: path.clone(),
                reason: reason.clone(),
            },
            SpoolError::InUse { path } => SpoolError::InUse { path: path.clone() },
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A batch as it is stored: the request carries its producer id and sequence number.
pub type StoredBatch = PublishRequest;

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    producer_id: String,
    sequences: Mutex<SequenceState>,
    /// Held open with an exclusive lock: two processes sharing a spool would reuse sequence
    /// numbers and delete each other's batches. The lock goes with the handle.
    _lock: File,
}

#[derive(Debug)]
struct SequenceState {
    next: u64,
    reserved: u64,
}

impl Spool {
    /// Opens (creating when needed) the spool in `dir`.
    pub fn open(dir: &Path) -> Result<Self, SpoolError> {
        for sub in [dir.to_path_buf(), dir.join("batches"), dir.join("rejected")] {
            fs::create_dir_all(&sub).map_err(io_error(&sub))?;
        }
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        match fs4::FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(SpoolError::InUse {
                    path: dir.to_path_buf(),
                });
            }
            Err(fs4::TryLockError::Error(err)) => return Err(io_error(&lock_path)(err)),
        }
        let producer_path = dir.join("producer");
        let producer_id = match fs::read_to_string(&producer_path) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_string(),
            Ok(_) => {
                return Err(SpoolError::Corrupt {
                    path: producer_path,
                    reason: "empty producer id".into(),
                });
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
                let id = format!("ingest-service@{host}/{:016x}", fastrand::u64(..));
                write_atomically(dir, &producer_path, format!("{id}\n").as_bytes())?;
                id
            }
            Err(err) => return Err(io_error(&producer_path)(err)),
        };
        let sequence_path = dir.join("sequence");
        let reserved = match fs::read_to_string(&sequence_path) {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .map_err(|err| SpoolError::Corrupt {
                    path: sequence_path.clone(),
                    reason: err.to_string(),
                })?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => 0,
            Err(err) => return Err(io_error(&sequence_path)(err)),
        };
        let spool = Spool {
            dir: dir.to_path_buf(),
            producer_id,
            sequences: Mutex::new(SequenceState {
                next: reserved + 1,
                reserved,
            }),
            _lock: lock,
        };
        // A batch file above the reserved mark can only come from a spool written by hand or
        // restored from a backup; never reuse its number.
        let highest_stored = spool.pending_sequences()?.last().copied().unwrap_or(0);
        {
            let mut state = spool.lock_sequences();
            if highest_stored >= state.next {
                state.next = highest_stored + 1;
                state.reserved = highest_stored;
            }
        }
        Ok(spool)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn producer_id(&self) -> &str {
        &self.producer_id
    }

    fn lock_sequences(&self) -> std::sync::MutexGuard<'_, SequenceState> {
        // The state is two integers updated together; a panic elsewhere cannot leave it torn.
        self.sequences
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives the records the next sequence number and stores them durably. Returns the batch to send.
    pub fn append(&self, mut batch: PublishRequest) -> Result<StoredBatch, SpoolError> {
        let mut state = self.lock_sequences();
        if state.next > state.reserved {
            let reserved = state.next + SEQUENCE_BLOCK - 1;
            write_atomically(
                &self.dir,
                &self.dir.join("sequence"),
                format!("{reserved}\n").as_bytes(),
            )?;
            state.reserved = reserved;
        }
        batch.producer_id = self.producer_id.clone();
        batch.sequence = state.next;
        let path = self.batch_path(batch.sequence);
        write_atomically(&self.dir.join("batches"), &path, &batch.encode_to_vec())?;
        state.next += 1;
        Ok(batch)
    }

    /// Forgets an acknowledged batch.
    pub fn remove(&self, sequence: u64) -> Result<(), SpoolError> {
        let path = self.batch_path(sequence);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io_error(&path)(err)),
        }
    }

    /// Moves a batch the query service refused out of the way, with the reason next to it.
    pub fn reject(&self, sequence: u64, reason: &str) -> Result<PathBuf, SpoolError> {
        let from = self.batch_path(sequence);
        let to = self
            .dir
            .join("rejected")
            .join(format!("{sequence:020}.batch"));
        fs::write(to.with_extension("reason"), format!("{reason}\n")).map_err(io_error(&to))?;
        match fs::rename(&from, &to) {
            Ok(()) => Ok(to),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(to),
            Err(err) => Err(io_error(&from)(err)),
        }
    }

    /// The batches stored and not yet acknowledged, in sequence order.
    pub fn pending(&self) -> Result<Vec<StoredBatch>, SpoolError> {
        self.pending_sequences()?
            .into_iter()
            .map(|sequence| {
                let path = self.batch_path(sequence);
                let bytes = fs::read(&path).map_err(io_error(&path))?;
                PublishRequest::decode(bytes.as_slice()).map_err(|err| SpoolError::Corrupt {
                    path,
                    reason: err.to_string(),
                })
            })
            .collect()
    }

    fn pending_sequences(&self) -> Result<Vec<u64>, SpoolError> {
        let dir = self.dir.join("batches");
        let mut sequences = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let entry = entry.map_err(io_error(&dir))?;
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".batch")) else {
                continue;
            };
            if let Ok(sequence) = stem.parse::<u64>() {
                sequences.push(sequence);
            }
        }
        sequences.sort_unstable();
        Ok(sequences)
    }

    fn batch_path(&self, sequence: u64) -> PathBuf {
        self.dir
            .join("batches")
            .join(format!("{sequence:020}.batch"))
    }
}

/// Writes `path` so that a crash leaves either the old content or the new one, never half of it.
pub(crate) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), SpoolError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp"));
    let mut file = File::create(&tmp).map_err(io_error(&tmp))?;
    file.write_all(bytes).map_err(io_error(&tmp))?;
    file.sync_all().map_err(io_error(&tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_error(path))?;
    sync_dir(dir)
}

/// Makes a rename or a new file in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    // Directories cannot be opened for syncing on every platform; where they can, it is required.
    if let Ok(handle) = OpenOptions::new().read(true).open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsline_proto::v1::Article;

    fn batch(article_id: &str) -> PublishRequest {
        PublishRequest {
            articles: vec![Article {
                id: article_id.into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn batches_survive_a_reopen_in_order_and_sequences_keep_increasing() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let first = spool.append(batch("article:1")).unwrap();
        let second = spool.append(batch("article:2")).unwrap();
        let third = spool.append(batch("article:3")).unwrap();
        assert_eq!((first.sequence, second.sequence), (1, 2));
        spool.remove(second.sequence).unwrap();
        let producer = spool.producer_id().to_string();
        drop(spool);

        let reopened = Spool::open(dir.path()).unwrap();
        assert_eq!(reopened.producer_id(), producer);
        let pending = reopened.pending().unwrap();
        let ids: Vec<_> = pending.iter().map(|b| b.articles[0].id.as_str()).collect();
        assert_eq!(ids, ["article:1", "article:3"]);
        assert!(pending.iter().all(|b| b.producer_id == producer));
        let fourth = reopened.append(batch("article:4")).unwrap();
        assert!(fourth.sequence > third.sequence);
    }

    #[test]
    fn a_rejected_batch_leaves_the_pending_list_and_keeps_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let stored = spool.append(batch("article:1")).unwrap();
        let moved = spool
            .reject(stored.sequence, "event names no article")
            .unwrap();
        assert!(spool.pending().unwrap().is_empty());
        assert!(moved.exists());
        let reason = fs::read_to_string(moved.with_extension("reason")).unwrap();
        assert!(reason.contains("no article"));
    }

    #[test]
    fn a_spool_in_use_cannot_be_opened_twice() {
        let dir = tempfile::tempdir().unwrap();
        let first = Spool::open(dir.path()).unwrap();
        let err = Spool::open(dir.path()).unwrap_err();
        assert!(matches!(err, SpoolError::InUse { .. }), "{err}");
        drop(first);
        Spool::open(dir.path()).expect("free again once the first is closed");
    }

    #[test]
    fn a_corrupt_sequence_file_is_reported_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("sequence"), "twelve").unwrap();
        let err = Spool::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("sequence"), "{err}");
    }
}
