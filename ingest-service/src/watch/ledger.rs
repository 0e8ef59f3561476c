//! The ledger of ingested content: one line per document whose records reached the spool, so a
//! restart of the watcher neither redoes the work nor duplicates it. Keyed by content hash, so a
//! file renamed or copied is not ingested twice, and a file changed back and forth is recognised.

use std::{
    collections::HashSet,
    fs::{File, OpenOptions},
    io::{self, BufRead, BufReader, Write},
    path::{Path, PathBuf},
};

use crate::spool::{SpoolError, sync_dir};

#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: File,
    hashes: HashSet<String>,
}

impl Ledger {
    /// Opens `ledger.tsv` in `dir`: lines of `<sha256 hex>\t<document id>\t<source>`.
    pub fn open(dir: &Path) -> Result<Self, SpoolError> {
        let path = dir.join("ledger.tsv");
        let io_error = |source: io::Error| SpoolError::Io {
            path: path.clone(),
            source,
        };
        let mut hashes = HashSet::new();
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line.map_err(io_error)?;
                    // A line cut short by a crash has no tab after the hash; it is simply redone.
                    if let Some((hash, _)) = line.split_once('\t')
                        && hash.len() == 64
                    {
                        hashes.insert(hash.to_string());
                    }
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_error(err)),
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_error)?;
        sync_dir(dir)?;
        Ok(Ledger { path, file, hashes })
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.hashes.contains(hash)
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Remembers a document durably.
    pub fn record(
        &mut self,
        hash: &str,
        document_id: &str,
        source: &str,
    ) -> Result<(), SpoolError> {
        if self.hashes.contains(hash) {
            return Ok(());
        }
        let source = source.replace(['\t', '\n', '\r'], " ");
        let io_error = |source: io::Error| SpoolError::Io {
            path: self.path.clone(),
            source,
        };
        // A line that does not end in a newline was cut by a crash; start a fresh one.
        writeln!(self.file, "\n{hash}\t{document_id}\t{source}").map_err(io_error)?;
        self.file.sync_data().map_err(io_error)?;
        self.hashes.insert(hash.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_hashes_survive_a_reopen_and_torn_lines_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let hash = "a".repeat(64);
        {
            let mut ledger = Ledger::open(dir.path()).unwrap();
            assert!(!ledger.contains(&hash));
            ledger
                .record(&hash, "document:aaaaaaaaaaaaaaaa", "seeds/one.txt")
                .unwrap();
            ledger
                .record(&hash, "document:aaaaaaaaaaaaaaaa", "seeds/copy.txt")
                .unwrap();
        }
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join("ledger.tsv"))
            .unwrap();
        write!(file, "bbbbbbbb").unwrap();
        let ledger = Ledger::open(dir.path()).unwrap();
        assert!(ledger.contains(&hash));
        assert_eq!(ledger.len(), 1);
    }
}
