//! The in-memory store: compact events, interned entities and articles, and their indexes.
//!
//! Everything sits behind one `std::sync::RwLock`. Every operation on it is short, synchronous
//! work with no await inside, so a blocking lock is cheaper than an async one; readers page
//! through results in short read locks, and a publish batch is applied under a single write lock,
//! which is what makes it atomic for readers. Watchers learn about new revisions from a
//! `broadcast` channel the publisher never waits on.

use std::{
    collections::{BTreeMap, HashMap, HashSet, VecDeque},
    hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState},
    mem::size_of,
    sync::{
        Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicU32, Ordering},
    },
    time::Instant,
};

use hashbrown::HashTable;
use tokio::sync::broadcast;

use super::{
    article::CompactArticle,
    cursor::{Cursor, TimeKey, key_event_id, key_start, time_key},
    date::{DateBounds, FIRST_DATED, PartialDate, packed_has_year},
    error::DomainError,
    filter::{ArticleFilter, RelationQuery, TimelineFilter},
    fold::fold,
    model::{
        Amount, Article, ArticleWithEvents, Batch, Entity, EntityActivity, EntityKind, Event,
        EventKind, PublishOutcome, Relation, SearchHit, Section, Stats,
    },
    search,
    search_index::SearchIndex,
    slab::{Keyed, Slab},
    validate::validate_batch,
    view::{AmountView, Amounts, EventView, Participants, SpanView},
};

// A child module: the snapshot reads and rebuilds the store's private state.
#[path = "snapshot.rs"]
mod snapshot;
pub use snapshot::{SnapshotEntity, StoreSnapshot};

/// Mixes integer keys that are already hashes or dense indexes; SipHash would cost more than the
/// lookups it guards.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }
    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 29);
    }
    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

const NO_LOCATION: u32 = u32::MAX;
const FLAG_PLANNED: u8 = 1;
const FLAG_YEAR_INFERRED: u8 = 2;
const FLAG_OWNED_SENTENCE: u8 = 4;
/// The date text is not in the sentence: `date_text_start` and `date_text_len` hold its number
/// in the table of date texts instead.
const FLAG_INTERNED_DATE_TEXT: u8 = 8;
const FLAG_AMOUNTS: u8 = 16;
const FLAG_SPILLED_PARTICIPANTS: u8 = 32;

/// Participants kept inside the event; an event with more keeps them all in a side table.
const INLINE_PARTICIPANTS: usize = 3;

/// Most timeline entries one read lock scans before it lets the publisher in.
const SCAN_BUDGET: usize = 16 * 1024;
/// How many changed event ids the change log keeps; older revisions are found by a full scan.
const CHANGE_LOG_CAPACITY: usize = 1 << 17;
/// Slab slots one read lock visits when the change log no longer reaches back far enough.
const SLAB_SCAN_CHUNK: u32 = 64 * 1024;

/// An event as stored: ids interned, the sentence and date text kept as offsets into the stored
/// article text, up to three participants inline: 64 bytes and no allocation of its own.
#[derive(Clone, Debug, PartialEq)]
struct StoredEvent {
    id: u64,
    start: u32,
    end: u32,
    article: u32,
    location: u32,
    /// Byte range of the sentence in the article's strings (see [`CompactArticle::strings`]).
    sentence_byte_start: u32,
    sentence_byte_len: u32,
    sentence_cp_start: u32,
    /// The sentence's length in code points, so reads need not count them.
    sentence_cp_len: u32,
    /// Byte range of the date text inside the sentence.
    date_text_start: u16,
    date_text_len: u16,
    revision: u32,
    kind: EventKind,
    year_source: u8,
    flags: u8,
    participant_count: u8,
    /// Packed participants (see [`Participation`]), the first `participant_count` used.
    participants: [u32; INLINE_PARTICIPANTS],
}

impl Keyed for StoredEvent {
    fn id(&self) -> u64 {
        self.id
    }
}

impl StoredEvent {
    fn key(&self) -> TimeKey {
        time_key(self.start, self.end, self.id)
    }

    fn revision(&self) -> u64 {
        u64::from(self.revision)
    }
}

/// An entity taking part in an event, packed into a u32: entity index above, role in the low
/// three bits. Entity indexes stay below 2^29.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Participation(pub(super) u32);

impl Participation {
    fn new(entity: u32, role: u8) -> Self {
        Self((entity << 3) | u32::from(role & 7))
    }
    pub(super) fn entity(self) -> u32 {
        self.0 >> 3
    }
    pub(super) fn role(self) -> u8 {
        (self.0 & 7) as u8
    }
}

/// An economic figure of a trade event, its texts interned: 40 bytes.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct StoredAmount {
    value: f64,
    metric: i32,
    currency: u32,
    text: u32,
    period_text: u32,
    period_start: u32,
    period_end: u32,
    period_flags: u8,
    period_year_source: u8,
}

const AMOUNT_HAS_PERIOD: u8 = 1;
const AMOUNT_YEAR_INFERRED: u8 = 2;

impl StoredAmount {
    /// The amount with its texts looked up by `interned`.
    pub(super) fn view<'a>(&self, interned: impl Fn(u32) -> &'a str) -> AmountView<'a> {
        AmountView {
            value: self.value,
            currency: interned(self.currency),
            metric: self.metric,
            period: (self.period_flags & AMOUNT_HAS_PERIOD != 0).then(|| SpanView {
                start: PartialDate::unpack(self.period_start),
                end: PartialDate::unpack(self.period_end),
                year_inferred: self.period_flags & AMOUNT_YEAR_INFERRED != 0,
                year_source: self.period_year_source,
                text: interned(self.period_text),
            }),
            text: interned(self.text),
        }
    }
}

/// Text of an event that is not where its offsets say in the article.
#[derive(Clone, Debug, Default, PartialEq)]
struct OwnedText {
    sentence: Option<(Box<str>, u32)>,
}

pub(super) struct EntityEntry {
    pub(super) entity: Entity,
    /// Folded name, then folded aliases, in the same order.
    folded: Vec<String>,
    /// Only known from a reference in an event or article so far.
    implicit: bool,
    /// Slots of the events it takes part in.
    events: IdSet<u32>,
    /// Slots of the events located at it.
    located: IdSet<u32>,
    articles: IdSet<u32>,
}

impl EntityEntry {
    fn event_count(&self) -> usize {
        self.events.len()
            + self
                .located
                .iter()
                .filter(|s| !self.events.contains(s))
                .count()
    }

    fn all_event_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.events.iter().copied().chain(
            self.located
                .iter()
                .copied()
                .filter(|s| !self.events.contains(s)),
        )
    }
}

struct ArticleEntry {
    /// The article without its sections and entity ids, which are kept more compactly below.
    article: CompactArticle,
    sections: StoredSections,
    /// Entries of the entities it mentions, ordered by id.
    entities: Box<[u32]>,
    date_key: u32,
    ascii: bool,
    events: Vec<u32>,
}

/// A byte range of an article's text.
type TextRange = (u32, u32);

/// An article's sections: as ranges of its text when the text holds them in order (it is the
/// sections joined), so the body is stored once; as given otherwise.
#[derive(Clone, Debug, PartialEq)]
enum StoredSections {
    Ranges(Box<[(TextRange, Box<[TextRange]>)]>),
    Owned(Vec<Section>),
}

impl StoredSections {
    fn new(text: &str, sections: Vec<Section>) -> Self {
        let mut cursor = 0usize;
        let mut locate = |part: &str| -> Option<TextRange> {
            if part.is_empty() {
                return Some((cursor as u32, 0));
            }
            let start = cursor + text.get(cursor..)?.find(part)?;
            cursor = start + part.len();
            Some((u32::try_from(start).ok()?, u32::try_from(part.len()).ok()?))
        };
        let ranges: Option<Vec<(TextRange, Box<[TextRange]>)>> = sections
            .iter()
            .map(|section| {
                let heading = locate(&section.heading)?;
                let paragraphs = section
                    .paragraphs
                    .iter()
                    .map(|p| locate(p))
                    .collect::<Option<Vec<_>>>()?;
                Some((heading, paragraphs.into_boxed_slice()))
            })
            .collect();
        match ranges {
            Some(ranges) => Self::Ranges(ranges.into_boxed_slice()),
            None => Self::Owned(sections),
        }
    }

    fn expand(&self, text: &str) -> Vec<Section> {
        let slice = |&(start, len): &TextRange| {
            text.get(start as usize..(start + len) as usize)
                .unwrap_or("")
                .to_owned()
        };
        match self {
            Self::Owned(sections) => sections.clone(),
            Self::Ranges(ranges) => ranges
                .iter()
                .map(|(heading, paragraphs)| Section {
                    heading: slice(heading),
                    paragraphs: paragraphs.iter().map(slice).collect(),
                })
                .collect(),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Self::Owned(sections) => sections
                .iter()
                .map(|s| {
                    s.heading.len() + s.paragraphs.iter().map(|p| p.len() + 24).sum::<usize>() + 48
                })
                .sum(),
            Self::Ranges(ranges) => ranges.iter().map(|(_, p)| 24 + p.len() * 8).sum(),
        }
    }
}

fn article_date_key(article: &CompactArticle) -> u32 {
    match article.published() {
        Some(date) if date.has_year() => date.pack(),
        _ if article.reference_year() != 0 => PartialDate {
            year: article.reference_year(),
            month: 0,
            day: 0,
        }
        .pack(),
        _ => 0,
    }
}

/// Which candidates a timeline walks.
#[derive(Clone, Debug)]
pub enum TimelinePlan {
    /// The whole time index, filtering as it goes.
    Scan,
    /// The sorted keys of the few events an entity or location index selected.
    Keys(Arc<Vec<TimeKey>>),
    /// The events of one entity, in timeline order (see [`StoreInner::ordered_events`]); every
    /// page takes the list current under its own read lock.
    Entity(u32),
}

/// One page of a timeline: the matching events as whatever the reader made of their views.
#[derive(Debug)]
pub struct TimelinePage<T = Event> {
    pub events: Vec<(TimeKey, T)>,
    /// The last position examined: the next page starts strictly after it.
    pub resume_after: Option<TimeKey>,
    pub finished: bool,
    pub revision: u64,
}

impl<T> Default for TimelinePage<T> {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            resume_after: None,
            finished: false,
            revision: 0,
        }
    }
}

/// Keys of the matching events stored in a revision range, in timeline order.
#[derive(Debug, Default)]
pub struct ChangedKeys {
    pub keys: Vec<TimeKey>,
    /// The revision the range ends at.
    pub revision: u64,
}

struct ResolvedFilter<'f> {
    filter: &'f TimelineFilter,
    /// `None` when the filter names no entities; an empty list matches nothing.
    entities: Option<Vec<u32>>,
    /// `None` when unset; `Some(None)` when the location is not stored.
    location: Option<Option<u32>>,
}

#[derive(Default)]
struct StoreInner {
    revision: u64,
    events: Slab<StoredEvent>,
    timeline: BTreeMap<TimeKey, u32>,
    owned_text: IdMap<u64, OwnedText>,
    /// Short repetitive texts, each kept once: date texts that are not part of their sentence,
    /// amount texts and currencies. Never shrinks, but there are only so many ways to write a
    /// date or an amount.
    texts: Vec<Box<str>>,
    text_numbers: HashMap<Box<str>, u32>,
    amounts: IdMap<u64, Box<[StoredAmount]>>,
    spilled_participants: IdMap<u64, Box<[u32]>>,
    entities: Vec<EntityEntry>,
    /// Entity ids, and ids merged into another entity, to their entry.
    entity_ids: HashMap<Box<str>, u32>,
    /// (kind, folded name or alias) of published entities, for merging by alias.
    entity_names: HashMap<(EntityKind, Box<str>), u32>,
    /// Folded names and aliases for search; rebuilt from the entries when a snapshot is restored.
    search_index: SearchIndex,
    articles: Vec<ArticleEntry>,
    /// Article entries by id: bare indexes, hashed by the id the entry holds.
    article_index: HashTable<u32>,
    article_hasher: RandomState,
    producers: HashMap<String, u64>,
    /// (revision, id of an event stored in it), oldest first.
    change_log: VecDeque<(u64, u64)>,
    /// The change log is complete for every revision above this one.
    change_log_floor: u64,
    change_log_capacity: usize,
    /// Per entity, the slots of its events in timeline order: built when a timeline first
    /// filters by it, dropped when one of its events is stored or removed, and all dropped when
    /// they would hold more slots than half the events (at most 2 bytes per event).
    ordered_events: Mutex<OrderedEvents>,
}

#[derive(Default)]
struct OrderedEvents {
    lists: IdMap<u32, Arc<[u32]>>,
    slots: usize,
}

impl OrderedEvents {
    fn forget(&mut self, entity: u32) {
        if let Some(list) = self.lists.remove(&entity) {
            self.slots -= list.len();
        }
    }
}

struct Shared {
    inner: RwLock<StoreInner>,
    revisions: broadcast::Sender<u64>,
    watchers: AtomicU32,
    started: Instant,
}

/// A cheap, clonable handle on the store.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts an open watch for [`Stats::watchers`] while it lives.
pub struct WatcherGuard(Store);

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        self.0.shared.watchers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Store {
    pub fn new() -> Self {
        Self::with_change_log_capacity(CHANGE_LOG_CAPACITY)
    }

    /// A store whose change log keeps `capacity` changed event ids; watchers further behind
    /// catch up by scanning the whole store.
    pub fn with_change_log_capacity(capacity: usize) -> Self {
        let (revisions, _) = broadcast::channel(64);
        Self {
            shared: Arc::new(Shared {
                inner: RwLock::new(StoreInner {
                    change_log_capacity: capacity.max(1),
                    ..StoreInner::default()
                }),
                revisions,
                watchers: AtomicU32::new(0),
                started: Instant::now(),
            }),
        }
    }

    // A panic elsewhere cannot leave the store half-written: batches are checked before the first
    // change, so a poisoned lock still guards consistent data.
    fn read(&self) -> RwLockReadGuard<'_, StoreInner> {
        self.shared
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, StoreInner> {
        self.shared
            .inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one batch atomically, or refuses it whole.
    pub fn publish(&self, batch: Batch) -> Result<PublishOutcome, DomainError> {
        validate_batch(&batch).map_err(|e| e.in_batch(batch.sequence))?;
        let outcome = self.write().apply(batch)?;
        if !outcome.duplicate {
            // Nobody listening is fine: watchers re-read the revision when they subscribe.
            let _ = self.shared.revisions.send(outcome.revision);
        }
        Ok(outcome)
    }

    pub fn revision(&self) -> u64 {
        self.read().revision
    }

    /// Notifications of new revisions; a lagging receiver just re-reads the store.
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.shared.revisions.subscribe()
    }

    pub fn watcher_guard(&self) -> WatcherGuard {
        self.shared.watchers.fetch_add(1, Ordering::Relaxed);
        WatcherGuard(self.clone())
    }

    pub fn plan_timeline(&self, filter: &TimelineFilter) -> TimelinePlan {
        self.read().plan_timeline(filter)
    }

    /// Up to `limit` matching events strictly after `after` in the given order, stored at or
    /// before `max_revision` when set.
    pub fn timeline_page(
        &self,
        filter: &TimelineFilter,
        plan: &TimelinePlan,
        after: Option<TimeKey>,
        descending: bool,
        max_revision: Option<u64>,
        limit: usize,
    ) -> TimelinePage {
        self.read().timeline_page(
            filter,
            plan,
            after,
            descending,
            max_revision,
            limit,
            |_, view| view.to_event(),
        )
    }

    /// As [`Self::timeline_page`], handing each matching event's view and its cursor (the page's
    /// revision) to `emit` under the read lock instead of copying it out.
    #[allow(clippy::too_many_arguments)]
    pub fn timeline_page_with<T>(
        &self,
        filter: &TimelineFilter,
        plan: &TimelinePlan,
        after: Option<TimeKey>,
        descending: bool,
        max_revision: Option<u64>,
        limit: usize,
        emit: impl FnMut(Cursor, &EventView<'_>) -> T,
    ) -> TimelinePage<T> {
        self.read()
            .timeline_page(filter, plan, after, descending, max_revision, limit, emit)
    }

    /// The matching events stored after revision `after_revision`, up to now.
    pub fn changed_keys(&self, filter: &TimelineFilter, after_revision: u64) -> ChangedKeys {
        {
            let inner = self.read();
            if after_revision >= inner.change_log_floor {
                return inner.changed_keys_from_log(filter, after_revision);
            }
        }
        // The log no longer reaches back: scan the slab in chunks, each under its own read lock.
        // Events changed between chunks carry a revision above `revision` and are left to the
        // next catch-up.
        let revision = self.revision();
        let mut keys = Vec::new();
        let mut next_slot = 0u32;
        loop {
            let inner = self.read();
            let resolved = inner.resolve_filter(filter);
            let end = (next_slot + SLAB_SCAN_CHUNK).min(inner.events.slot_bound());
            for event in inner.events.range(next_slot, end) {
                let stored_in = event.revision();
                if stored_in > after_revision
                    && stored_in <= revision
                    && inner.matches(event, &resolved)
                {
                    keys.push(event.key());
                }
            }
            next_slot = end;
            if next_slot >= inner.events.slot_bound() {
                break;
            }
        }
        keys.sort_unstable();
        ChangedKeys { keys, revision }
    }

    /// The events at these keys that still match and were stored at or before `max_revision`.
    pub fn events_at(
        &self,
        filter: &TimelineFilter,
        keys: &[TimeKey],
        max_revision: u64,
    ) -> Vec<(TimeKey, Event)> {
        self.events_at_with(filter, keys, max_revision, |key, view| {
            (key, view.to_event())
        })
    }

    /// As [`Self::events_at`], handing each event's view to `emit` under the read lock.
    pub fn events_at_with<T>(
        &self,
        filter: &TimelineFilter,
        keys: &[TimeKey],
        max_revision: u64,
        mut emit: impl FnMut(TimeKey, &EventView<'_>) -> T,
    ) -> Vec<T> {
        let inner = self.read();
        let resolved = inner.resolve_filter(filter);
        keys.iter()
            .filter_map(|&key| {
                let event = inner.event_at_key(key)?;
                (event.revision() <= max_revision && inner.matches(event, &resolved))
                    .then(|| emit(key, &inner.view(event)))
            })
            .collect()
    }

    pub fn entity(&self, id: &str) -> Result<EntityActivity, DomainError> {
        let inner = self.read();
        let index = inner
            .resolve_entity(id)
            .ok_or_else(|| DomainError::not_found("entity", id))?;
        Ok(inner.entity_activity(index))
    }

    pub fn search_entities(
        &self,
        query: &str,
        kinds: &[EntityKind],
        max_results: usize,
    ) -> Vec<SearchHit> {
        let folded_query = fold(query.trim());
        let inner = self.read();
        let scored = inner
            .search_index
            .search(&folded_query, max_results, |index| {
                inner.search_score(index, &folded_query, kinds)
            });
        inner.ranked_hits(scored, max_results)
    }

    /// The ranking by scoring every entity: what the index must answer, kept as its test oracle.
    #[cfg(test)]
    pub(crate) fn search_entities_by_scan(
        &self,
        query: &str,
        kinds: &[EntityKind],
        max_results: usize,
    ) -> Vec<SearchHit> {
        let folded_query = fold(query.trim());
        let inner = self.read();
        let scored = (0..inner.entities.len() as u32)
            .filter_map(|index| inner.search_score(index, &folded_query, kinds))
            .collect();
        inner.ranked_hits(scored, max_results)
    }

    pub fn relations(&self, query: &RelationQuery) -> Result<Vec<Relation>, DomainError> {
        self.read().relations(query)
    }

    pub fn article(&self, id: &str) -> Result<ArticleWithEvents, DomainError> {
        let inner = self.read();
        let index = inner
            .find_article(id)
            .ok_or_else(|| DomainError::not_found("article", id))?;
        let entry = &inner.articles[index as usize];
        let mut keys: Vec<TimeKey> = entry
            .events
            .iter()
            .filter_map(|&slot| inner.event(slot).map(StoredEvent::key))
            .collect();
        keys.sort_unstable();
        Ok(ArticleWithEvents {
            article: inner.article_view(entry),
            event_ids: keys.into_iter().map(key_event_id).collect(),
        })
    }

    /// The indexes of the matching articles, ordered by date then id.
    pub fn article_indexes(&self, filter: &ArticleFilter) -> Vec<u32> {
        let inner = self.read();
        let entity = filter
            .entity_id
            .as_deref()
            .map(|id| inner.resolve_entity(id));
        let mut matching: Vec<(u32, &str, u32)> = inner
            .articles
            .iter()
            .enumerate()
            .filter(|(index, entry)| {
                let article = &entry.article;
                filter.bounds.contains(entry.date_key)
                    && entity.is_none_or(|e| {
                        e.is_some_and(|e| {
                            inner.entities[e as usize]
                                .articles
                                .contains(&(*index as u32))
                        })
                    })
                    && filter
                        .series
                        .as_deref()
                        .is_none_or(|s| article.series().to_lowercase() == s)
                    && filter.author.as_deref().is_none_or(|wanted| {
                        article.authors().any(|a| a.to_lowercase().contains(wanted))
                    })
            })
            .map(|(index, entry)| (entry.date_key, entry.article.id(), index as u32))
            .collect();
        matching.sort_unstable();
        matching.into_iter().map(|(_, _, index)| index).collect()
    }

    pub fn articles_at(&self, indexes: &[u32]) -> Vec<Article> {
        let inner = self.read();
        indexes
            .iter()
            .filter_map(|&i| inner.articles.get(i as usize))
            .map(|entry| inner.article_view(entry))
            .collect()
    }

    pub fn stats(&self) -> Stats {
        let inner = self.read();
        Stats {
            articles: inner.articles.len() as u64,
            entities: inner.entities.len() as u64,
            events: inner.events.len() as u64,
            revision: inner.revision,
            approx_memory_bytes: inner.approx_memory_bytes() as u64,
            uptime_seconds: self.shared.started.elapsed().as_secs(),
            watchers: self.shared.watchers.load(Ordering::Relaxed),
        }
    }
}

fn saturating_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The inclusive range of time keys a timeline page may visit: the filter's dates narrow it (an
/// event without a year never matches a date filter), and so does the position to resume after.
/// `None` when nothing is left.
fn key_interval(
    bounds: &DateBounds,
    after: Option<TimeKey>,
    descending: bool,
) -> Option<(TimeKey, TimeKey)> {
    let (mut lowest, mut highest) = (0, TimeKey::MAX);
    if !bounds.is_unbounded() {
        lowest = time_key(bounds.from.unwrap_or(FIRST_DATED), 0, 0);
        highest = time_key(bounds.to.unwrap_or(u32::MAX), u32::MAX, u64::MAX);
    }
    if let Some(after) = after {
        if descending {
            highest = highest.min(after.checked_sub(1)?);
        } else {
            lowest = lowest.max(after.checked_add(1)?);
        }
    }
    (lowest <= highest).then_some((lowest, highest))
}

/// The byte offset of code point `cp` in `text`.
fn byte_offset(text: &str, ascii: bool, cp: u32) -> Option<usize> {
    let cp = cp as usize;
    if ascii {
        return (cp <= text.len()).then_some(cp);
    }
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .nth(cp)
}

impl StoreInner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&number) = self.text_numbers.get(text) {
            return number;
        }
        let number = self.texts.len() as u32;
        self.texts.push(text.into());
        self.text_numbers.insert(text.into(), number);
        number
    }

    fn interned(&self, number: u32) -> &str {
        self.texts.get(number as usize).map_or("", |text| text)
    }

    fn store_amount(&mut self, amount: &Amount) -> StoredAmount {
        let period = amount.period.as_ref();
        StoredAmount {
            value: amount.value,
            metric: amount.metric,
            currency: self.intern(&amount.currency),
            text: self.intern(&amount.text),
            period_text: period.map_or(0, |p| self.intern(&p.text)),
            period_start: period.map_or(0, |p| p.start.pack()),
            period_end: period.map_or(0, |p| p.end.pack()),
            period_flags: period.map_or(0, |p| {
                AMOUNT_HAS_PERIOD
                    | if p.year_inferred {
                        AMOUNT_YEAR_INFERRED
                    } else {
                        0
                    }
            }),
            period_year_source: period.map_or(0, |p| p.year_source),
        }
    }

    fn find_article(&self, id: &str) -> Option<u32> {
        self.article_index
            .find(self.article_hasher.hash_one(id), |&i| {
                self.articles[i as usize].article.id() == id
            })
            .copied()
    }

    fn participants<'a>(
        &'a self,
        event: &'a StoredEvent,
    ) -> impl Iterator<Item = Participation> + 'a {
        let packed: &[u32] = if event.flags & FLAG_SPILLED_PARTICIPANTS != 0 {
            self.spilled_participants.get(&event.id).map_or(&[], |p| p)
        } else {
            &event.participants[..usize::from(event.participant_count)]
        };
        packed.iter().map(|&p| Participation(p))
    }

    fn involves(&self, event: &StoredEvent, entity: u32) -> bool {
        self.participants(event).any(|p| p.entity() == entity)
    }

    fn event(&self, slot: u32) -> Option<&StoredEvent> {
        self.events.get(slot)
    }

    fn event_at_key(&self, key: TimeKey) -> Option<&StoredEvent> {
        let slot = self.events.find(key_event_id(key))?;
        self.event(slot).filter(|e| e.key() == key)
    }

    fn resolve_entity(&self, id: &str) -> Option<u32> {
        self.entity_ids.get(id).copied()
    }

    fn resolve_filter<'f>(&self, filter: &'f TimelineFilter) -> ResolvedFilter<'f> {
        let entities = (!filter.entity_ids.is_empty()).then(|| {
            let resolved: Vec<Option<u32>> = filter
                .entity_ids
                .iter()
                .map(|id| self.resolve_entity(id))
                .collect();
            if filter.match_all && resolved.iter().any(Option::is_none) {
                Vec::new()
            } else {
                let mut known: Vec<u32> = resolved.into_iter().flatten().collect();
                known.sort_unstable();
                known.dedup();
                known
            }
        });
        ResolvedFilter {
            filter,
            entities,
            location: filter
                .location_id
                .as_deref()
                .map(|id| self.resolve_entity(id)),
        }
    }

    fn matches(&self, event: &StoredEvent, resolved: &ResolvedFilter<'_>) -> bool {
        let filter = resolved.filter;
        if filter.kind_mask != 0 && filter.kind_mask & event.kind.bit() == 0 {
            return false;
        }
        if !filter.bounds.contains(event.start) {
            return false;
        }
        if let Some(location) = resolved.location
            && location != Some(event.location)
        {
            return false;
        }
        if let Some(entities) = &resolved.entities {
            let hit = if filter.match_all {
                !entities.is_empty() && entities.iter().all(|&e| self.involves(event, e))
            } else {
                entities.iter().any(|&e| self.involves(event, e))
            };
            if !hit {
                return false;
            }
        }
        match &filter.text {
            Some(matcher) => matcher.matches(self.sentence(event).0),
            None => true,
        }
    }

    /// The sentence of an event and the code point offset just past it.
    fn sentence(&self, event: &StoredEvent) -> (&str, u32) {
        if event.flags & FLAG_OWNED_SENTENCE != 0 {
            return self
                .owned_text
                .get(&event.id)
                .and_then(|owned| owned.sentence.as_ref())
                .map_or(("", event.sentence_cp_start), |(text, end)| (text, *end));
        }
        let Some(article) = self.articles.get(event.article as usize) else {
            return ("", event.sentence_cp_start);
        };
        let start = event.sentence_byte_start as usize;
        let sentence = article
            .article
            .strings()
            .get(start..start + event.sentence_byte_len as usize)
            .unwrap_or("");
        (sentence, event.sentence_cp_start + event.sentence_cp_len)
    }

    fn event_view(&self, event: &StoredEvent) -> Event {
        self.view(event).to_event()
    }

    /// The event with its strings borrowed from the store.
    fn view<'a>(&'a self, event: &'a StoredEvent) -> EventView<'a> {
        let (sentence, sentence_end) = self.sentence(event);
        let date_text = if event.flags & FLAG_INTERNED_DATE_TEXT != 0 {
            self.interned((u32::from(event.date_text_start) << 16) | u32::from(event.date_text_len))
        } else {
            let start = usize::from(event.date_text_start);
            sentence
                .get(start..start + usize::from(event.date_text_len))
                .unwrap_or("")
        };
        let (location_id, location_name) = match self.entities.get(event.location as usize) {
            Some(entry) => (entry.entity.id.as_str(), entry.entity.name.as_str()),
            None => ("", ""),
        };
        let packed: &[u32] = if event.flags & FLAG_SPILLED_PARTICIPANTS != 0 {
            self.spilled_participants.get(&event.id).map_or(&[], |p| p)
        } else {
            &event.participants[..usize::from(event.participant_count)]
        };
        let stored_amounts: &[StoredAmount] = if event.flags & FLAG_AMOUNTS != 0 {
            self.amounts.get(&event.id).map_or(&[], |a| a)
        } else {
            &[]
        };
        EventView {
            id: event.id,
            article_id: self
                .articles
                .get(event.article as usize)
                .map_or("", |a| a.article.id()),
            kind: event.kind,
            when: SpanView {
                start: PartialDate::unpack(event.start),
                end: PartialDate::unpack(event.end),
                year_inferred: event.flags & FLAG_YEAR_INFERRED != 0,
                year_source: event.year_source,
                text: date_text,
            },
            participants: Participants {
                packed,
                entities: &self.entities,
            },
            location_id,
            location_name,
            sentence,
            sentence_start: event.sentence_cp_start,
            sentence_end,
            amounts: Amounts {
                stored: stored_amounts,
                texts: &self.texts,
            },
            planned: event.flags & FLAG_PLANNED != 0,
        }
    }

    /// The slots of the events `entity` takes part in, in timeline order.
    fn ordered_events(&self, entity: u32) -> Arc<[u32]> {
        let mut ordered = self
            .ordered_events
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = ordered.lists.get(&entity) {
            return Arc::clone(list);
        }
        let Some(entry) = self.entities.get(entity as usize) else {
            return Arc::from([]);
        };
        let mut keyed: Vec<(TimeKey, u32)> = entry
            .events
            .iter()
            .filter_map(|&slot| Some((self.event(slot)?.key(), slot)))
            .collect();
        keyed.sort_unstable();
        let list: Arc<[u32]> = keyed.into_iter().map(|(_, slot)| slot).collect();
        if ordered.slots + list.len() > self.timeline.len() / 2 {
            ordered.lists.clear();
            ordered.slots = 0;
        }
        ordered.slots += list.len();
        ordered.lists.insert(entity, Arc::clone(&list));
        list
    }

    fn plan_timeline(&self, filter: &TimelineFilter) -> TimelinePlan {
        let resolved = self.resolve_filter(filter);
        // One entity's events (or, when all must take part, the fewest): walk its ordered list
        // unless the location index selects fewer.
        if let Some(entities) = &resolved.entities
            && (entities.len() == 1 || (filter.match_all && !entities.is_empty()))
            && let Some(&entity) = entities
                .iter()
                .min_by_key(|&&e| self.entities[e as usize].events.len())
        {
            let count = self.entities[entity as usize].events.len();
            let location_count = match resolved.location {
                Some(Some(l)) => self.entities[l as usize].located.len(),
                Some(None) => 0,
                None => usize::MAX,
            };
            if count <= location_count {
                return TimelinePlan::Entity(entity);
            }
        }
        let mut best: Option<Vec<u32>> = None;
        let mut consider = |slots: Vec<u32>| {
            if best.as_ref().is_none_or(|b| slots.len() < b.len()) {
                best = Some(slots);
            }
        };
        if let Some(entities) = &resolved.entities {
            if filter.match_all {
                if let Some(smallest) = entities
                    .iter()
                    .map(|&e| &self.entities[e as usize].events)
                    .min_by_key(|set| set.len())
                {
                    consider(smallest.iter().copied().collect());
                } else {
                    consider(Vec::new());
                }
            } else {
                let total: usize = entities
                    .iter()
                    .map(|&e| self.entities[e as usize].events.len())
                    .sum();
                if self.worth_indexing(total) {
                    consider(
                        entities
                            .iter()
                            .flat_map(|&e| self.entities[e as usize].events.iter().copied())
                            .collect(),
                    );
                }
            }
        }
        if let Some(location) = resolved.location {
            match location {
                Some(l) => consider(self.entities[l as usize].located.iter().copied().collect()),
                None => consider(Vec::new()),
            }
        }
        match best {
            Some(slots) if self.worth_indexing(slots.len()) => {
                let mut keys: Vec<TimeKey> = slots
                    .into_iter()
                    .filter_map(|slot| self.event(slot).map(StoredEvent::key))
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                TimelinePlan::Keys(Arc::new(keys))
            }
            _ => TimelinePlan::Scan,
        }
    }

    /// Whether walking `candidates` sorted keys beats scanning the whole time index.
    fn worth_indexing(&self, candidates: usize) -> bool {
        candidates <= 4096 || (candidates <= 1 << 20 && candidates * 4 <= self.timeline.len())
    }

    #[allow(clippy::too_many_arguments)]
    fn timeline_page<T>(
        &self,
        filter: &TimelineFilter,
        plan: &TimelinePlan,
        after: Option<TimeKey>,
        descending: bool,
        max_revision: Option<u64>,
        limit: usize,
        mut emit: impl FnMut(Cursor, &EventView<'_>) -> T,
    ) -> TimelinePage<T> {
        let resolved = self.resolve_filter(filter);
        let mut page = TimelinePage {
            revision: self.revision,
            resume_after: after,
            ..TimelinePage::default()
        };
        let revision = self.revision;
        let mut visit = |key: TimeKey, event: &StoredEvent, page: &mut TimelinePage<T>| {
            page.resume_after = Some(key);
            if max_revision.is_none_or(|max| event.revision() <= max)
                && self.matches(event, &resolved)
            {
                let cursor = Cursor {
                    position: Some(key),
                    revision,
                };
                page.events.push((key, emit(cursor, &self.view(event))));
            }
        };
        match plan {
            TimelinePlan::Scan => {
                let Some((lowest, highest)) = key_interval(&filter.bounds, after, descending)
                else {
                    page.finished = true;
                    return page;
                };
                let range = self.timeline.range(lowest..=highest);
                let mut entries: Box<dyn Iterator<Item = (&TimeKey, &u32)>> = if descending {
                    Box::new(range.rev())
                } else {
                    Box::new(range)
                };
                let mut scanned = 0;
                loop {
                    if page.events.len() >= limit || scanned >= SCAN_BUDGET {
                        break;
                    }
                    let Some((&key, &slot)) = entries.next() else {
                        page.finished = true;
                        break;
                    };
                    scanned += 1;
                    if let Some(event) = self.event(slot) {
                        visit(key, event, &mut page);
                    }
                }
            }
            TimelinePlan::Entity(entity) => {
                let Some((lowest, highest)) = key_interval(&filter.bounds, after, descending)
                else {
                    page.finished = true;
                    return page;
                };
                let slots = self.ordered_events(*entity);
                let key_of = |slot: u32| self.event(slot).map_or(0, StoredEvent::key);
                let start = slots.partition_point(|&s| key_of(s) < lowest);
                let end = slots.partition_point(|&s| key_of(s) <= highest);
                let window = &slots[start..end.max(start)];
                let mut remaining: Box<dyn Iterator<Item = &u32>> = if descending {
                    Box::new(window.iter().rev())
                } else {
                    Box::new(window.iter())
                };
                loop {
                    if page.events.len() >= limit {
                        break;
                    }
                    let Some(&slot) = remaining.next() else {
                        page.finished = true;
                        break;
                    };
                    if let Some(event) = self.event(slot) {
                        visit(event.key(), event, &mut page);
                    }
                }
            }
            TimelinePlan::Keys(keys) => {
                let Some((lowest, highest)) = key_interval(&filter.bounds, after, descending)
                else {
                    page.finished = true;
                    return page;
                };
                let start = keys.partition_point(|&k| k < lowest);
                let end = keys.partition_point(|&k| k <= highest);
                let window = &keys[start..end.max(start)];
                let mut remaining: Box<dyn Iterator<Item = &TimeKey>> = if descending {
                    Box::new(window.iter().rev())
                } else {
                    Box::new(window.iter())
                };
                loop {
                    if page.events.len() >= limit {
                        break;
                    }
                    let Some(&key) = remaining.next() else {
                        page.finished = true;
                        break;
                    };
                    page.resume_after = Some(key);
                    if let Some(event) = self.event_at_key(key) {
                        visit(key, event, &mut page);
                    }
                }
            }
        }
        page
    }

    fn changed_keys_from_log(&self, filter: &TimelineFilter, after_revision: u64) -> ChangedKeys {
        let resolved = self.resolve_filter(filter);
        let first = self
            .change_log
            .partition_point(|&(revision, _)| revision <= after_revision);
        let mut seen: IdSet<u64> = IdSet::default();
        let mut keys: Vec<TimeKey> = self
            .change_log
            .range(first..)
            .filter(|&&(_, id)| seen.insert(id))
            .filter_map(|&(_, id)| {
                let slot = self.events.find(id)?;
                let event = self.event(slot)?;
                (event.revision() > after_revision && self.matches(event, &resolved))
                    .then(|| event.key())
            })
            .collect();
        keys.sort_unstable();
        ChangedKeys {
            keys,
            revision: self.revision,
        }
    }

    fn entity_activity(&self, index: u32) -> EntityActivity {
        let entry = &self.entities[index as usize];
        let (first, last) = self
            .dated_extremes_by_scan(index)
            .unwrap_or_else(|| self.dated_extremes_by_set(entry));
        EntityActivity {
            entity: entry.entity.clone(),
            event_count: saturating_u32(entry.event_count()),
            article_count: saturating_u32(entry.articles.len()),
            first_date: first.map(PartialDate::unpack),
            last_date: last.map(PartialDate::unpack),
        }
    }

    /// The earliest and latest dated start of an entity's events, visiting each of them.
    fn dated_extremes_by_set(&self, entry: &EntityEntry) -> (Option<u32>, Option<u32>) {
        let (mut first, mut last): (Option<u32>, Option<u32>) = (None, None);
        for slot in entry.all_event_slots() {
            if let Some(event) = self.event(slot)
                && packed_has_year(event.start)
            {
                first = Some(first.map_or(event.start, |f| f.min(event.start)));
                last = Some(last.map_or(event.start, |l| l.max(event.start)));
            }
        }
        (first, last)
    }

    /// The same for a busy entity, from both ends of the time index: its events are dense there,
    /// so few entries are visited. `None` when that would visit too many.
    fn dated_extremes_by_scan(&self, index: u32) -> Option<(Option<u32>, Option<u32>)> {
        const SMALL: usize = 4096;
        const SCAN_LIMIT: usize = 64 * 1024;
        let entry = &self.entities[index as usize];
        if entry.events.len() + entry.located.len() <= SMALL {
            return None;
        }
        let takes_part = |slot: &u32| {
            self.event(*slot)
                .is_some_and(|e| e.location == index || self.involves(e, index))
        };
        let dated = self.timeline.range(time_key(FIRST_DATED, 0, 0)..);
        let first = dated
            .clone()
            .take(SCAN_LIMIT)
            .find(|(_, slot)| takes_part(slot));
        let last = dated
            .rev()
            .take(SCAN_LIMIT)
            .find(|(_, slot)| takes_part(slot));
        match (first, last) {
            (Some((first, _)), Some((last, _))) => {
                Some((Some(key_start(*first)), Some(key_start(*last))))
            }
            _ => None,
        }
    }

    fn relations(&self, query: &RelationQuery) -> Result<Vec<Relation>, DomainError> {
        #[derive(Default)]
        struct Tally {
            count: u32,
            first: Option<u32>,
            last: Option<u32>,
            latest: u32,
            kinds: [u32; 11],
            samples: Vec<TimeKey>,
        }
        let index = self
            .resolve_entity(&query.entity_id)
            .ok_or_else(|| DomainError::not_found("entity", &query.entity_id))?;
        let sample_cap = query.max_sample_events;
        let mut tallies: IdMap<u32, Tally> = IdMap::default();
        let mut others: Vec<u32> = Vec::new();
        for slot in self.entities[index as usize].all_event_slots() {
            let Some(event) = self.event(slot) else {
                continue;
            };
            if !query.bounds.contains(event.start) {
                continue;
            }
            others.clear();
            others.extend(self.participants(event).map(|p| p.entity()));
            if event.location != NO_LOCATION {
                others.push(event.location);
            }
            others.sort_unstable();
            others.dedup();
            for &other in others.iter().filter(|&&o| o != index) {
                let tally = tallies.entry(other).or_default();
                tally.count += 1;
                tally.latest = tally.latest.max(event.start);
                if packed_has_year(event.start) {
                    tally.first = Some(tally.first.map_or(event.start, |f| f.min(event.start)));
                    tally.last = Some(tally.last.map_or(event.start, |l| l.max(event.start)));
                }
                tally.kinds[event.kind as usize] += 1;
                if sample_cap > 0 {
                    tally.samples.push(event.key());
                    if tally.samples.len() >= sample_cap * 8 {
                        tally.samples.sort_unstable_by(|a, b| b.cmp(a));
                        tally.samples.truncate(sample_cap);
                    }
                }
            }
        }
        let mut ranked: Vec<(u32, Tally)> = tallies
            .into_iter()
            .filter(|(other, _)| {
                query.kinds.is_empty()
                    || query
                        .kinds
                        .contains(&self.entities[*other as usize].entity.kind)
            })
            .collect();
        ranked.sort_by(|(a_id, a), (b_id, b)| {
            b.count
                .cmp(&a.count)
                .then(b.latest.cmp(&a.latest))
                .then_with(|| {
                    self.entities[*a_id as usize]
                        .entity
                        .id
                        .cmp(&self.entities[*b_id as usize].entity.id)
                })
        });
        if query.max_results > 0 {
            ranked.truncate(query.max_results);
        }
        Ok(ranked
            .into_iter()
            .map(|(other, mut tally)| {
                tally.samples.sort_unstable_by(|a, b| b.cmp(a));
                tally.samples.truncate(sample_cap);
                let mut kind_counts: Vec<(EventKind, u32)> = EventKind::ALL
                    .iter()
                    .map(|&k| (k, tally.kinds[k as usize]))
                    .filter(|&(_, count)| count > 0)
                    .collect();
                kind_counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                Relation {
                    entity: self.entities[other as usize].entity.clone(),
                    event_count: tally.count,
                    first_date: tally.first.map(PartialDate::unpack),
                    last_date: tally.last.map(PartialDate::unpack),
                    kind_counts,
                    sample_event_ids: tally.samples.into_iter().map(key_event_id).collect(),
                }
            })
            .collect())
    }

    /// The best score of an entity's folded names against a folded query (the first name of
    /// that score), with what ranking ties need.
    fn search_score(
        &self,
        index: u32,
        folded_query: &str,
        kinds: &[EntityKind],
    ) -> Option<(f32, (usize, u32, usize))> {
        let entry = &self.entities[index as usize];
        if !kinds.is_empty() && !kinds.contains(&entry.entity.kind) {
            return None;
        }
        let (surface, score) = entry
            .folded
            .iter()
            .enumerate()
            .filter_map(|(i, f)| search::score(folded_query, f).map(|s| (i, s)))
            .fold(None, |best: Option<(usize, f32)>, candidate| match best {
                Some(b) if b.1 >= candidate.1 => Some(b),
                _ => Some(candidate),
            })?;
        Some((score, (entry.event_count(), index, surface)))
    }

    fn ranked_hits(
        &self,
        mut scored: Vec<(f32, (usize, u32, usize))>,
        max_results: usize,
    ) -> Vec<SearchHit> {
        scored.sort_by(|(a_score, a), (b_score, b)| {
            b_score
                .total_cmp(a_score)
                .then(b.0.cmp(&a.0))
                .then_with(|| {
                    self.entities[a.1 as usize]
                        .entity
                        .id
                        .cmp(&self.entities[b.1 as usize].entity.id)
                })
        });
        scored.truncate(max_results);
        scored
            .into_iter()
            .map(|(score, (event_count, index, surface))| {
                let entity = &self.entities[index as usize].entity;
                let matched_alias = if surface == 0 {
                    entity.name.clone()
                } else {
                    entity.aliases[surface - 1].clone()
                };
                SearchHit {
                    entity: entity.clone(),
                    score,
                    matched_alias,
                    event_count: saturating_u32(event_count),
                }
            })
            .collect()
    }

    /// Adds the entry's folded names that `before` does not hold to the search index.
    fn index_for_search(&mut self, index: u32, before: &[String]) {
        let entry = &self.entities[index as usize];
        for surface in entry.folded.iter().filter(|f| !before.contains(f)) {
            self.search_index.insert(index, surface);
        }
    }

    fn approx_memory_bytes(&self) -> usize {
        let events = self.events.heap_bytes();
        let spilled = self.spilled_participants.capacity() * (size_of::<(u64, Box<[u32]>)>() + 1)
            + self
                .spilled_participants
                .values()
                .map(|p| p.len() * 4 + 16)
                .sum::<usize>();
        // B-tree nodes hold 11 entries and run about two thirds full.
        let timeline = self.timeline.len() * (size_of::<(TimeKey, u32)>() * 3 / 2);
        let side_tables = self.owned_text.capacity() * (size_of::<(u64, OwnedText)>() + 1)
            + self
                .owned_text
                .values()
                .map(|o| o.sentence.as_ref().map_or(0, |s| s.0.len()))
                .sum::<usize>()
            + self.amounts.capacity() * (size_of::<(u64, Box<[StoredAmount]>)>() + 1)
            + self
                .amounts
                .values()
                .map(|a| a.len() * size_of::<StoredAmount>() + 16)
                .sum::<usize>();
        let entities: usize = self
            .entities
            .iter()
            .map(|e| {
                size_of::<EntityEntry>()
                    + e.entity.id.len()
                    + e.entity.name.len()
                    + e.entity.aliases.iter().map(|a| a.len() + 24).sum::<usize>()
                    + e.entity.roles.iter().map(|r| r.len() + 24).sum::<usize>()
                    + e.folded.iter().map(|f| f.len() + 24).sum::<usize>()
                    + (e.events.capacity() + e.located.capacity() + e.articles.capacity()) * 5
            })
            .sum::<usize>()
            + self.entity_ids.keys().map(|k| k.len() + 24).sum::<usize>()
            + self
                .entity_names
                .keys()
                .map(|k| k.1.len() + 32)
                .sum::<usize>()
            + self.search_index.heap_bytes();
        let articles: usize = self
            .articles
            .iter()
            .map(|a| {
                size_of::<ArticleEntry>()
                    + a.article.heap_bytes()
                    + a.sections.heap_bytes()
                    + a.entities.len() * 4
                    + a.events.capacity() * 4
            })
            .sum();
        let change_log = self.change_log.capacity() * size_of::<(u64, u64)>();
        let date_texts = self.texts.iter().map(|t| 2 * t.len() + 64).sum::<usize>();
        let ordered = {
            let ordered = self
                .ordered_events
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            ordered.slots * 4 + ordered.lists.len() * 48
        };
        events
            + spilled
            + timeline
            + side_tables
            + entities
            + articles
            + change_log
            + date_texts
            + ordered
    }

    // ---- publishing ----

    fn apply(&mut self, batch: Batch) -> Result<PublishOutcome, DomainError> {
        let sequence = batch.sequence;
        if self
            .producers
            .get(&batch.producer_id)
            .is_some_and(|&last| sequence <= last)
        {
            return Ok(PublishOutcome {
                sequence,
                revision: self.revision,
                duplicate: true,
                ..PublishOutcome::default()
            });
        }
        self.check_references(&batch)
            .map_err(|e| e.in_batch(sequence))?;
        #[cfg(feature = "fault-injection")]
        super::fault::before_apply(&batch.producer_id);

        // Nothing below can fail: the batch is applied whole.
        let revision = self.revision + 1;
        let stored_revision = u32::try_from(revision).unwrap_or(u32::MAX);
        let mut outcome = PublishOutcome {
            sequence,
            ..PublishOutcome::default()
        };
        for entity in batch.entities {
            if self.upsert_entity(entity) {
                outcome.entities_upserted += 1;
            }
        }
        let mut republished = Vec::with_capacity(batch.articles.len());
        for article in batch.articles {
            let (index, changed) = self.upsert_article(article);
            republished.push(index);
            if changed {
                outcome.articles_upserted += 1;
            }
        }
        let mut published_ids: IdSet<u64> = IdSet::default();
        let mut changed_ids = Vec::new();
        for event in &batch.events {
            published_ids.insert(event.id);
            let Some(article) = self.find_article(&event.article_id) else {
                continue;
            };
            let built = self.build_event(event, article, stored_revision);
            if let Some(slot) = self.events.find(event.id)
                && let Some(existing) = self.event(slot)
            {
                if self.is_unchanged(existing, &built) {
                    continue;
                }
                self.remove_event(slot);
            }
            self.insert_event(built);
            outcome.events_upserted += 1;
            changed_ids.push(event.id);
        }
        for article in republished {
            let stale: Vec<u32> = self.articles[article as usize]
                .events
                .iter()
                .copied()
                .filter(|&slot| {
                    self.event(slot)
                        .is_some_and(|e| !published_ids.contains(&e.id))
                })
                .collect();
            for slot in stale {
                self.remove_event(slot);
                outcome.events_removed += 1;
            }
        }
        let changed = outcome.entities_upserted
            + outcome.articles_upserted
            + outcome.events_upserted
            + outcome.events_removed
            > 0;
        if changed {
            self.revision = revision;
            self.log_changes(revision, &changed_ids);
        }
        self.producers.insert(batch.producer_id, sequence);
        outcome.revision = self.revision;
        Ok(outcome)
    }

    /// The checks that need the store: referenced articles exist, referenced entities exist or
    /// can be created from their id.
    fn check_references(&self, batch: &Batch) -> Result<(), DomainError> {
        let batch_articles: HashSet<&str> = batch.articles.iter().map(|a| a.id.as_str()).collect();
        let batch_entities: HashSet<&str> = batch.entities.iter().map(|e| e.id.as_str()).collect();
        let check_entity = |id: &str, field: String| {
            if batch_entities.contains(id)
                || self.entity_ids.contains_key(id)
                || EntityKind::from_id_prefix(id).is_some()
            {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    field,
                    format!("`{id}` is no stored entity and has no `<kind>:<key>` form"),
                ))
            }
        };
        for (i, article) in batch.articles.iter().enumerate() {
            for (j, id) in article.entity_ids.iter().enumerate() {
                check_entity(id, format!("articles[{i}].entity_ids[{j}]"))?;
            }
        }
        for (i, event) in batch.events.iter().enumerate() {
            if !batch_articles.contains(event.article_id.as_str())
                && self.find_article(&event.article_id).is_none()
            {
                return Err(DomainError::invalid(
                    format!("events[{i}].article_id"),
                    format!(
                        "names article `{}`, which is neither in the batch nor stored",
                        event.article_id
                    ),
                ));
            }
            for (j, participant) in event.participants.iter().enumerate() {
                check_entity(
                    &participant.entity_id,
                    format!("events[{i}].participants[{j}].entity_id"),
                )?;
            }
            if !event.location_id.is_empty() {
                check_entity(&event.location_id, format!("events[{i}].location_id"))?;
            }
        }
        Ok(())
    }

    fn log_changes(&mut self, revision: u64, ids: &[u64]) {
        // Trim before adding, so the log never grows past its capacity (a VecDeque that did
        // would keep the doubled allocation).
        let capacity = self.change_log_capacity;
        let kept = ids.len().min(capacity);
        if kept < ids.len() {
            self.change_log_floor = self.change_log_floor.max(revision);
        }
        while self.change_log.len() + kept > capacity {
            if let Some((dropped, _)) = self.change_log.pop_front() {
                self.change_log_floor = self.change_log_floor.max(dropped);
            }
        }
        if self.change_log.capacity() == 0 {
            self.change_log.reserve_exact(capacity);
        }
        self.change_log
            .extend(ids[ids.len() - kept..].iter().map(|&id| (revision, id)));
    }

    fn index_names(&mut self, index: u32) {
        let entry = &self.entities[index as usize];
        if entry.implicit {
            return;
        }
        let kind = entry.entity.kind;
        let names: Vec<Box<str>> = entry.folded.iter().map(|f| f.as_str().into()).collect();
        for name in names {
            if !name.is_empty() {
                self.entity_names.entry((kind, name)).or_insert(index);
            }
        }
    }

    /// Merges an entity by id, else by a folded name or alias of a stored entity of its kind.
    fn upsert_entity(&mut self, incoming: Entity) -> bool {
        let incoming_folded: Vec<String> = std::iter::once(&incoming.name)
            .chain(&incoming.aliases)
            .map(|s| fold(s))
            .collect();
        let target = self.resolve_entity(&incoming.id).or_else(|| {
            incoming_folded.iter().find_map(|name| {
                self.entity_names
                    .get(&(incoming.kind, name.as_str().into()))
                    .copied()
            })
        });
        let Some(index) = target else {
            let index = self.entities.len() as u32;
            self.entity_ids.insert(incoming.id.as_str().into(), index);
            let mut entity = incoming;
            dedup_in_order(&mut entity.aliases);
            dedup_in_order(&mut entity.roles);
            let folded = folded_surfaces(&entity);
            self.entities.push(EntityEntry {
                entity,
                folded,
                implicit: false,
                events: IdSet::default(),
                located: IdSet::default(),
                articles: IdSet::default(),
            });
            self.index_names(index);
            self.index_for_search(index, &[]);
            return true;
        };
        let redirect = !self.entity_ids.contains_key(incoming.id.as_str());
        if redirect {
            self.entity_ids.insert(incoming.id.as_str().into(), index);
        }
        let entry = &mut self.entities[index as usize];
        let before = entry.entity.clone();
        let was_implicit = entry.implicit;
        let stored = &mut entry.entity;
        if entry.implicit {
            stored.kind = incoming.kind;
            stored.name = incoming.name;
            entry.implicit = false;
        } else if incoming.name != stored.name && !stored.aliases.contains(&incoming.name) {
            stored.aliases.push(incoming.name);
        }
        for alias in incoming.aliases {
            if !stored.aliases.contains(&alias) {
                stored.aliases.push(alias);
            }
        }
        for role in incoming.roles {
            if !stored.roles.contains(&role) {
                stored.roles.push(role);
            }
        }
        if stored.country_code.is_empty() {
            stored.country_code = incoming.country_code;
        }
        let changed = *stored != before || was_implicit;
        let folded_before = std::mem::replace(&mut entry.folded, folded_surfaces(stored));
        self.index_names(index);
        self.index_for_search(index, &folded_before);
        changed || redirect
    }

    /// The entry of an entity referenced by id, created from the id when it is not stored yet.
    fn ensure_entity(&mut self, id: &str, name: &str) -> Option<u32> {
        if let Some(index) = self.resolve_entity(id) {
            return Some(index);
        }
        let kind = EntityKind::from_id_prefix(id)?;
        let index = self.entities.len() as u32;
        self.entity_ids.insert(id.into(), index);
        let name = if name.is_empty() {
            id.split_once(':').map_or(id, |(_, key)| key)
        } else {
            name
        };
        let entity = Entity {
            id: id.to_owned(),
            kind,
            name: name.to_owned(),
            aliases: Vec::new(),
            roles: Vec::new(),
            country_code: String::new(),
        };
        let folded = folded_surfaces(&entity);
        self.entities.push(EntityEntry {
            entity,
            folded,
            implicit: true,
            events: IdSet::default(),
            located: IdSet::default(),
            articles: IdSet::default(),
        });
        self.index_for_search(index, &[]);
        Some(index)
    }

    /// The article as published, sections and entity ids restored.
    fn article_view(&self, entry: &ArticleEntry) -> Article {
        let mut article = entry.article.to_article();
        article.sections = entry.sections.expand(&article.text);
        article.entity_ids = entry
            .entities
            .iter()
            .filter_map(|&e| self.entities.get(e as usize))
            .map(|e| e.entity.id.clone())
            .collect();
        article
    }

    fn upsert_article(&mut self, mut article: Article) -> (u32, bool) {
        let mut entities: Vec<u32> = std::mem::take(&mut article.entity_ids)
            .iter()
            .filter_map(|id| self.ensure_entity(id, ""))
            .collect();
        entities.sort_unstable_by(|&a, &b| {
            self.entities[a as usize]
                .entity
                .id
                .cmp(&self.entities[b as usize].entity.id)
        });
        entities.dedup();
        let entities = entities.into_boxed_slice();
        let sections = StoredSections::new(&article.text, std::mem::take(&mut article.sections));
        let ascii = article.text.is_ascii();
        let index = self.find_article(&article.id);
        let article = CompactArticle::new(&article);
        let date_key = article_date_key(&article);
        let index = match index {
            Some(index) => {
                let entry = &mut self.articles[index as usize];
                if entry.article == article
                    && entry.sections == sections
                    && entry.entities == entities
                {
                    return (index, false);
                }
                entry.article = article;
                entry.sections = sections;
                entry.date_key = date_key;
                entry.ascii = ascii;
                let previous = std::mem::replace(&mut entry.entities, entities.clone());
                for e in previous {
                    self.entities[e as usize].articles.remove(&index);
                }
                index
            }
            None => {
                let index = self.articles.len() as u32;
                let hash = self.article_hasher.hash_one(article.id());
                self.articles.push(ArticleEntry {
                    article,
                    sections,
                    entities: entities.clone(),
                    date_key,
                    ascii,
                    events: Vec::new(),
                });
                let Self {
                    article_index,
                    articles,
                    article_hasher,
                    ..
                } = self;
                article_index.insert_unique(hash, index, |&i| {
                    article_hasher.hash_one(articles[i as usize].article.id())
                });
                index
            }
        };
        for e in entities {
            self.entities[e as usize].articles.insert(index);
        }
        (index, true)
    }

    fn build_event(&mut self, event: &Event, article: u32, revision: u32) -> BuiltEvent {
        let mut participants: Vec<u32> = Vec::with_capacity(event.participants.len());
        for participant in &event.participants {
            if let Some(entity) = self.ensure_entity(&participant.entity_id, &participant.name)
                && !participants
                    .iter()
                    .any(|&p| Participation(p).entity() == entity)
            {
                participants.push(Participation::new(entity, participant.role).0);
            }
        }
        let location = if event.location_id.is_empty() {
            NO_LOCATION
        } else {
            self.ensure_entity(&event.location_id, &event.location_name)
                .unwrap_or(NO_LOCATION)
        };
        let mut flags = 0;
        if event.planned {
            flags |= FLAG_PLANNED;
        }
        if event.when.year_inferred {
            flags |= FLAG_YEAR_INFERRED;
        }
        let mut owned = OwnedText::default();
        let entry = &self.articles[article as usize];
        let sentence_chars = if event.sentence.is_ascii() {
            event.sentence.len()
        } else {
            event.sentence.chars().count()
        };
        let span =
            byte_offset(entry.article.text(), entry.ascii, event.sentence_start).filter(|&start| {
                entry
                    .article
                    .text()
                    .get(start..start + event.sentence.len())
                    == Some(event.sentence.as_str())
                    && event.sentence_end as usize == event.sentence_start as usize + sentence_chars
            });
        let (sentence_byte_start, sentence_byte_len) = match span {
            Some(start) => (
                (entry.article.text_offset() + start) as u32,
                event.sentence.len() as u32,
            ),
            None => {
                flags |= FLAG_OWNED_SENTENCE;
                owned.sentence = Some((event.sentence.as_str().into(), event.sentence_end));
                (0, 0)
            }
        };
        let date_text = &event.when.text;
        let (date_text_start, date_text_len) = match event.sentence.find(date_text.as_str()) {
            _ if date_text.is_empty() => (0, 0),
            Some(start) if start + date_text.len() <= usize::from(u16::MAX) => {
                (start as u16, date_text.len() as u16)
            }
            _ => {
                // Date texts repeat ("On 18 November", "in 2014"): one copy of each serves all.
                flags |= FLAG_INTERNED_DATE_TEXT;
                let number = self.intern(date_text);
                ((number >> 16) as u16, number as u16)
            }
        };
        let amounts = (!event.amounts.is_empty()).then(|| {
            flags |= FLAG_AMOUNTS;
            event
                .amounts
                .iter()
                .map(|a| self.store_amount(a))
                .collect::<Box<[StoredAmount]>>()
        });
        let mut inline = [0; INLINE_PARTICIPANTS];
        let spilled = if participants.len() > INLINE_PARTICIPANTS {
            flags |= FLAG_SPILLED_PARTICIPANTS;
            Some(participants.clone().into_boxed_slice())
        } else {
            inline[..participants.len()].copy_from_slice(&participants);
            None
        };
        let stored = StoredEvent {
            id: event.id,
            start: event.when.start.pack(),
            end: event.when.end.pack(),
            article,
            location,
            sentence_byte_start,
            sentence_byte_len,
            sentence_cp_start: event.sentence_start,
            sentence_cp_len: sentence_chars as u32,
            date_text_start,
            date_text_len,
            revision,
            kind: event.kind,
            year_source: event.when.year_source,
            flags,
            participant_count: if spilled.is_some() {
                0
            } else {
                participants.len() as u8
            },
            participants: inline,
        };
        BuiltEvent {
            stored,
            owned: (owned != OwnedText::default()).then_some(owned),
            amounts,
            spilled,
        }
    }

    /// Whether a stored event is the same as a built one, apart from the revision.
    fn is_unchanged(&self, existing: &StoredEvent, built: &BuiltEvent) -> bool {
        let id = existing.id;
        StoredEvent {
            revision: built.stored.revision,
            ..existing.clone()
        } == built.stored
            && self.owned_text.get(&id) == built.owned.as_ref()
            && self.amounts.get(&id) == built.amounts.as_ref()
            && self.spilled_participants.get(&id) == built.spilled.as_ref()
    }

    fn insert_event(&mut self, built: BuiltEvent) {
        let BuiltEvent {
            stored: event,
            owned,
            amounts,
            spilled,
        } = built;
        let (id, key, article, location) = (event.id, event.key(), event.article, event.location);
        if let Some(spilled) = spilled {
            self.spilled_participants.insert(id, spilled);
        }
        if let Some(owned) = owned {
            self.owned_text.insert(id, owned);
        }
        if let Some(amounts) = amounts {
            self.amounts.insert(id, amounts);
        }
        let participants: Vec<Participation> = self.participants(&event).collect();
        self.forget_order(&participants);
        let slot = self.events.insert(event);
        self.timeline.insert(key, slot);
        for participant in &participants {
            self.entities[participant.entity() as usize]
                .events
                .insert(slot);
        }
        if let Some(entry) = self.entities.get_mut(location as usize) {
            entry.located.insert(slot);
        }
        self.articles[article as usize].events.push(slot);
    }

    fn forget_order(&mut self, participants: &[Participation]) {
        let ordered = self
            .ordered_events
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if !ordered.lists.is_empty() {
            for participant in participants {
                ordered.forget(participant.entity());
            }
        }
    }

    fn remove_event(&mut self, slot: u32) {
        let Some(event) = self.events.remove(slot) else {
            return;
        };
        self.timeline.remove(&event.key());
        let participants: Vec<Participation> = self.participants(&event).collect();
        self.forget_order(&participants);
        for participant in &participants {
            self.entities[participant.entity() as usize]
                .events
                .remove(&slot);
        }
        if let Some(entry) = self.entities.get_mut(event.location as usize) {
            entry.located.remove(&slot);
        }
        self.articles[event.article as usize]
            .events
            .retain(|&s| s != slot);
        self.owned_text.remove(&event.id);
        self.amounts.remove(&event.id);
        self.spilled_participants.remove(&event.id);
    }
}

/// An incoming event in stored form, with what does not fit inline.
struct BuiltEvent {
    stored: StoredEvent,
    owned: Option<OwnedText>,
    amounts: Option<Box<[StoredAmount]>>,
    spilled: Option<Box<[u32]>>,
}

fn folded_surfaces(entity: &Entity) -> Vec<String> {
    std::iter::once(&entity.name)
        .chain(&entity.aliases)
        .map(|s| fold(s))
        .collect()
}

fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{DateSpan, Participant};

    fn event_in(article: &str, n: u64, year: i32) -> Event {
        let day = PartialDate::new(year, 1, 1, "d").unwrap();
        Event {
            id: n,
            article_id: article.into(),
            kind: EventKind::Meeting,
            when: DateSpan {
                start: day,
                end: day,
                ..DateSpan::default()
            },
            participants: vec![Participant {
                entity_id: "person:someone".into(),
                name: "Someone".into(),
                role: 0,
            }],
            location_id: String::new(),
            location_name: String::new(),
            sentence: "Met.".into(),
            sentence_start: 0,
            sentence_end: 4,
            amounts: Vec::new(),
            planned: false,
        }
    }

    fn batch(sequence: u64, articles: Vec<Article>, events: Vec<Event>) -> Batch {
        Batch {
            producer_id: "unit".into(),
            sequence,
            articles,
            entities: Vec::new(),
            events,
        }
    }

    #[test]
    fn changes_beyond_the_log_are_found_by_scanning() {
        let store = Store::with_change_log_capacity(4);
        let article = Article {
            id: "article:1".into(),
            text: "Met.".into(),
            ..Article::default()
        };
        store
            .publish(batch(
                1,
                vec![article],
                vec![event_in("article:1", 1, 2001)],
            ))
            .unwrap();
        let events: Vec<Event> = (10..20)
            .map(|n| event_in("article:1", n, 2000 + n as i32))
            .collect();
        store.publish(batch(2, Vec::new(), events)).unwrap();
        store
            .publish(batch(3, Vec::new(), vec![event_in("article:1", 30, 1990)]))
            .unwrap();
        let filter = TimelineFilter::default();
        {
            let inner = store.read();
            assert!(inner.change_log.len() <= 4);
            assert!(inner.change_log_floor >= 2, "revision 2 no longer fits");
        }
        // From revision 1 the log falls short: the scan finds all eleven, in timeline order.
        let changed = store.changed_keys(&filter, 1);
        assert_eq!(changed.revision, 3);
        let ids: Vec<u64> = changed.keys.iter().map(|&k| key_event_id(k)).collect();
        let mut expected: Vec<u64> = std::iter::once(30).chain(10..20).collect();
        expected.sort_by_key(|&n| if n == 30 { 0 } else { n });
        assert_eq!(ids, expected);
        // From revision 2 the log suffices.
        let changed = store.changed_keys(&filter, 2);
        let ids: Vec<u64> = changed.keys.iter().map(|&k| key_event_id(k)).collect();
        assert_eq!(ids, [30]);
        assert!(store.changed_keys(&filter, 3).keys.is_empty());
    }

    #[test]
    fn stored_events_stay_compact() {
        // The per-event memory budget (200 bytes with indexes) is designed around this.
        assert_eq!(size_of::<StoredEvent>(), 64);
        assert_eq!(size_of::<Option<StoredEvent>>(), 64);
    }

    #[test]
    fn participations_pack_entity_and_role() {
        let packed = Participation::new(123_456, 5);
        assert_eq!((packed.entity(), packed.role()), (123_456, 5));
    }

    #[test]
    fn code_point_offsets_map_to_bytes() {
        let text = "Trọng met Xi";
        assert_eq!(byte_offset(text, false, 6), Some(text.find("met").unwrap()));
        assert_eq!(byte_offset(text, false, 12), Some(text.len()));
        assert_eq!(byte_offset(text, false, 13), None);
        assert_eq!(byte_offset("abc", true, 3), Some(3));
        assert_eq!(byte_offset("abc", true, 4), None);
    }
}
