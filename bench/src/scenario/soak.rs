//! The soak test (issue 7, "Load"): the real `query-service` and `ingest-service` on loopback
//! ports, and for the whole run at once
//!
//! - continuous ingest: corpus pages made distinct per copy, through `IngestDocuments` (parse,
//!   spool, publish to the query service), and synthetic batches through `RecordSinkService/Publish`;
//! - closed-loop `StreamTimeline` clients (unfiltered with `max_results`, one-entity filters,
//!   kind and date filters, cursor resumes), each checking the order and the filter of what it gets;
//! - `WatchTimeline` watchers connected from start to end, replaying a preloaded store, then live;
//! - a sampler of both services' resident memory and the store's size, every second.
//!
//! At the end every acknowledged event and every ingested article must be readable, the store
//! must hold nothing else, and every watcher must have seen every stored event. Any non-OK status
//! of any call fails the soak, as does a wrong order, a missing record or unexplained memory growth.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use newsline_proto::v1 as pb;
use newsline_proto::v1::ingest_service_client::IngestServiceClient;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use newsline_proto::v1::record_sink_service_client::RecordSinkServiceClient;
use newsline_proto::v1::watch_timeline_response::Update;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::sync::watch;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tonic::transport::Channel;

use crate::config::SoakArgs;
use crate::corpus::CorpusProfile;
use crate::procs;
use crate::report;
use crate::scenario::ingest::variant;
use crate::scenario::timeline::client;
use crate::stats::Percentiles;
use crate::synth::{Generator, IdScheme, Universe, entities_for};

/// How often the publisher sends a batch (its rate is spread over these ticks).
const PUBLISH_TICK: Duration = Duration::from_millis(100);
/// The longest timeline a soak client asks for in one call.
const MAX_PAGE: u32 = 1_000;
/// How long watchers get to catch up at the start, and to see the last events at the end.
const WATCH_PATIENCE: Duration = Duration::from_secs(60);
/// The longest wait for one ingest answer or the end of a stream after the load.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// Concurrent `GetArticle` calls of the end check.
const ARTICLE_CHECKS_IN_FLIGHT: usize = 16;
/// A watcher that gets no live event for this long while events are published has stalled.
const MAX_LIVE_GAP: Duration = Duration::from_secs(10);
/// Memory the query service may gain beyond what its store accounts for: connection buffers of
/// a few hundred clients and allocator slack.
const QUERY_RSS_SLACK: u64 = 96 << 20;
/// How much of the store's own growth may be doubled by allocator slack (vectors growing by
/// doubling, freed pages kept by the allocator).
const QUERY_RSS_PER_STORE_BYTE: f64 = 2.0;
/// Memory the ingest service may gain after its warm-up: it keeps nothing per document.
const INGEST_RSS_SLACK: u64 = 32 << 20;
/// Concurrent `IngestDocuments` streams the ingest rate is spread over (the service answers the
/// documents of one stream one after the other).
const INGEST_STREAMS: usize = 4;
/// Memory either service may gain while only read (allocator noise).
const QUIET_RSS_SLACK: u64 = 16 << 20;
/// Entities the timeline clients filter by.
const ENTITY_CHOICES: usize = 2_000;
/// Problem examples kept in the report (every problem is counted).
const MAX_EXAMPLES: usize = 50;

/// Counts of every call by RPC and status code, and of every failed check.
#[derive(Default)]
struct Tally {
    calls: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    problems: Mutex<Problems>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Problems {
    /// How many times each kind of problem happened.
    pub counts: BTreeMap<String, u64>,
    /// The first few, with details.
    pub examples: Vec<String>,
}

impl Tally {
    fn record(&self, rpc: &str, code: Code) {
        let mut calls = self.calls.lock().expect("tally lock");
        *calls
            .entry(rpc.to_string())
            .or_default()
            .entry(format!("{code:?}"))
            .or_default() += 1;
    }

    fn ok(&self, rpc: &str) {
        self.record(rpc, Code::Ok);
    }

    fn failed(&self, rpc: &str, status: &tonic::Status) {
        self.record(rpc, status.code());
        self.problem(
            &format!("{rpc} {:?}", status.code()),
            format!("{rpc}: {:?} {}", status.code(), status.message()),
        );
    }

    fn problem(&self, kind: &str, detail: String) {
        let mut problems = self.problems.lock().expect("tally lock");
        *problems.counts.entry(kind.to_string()).or_default() += 1;
        if problems.examples.len() < MAX_EXAMPLES {
            problems.examples.push(detail);
        }
    }

    fn calls(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.calls.lock().expect("tally lock").clone()
    }

    fn problems(&self) -> Problems {
        self.problems.lock().expect("tally lock").clone()
    }
}

/// Calls that did not end OK, over every RPC.
fn non_ok(calls: &BTreeMap<String, BTreeMap<String, u64>>) -> u64 {
    calls
        .values()
        .flat_map(|codes| codes.iter())
        .filter(|(code, _)| code.as_str() != "Ok")
        .map(|(_, count)| count)
        .sum()
}

/// A date's place in timeline order: year, month, day, an unknown part (0) before known ones,
/// an unknown year before every known one (as the API promises).
type DateKey = (bool, i32, i32, i32);
/// An event's place in timeline order: start, end (the start when unset), then event id.
pub type EventKey = (DateKey, DateKey, u64);

fn date_key(date: Option<&pb::CalendarDate>) -> DateKey {
    date.map_or((false, 0, 0, 0), |d| (d.year != 0, d.year, d.month, d.day))
}

/// The numeric part of an `event:` + 16 hex digits id, which the store orders ties by.
pub fn event_number(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("event:")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

pub fn event_key(event: &pb::Event) -> Result<EventKey, String> {
    let number =
        event_number(&event.id).ok_or_else(|| format!("malformed event id {:?}", event.id))?;
    let when = event.when.as_ref();
    let start = date_key(when.and_then(|w| w.start.as_ref()));
    let end = when
        .and_then(|w| w.end.as_ref())
        .map_or(start, |end| date_key(Some(end)));
    Ok((start, end, number))
}

/// Checks that a stream's events come in timeline order (or its reverse), each once, strictly
/// after an optional resume position.
pub struct OrderCheck {
    descending: bool,
    last: Option<EventKey>,
    seen: HashSet<u64>,
}

impl OrderCheck {
    pub fn new(descending: bool, after: Option<EventKey>) -> OrderCheck {
        OrderCheck {
            descending,
            last: after,
            seen: HashSet::new(),
        }
    }

    /// The next event of the stream, or why it is out of place.
    pub fn next(&mut self, event: &pb::Event) -> Result<EventKey, String> {
        let key = event_key(event)?;
        if !self.seen.insert(key.2) {
            return Err(format!("{} twice in one stream", event.id));
        }
        if let Some(last) = self.last {
            let in_order = if self.descending {
                key < last
            } else {
                key > last
            };
            if !in_order {
                return Err(format!(
                    "{} at {key:?} after {last:?} in a {} stream",
                    event.id,
                    if self.descending {
                        "descending"
                    } else {
                        "ascending"
                    }
                ));
            }
        }
        self.last = Some(key);
        Ok(key)
    }
}

/// Whether an event matches a timeline filter of the kinds the soak sends (entity ids, kinds,
/// a date range); `None` when it does, else why not.
pub fn filter_mismatch(filter: &pb::TimelineFilter, event: &pb::Event) -> Option<String> {
    if !filter.entity_ids.is_empty() {
        let takes_part = filter.entity_ids.iter().any(|id| {
            event.location_id == *id || event.participants.iter().any(|p| p.entity_id == *id)
        });
        if !takes_part {
            let involved: Vec<&str> = event
                .participants
                .iter()
                .map(|p| p.entity_id.as_str())
                .chain(Some(event.location_id.as_str()).filter(|l| !l.is_empty()))
                .collect();
            return Some(format!(
                "{} does not involve {:?} (it involves {involved:?})",
                event.id, filter.entity_ids
            ));
        }
    }
    if !filter.kinds.is_empty() && !filter.kinds.contains(&event.kind) {
        return Some(format!(
            "{} is of kind {} outside {:?}",
            event.id, event.kind, filter.kinds
        ));
    }
    if filter.from.is_some() || filter.to.is_some() {
        let start = date_key(event.when.as_ref().and_then(|w| w.start.as_ref()));
        if !start.0 {
            return Some(format!(
                "{} has no start year but matched a date filter",
                event.id
            ));
        }
        // Bounds as the API reads them: a month or year means its first (from) or last (to) day.
        if let Some(from) = &filter.from
            && (start.1, start.2, start.3) < (from.year, from.month, from.day)
        {
            return Some(format!("{} starts before {from:?}", event.id));
        }
        if let Some(to) = &filter.to {
            let month = if to.month == 0 { 12 } else { to.month };
            let day = if to.day == 0 { 31 } else { to.day };
            if (start.1, start.2, start.3) > (to.year, month, day) {
                return Some(format!("{} starts after {to:?}", event.id));
            }
        }
    }
    None
}

/// The kinds of timeline call the clients rotate through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Mix {
    /// The whole timeline, oldest or newest first, cut by `max_results`.
    Unfiltered,
    /// The events of one entity.
    Entity,
    /// One event kind within a few years.
    KindAndDates,
    /// A page, then the next one from the last item's cursor.
    CursorResume,
}

impl Mix {
    const ALL: [Mix; 4] = [
        Mix::Unfiltered,
        Mix::Entity,
        Mix::KindAndDates,
        Mix::CursorResume,
    ];
}

/// What one kind of timeline call did over the whole run.
#[derive(Clone, Debug, Serialize)]
pub struct MixSummary {
    pub mix: Mix,
    pub calls: u64,
    pub items: u64,
    pub latency: Percentiles,
}

#[derive(Default)]
struct MixCounts {
    calls: u64,
    items: u64,
    latencies: Vec<Duration>,
}

/// What the timeline clients pick their filters from.
struct Choices {
    /// Stored entities: an id as published, and the id it resolves to (the same, or the entity
    /// it merged into by alias), which the events of its timeline must name.
    entities: Vec<(String, String)>,
    years: Vec<i32>,
}

/// One timeline call read to its end; `None` when it failed (the failure is tallied).
async fn read_timeline(
    client: &mut QueryServiceClient<Channel>,
    request: pb::StreamTimelineRequest,
    tally: &Tally,
) -> Option<Vec<pb::StreamTimelineResponse>> {
    let mut stream = match client.stream_timeline(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tally.failed("StreamTimeline", &status);
            return None;
        }
    };
    let mut items = Vec::new();
    loop {
        match stream.message().await {
            Ok(Some(item)) => items.push(item),
            Ok(None) => break,
            Err(status) => {
                tally.failed("StreamTimeline", &status);
                return None;
            }
        }
    }
    tally.ok("StreamTimeline");
    Some(items)
}

/// Checks one timeline answer: order, no repeats, the `expected` filter (the request's, with
/// entity ids resolved to the stored ones), the length limit, a cursor on every item. Returns the
/// last item's key.
fn check_timeline(
    items: &[pb::StreamTimelineResponse],
    request: &pb::StreamTimelineRequest,
    expected: Option<&pb::TimelineFilter>,
    after: Option<EventKey>,
    tally: &Tally,
    mix: Mix,
) -> Option<EventKey> {
    let descending = request.order == pb::SortOrder::Descending as i32;
    let mut order = OrderCheck::new(descending, after);
    let mut last = after;
    if request.max_results > 0 && items.len() > request.max_results as usize {
        tally.problem(
            "timeline over max_results",
            format!(
                "{mix:?}: {} items for max_results {}",
                items.len(),
                request.max_results
            ),
        );
    }
    for item in items {
        let Some(event) = &item.event else {
            tally.problem(
                "timeline item without event",
                format!("{mix:?}: an item without an event"),
            );
            continue;
        };
        if item.cursor.is_empty() {
            tally.problem(
                "timeline item without cursor",
                format!("{mix:?}: {} has no cursor", event.id),
            );
        }
        match order.next(event) {
            Ok(key) => last = Some(key),
            Err(why) => {
                tally.problem("timeline order", format!("{mix:?}: {why}"));
                return last;
            }
        }
        if let Some(filter) = expected
            && let Some(why) = filter_mismatch(filter, event)
        {
            tally.problem("timeline filter", format!("{mix:?}: {why}"));
        }
    }
    last
}

/// One closed-loop client: call, check, call again, until the deadline.
async fn timeline_client(
    index: usize,
    mut client: QueryServiceClient<Channel>,
    choices: Arc<Choices>,
    seed: u64,
    deadline: tokio::time::Instant,
    tally: Arc<Tally>,
) -> BTreeMap<Mix, MixCounts> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9e37_79b9));
    let mut counts: BTreeMap<Mix, MixCounts> = BTreeMap::new();
    let mut round = index;
    while tokio::time::Instant::now() < deadline {
        let mut mix = Mix::ALL[round % Mix::ALL.len()];
        round += 1;
        if mix == Mix::Entity && choices.entities.is_empty() {
            mix = Mix::Unfiltered;
        }
        let order = if rng.random::<bool>() {
            pb::SortOrder::Descending
        } else {
            pb::SortOrder::Ascending
        } as i32;
        let mut expected = None;
        let filter = match mix {
            Mix::Unfiltered | Mix::CursorResume => None,
            Mix::Entity => {
                let (id, resolved) = &choices.entities[rng.random_range(0..choices.entities.len())];
                expected = Some(pb::TimelineFilter {
                    entity_ids: vec![resolved.clone()],
                    ..Default::default()
                });
                Some(pb::TimelineFilter {
                    entity_ids: vec![id.clone()],
                    ..Default::default()
                })
            }
            Mix::KindAndDates => {
                let year = choices.years[rng.random_range(0..choices.years.len())];
                let kind =
                    rng.random_range(pb::EventKind::Visit as i32..=pb::EventKind::Other as i32);
                Some(pb::TimelineFilter {
                    from: Some(pb::CalendarDate {
                        year,
                        month: rng.random_range(0..=12),
                        day: 0,
                    }),
                    to: Some(pb::CalendarDate {
                        year: year + rng.random_range(0..=2),
                        month: 0,
                        day: 0,
                    }),
                    kinds: vec![kind],
                    ..Default::default()
                })
            }
        };
        let max_results = match mix {
            Mix::CursorResume => rng.random_range(20..=300),
            _ => rng.random_range(1..=MAX_PAGE),
        };
        let request = pb::StreamTimelineRequest {
            filter,
            order,
            max_results,
            cursor: String::new(),
        };
        let started = Instant::now();
        let Some(items) = read_timeline(&mut client, request.clone(), &tally).await else {
            continue;
        };
        let expected = expected.as_ref().or(request.filter.as_ref());
        let last = check_timeline(&items, &request, expected, None, &tally, mix);
        let mut total = items.len() as u64;
        if mix == Mix::CursorResume
            && let Some(cursor) = items.last().map(|item| item.cursor.clone())
        {
            let resumed = pb::StreamTimelineRequest { cursor, ..request };
            let Some(more) = read_timeline(&mut client, resumed.clone(), &tally).await else {
                continue;
            };
            check_timeline(&more, &resumed, None, last, &tally, mix);
            total += more.len() as u64;
        }
        let entry = counts.entry(mix).or_default();
        entry.calls += 1;
        entry.items += total;
        entry.latencies.push(started.elapsed());
    }
    counts
}

/// Ids one watcher has received, shared with the end check.
#[derive(Default)]
struct Seen {
    ids: Mutex<HashSet<u64>>,
}

/// What one watcher saw over the run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WatcherSummary {
    pub caught_up_ms: Option<f64>,
    pub replayed: u64,
    pub live: u64,
    pub backdated: u64,
    pub heartbeats: u64,
    /// The longest wait between live events while events were being published.
    pub max_live_gap_ms: f64,
    /// Stored events it never received (filled in by the end check).
    pub missing: u64,
    /// Events it received that the store does not hold at the end.
    pub unknown: u64,
    pub ended: String,
}

/// One watcher from the start of the timeline; stays connected until told to stop.
async fn watcher(
    mut client: QueryServiceClient<Channel>,
    seen: Arc<Seen>,
    caught_up: tokio::sync::mpsc::Sender<()>,
    load_running: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
    tally: Arc<Tally>,
) -> WatcherSummary {
    let mut summary = WatcherSummary::default();
    let request = pb::WatchTimelineRequest {
        heartbeat_interval_ms: 1_000,
        ..Default::default()
    };
    let started = Instant::now();
    let mut stream = match client.watch_timeline(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tally.failed("WatchTimeline", &status);
            summary.ended = format!("refused: {:?}", status.code());
            return summary;
        }
    };
    let mut last_live: Option<Instant> = None;
    summary.ended = loop {
        let message = tokio::select! {
            _ = stop.changed() => {
                // The client leaving is how a watch ends; it counts as a whole, OK call.
                tally.ok("WatchTimeline");
                break "stopped by the soak".to_string();
            }
            message = stream.message() => message,
        };
        let update = match message {
            Ok(Some(message)) => message.update,
            Ok(None) => {
                tally.problem(
                    "watch ended on its own",
                    "WatchTimeline ended with OK, which it never should".to_string(),
                );
                tally.ok("WatchTimeline");
                break "ended by the server".to_string();
            }
            Err(status) => {
                tally.failed("WatchTimeline", &status);
                break format!("ended with {:?}", status.code());
            }
        };
        match update {
            Some(Update::CaughtUp(_)) => {
                if summary.caught_up_ms.is_none() {
                    summary.caught_up_ms = Some(started.elapsed().as_secs_f64() * 1e3);
                    last_live = Some(Instant::now());
                    let _ = caught_up.send(()).await;
                }
            }
            Some(Update::Heartbeat(_)) => summary.heartbeats += 1,
            Some(Update::Event(watched)) => {
                let Some(event) = watched.event else {
                    tally.problem(
                        "watch item without event",
                        "a WatchedEvent without an event".to_string(),
                    );
                    continue;
                };
                let Some(number) = event_number(&event.id) else {
                    tally.problem(
                        "malformed event id",
                        format!("watch delivered {:?}", event.id),
                    );
                    continue;
                };
                seen.ids.lock().expect("seen lock").insert(number);
                if watched.backdated {
                    summary.backdated += 1;
                }
                if watched.replayed {
                    summary.replayed += 1;
                } else {
                    summary.live += 1;
                    let now = Instant::now();
                    if load_running.load(Ordering::Relaxed)
                        && let Some(previous) = last_live
                    {
                        let gap = now.duration_since(previous).as_secs_f64() * 1e3;
                        summary.max_live_gap_ms = summary.max_live_gap_ms.max(gap);
                    }
                    last_live = Some(now);
                }
            }
            None => tally.problem(
                "watch message without update",
                "an empty WatchTimelineResponse".to_string(),
            ),
        }
    };
    summary
}

/// What the direct publisher sent and got acknowledged.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PublishSummary {
    pub preload_events: u64,
    pub batches: u64,
    pub acknowledged_batches: u64,
    pub articles: u64,
    pub events: u64,
    pub events_per_second: f64,
    #[serde(skip)]
    pub acknowledged_ids: Vec<u64>,
}

/// Batches sent and not yet acknowledged: sequence number and event ids, oldest first.
type PendingBatches = Mutex<std::collections::VecDeque<(u64, Vec<u64>)>>;

/// Sends `batches` on one `Publish` stream as they come from `batches_rx` and checks each
/// acknowledgement: in order, not a duplicate, every event upserted. Returns the ids of the
/// acknowledged events and the number of acknowledged batches.
async fn publish_stream(
    channel: Channel,
    mut batches_rx: tokio::sync::mpsc::Receiver<pb::PublishRequest>,
    tally: Arc<Tally>,
) -> anyhow::Result<(Vec<u64>, u64)> {
    let pending: Arc<PendingBatches> = Arc::default();
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::PublishRequest>(16);
    let forward = {
        let pending = pending.clone();
        tokio::spawn(async move {
            while let Some(batch) = batches_rx.recv().await {
                let ids = batch
                    .events
                    .iter()
                    .filter_map(|e| event_number(&e.id))
                    .collect();
                pending
                    .lock()
                    .expect("pending lock")
                    .push_back((batch.sequence, ids));
                if tx.send(batch).await.is_err() {
                    break;
                }
            }
        })
    };
    let mut sink = RecordSinkServiceClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let mut acks = match sink.publish(ReceiverStream::new(rx)).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tally.failed("Publish", &status);
            bail!("opening the Publish stream: {status}");
        }
    };
    let mut acknowledged = Vec::new();
    let mut batches = 0u64;
    loop {
        match acks.message().await {
            Ok(Some(ack)) => {
                let Some((sequence, ids)) = pending.lock().expect("pending lock").pop_front()
                else {
                    tally.problem(
                        "publish ack without batch",
                        format!(
                            "an acknowledgement of {} with no batch pending",
                            ack.sequence
                        ),
                    );
                    continue;
                };
                if ack.sequence != sequence || ack.duplicate {
                    tally.problem(
                        "publish ack out of order",
                        format!(
                            "batch {sequence} acknowledged as {} (duplicate: {})",
                            ack.sequence, ack.duplicate
                        ),
                    );
                }
                if ack.events_upserted as usize != ids.len() {
                    tally.problem(
                        "publish ack count",
                        format!(
                            "batch {sequence}: {} events sent, {} upserted",
                            ids.len(),
                            ack.events_upserted
                        ),
                    );
                }
                batches += 1;
                acknowledged.extend(ids);
            }
            Ok(None) => {
                tally.ok("Publish");
                break;
            }
            Err(status) => {
                tally.failed("Publish", &status);
                break;
            }
        }
    }
    forward.await?;
    Ok((acknowledged, batches))
}

/// Publishes `events` synthetic events at once (the store the watchers replay).
async fn preload(
    channel: Channel,
    universe: Arc<Universe>,
    seed: u64,
    events: u64,
    tally: Arc<Tally>,
) -> anyhow::Result<(Vec<u64>, Vec<String>)> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let sender = tokio::spawn(async move {
        let mut generator = Generator::new(universe, seed, IdScheme::Hashed);
        let mut sequence = 0;
        let mut entity_ids = Vec::new();
        loop {
            let mut batch = generator.next_batch(1_000, events);
            if batch.events.is_empty() {
                break;
            }
            sequence += 1;
            batch.producer_id = "newsline-bench-soak-preload".to_string();
            batch.sequence = sequence;
            entity_ids.extend(batch.entities.iter().map(|e| e.id.clone()));
            if tx.send(batch).await.is_err() {
                break;
            }
        }
        entity_ids
    });
    let (ids, _) = publish_stream(channel, rx, tally).await?;
    let entity_ids = sender.await?;
    if ids.len() as u64 != events {
        bail!(
            "preload: {events} events sent but {} acknowledged",
            ids.len()
        );
    }
    Ok((ids, entity_ids))
}

/// Looks up (at most `limit` of) the given stored entities: each id with the id it resolves to.
async fn resolve_entities(
    client: QueryServiceClient<Channel>,
    ids: Vec<String>,
    limit: usize,
    tally: Arc<Tally>,
) -> Vec<(String, String)> {
    futures::stream::iter(ids.into_iter().take(limit))
        .map(|id| {
            let mut client = client.clone();
            let tally = tally.clone();
            async move {
                match client
                    .get_entity(pb::GetEntityRequest { id: id.clone() })
                    .await
                {
                    Ok(answer) => {
                        tally.ok("GetEntity");
                        let resolved = answer.into_inner().entity.map(|e| e.id)?;
                        Some((id, resolved))
                    }
                    Err(status) => {
                        tally.failed("GetEntity", &status);
                        None
                    }
                }
            }
        })
        .buffer_unordered(ARTICLE_CHECKS_IN_FLIGHT)
        .filter_map(|pair| async move { pair })
        .collect()
        .await
}

/// Publishes synthetic batches at `rate` events per second until the deadline.
async fn publisher(
    channel: Channel,
    universe: Arc<Universe>,
    seed: u64,
    rate: u64,
    deadline: tokio::time::Instant,
    tally: Arc<Tally>,
) -> anyhow::Result<PublishSummary> {
    let per_tick = ((rate as f64) * PUBLISH_TICK.as_secs_f64()).ceil().max(1.0) as usize;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        let mut generator = Generator::new(universe, seed, IdScheme::Hashed);
        let mut ticks = tokio::time::interval(PUBLISH_TICK);
        // Late ticks are made up for, so that the volume is the rate's when the machine allows.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let (mut batches, mut articles) = (0u64, 0u64);
        loop {
            ticks.tick().await;
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            let mut batch = generator.next_batch(per_tick, u64::MAX);
            batches += 1;
            articles += batch.articles.len() as u64;
            batch.producer_id = "newsline-bench-soak".to_string();
            batch.sequence = batches;
            if tx.send(batch).await.is_err() {
                break;
            }
        }
        (batches, articles)
    });
    let (ids, acknowledged_batches) = publish_stream(channel, rx, tally).await?;
    let (batches, articles) = sender.await?;
    Ok(PublishSummary {
        preload_events: 0,
        batches,
        acknowledged_batches,
        articles,
        events: ids.len() as u64,
        events_per_second: ids.len() as f64 / started.elapsed().as_secs_f64(),
        acknowledged_ids: ids,
    })
}

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
    fn absorb(&mut self, other: IngestSummary) {
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
async fn ingester(
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

/// One reading of the services' memory and the store's size.
#[derive(Clone, Debug, Serialize)]
pub struct MemorySample {
    pub seconds: f64,
    pub phase: &'static str,
    pub query_rss: u64,
    pub ingest_rss: u64,
    pub stored_events: u64,
    pub stored_articles: u64,
    pub approx_memory_bytes: u64,
}

/// The part of the run a sample was taken in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Warmup,
    Load,
    /// Readers and watchers only: the store no longer grows, so neither may memory.
    Quiet,
    Check,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Warmup => "warmup",
            Phase::Load => "load",
            Phase::Quiet => "quiet",
            Phase::Check => "check",
        }
    }
}

/// Samples every second until told to stop.
async fn sampler(
    query_pid: u32,
    ingest_pid: u32,
    mut client: QueryServiceClient<Channel>,
    mut phase: watch::Receiver<Option<Phase>>,
    tally: Arc<Tally>,
) -> Vec<MemorySample> {
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            changed = phase.changed() => {
                if changed.is_err() || phase.borrow().is_none() {
                    break;
                }
                continue;
            }
        }
        let Some(current) = *phase.borrow() else {
            break;
        };
        let stats = match client.get_stats(pb::GetStatsRequest {}).await {
            Ok(stats) => {
                tally.ok("GetStats");
                stats.into_inner()
            }
            Err(status) => {
                tally.failed("GetStats", &status);
                continue;
            }
        };
        samples.push(MemorySample {
            seconds: started.elapsed().as_secs_f64(),
            phase: current.name(),
            query_rss: procs::rss_bytes(query_pid).unwrap_or(0),
            ingest_rss: procs::rss_bytes(ingest_pid).unwrap_or(0),
            stored_events: stats.events,
            stored_articles: stats.articles,
            approx_memory_bytes: stats.approx_memory_bytes,
        });
    }
    samples
}

/// Start, peak and end of one process's resident memory over the load, and the verdict.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RssSummary {
    pub start: u64,
    pub peak: u64,
    pub end_of_load: u64,
    pub after_check: u64,
    /// How much of the growth the store accounts for (the query service's `approx_memory_bytes`;
    /// nothing for the ingest service, which keeps nothing per document).
    pub explained_growth: i64,
    pub allowed_growth: u64,
    /// Resident bytes gained per stored event over the load (query service).
    pub growth_per_stored_event: f64,
    /// The change over the reading-only phase (from the end of the load to its last sample).
    pub quiet_growth: i64,
    pub bounded: bool,
}

/// The memory verdicts from the samples: over the load, the query service may grow by what its
/// store accounts for (`GetStats.approx_memory_bytes`) times a slack factor plus a fixed slack;
/// the ingest service, which keeps nothing per document, by a fixed slack over its size after
/// the first fifth of the load. While only read (the quiet phase), when the store no longer
/// grows, neither may gain more than allocator noise; nor by the end of the check.
pub fn memory_verdict(samples: &[MemorySample]) -> (RssSummary, RssSummary) {
    let load: Vec<&MemorySample> = samples.iter().filter(|s| s.phase == "load").collect();
    let (Some(first), Some(last)) = (load.first(), load.last()) else {
        return (RssSummary::default(), RssSummary::default());
    };
    let after = samples.last().unwrap_or(last);
    let quiet_end = samples.iter().rfind(|s| s.phase == "quiet");
    let quiet_growth = |rss: fn(&MemorySample) -> u64| -> i64 {
        quiet_end.map_or(0, |end| rss(end) as i64 - rss(last) as i64)
    };
    let quiet_query = quiet_growth(|s| s.query_rss);
    let quiet_ingest = quiet_growth(|s| s.ingest_rss);
    let store_growth = last.approx_memory_bytes as i64 - first.approx_memory_bytes as i64;
    let query_allowed =
        (store_growth.max(0) as f64 * QUERY_RSS_PER_STORE_BYTE) as u64 + QUERY_RSS_SLACK;
    let query_peak = samples.iter().map(|s| s.query_rss).max().unwrap_or(0);
    let query_growth = last.query_rss.saturating_sub(first.query_rss);
    let query_after = after.query_rss.saturating_sub(first.query_rss);
    let query = RssSummary {
        start: first.query_rss,
        peak: query_peak,
        end_of_load: last.query_rss,
        after_check: after.query_rss,
        explained_growth: store_growth,
        allowed_growth: query_allowed,
        growth_per_stored_event: query_growth as f64
            / last
                .stored_events
                .saturating_sub(first.stored_events)
                .max(1) as f64,
        quiet_growth: quiet_query,
        bounded: query_growth <= query_allowed
            && query_after <= query_allowed
            && quiet_query <= QUIET_RSS_SLACK as i64,
    };
    let warm = load[load.len() / 5];
    let ingest_peak = samples.iter().map(|s| s.ingest_rss).max().unwrap_or(0);
    let ingest = RssSummary {
        start: first.ingest_rss,
        peak: ingest_peak,
        end_of_load: last.ingest_rss,
        after_check: after.ingest_rss,
        explained_growth: 0,
        allowed_growth: INGEST_RSS_SLACK,
        growth_per_stored_event: 0.0,
        quiet_growth: quiet_ingest,
        bounded: last.ingest_rss.saturating_sub(warm.ingest_rss) <= INGEST_RSS_SLACK
            && after.ingest_rss.saturating_sub(warm.ingest_rss) <= INGEST_RSS_SLACK
            && quiet_ingest <= QUIET_RSS_SLACK as i64,
    };
    (query, ingest)
}

/// The end check: is every published record readable, and nothing else stored?
#[derive(Clone, Debug, Default, Serialize)]
pub struct EndCheck {
    /// False when the store could not be read at the end (the other figures are then empty).
    pub ran: bool,
    pub stats_events: u64,
    pub stats_articles: u64,
    pub timeline_events: u64,
    pub published_events: u64,
    pub published_missing: u64,
    pub ingested_articles: u64,
    pub ingested_articles_missing: u64,
    pub ingested_events: u64,
    pub ingested_events_missing: u64,
    /// Stored events neither published nor found in an ingested article.
    pub unexplained_events: u64,
    pub watchers_complete: usize,
    pub watch_wait_seconds: f64,
    pub passed: bool,
}

/// Reads the whole timeline and every ingested article; returns the check and the ids stored.
async fn end_check(
    mut client: QueryServiceClient<Channel>,
    published: &[u64],
    ingested_articles: &HashSet<String>,
    tally: Arc<Tally>,
) -> anyhow::Result<(EndCheck, Arc<HashSet<u64>>)> {
    let mut check = EndCheck {
        ran: true,
        ..EndCheck::default()
    };
    let stats = match client.get_stats(pb::GetStatsRequest {}).await {
        Ok(stats) => {
            tally.ok("GetStats");
            stats.into_inner()
        }
        Err(status) => {
            tally.failed("GetStats", &status);
            bail!("GetStats failed at the end: {status}");
        }
    };
    check.stats_events = stats.events;
    check.stats_articles = stats.articles;
    let request = pb::StreamTimelineRequest::default();
    let items = read_timeline(&mut client, request.clone(), &tally)
        .await
        .context("reading the whole timeline at the end failed")?;
    check_timeline(&items, &request, None, None, &tally, Mix::Unfiltered);
    let stored: HashSet<u64> = items
        .iter()
        .filter_map(|item| item.event.as_ref())
        .filter_map(|event| event_number(&event.id))
        .collect();
    drop(items);
    check.timeline_events = stored.len() as u64;
    check.published_events = published.len() as u64;
    check.published_missing = published.iter().filter(|id| !stored.contains(id)).count() as u64;

    let lookups = futures::stream::iter(ingested_articles.iter().cloned())
        .map(|id| {
            let mut client = client.clone();
            async move {
                let answer = client
                    .get_article(pb::GetArticleRequest { id: id.clone() })
                    .await;
                (id, answer)
            }
        })
        .buffer_unordered(ARTICLE_CHECKS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut ingested_events: HashSet<u64> = HashSet::new();
    for (id, answer) in lookups {
        match answer {
            Ok(answer) => {
                tally.ok("GetArticle");
                check.ingested_articles += 1;
                for event_id in answer.into_inner().event_ids {
                    match event_number(&event_id) {
                        Some(number) => {
                            ingested_events.insert(number);
                        }
                        None => {
                            tally.problem("malformed event id", format!("{id} lists {event_id:?}"))
                        }
                    }
                }
            }
            Err(status) => {
                check.ingested_articles_missing += 1;
                tally.failed("GetArticle", &status);
            }
        }
    }
    check.ingested_events = ingested_events.len() as u64;
    check.ingested_events_missing = ingested_events
        .iter()
        .filter(|id| !stored.contains(id))
        .count() as u64;
    let published: HashSet<u64> = published.iter().copied().collect();
    check.unexplained_events = stored
        .iter()
        .filter(|id| !published.contains(id) && !ingested_events.contains(id))
        .count() as u64;
    for (what, count) in [
        ("published event not readable", check.published_missing),
        (
            "ingested article not readable",
            check.ingested_articles_missing,
        ),
        ("ingested event not readable", check.ingested_events_missing),
        ("stored event nobody published", check.unexplained_events),
    ] {
        if count > 0 {
            tally.problem(what, format!("{count} × {what}"));
        }
    }
    if check.timeline_events != check.stats_events {
        tally.problem(
            "timeline and stats disagree",
            format!(
                "the whole timeline has {} events, GetStats says {}",
                check.timeline_events, check.stats_events
            ),
        );
    }
    Ok((check, Arc::new(stored)))
}

/// Waits until every watcher has seen every stored event (or the patience runs out), then
/// counts what each one missed and what it saw that is not stored.
async fn watchers_check(
    seen: &[Arc<Seen>],
    stored: &HashSet<u64>,
    summaries: &mut [WatcherSummary],
) -> (usize, f64) {
    let started = Instant::now();
    let missing_of = |seen: &Seen| -> u64 {
        let ids = seen.ids.lock().expect("seen lock");
        stored.iter().filter(|id| !ids.contains(id)).count() as u64
    };
    loop {
        let complete = seen.iter().filter(|s| missing_of(s) == 0).count();
        if complete == seen.len() || started.elapsed() > WATCH_PATIENCE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut complete = 0;
    for (seen, summary) in seen.iter().zip(summaries.iter_mut()) {
        summary.missing = missing_of(seen);
        summary.unknown = seen
            .ids
            .lock()
            .expect("seen lock")
            .iter()
            .filter(|id| !stored.contains(id))
            .count() as u64;
        if summary.missing == 0 {
            complete += 1;
        }
    }
    (complete, started.elapsed().as_secs_f64())
}

/// Everything the soak measured and checked.
#[derive(Clone, Debug, Serialize)]
pub struct SoakReport {
    pub started_utc: String,
    pub finished_utc: String,
    pub settings: SoakArgs,
    pub machine_load_at_start: String,
    pub machine_load_at_end: String,
    pub compilers_at_start: usize,
    pub compilers_at_end: usize,
    pub load_seconds: f64,
    /// Calls per RPC and status code ("IngestDocuments (document)": per-document answers).
    pub calls: BTreeMap<String, BTreeMap<String, u64>>,
    pub non_ok_calls: u64,
    pub timelines: Vec<MixSummary>,
    pub watchers: Vec<WatcherSummary>,
    pub publish: PublishSummary,
    pub ingest: IngestSummary,
    pub query_rss: RssSummary,
    pub ingest_rss: RssSummary,
    pub memory: Vec<MemorySample>,
    pub end_check: EndCheck,
    pub problems: Problems,
    /// Why the soak failed; empty when it passed.
    pub failures: Vec<String>,
    pub passed: bool,
}

/// Runs the soak and writes `soak.json` and `soak.md` to the out dir. The report says whether
/// it passed; an error means the soak could not run at all.
pub async fn run(args: SoakArgs) -> anyhow::Result<SoakReport> {
    let bin_dir = args.bin_dir();
    let out_dir = args.out_dir.clone();
    let log_dir = out_dir.join("logs");
    let spool_dir = out_dir.join("soak-spool");
    let _ = std::fs::remove_dir_all(&spool_dir);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let profile = CorpusProfile::load(&args.corpus_dir, &args.seeds_dir, &args.gazetteer_dir)?;
    let pages = Arc::new(read_pages(&profile.documents)?);
    let expected_events = args.preload
        + (args.publish_rate as f64 * args.seconds) as u64
        + (args.ingest_rate * args.seconds * 6.0) as u64;
    let universe = Arc::new(Universe::build(
        &profile,
        entities_for(expected_events),
        args.seed,
    ));
    let years = {
        let mut years: Vec<i32> = profile.years.iter().map(|&(y, _)| i32::from(y)).collect();
        if years.is_empty() {
            years.push(2015);
        }
        years
    };

    let started_utc = report::command_line("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"]);
    let machine_load_at_start = report::load_average();
    let compilers_at_start = report::compilers_running();
    let tally = Arc::new(Tally::default());

    let (query, query_channel) = procs::start_query_service(&bin_dir, &log_dir).await?;
    let (ingest, ingest_channel) =
        procs::start_ingest_service(&bin_dir, &log_dir, &query.url(), &spool_dir).await?;
    let (phase_tx, phase_rx) = watch::channel(Some(Phase::Warmup));
    let sampler_task = tokio::spawn(sampler(
        query.pid(),
        ingest.pid(),
        client(query_channel.clone()),
        phase_rx,
        tally.clone(),
    ));

    eprintln!("== soak: preloading {} events", args.preload);
    let (mut published, preloaded_entities) = if args.preload > 0 {
        preload(
            query_channel.clone(),
            universe.clone(),
            args.seed,
            args.preload,
            tally.clone(),
        )
        .await?
    } else {
        (Vec::new(), Vec::new())
    };
    let choices = Arc::new(Choices {
        entities: resolve_entities(
            client(query_channel.clone()),
            preloaded_entities,
            ENTITY_CHOICES,
            tally.clone(),
        )
        .await,
        years,
    });
    let merged = choices.entities.iter().filter(|(id, to)| id != to).count();
    eprintln!(
        "   {} entities to filter by, {merged} of them merged into another by alias",
        choices.entities.len()
    );

    eprintln!("== soak: {} watchers catching up", args.watchers);
    let load_running = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (caught_up_tx, mut caught_up_rx) = tokio::sync::mpsc::channel(args.watchers.max(1));
    let mut seen = Vec::new();
    let mut watcher_tasks = Vec::new();
    for _ in 0..args.watchers {
        let state = Arc::new(Seen::default());
        seen.push(state.clone());
        watcher_tasks.push(tokio::spawn(watcher(
            client(procs::connect(&query.url()).await?),
            state,
            caught_up_tx.clone(),
            load_running.clone(),
            stop_rx.clone(),
            tally.clone(),
        )));
    }
    drop(caught_up_tx);
    for _ in 0..args.watchers {
        match tokio::time::timeout(WATCH_PATIENCE, caught_up_rx.recv()).await {
            Ok(Some(())) => {}
            Ok(None) => bail!("a watcher ended before catching up (see the problems)"),
            Err(_) => bail!("watchers did not catch up within {WATCH_PATIENCE:?}"),
        }
    }

    let mut timeline_clients = Vec::new();
    for _ in 0..args.streams {
        timeline_clients.push(client(procs::connect(&query.url()).await?));
    }
    eprintln!(
        "== soak: {} s of load: {} timeline clients, {} watchers, {} documents/s ingested, {} events/s published",
        args.seconds, args.streams, args.watchers, args.ingest_rate, args.publish_rate
    );
    let load_started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(args.seconds);
    load_running.store(true, Ordering::Relaxed);
    let _ = phase_tx.send(Some(Phase::Load));
    let readers_deadline = deadline + Duration::from_secs_f64(args.quiet_seconds);
    let mut stream_tasks = Vec::new();
    for (index, connection) in timeline_clients.into_iter().enumerate() {
        stream_tasks.push(tokio::spawn(timeline_client(
            index,
            connection,
            choices.clone(),
            args.seed,
            readers_deadline,
            tally.clone(),
        )));
    }
    let publish_task = (args.publish_rate > 0).then(|| {
        tokio::spawn(publisher(
            query_channel.clone(),
            universe.clone(),
            args.seed.wrapping_add(1),
            args.publish_rate,
            deadline,
            tally.clone(),
        ))
    });
    let lanes = INGEST_STREAMS;
    let ingest_tasks: Vec<_> = (0..lanes)
        .filter(|_| args.ingest_rate > 0.0)
        .map(|lane| {
            tokio::spawn(ingester(
                ingest_channel.clone(),
                pages.clone(),
                args.ingest_rate / lanes as f64,
                (lane, lanes),
                deadline,
                tally.clone(),
            ))
        })
        .collect();

    let mut publish = match publish_task {
        Some(task) => task.await??,
        None => PublishSummary::default(),
    };
    let mut ingest_summary = IngestSummary::default();
    for task in ingest_tasks {
        ingest_summary.absorb(task.await??);
    }
    load_running.store(false, Ordering::Relaxed);
    let load_seconds = load_started.elapsed().as_secs_f64();
    if args.quiet_seconds > 0.0 {
        eprintln!(
            "== soak: {} s of reading only (the store no longer grows)",
            args.quiet_seconds
        );
        let _ = phase_tx.send(Some(Phase::Quiet));
    }
    let mut mixes: BTreeMap<Mix, MixCounts> = BTreeMap::new();
    for task in stream_tasks {
        for (mix, counts) in task.await? {
            let entry = mixes.entry(mix).or_default();
            entry.calls += counts.calls;
            entry.items += counts.items;
            entry.latencies.extend(counts.latencies);
        }
    }
    let _ = phase_tx.send(Some(Phase::Check));
    publish.preload_events = published.len() as u64;
    published.extend(publish.acknowledged_ids.iter().copied());

    eprintln!("== soak: end check");
    // A service that died under the load makes the end check impossible: that is a failed soak
    // with its figures written, not a harness error.
    let (mut end, stored) = match end_check(
        client(query_channel.clone()),
        &published,
        &ingest_summary.article_ids,
        tally.clone(),
    )
    .await
    {
        Ok(done) => done,
        Err(error) => {
            tally.problem("end check could not run", format!("{error:#}"));
            (EndCheck::default(), Arc::new(HashSet::new()))
        }
    };
    let mut watchers: Vec<WatcherSummary> = vec![WatcherSummary::default(); seen.len()];
    let (complete, waited) = watchers_check(&seen, &stored, &mut watchers).await;
    end.watchers_complete = complete;
    end.watch_wait_seconds = waited;
    // A last sample with the store settled, then stop the sampler and the watchers.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let _ = phase_tx.send(None);
    let memory = sampler_task.await?;
    let _ = stop_tx.send(true);
    for (task, summary) in watcher_tasks.into_iter().zip(watchers.iter_mut()) {
        let outcome = task.await?;
        *summary = WatcherSummary {
            missing: summary.missing,
            unknown: summary.unknown,
            ..outcome
        };
    }
    drop(ingest);
    drop(query);
    let _ = std::fs::remove_dir_all(&spool_dir);

    let (query_rss, ingest_rss) = memory_verdict(&memory);
    let calls = tally.calls();
    let non_ok_calls = non_ok(&calls);
    let mut failures = Vec::new();
    if non_ok_calls > 0 {
        failures.push(format!("{non_ok_calls} calls did not end OK"));
    }
    let problems = tally.problems();
    let check_problems: u64 = problems.counts.values().sum();
    if check_problems > 0 {
        failures.push(format!(
            "{check_problems} problems: {}",
            problems
                .counts
                .iter()
                .map(|(kind, count)| format!("{kind} ×{count}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !query_rss.bounded {
        failures.push(format!(
            "query-service RSS grew from {} to {} MiB ({} MiB after the check), more than its store explains (allowed growth {} MiB)",
            mib(query_rss.start),
            mib(query_rss.end_of_load),
            mib(query_rss.after_check),
            mib(query_rss.allowed_growth)
        ));
    }
    if !ingest_rss.bounded {
        failures.push(format!(
            "ingest-service RSS grew from {} to {} MiB ({} MiB after the check) though it keeps nothing per document",
            mib(ingest_rss.start),
            mib(ingest_rss.end_of_load),
            mib(ingest_rss.after_check)
        ));
    }
    if memory.iter().filter(|s| s.phase == "load").count() < 2 {
        failures.push("fewer than two memory samples during the load".to_string());
    }
    for (index, watcher) in watchers.iter().enumerate() {
        if watcher.caught_up_ms.is_none() {
            failures.push(format!("watcher {index} never caught up"));
        }
        if (args.publish_rate > 0 || args.ingest_rate > 0.0) && watcher.live == 0 {
            failures.push(format!("watcher {index} received no live event"));
        }
        if watcher.max_live_gap_ms > MAX_LIVE_GAP.as_secs_f64() * 1e3 {
            failures.push(format!(
                "watcher {index} went {:.1} s without a live event during the load",
                watcher.max_live_gap_ms / 1e3
            ));
        }
    }
    if end.watchers_complete != watchers.len() {
        failures.push(format!(
            "{} of {} watchers missed stored events (after waiting {:.1} s)",
            watchers.len() - end.watchers_complete,
            watchers.len(),
            end.watch_wait_seconds
        ));
    }
    end.passed = end.ran
        && end.published_missing == 0
        && end.ingested_articles_missing == 0
        && end.ingested_events_missing == 0
        && end.unexplained_events == 0
        && end.timeline_events == end.stats_events
        && end.watchers_complete == watchers.len();
    let timelines = mixes
        .into_iter()
        .map(|(mix, mut counts)| MixSummary {
            mix,
            calls: counts.calls,
            items: counts.items,
            latency: Percentiles::of(&mut counts.latencies),
        })
        .collect();
    let report = SoakReport {
        started_utc,
        finished_utc: report::command_line("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"]),
        settings: args,
        machine_load_at_start,
        machine_load_at_end: report::load_average(),
        compilers_at_start,
        compilers_at_end: report::compilers_running(),
        load_seconds,
        calls,
        non_ok_calls,
        timelines,
        watchers,
        publish,
        ingest: ingest_summary,
        query_rss,
        ingest_rss,
        memory,
        end_check: end,
        problems,
        passed: failures.is_empty(),
        failures,
    };
    report.write(&out_dir)?;
    Ok(report)
}

fn read_pages(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
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

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}

impl SoakReport {
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let json = dir.join("soak.json");
        std::fs::write(&json, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("writing {}", json.display()))?;
        let markdown = dir.join("soak.md");
        std::fs::write(&markdown, self.markdown())
            .with_context(|| format!("writing {}", markdown.display()))?;
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(
            out,
            "# Soak: {}\n",
            if self.passed { "PASSED" } else { "FAILED" }
        );
        let _ = writeln!(
            out,
            "{} to {}; {:.1} s of load, then {} s of reading only: {} timeline clients, {} watchers, {} documents/s through `IngestDocuments`, {} events/s through `Publish` (after {} preloaded). Machine load (1/5/15 min) {} at the start, {} at the end; other rustc/cargo processes: {} / {}.\n",
            self.started_utc,
            self.finished_utc,
            self.load_seconds,
            s.quiet_seconds,
            s.streams,
            s.watchers,
            s.ingest_rate,
            s.publish_rate,
            self.publish.preload_events,
            self.machine_load_at_start,
            self.machine_load_at_end,
            self.compilers_at_start,
            self.compilers_at_end
        );
        if !self.failures.is_empty() {
            let _ = writeln!(out, "Failures:\n");
            for failure in &self.failures {
                let _ = writeln!(out, "- {failure}");
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "| RPC | calls by status |\n| --- | --- |");
        for (rpc, codes) in &self.calls {
            let codes = codes
                .iter()
                .map(|(code, count)| format!("{code} {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "| {rpc} | {codes} |");
        }
        let _ = writeln!(
            out,
            "\n| timeline call | calls | items | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |"
        );
        for mix in &self.timelines {
            let _ = writeln!(
                out,
                "| {:?} | {} | {} | {:.1} | {:.1} |",
                mix.mix,
                mix.calls,
                mix.items,
                mix.latency.p50_us / 1e3,
                mix.latency.p99_us / 1e3
            );
        }
        let live: u64 = self.watchers.iter().map(|w| w.live).sum();
        let replayed: u64 = self.watchers.iter().map(|w| w.replayed).sum();
        let gap = self
            .watchers
            .iter()
            .map(|w| w.max_live_gap_ms)
            .fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "\nPublished: {} batches, {} events ({:.0}/s) acknowledged. Ingested: {} documents answered ({:.1}/s), {} articles ({} distinct), {} events, {} rejected, {} spooled.\n",
            self.publish.acknowledged_batches,
            self.publish.events,
            self.publish.events_per_second,
            self.ingest.documents_answered,
            self.ingest.documents_per_second,
            self.ingest.articles,
            self.ingest.distinct_articles,
            self.ingest.events,
            self.ingest.rejected,
            self.ingest.spooled
        );
        let e = &self.end_check;
        let _ = writeln!(
            out,
            "Watchers: {} replayed and {} live deliveries in all; longest wait between live events {:.0} ms.\n",
            replayed, live, gap,
        );
        if !e.ran {
            let _ = writeln!(
                out,
                "End check: could not run (the store was not readable; see the problems).\n"
            );
        } else {
            let _ = writeln!(
                out,
                "End check: {} stored events (GetStats {}), the whole timeline read and checked; {} published, {} missing; {} ingested articles read back, {} missing, their {} events, {} missing; {} stored events unexplained; {} of {} watchers saw every stored event.\n",
                e.timeline_events,
                e.stats_events,
                e.published_events,
                e.published_missing,
                e.ingested_articles,
                e.ingested_articles_missing,
                e.ingested_events,
                e.ingested_events_missing,
                e.unexplained_events,
                e.watchers_complete,
                self.watchers.len()
            );
        }
        let _ = writeln!(
            out,
            "| RSS (MiB) | start of load | peak | end of load | change while only read | after the check | store growth (approx_memory_bytes) | allowed growth | bytes per stored event |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for (name, rss) in [
            ("query-service", &self.query_rss),
            ("ingest-service", &self.ingest_rss),
        ] {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {:+.1} | {} | {:.1} | {} | {:.0} |",
                mib(rss.start),
                mib(rss.peak),
                mib(rss.end_of_load),
                rss.quiet_growth as f64 / (1u64 << 20) as f64,
                mib(rss.after_check),
                rss.explained_growth as f64 / (1u64 << 20) as f64,
                mib(rss.allowed_growth),
                rss.growth_per_stored_event
            );
        }
        if !self.problems.examples.is_empty() {
            let _ = writeln!(out, "\nFirst problems:\n");
            for example in &self.problems.examples {
                let _ = writeln!(out, "- {example}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64, start: (i32, i32, i32), end: Option<(i32, i32, i32)>) -> pb::Event {
        let date = |(year, month, day)| pb::CalendarDate { year, month, day };
        pb::Event {
            id: format!("event:{id:016x}"),
            kind: pb::EventKind::Visit as i32,
            when: Some(pb::DateRange {
                start: Some(date(start)),
                end: end.map(date),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn timeline_order_is_start_then_end_then_id_with_unknown_parts_first() {
        let ordered = [
            event(9, (0, 0, 0), None),
            event(1, (0, 5, 0), None),
            event(5, (2014, 0, 0), None),
            event(4, (2014, 3, 0), None),
            event(2, (2014, 3, 1), None),
            event(3, (2014, 3, 1), Some((2014, 3, 2))),
            event(7, (2014, 3, 1), Some((2014, 3, 2))),
            event(8, (2015, 1, 1), Some((2015, 1, 1))),
        ];
        let mut ascending = OrderCheck::new(false, None);
        for e in &ordered {
            ascending.next(e).expect("in order");
        }
        let mut descending = OrderCheck::new(true, None);
        for e in ordered.iter().rev() {
            descending.next(e).expect("in reverse order");
        }
        let mut wrong = OrderCheck::new(false, None);
        wrong.next(&ordered[3]).expect("first");
        assert!(wrong.next(&ordered[2]).unwrap_err().contains("ascending"));
    }

    #[test]
    fn an_unset_end_sorts_as_the_start_and_repeats_are_caught() {
        let unset = event(3, (2014, 3, 1), None);
        let same = event(3, (2014, 3, 1), Some((2014, 3, 1)));
        assert_eq!(event_key(&unset), event_key(&same));
        let mut check = OrderCheck::new(false, None);
        check.next(&unset).expect("first");
        assert!(check.next(&same).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_resumed_stream_must_start_strictly_after_its_cursor() {
        let first = event(4, (2014, 3, 1), None);
        let after = event_key(&first).expect("key");
        let mut check = OrderCheck::new(false, Some(after));
        assert!(check.next(&first).is_err());
        let mut check = OrderCheck::new(true, Some(after));
        check
            .next(&event(3, (2014, 3, 1), None))
            .expect("before it, descending");
    }

    #[test]
    fn malformed_ids_are_named() {
        let mut bad = event(1, (2014, 1, 1), None);
        bad.id = "event:xyz".to_string();
        assert!(event_key(&bad).unwrap_err().contains("event:xyz"));
        assert_eq!(event_number("event:00000000000000ff"), Some(255));
        assert_eq!(event_number("article:00000000000000ff"), None);
        assert_eq!(event_number("event:ff"), None);
    }

    #[test]
    fn filters_are_checked_by_participant_or_location_kind_and_start_date() {
        let mut e = event(1, (2014, 6, 15), None);
        e.participants.push(pb::Participant {
            entity_id: "person:a".to_string(),
            ..Default::default()
        });
        e.location_id = "city:minsk".to_string();
        let entity = |id: &str| pb::TimelineFilter {
            entity_ids: vec![id.to_string()],
            ..Default::default()
        };
        assert_eq!(filter_mismatch(&entity("person:a"), &e), None);
        assert_eq!(filter_mismatch(&entity("city:minsk"), &e), None);
        assert!(filter_mismatch(&entity("person:b"), &e).is_some());
        let dates = |from: (i32, i32), to: i32| pb::TimelineFilter {
            from: Some(pb::CalendarDate {
                year: from.0,
                month: from.1,
                day: 0,
            }),
            to: Some(pb::CalendarDate {
                year: to,
                month: 0,
                day: 0,
            }),
            kinds: vec![pb::EventKind::Visit as i32],
            ..Default::default()
        };
        assert_eq!(filter_mismatch(&dates((2014, 0), 2014), &e), None);
        assert_eq!(filter_mismatch(&dates((2014, 6), 2014), &e), None);
        assert!(filter_mismatch(&dates((2014, 7), 2015), &e).is_some());
        assert!(filter_mismatch(&dates((2012, 0), 2013), &e).is_some());
        let mut other_kind = dates((2014, 0), 2014);
        other_kind.kinds = vec![pb::EventKind::Trade as i32];
        assert!(filter_mismatch(&other_kind, &e).is_some());
        let undated = pb::Event {
            when: None,
            ..e.clone()
        };
        assert!(filter_mismatch(&dates((2014, 0), 2014), &undated).is_some());
    }

    fn sample(phase: &'static str, query_rss: u64, ingest_rss: u64, approx: u64) -> MemorySample {
        MemorySample {
            seconds: 0.0,
            phase,
            query_rss,
            ingest_rss,
            stored_events: 0,
            stored_articles: 0,
            approx_memory_bytes: approx,
        }
    }

    #[test]
    fn memory_may_grow_with_the_store_but_not_without_it() {
        const MIB: u64 = 1 << 20;
        let with_store = [
            sample("warmup", 20 * MIB, 10 * MIB, 0),
            sample("load", 30 * MIB, 12 * MIB, 0),
            sample("load", 200 * MIB, 14 * MIB, 100 * MIB),
            sample("load", 300 * MIB, 14 * MIB, 200 * MIB),
            sample("check", 300 * MIB, 14 * MIB, 200 * MIB),
        ];
        let (query, ingest) = memory_verdict(&with_store);
        assert!(query.bounded && ingest.bounded);
        assert_eq!(
            (query.start, query.peak, query.end_of_load),
            (30 * MIB, 300 * MIB, 300 * MIB)
        );
        let without_store = [
            sample("load", 30 * MIB, 12 * MIB, 10 * MIB),
            sample("load", 200 * MIB, 100 * MIB, 10 * MIB),
            sample("load", 300 * MIB, 200 * MIB, 10 * MIB),
        ];
        let (query, ingest) = memory_verdict(&without_store);
        assert!(!query.bounded && !ingest.bounded);
        let growing_while_read = [
            sample("load", 30 * MIB, 12 * MIB, 0),
            sample("load", 40 * MIB, 12 * MIB, 0),
            sample("quiet", 40 * MIB, 30 * MIB, 0),
            sample("quiet", 40 * MIB, 40 * MIB, 0),
            sample("check", 40 * MIB, 12 * MIB, 0),
        ];
        let (query, ingest) = memory_verdict(&growing_while_read);
        assert!(query.bounded && !ingest.bounded);
        assert_eq!(ingest.quiet_growth, 28 * MIB as i64);
        let growing_after = [
            sample("load", 30 * MIB, 12 * MIB, 0),
            sample("load", 40 * MIB, 12 * MIB, 0),
            sample("check", 400 * MIB, 12 * MIB, 0),
        ];
        assert!(!memory_verdict(&growing_after).0.bounded);
    }

    #[test]
    fn the_tally_counts_every_code_and_non_ok_calls_fail() {
        let tally = Tally::default();
        tally.ok("StreamTimeline");
        tally.ok("StreamTimeline");
        tally.failed("StreamTimeline", &tonic::Status::unavailable("going away"));
        let calls = tally.calls();
        assert_eq!(calls["StreamTimeline"]["Ok"], 2);
        assert_eq!(calls["StreamTimeline"]["Unavailable"], 1);
        assert_eq!(non_ok(&calls), 1);
        assert_eq!(tally.problems().counts["StreamTimeline Unavailable"], 1);
    }
}
