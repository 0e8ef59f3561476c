//! The snapshot file: the store's state at one moment, in the log's record framing.
//!
//! ```text
//! file   = MAGIC record*                      (record framing as in the batch log: length, crc32)
//! record = SnapshotRecord { header | chunk | end }
//! ```
//!
//! The first record is the header (format version, generation, the store revision, every
//! producer's last sequence number), then chunks, then an end record with the totals. Entities,
//! articles and events travel as the API encodes them (a `newsline.v1.PublishRequest` per chunk),
//! next to what the API has no field for: each entity's implicit flag, each event's revision,
//! merged entity ids and the name index. A file is only taken whole: every record must pass its
//! checksum, the end record must be last and its totals must match. The file is written under a
//! temporary name and renamed only once synced, so a crash never leaves a half file under the
//! final name; a check failure therefore means damage, not an interrupted write.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

use newsline_proto::v1 as pb;
use prost::Message;

use super::log::{MAX_RECORD_BYTES, frame, read_records};
use crate::{
    domain::{
        model::EntityKind,
        store::{SnapshotEntity, StoreSnapshot},
    },
    transport::convert::batch_from_wire,
};

const MAGIC: &[u8; 8] = b"NLSNAPSH";
/// Bumped when the layout changes; an unknown version is refused, never guessed at.
const FORMAT_VERSION: u32 = 1;
/// Items per chunk; articles go by size instead (they carry their whole text).
const ITEMS_PER_CHUNK: usize = 4096;
const ARTICLE_BYTES_PER_CHUNK: usize = 4 << 20;

#[derive(Clone, PartialEq, Message)]
struct SnapshotRecord {
    #[prost(message, optional, tag = "1")]
    header: Option<Header>,
    #[prost(message, optional, tag = "2")]
    chunk: Option<Chunk>,
    #[prost(message, optional, tag = "3")]
    end: Option<End>,
}

#[derive(Clone, PartialEq, Message)]
struct Header {
    #[prost(uint32, tag = "1")]
    format_version: u32,
    #[prost(uint64, tag = "2")]
    generation: u64,
    #[prost(uint64, tag = "3")]
    revision: u64,
    #[prost(message, repeated, tag = "4")]
    producers: Vec<ProducerSequence>,
}

#[derive(Clone, PartialEq, Message)]
struct ProducerSequence {
    #[prost(string, tag = "1")]
    producer_id: String,
    #[prost(uint64, tag = "2")]
    sequence: u64,
}

#[derive(Clone, PartialEq, Message)]
struct Chunk {
    /// Entities, articles and events as the API encodes them; producer and sequence unused.
    #[prost(message, optional, tag = "1")]
    records: Option<pb::PublishRequest>,
    /// One per entity in `records`.
    #[prost(bool, repeated, tag = "2")]
    implicit: Vec<bool>,
    /// One per event in `records`: the revision it was stored in.
    #[prost(uint64, repeated, tag = "3")]
    revisions: Vec<u64>,
    #[prost(message, repeated, tag = "4")]
    redirects: Vec<Redirect>,
    #[prost(message, repeated, tag = "5")]
    names: Vec<Name>,
}

#[derive(Clone, PartialEq, Message)]
struct Redirect {
    #[prost(string, tag = "1")]
    id: String,
    #[prost(uint32, tag = "2")]
    entry: u32,
}

#[derive(Clone, PartialEq, Message)]
struct Name {
    #[prost(int32, tag = "1")]
    kind: i32,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(uint32, tag = "3")]
    entry: u32,
}

#[derive(Clone, PartialEq, Message)]
struct End {
    #[prost(uint64, tag = "1")]
    entities: u64,
    #[prost(uint64, tag = "2")]
    redirects: u64,
    #[prost(uint64, tag = "3")]
    names: u64,
    #[prost(uint64, tag = "4")]
    articles: u64,
    #[prost(uint64, tag = "5")]
    events: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} is not a usable snapshot: {reason}")]
    Damaged { path: String, reason: String },
}

/// What a snapshot file holds.
#[derive(Debug)]
pub struct LoadedSnapshot {
    pub generation: u64,
    pub snapshot: StoreSnapshot,
}

struct RecordWriter {
    out: BufWriter<File>,
    bytes: u64,
}

impl RecordWriter {
    fn write(&mut self, record: SnapshotRecord) -> io::Result<()> {
        let payload = record.encode_to_vec();
        if payload.len() > MAX_RECORD_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a snapshot chunk is over the record size limit",
            ));
        }
        let framed = frame(&payload);
        self.out.write_all(&framed)?;
        self.bytes += framed.len() as u64;
        Ok(())
    }

    fn chunk(&mut self, chunk: Chunk) -> io::Result<()> {
        self.write(SnapshotRecord {
            chunk: Some(chunk),
            ..SnapshotRecord::default()
        })
    }
}

/// Writes `snapshot` to a new file at `path` and syncs it; returns its size in bytes. The caller
/// renames it into place and syncs the folder.
pub fn write(path: &Path, generation: u64, snapshot: StoreSnapshot) -> io::Result<u64> {
    let file = File::options().write(true).create_new(true).open(path)?;
    let mut out = RecordWriter {
        out: BufWriter::with_capacity(1 << 20, file),
        bytes: MAGIC.len() as u64,
    };
    out.out.write_all(MAGIC)?;
    let StoreSnapshot {
        revision,
        producers,
        entities,
        redirects,
        names,
        articles,
        events,
    } = snapshot;
    let end = End {
        entities: entities.len() as u64,
        redirects: redirects.len() as u64,
        names: names.len() as u64,
        articles: articles.len() as u64,
        events: events.len() as u64,
    };
    out.write(SnapshotRecord {
        header: Some(Header {
            format_version: FORMAT_VERSION,
            generation,
            revision,
            producers: producers
                .into_iter()
                .map(|(producer_id, sequence)| ProducerSequence {
                    producer_id,
                    sequence,
                })
                .collect(),
        }),
        ..SnapshotRecord::default()
    })?;

    let mut entities = entities.into_iter().peekable();
    while entities.peek().is_some() {
        let (records, implicit): (Vec<pb::Entity>, Vec<bool>) = entities
            .by_ref()
            .take(ITEMS_PER_CHUNK)
            .map(|e| (pb::Entity::from(e.entity), e.implicit))
            .unzip();
        out.chunk(Chunk {
            records: Some(pb::PublishRequest {
                entities: records,
                ..pb::PublishRequest::default()
            }),
            implicit,
            ..Chunk::default()
        })?;
    }
    for redirects in redirects.chunks(ITEMS_PER_CHUNK) {
        out.chunk(Chunk {
            redirects: redirects
                .iter()
                .map(|(id, entry)| Redirect {
                    id: id.clone(),
                    entry: *entry,
                })
                .collect(),
            ..Chunk::default()
        })?;
    }
    for names in names.chunks(ITEMS_PER_CHUNK) {
        out.chunk(Chunk {
            names: names
                .iter()
                .map(|(kind, name, entry)| Name {
                    kind: *kind as i32,
                    name: name.clone(),
                    entry: *entry,
                })
                .collect(),
            ..Chunk::default()
        })?;
    }
    let mut pending: Vec<pb::Article> = Vec::new();
    let mut pending_bytes = 0;
    for article in articles {
        let article = pb::Article::from(article);
        pending_bytes += article.encoded_len();
        pending.push(article);
        if pending_bytes >= ARTICLE_BYTES_PER_CHUNK || pending.len() >= ITEMS_PER_CHUNK {
            out.chunk(articles_chunk(std::mem::take(&mut pending)))?;
            pending_bytes = 0;
        }
    }
    if !pending.is_empty() {
        out.chunk(articles_chunk(pending))?;
    }
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let (records, revisions): (Vec<pb::Event>, Vec<u64>) = events
            .by_ref()
            .take(ITEMS_PER_CHUNK)
            .map(|(event, revision)| (pb::Event::from(event), revision))
            .unzip();
        out.chunk(Chunk {
            records: Some(pb::PublishRequest {
                events: records,
                ..pb::PublishRequest::default()
            }),
            revisions,
            ..Chunk::default()
        })?;
    }
    out.write(SnapshotRecord {
        end: Some(end),
        ..SnapshotRecord::default()
    })?;
    let file = out
        .out
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok(out.bytes)
}

fn articles_chunk(articles: Vec<pb::Article>) -> Chunk {
    Chunk {
        records: Some(pb::PublishRequest {
            articles,
            ..pb::PublishRequest::default()
        }),
        ..Chunk::default()
    }
}

/// Reads and checks the snapshot at `path`.
pub fn read(path: &Path) -> Result<LoadedSnapshot, SnapshotError> {
    let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    })?;
    decode(&bytes).map_err(|reason| SnapshotError::Damaged {
        path: path.display().to_string(),
        reason,
    })
}

fn decode(bytes: &[u8]) -> Result<LoadedSnapshot, String> {
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or("wrong magic bytes")?;
    let (records, intact) = read_records(body);
    if intact != body.len() {
        return Err(format!(
            "a record at byte {} is torn or fails its checksum",
            MAGIC.len() + intact
        ));
    }
    let mut records = records.into_iter().map(|payload| {
        SnapshotRecord::decode(payload.as_slice()).map_err(|e| format!("undecodable record: {e}"))
    });
    let header = records
        .next()
        .transpose()?
        .and_then(|r| r.header)
        .ok_or("no header")?;
    if header.format_version != FORMAT_VERSION {
        return Err(format!(
            "format version {} (this build reads {FORMAT_VERSION})",
            header.format_version
        ));
    }
    let mut snapshot = StoreSnapshot {
        revision: header.revision,
        producers: header
            .producers
            .into_iter()
            .map(|p| (p.producer_id, p.sequence))
            .collect(),
        ..StoreSnapshot::default()
    };
    let mut end = None;
    for record in records {
        let record = record?;
        if end.is_some() {
            return Err("records after the end record".into());
        }
        if let Some(found) = record.end {
            end = Some(found);
            continue;
        }
        let chunk = record
            .chunk
            .ok_or("a record that is neither chunk nor end")?;
        add_chunk(&mut snapshot, chunk)?;
    }
    let end = end.ok_or("no end record: the snapshot is incomplete")?;
    let found = End {
        entities: snapshot.entities.len() as u64,
        redirects: snapshot.redirects.len() as u64,
        names: snapshot.names.len() as u64,
        articles: snapshot.articles.len() as u64,
        events: snapshot.events.len() as u64,
    };
    if found != end {
        return Err(format!(
            "holds {found:?}, but its end record counts {end:?}"
        ));
    }
    Ok(LoadedSnapshot {
        generation: header.generation,
        snapshot,
    })
}

fn add_chunk(snapshot: &mut StoreSnapshot, chunk: Chunk) -> Result<(), String> {
    if let Some(records) = chunk.records {
        let batch = batch_from_wire(records).map_err(|e| e.to_string())?;
        if batch.entities.len() != chunk.implicit.len() {
            return Err("a chunk's implicit flags do not match its entities".into());
        }
        if batch.events.len() != chunk.revisions.len() {
            return Err("a chunk's revisions do not match its events".into());
        }
        snapshot.entities.extend(
            batch
                .entities
                .into_iter()
                .zip(chunk.implicit)
                .map(|(entity, implicit)| SnapshotEntity { entity, implicit }),
        );
        snapshot.articles.extend(batch.articles);
        snapshot
            .events
            .extend(batch.events.into_iter().zip(chunk.revisions));
    }
    snapshot.redirects.extend(
        chunk
            .redirects
            .into_iter()
            .map(|redirect| (redirect.id, redirect.entry)),
    );
    for name in chunk.names {
        let kind = EntityKind::from_number(name.kind)
            .ok_or_else(|| format!("unknown entity kind {}", name.kind))?;
        snapshot.names.push((kind, name.name, name.entry));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Article, DateSpan, Entity, Event, EventKind};

    fn sample() -> StoreSnapshot {
        let article = Article {
            id: "article:1".into(),
            text: "Putin met Xi in Minsk.".into(),
            entity_ids: vec!["person:putin".into()],
            ..Article::default()
        };
        let event = Event {
            id: 7,
            article_id: article.id.clone(),
            kind: EventKind::Meeting,
            when: DateSpan::default(),
            participants: Vec::new(),
            location_id: String::new(),
            location_name: String::new(),
            sentence: article.text.clone(),
            sentence_start: 0,
            sentence_end: 22,
            amounts: Vec::new(),
            planned: true,
        };
        StoreSnapshot {
            revision: 9,
            producers: vec![("ingest".into(), 41), ("other".into(), 2)],
            entities: vec![SnapshotEntity {
                entity: Entity {
                    id: "person:putin".into(),
                    kind: EntityKind::Person,
                    name: "Vladimir Putin".into(),
                    aliases: vec!["Putin".into()],
                    roles: Vec::new(),
                    country_code: String::new(),
                },
                implicit: false,
            }],
            redirects: vec![("person:v-putin".into(), 0)],
            names: vec![(EntityKind::Person, "putin".into(), 0)],
            articles: vec![article],
            events: vec![(event, 4)],
        }
    }

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let bytes = write(&path, 3, sample()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), bytes);
        let loaded = read(&path).unwrap();
        assert_eq!(loaded.generation, 3);
        assert_eq!(loaded.snapshot, sample());
    }

    #[test]
    fn any_damage_or_cut_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        write(&path, 1, sample()).unwrap();
        let whole = std::fs::read(&path).unwrap();
        for cut in 0..whole.len() {
            assert!(decode(&whole[..cut]).is_err(), "cut at {cut}");
        }
        for byte in 0..whole.len() {
            let mut damaged = whole.clone();
            damaged[byte] ^= 0x04;
            assert!(decode(&damaged).is_err(), "flipped a bit of byte {byte}");
        }
    }
}
