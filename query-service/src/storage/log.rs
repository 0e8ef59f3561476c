//! An append-only log of publish batches, one record per batch:
//!
//! ```text
//! file   = MAGIC record*
//! record = length: u32 LE | crc32(payload): u32 LE | payload: `length` bytes
//! ```
//!
//! The payload is the batch as the API encodes it (`newsline.v1.PublishRequest`), so the log
//! stays readable as long as the API does. A record is written with one `write` and synced
//! (`fdatasync`) before the batch is acknowledged. A crash can leave a torn or garbled record at
//! the end; opening the log finds the first record that is incomplete or fails its checksum,
//! cuts the file there with a warning and goes on. Only unacknowledged batches can be in that
//! tail, and their producers still hold them.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

const MAGIC: &[u8; 8] = b"NLBATCH1";
const HEADER_BYTES: usize = 8;
/// Larger than any batch the server accepts; a longer length is garbage.
pub(super) const MAX_RECORD_BYTES: usize = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot use the data log {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} is not a newsline batch log (wrong magic bytes)")]
    NotALog { path: String },
}

/// One log file, open for appending.
#[derive(Debug)]
pub struct BatchLog {
    file: File,
    path: PathBuf,
    bytes: u64,
    /// Set by a failed write or sync: what reached the disk is then unknown (a failed fsync may
    /// have dropped dirty pages), so nothing more is accepted until a restart replays the log.
    failed: Option<String>,
}

/// What opening found.
#[derive(Debug)]
pub struct Opened {
    pub log: BatchLog,
    /// Every intact record, oldest first.
    pub records: Vec<Vec<u8>>,
    /// Bytes cut off the end: a torn or corrupt tail.
    pub truncated_bytes: u64,
}

impl BatchLog {
    /// Opens (creating if needed) the log at `path`, reads every intact record and cuts off a
    /// torn or corrupt tail. The caller syncs the folder when the file is new.
    pub fn open(path: &Path) -> Result<Opened, LogError> {
        let io_error = |source| LogError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_error)?;
        let mut contents = Vec::new();
        file.read_to_end(&mut contents).map_err(io_error)?;
        if contents.len() < MAGIC.len() {
            // New, or torn while the magic itself was written: nothing was ever acknowledged.
            file.set_len(0).map_err(io_error)?;
            file.seek(SeekFrom::Start(0)).map_err(io_error)?;
            file.write_all(MAGIC).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
            contents = MAGIC.to_vec();
        } else if &contents[..MAGIC.len()] != MAGIC {
            return Err(LogError::NotALog {
                path: path.display().to_string(),
            });
        }
        let (records, intact) = read_records(&contents[MAGIC.len()..]);
        let intact = (MAGIC.len() + intact) as u64;
        let truncated_bytes = contents.len() as u64 - intact;
        if truncated_bytes > 0 {
            file.set_len(intact).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io_error)?;
        Ok(Opened {
            log: BatchLog {
                file,
                path: path.to_path_buf(),
                bytes: intact,
                failed: None,
            },
            records,
            truncated_bytes,
        })
    }

    /// Whether an earlier write failed, so the log accepts nothing more.
    pub fn has_failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Appends one record and syncs it to disk; when this returns `Ok` the record survives a
    /// crash. On error the log is cut back to where it was, so a half-written record cannot
    /// stand in front of later ones.
    pub fn append(&mut self, payload: &[u8]) -> io::Result<()> {
        if let Some(reason) = &self.failed {
            return Err(io::Error::other(format!(
                "an earlier write failed ({reason}); restart to replay the log"
            )));
        }
        if payload.len() > MAX_RECORD_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a record of {} bytes is over the log's limit",
                    payload.len()
                ),
            ));
        }
        let record = frame(payload);
        let written = self
            .file
            .write_all(&record)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.bytes += record.len() as u64;
                Ok(())
            }
            Err(error) => {
                let _ = self.file.set_len(self.bytes);
                let _ = self.file.seek(SeekFrom::Start(self.bytes));
                self.failed = Some(error.to_string());
                Err(error)
            }
        }
    }

    /// The log's size in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.bytes
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One record as the log frames it.
pub(super) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut record = Vec::with_capacity(HEADER_BYTES + payload.len());
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    record.extend_from_slice(payload);
    record
}

/// The intact records at the start of `body` and how many bytes they take.
pub(super) fn read_records(body: &[u8]) -> (Vec<Vec<u8>>, usize) {
    let mut records = Vec::new();
    let mut offset = 0;
    while let Some(header) = body.get(offset..offset + HEADER_BYTES) {
        let length = u32::from_le_bytes(header[..4].try_into().unwrap_or_default()) as usize;
        let checksum = u32::from_le_bytes(header[4..].try_into().unwrap_or_default());
        if length > MAX_RECORD_BYTES {
            break;
        }
        let start = offset + HEADER_BYTES;
        let Some(payload) = body.get(start..start + length) else {
            break;
        };
        if crc32fast::hash(payload) != checksum {
            break;
        }
        records.push(payload.to_vec());
        offset = start + length;
    }
    (records, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG_FILE: &str = "batches.log";

    fn reopen(dir: &Path) -> Opened {
        BatchLog::open(&dir.join(LOG_FILE)).unwrap()
    }

    #[test]
    fn records_survive_a_reopen_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut opened = reopen(dir.path());
        assert!(opened.records.is_empty());
        for n in 0..5u8 {
            opened.log.append(&vec![n; usize::from(n) * 100]).unwrap();
        }
        drop(opened);
        let opened = reopen(dir.path());
        assert_eq!(opened.truncated_bytes, 0);
        let lengths: Vec<_> = opened.records.iter().map(Vec::len).collect();
        assert_eq!(lengths, [0, 100, 200, 300, 400]);
        assert!(opened.records[3].iter().all(|&b| b == 3));
    }

    #[test]
    fn a_torn_tail_is_cut_at_every_possible_length() {
        let dir = tempfile::tempdir().unwrap();
        let mut opened = reopen(dir.path());
        opened.log.append(b"first batch").unwrap();
        opened.log.append(b"second batch").unwrap();
        let full = opened.log.len_bytes();
        drop(opened);
        let path = dir.path().join(LOG_FILE);
        let bytes = std::fs::read(&path).unwrap();
        let first_end = (MAGIC.len() + HEADER_BYTES + b"first batch".len()) as u64;
        for cut in first_end..full {
            std::fs::write(&path, &bytes[..cut as usize]).unwrap();
            let opened = reopen(dir.path());
            assert_eq!(opened.records, [b"first batch".to_vec()], "cut at {cut}");
            assert_eq!(opened.truncated_bytes, cut - first_end);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), first_end);
        }
    }

    #[test]
    fn a_flipped_bit_ends_the_log_there_and_appends_continue_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut opened = reopen(dir.path());
        for payload in [&b"one"[..], b"two", b"three"] {
            opened.log.append(payload).unwrap();
        }
        drop(opened);
        let path = dir.path().join(LOG_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        // A bit of the payload of "two".
        let two = MAGIC.len() + HEADER_BYTES + 3 + HEADER_BYTES;
        bytes[two] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let mut opened = reopen(dir.path());
        assert_eq!(opened.records, [b"one".to_vec()]);
        assert!(opened.truncated_bytes > 0);
        opened.log.append(b"four").unwrap();
        drop(opened);
        assert_eq!(
            reopen(dir.path()).records,
            [b"one".to_vec(), b"four".to_vec()]
        );
    }

    #[test]
    fn garbage_lengths_and_foreign_files_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        std::fs::write(&path, &bytes).unwrap();
        let opened = reopen(dir.path());
        assert!(opened.records.is_empty());
        assert_eq!(opened.truncated_bytes, 8);
        drop(opened);
        std::fs::write(&path, b"something else entirely").unwrap();
        assert!(matches!(
            BatchLog::open(&path),
            Err(LogError::NotALog { .. })
        ));
        // A magic torn half-way: nothing was ever acknowledged, so it starts afresh.
        std::fs::write(&path, &MAGIC[..3]).unwrap();
        assert!(reopen(dir.path()).records.is_empty());
    }
}
