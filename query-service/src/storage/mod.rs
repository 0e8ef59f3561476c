//! Durability: every applied publish batch is appended to a checksummed log and synced before it
//! is acknowledged; at start the newest snapshot is loaded and the log after it replayed. The log
//! is compacted into a snapshot once it outgrows both a threshold and the last snapshot, so a
//! restart reads about the live data, not every version of it ever published.
//!
//! # Files
//!
//! ```text
//! lock                          held (flock) while a process uses the folder
//! batches-<generation>.log      the batch log of that generation (16 hex digits)
//! snapshot-<generation>.snap    the store as of the start of log <generation>, or a little later
//! snapshot-<generation>.snap.tmp  a snapshot being written; never read
//! ```
//!
//! # Compaction
//!
//! 1. Under the log mutex (the one that orders applying and appending): create and sync log
//!    G+1, sync the folder, switch appends to it.
//! 2. Still under it, copy the store under one read lock ([`Store::snapshot`]). Publishers wait
//!    for steps 1-2 (they would wait for the copy anyway, as it holds the read lock); readers do
//!    not, because waiting publishers queue on the log mutex, not on the store's lock.
//! 3. Outside every lock: write `snapshot-G+1.snap.tmp`, sync it, rename it to
//!    `snapshot-G+1.snap`, sync the folder.
//! 4. Delete logs and snapshots older than G+1, sync the folder.
//!
//! Every store write goes through the log mutex, so the copy holds exactly logs up to G and log
//! G+1 exactly what came after. Were the copy taken later (or a batch applied whose append then
//! failed), the overlap would still lose and duplicate nothing: the copy carries every producer's
//! last sequence number, and the store refuses a batch whose sequence is not above its producer's
//! last one, so replaying log G+1 over the snapshot skips exactly the batches the copy already
//! holds (sequences only grow per producer). Replaying the rest in log order assigns the same
//! revisions as the first time.
//!
//! # Start-up and crashes
//!
//! Start-up deletes `*.tmp`, takes the newest snapshot that reads back whole (a damaged one is set
//! aside as `*.corrupt` with a warning and the next older one tried), deletes what is older than
//! it, and replays logs G, G+1, ... which must be contiguous. A crash at any point leaves one of:
//! the old snapshot and logs plus an empty newer log (before step 3's rename: the tail replays
//! everything); the new snapshot plus old files (after the rename: old files are deleted at
//! start); or the finished state. Should the newest snapshot be damaged after its logs were
//! deleted, the start is refused with an error rather than served with a hole in the data.

mod log;
mod snapshot_file;

use std::{
    fs::{self, File, OpenOptions},
    io,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

pub use log::{BatchLog, LogError, Opened};
pub use snapshot_file::SnapshotError;

use crate::domain::{Store, store::StoreSnapshot};

const LOCK_FILE: &str = "lock";
/// The name of the log before logs had generations: read as generation 0.
const LEGACY_LOG_FILE: &str = "batches.log";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot use the data folder {dir}: {source}")]
    Io { dir: String, source: io::Error },
    #[error("the data folder {dir} is in use by another process")]
    Locked { dir: String },
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(
        "the data folder {dir} lacks the batch log of generation {generation}; without it \
         records would be missing (damaged snapshots are kept as *.corrupt)"
    )]
    MissingLog { dir: String, generation: u64 },
    #[error("compaction: {0}")]
    Compaction(String),
}

fn log_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("batches-{generation:016x}.log"))
}

fn snapshot_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("snapshot-{generation:016x}.snap"))
}

fn parse_generation(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let hex = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The log being appended to.
#[derive(Debug)]
pub struct ActiveLog {
    log: BatchLog,
    generation: u64,
}

impl ActiveLog {
    /// Appends one record and syncs it (see [`BatchLog::append`]).
    pub fn append(&mut self, payload: &[u8]) -> io::Result<()> {
        self.log.append(payload)
    }

    pub fn len_bytes(&self) -> u64 {
        self.log.len_bytes()
    }
}

/// What start-up found in the data folder, to be loaded into the store in this order.
#[derive(Debug)]
pub struct Recovery {
    pub snapshot: Option<StoreSnapshot>,
    /// Every intact log record after the snapshot, oldest first.
    pub records: Vec<Vec<u8>>,
    pub log_files: usize,
    /// The size of the snapshot and of the logs read.
    pub snapshot_bytes: u64,
    pub log_bytes: u64,
}

/// The data folder of a running server.
#[derive(Debug)]
pub struct Storage {
    dir: PathBuf,
    /// Held for the life of the storage: two processes appending to one log would interleave.
    _lock: File,
    log: Mutex<ActiveLog>,
    compact_after_bytes: u64,
    snapshot_bytes: AtomicU64,
    compacting: AtomicBool,
    compaction: Mutex<Option<JoinHandle<()>>>,
}

/// What one compaction did.
#[derive(Debug)]
pub struct Compaction {
    pub generation: u64,
    pub snapshot_bytes: u64,
    pub events: usize,
    /// How long the copy of the store took (publishers wait for it; readers do not).
    pub copy: Duration,
    pub total: Duration,
}

impl Storage {
    /// Locks `dir` (creating it), recovers what an interrupted compaction left, reads the newest
    /// good snapshot and the logs after it, and opens the last log for appending.
    pub fn open(
        dir: &Path,
        compact_after_bytes: u64,
    ) -> Result<(Arc<Self>, Recovery), StorageError> {
        let io_error = |source| StorageError::Io {
            dir: dir.display().to_string(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_error)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(io_error)?;
        match fs4::FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(StorageError::Locked {
                    dir: dir.display().to_string(),
                });
            }
            Err(fs4::TryLockError::Error(source)) => return Err(io_error(source)),
        }
        let legacy = dir.join(LEGACY_LOG_FILE);
        if legacy.exists() && !log_path(dir, 0).exists() {
            fs::rename(&legacy, log_path(dir, 0)).map_err(io_error)?;
            sync_dir(dir).map_err(io_error)?;
        }

        let mut logs = Vec::new();
        let mut snapshots = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                tracing::warn!(file = %name, "removing an unfinished snapshot (a compaction was interrupted)");
                fs::remove_file(entry.path()).map_err(io_error)?;
            } else if let Some(generation) = parse_generation(&name, "batches-", ".log") {
                logs.push(generation);
            } else if let Some(generation) = parse_generation(&name, "snapshot-", ".snap") {
                snapshots.push(generation);
            }
        }
        logs.sort_unstable();
        snapshots.sort_unstable_by(|a, b| b.cmp(a));

        let mut chosen = None;
        for &generation in &snapshots {
            let path = snapshot_path(dir, generation);
            match snapshot_file::read(&path) {
                Ok(loaded) if loaded.generation == generation => {
                    let bytes = fs::metadata(&path).map_err(io_error)?.len();
                    chosen = Some((generation, loaded.snapshot, bytes));
                    break;
                }
                Ok(_) => {
                    tracing::warn!(snapshot = %path.display(), "a snapshot whose header names another generation; trying an older one")
                }
                Err(error) => {
                    tracing::warn!(%error, "a damaged snapshot; setting it aside as *.corrupt and trying an older one")
                }
            }
            let mut aside = path.clone().into_os_string();
            aside.push(".corrupt");
            fs::rename(&path, aside).map_err(io_error)?;
        }
        let base = chosen.as_ref().map_or(0, |(generation, _, _)| *generation);
        let needed: Vec<u64> = logs.iter().copied().filter(|&g| g >= base).collect();
        for (expected, &found) in (base..).zip(&needed) {
            if found != expected {
                return Err(StorageError::MissingLog {
                    dir: dir.display().to_string(),
                    generation: expected,
                });
            }
        }
        if needed.is_empty() && (base > 0 || !snapshots.is_empty()) && chosen.is_none() {
            return Err(StorageError::MissingLog {
                dir: dir.display().to_string(),
                generation: 0,
            });
        }
        // Covered by the chosen snapshot: left by a compaction interrupted before its clean-up.
        let mut removed = false;
        for &generation in logs.iter().filter(|&&g| g < base) {
            fs::remove_file(log_path(dir, generation)).map_err(io_error)?;
            removed = true;
        }
        for &generation in snapshots.iter().filter(|&&g| g < base) {
            let path = snapshot_path(dir, generation);
            if path.exists() {
                fs::remove_file(path).map_err(io_error)?;
                removed = true;
            }
        }
        if removed {
            sync_dir(dir).map_err(io_error)?;
        }

        let last = needed.last().copied().unwrap_or(base);
        let mut records = Vec::new();
        let mut log_bytes = 0;
        let mut active = None;
        for generation in base..=last {
            let path = log_path(dir, generation);
            let created = !path.exists();
            let opened = BatchLog::open(&path)?;
            if created {
                sync_dir(dir).map_err(io_error)?;
            }
            if opened.truncated_bytes > 0 {
                tracing::warn!(
                    bytes = opened.truncated_bytes,
                    log = %path.display(),
                    "cut a torn or corrupt tail off the data log (a crash while writing; those batches were never acknowledged)"
                );
            }
            log_bytes += opened.log.len_bytes();
            records.extend(opened.records);
            active = Some(opened.log);
        }
        let log = active.expect("the range base..=last is never empty");
        let (snapshot, snapshot_bytes) = match chosen {
            Some((_, snapshot, bytes)) => (Some(snapshot), bytes),
            None => (None, 0),
        };
        let storage = Arc::new(Self {
            dir: dir.to_path_buf(),
            _lock: lock,
            log: Mutex::new(ActiveLog {
                log,
                generation: last,
            }),
            compact_after_bytes,
            snapshot_bytes: AtomicU64::new(snapshot_bytes),
            compacting: AtomicBool::new(false),
            compaction: Mutex::new(None),
        });
        let recovery = Recovery {
            snapshot,
            records,
            log_files: (last - base + 1) as usize,
            snapshot_bytes,
            log_bytes,
        };
        Ok((storage, recovery))
    }

    /// The log, locked: whoever applies a batch holds this while applying and appending it, so
    /// the log keeps the order batches were applied in.
    pub fn log(&self) -> MutexGuard<'_, ActiveLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether a log of `log_bytes` is due for compaction: past the threshold, and bigger than
    /// the last snapshot (so a store that is mostly live data is not rewritten for every few
    /// batches; the folder stays within about twice the snapshot plus the threshold).
    pub fn compaction_due(&self, log_bytes: u64) -> bool {
        log_bytes >= self.compact_after_bytes
            && log_bytes >= self.snapshot_bytes.load(Ordering::Relaxed)
    }

    /// Starts a compaction on its own thread when one is due and none is running.
    pub fn compact_in_background_if_due(self: &Arc<Self>, store: &Store) {
        let log_bytes = self.log().len_bytes();
        if !self.compaction_due(log_bytes) || self.compacting.swap(true, Ordering::AcqRel) {
            return;
        }
        let storage = Arc::clone(self);
        let store = store.clone();
        let spawned = std::thread::Builder::new()
            .name("compaction".into())
            .spawn(move || {
                match storage.compact(&store) {
                    Ok(done) => tracing::info!(
                        generation = done.generation,
                        snapshot_bytes = done.snapshot_bytes,
                        events = done.events,
                        copy_seconds = done.copy.as_secs_f64(),
                        seconds = done.total.as_secs_f64(),
                        "compacted the data log into a snapshot"
                    ),
                    Err(error) => tracing::warn!(%error, "compaction failed; the log keeps growing and it is tried again later"),
                }
                storage.compacting.store(false, Ordering::Release);
            });
        match spawned {
            Ok(handle) => {
                let previous = self
                    .compaction
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .replace(handle);
                // Finished already: only one runs at a time.
                if let Some(previous) = previous {
                    let _ = previous.join();
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not start a compaction thread");
                self.compacting.store(false, Ordering::Release);
            }
        }
    }

    /// Waits for a running compaction to finish (at shutdown; a crash instead is safe too).
    pub fn wait_for_compaction(&self) {
        let handle = self
            .compaction
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    /// Compacts now, on this thread: see the module documentation for the steps and why a crash
    /// between any two of them is safe.
    pub fn compact(&self, store: &Store) -> Result<Compaction, StorageError> {
        let started = Instant::now();
        let dir = &self.dir;
        let failed = |step: &str, error: io::Error| {
            StorageError::Compaction(format!("{step} in {}: {error}", dir.display()))
        };
        // The copy is taken under the log mutex too: publishers wait for it either way (it holds
        // the store's read lock), but queued on the mutex rather than on the store's lock they
        // do not hold up readers (std's RwLock makes new readers wait behind a waiting writer).
        let (generation, snapshot, copy) = {
            let mut active = self.log();
            if active.log.has_failed() {
                return Err(StorageError::Compaction(
                    "the log had a failed write; a restart replays it first".into(),
                ));
            }
            let next = active.generation + 1;
            let opened = BatchLog::open(&log_path(dir, next))?;
            sync_dir(dir).map_err(|e| failed("syncing the folder", e))?;
            *active = ActiveLog {
                log: opened.log,
                generation: next,
            };
            let copying = Instant::now();
            let snapshot = store.snapshot();
            (next, snapshot, copying.elapsed())
        };
        let events = snapshot.events.len();

        let final_path = snapshot_path(dir, generation);
        let mut temporary = final_path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let snapshot_bytes = match snapshot_file::write(&temporary, generation, snapshot) {
            Ok(bytes) => bytes,
            Err(error) => {
                let _ = fs::remove_file(&temporary);
                return Err(failed("writing the snapshot", error));
            }
        };
        fs::rename(&temporary, &final_path).map_err(|e| failed("renaming the snapshot", e))?;
        sync_dir(dir).map_err(|e| failed("syncing the folder", e))?;
        self.snapshot_bytes.store(snapshot_bytes, Ordering::Relaxed);

        for entry in fs::read_dir(dir).map_err(|e| failed("listing", e))? {
            let entry = entry.map_err(|e| failed("listing", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let older = parse_generation(&name, "batches-", ".log")
                .or_else(|| parse_generation(&name, "snapshot-", ".snap"))
                .is_some_and(|g| g < generation);
            if older {
                fs::remove_file(entry.path()).map_err(|e| failed("removing an old file", e))?;
            }
        }
        sync_dir(dir).map_err(|e| failed("syncing the folder", e))?;
        Ok(Compaction {
            generation,
            snapshot_bytes,
            events,
            copy,
            total: started.elapsed(),
        })
    }
}
