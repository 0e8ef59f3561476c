//! The producers behind the streaming reads: each runs as its own task, pages through the store
//! in short read locks and sends into a bounded channel, so a slow reader only slows itself. They
//! stop when the receiver goes away or the cancellation token fires.

use std::time::Duration;

use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio_util::sync::CancellationToken;

use super::{
    cursor::{Cursor, TimeKey},
    error::DomainError,
    filter::TimelineFilter,
    model::Event,
    store::Store,
    view::EventView,
};

/// Events per read lock.
pub const PAGE_SIZE: usize = 512;

/// Most events a watch sends as one batch: small enough that a watch's channel, sized in
/// batches, holds about as many responses as it is configured to.
pub const WATCH_BATCH: usize = 64;

/// Where a producer sends its items, a batch at a time: one channel operation per page rather
/// than per item keeps a whole-timeline stream cheap.
pub type Sink<T> = mpsc::Sender<Result<Vec<T>, DomainError>>;

/// Sends a batch of items; false when the stream should stop (receiver gone or shutdown).
pub async fn send_all<T>(sink: &Sink<T>, token: &CancellationToken, items: Vec<T>) -> bool {
    if items.is_empty() {
        return !sink.is_closed();
    }
    tokio::select! {
        biased;
        _ = token.cancelled() => false,
        sent = sink.send(Ok(items)) => sent.is_ok(),
    }
}

async fn send<T>(sink: &Sink<T>, token: &CancellationToken, item: T) -> bool {
    send_all(sink, token, vec![item]).await
}

/// A timeline request, checked.
#[derive(Clone, Debug)]
pub struct TimelineQuery {
    pub filter: TimelineFilter,
    pub descending: bool,
    /// 0 means every matching event.
    pub max_results: usize,
    pub after: Cursor,
}

/// One event of a timeline with the cursor of its position.
#[derive(Clone, Debug)]
pub struct TimelineItem {
    pub event: Event,
    pub cursor: String,
}

/// Turns the events of a timeline page, seen under the read lock, into the items a stream sends:
/// owned [`TimelineItem`]s, or the transport's wire bytes.
pub trait TimelineEncoder: Send + 'static {
    type Item: Send + 'static;
    /// Adds one matching event, at `cursor`, to the page being built.
    fn push(&mut self, cursor: Cursor, event: &EventView<'_>);
    /// The page's items in order; the encoder starts the next page empty.
    fn finish_page(&mut self) -> Vec<Self::Item>;
}

/// The owned items: the conversion path unary-style callers use.
#[derive(Default)]
pub struct OwnedTimelineItems(Vec<TimelineItem>);

impl TimelineEncoder for OwnedTimelineItems {
    type Item = TimelineItem;

    fn push(&mut self, cursor: Cursor, event: &EventView<'_>) {
        self.0.push(TimelineItem {
            event: event.to_event(),
            cursor: cursor.encode(),
        });
    }

    fn finish_page(&mut self) -> Vec<TimelineItem> {
        std::mem::take(&mut self.0)
    }
}

pub async fn stream_timeline<E: TimelineEncoder>(
    store: Store,
    query: TimelineQuery,
    token: CancellationToken,
    sink: Sink<E::Item>,
    mut encoder: E,
) {
    let plan = store.plan_timeline(&query.filter);
    let mut after = query.after.position;
    let mut remaining = if query.max_results == 0 {
        usize::MAX
    } else {
        query.max_results
    };
    while remaining > 0 {
        let page = store.timeline_page_with(
            &query.filter,
            &plan,
            after,
            query.descending,
            None,
            PAGE_SIZE.min(remaining),
            |cursor, event| encoder.push(cursor, event),
        );
        remaining -= page.events.len();
        if !send_all(&sink, &token, encoder.finish_page()).await {
            return;
        }
        if page.finished {
            return;
        }
        after = page.resume_after;
    }
}

/// A watch request, checked.
#[derive(Clone, Debug)]
pub struct WatchQuery {
    pub filter: TimelineFilter,
    pub after: Cursor,
    pub heartbeat: Duration,
}

/// One message of a watch.
// Nearly every item is an event, so boxing it would add an allocation per item to save a few
// bytes on rare heartbeats.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum WatchItem {
    Event {
        event: Event,
        cursor: String,
        backdated: bool,
        replayed: bool,
    },
    CaughtUp {
        cursor: String,
        revision: u64,
    },
    Heartbeat {
        cursor: String,
        revision: u64,
    },
}

/// Turns what a watch delivers into the items its stream sends: owned [`WatchItem`]s, or the
/// transport's wire bytes. Events are handed over as views under the read lock.
pub trait WatchEncoder: Send + 'static {
    type Item: Send + 'static;
    fn event(
        &mut self,
        event: &EventView<'_>,
        cursor: &Cursor,
        backdated: bool,
        replayed: bool,
    ) -> Self::Item;
    /// The watch has delivered everything stored up to `cursor.revision`.
    fn caught_up(&mut self, cursor: &Cursor) -> Self::Item;
    fn heartbeat(&mut self, cursor: &Cursor) -> Self::Item;
}

/// The owned items.
#[derive(Default)]
pub struct OwnedWatchItems;

impl WatchEncoder for OwnedWatchItems {
    type Item = WatchItem;

    fn event(
        &mut self,
        event: &EventView<'_>,
        cursor: &Cursor,
        backdated: bool,
        replayed: bool,
    ) -> WatchItem {
        WatchItem::Event {
            event: event.to_event(),
            cursor: cursor.encode(),
            backdated,
            replayed,
        }
    }

    fn caught_up(&mut self, cursor: &Cursor) -> WatchItem {
        WatchItem::CaughtUp {
            cursor: cursor.encode(),
            revision: cursor.revision,
        }
    }

    fn heartbeat(&mut self, cursor: &Cursor) -> WatchItem {
        WatchItem::Heartbeat {
            cursor: cursor.encode(),
            revision: cursor.revision,
        }
    }
}

/// Where a watch stands. Invariant: every matching event stored at or before `covered` and placed
/// at or before `position` has been delivered; what `cursor()` encodes.
struct WatchState<E: WatchEncoder> {
    store: Store,
    filter: TimelineFilter,
    token: CancellationToken,
    sink: Sink<E::Item>,
    encoder: E,
    position: Option<TimeKey>,
    covered: u64,
}

impl<E: WatchEncoder> WatchState<E> {
    fn cursor(&self) -> Cursor {
        Cursor {
            position: self.position,
            revision: self.covered,
        }
    }

    /// Delivers the matching events stored after `covered`; false when the watch must stop.
    /// Returns how many it delivered through `delivered`.
    async fn catch_up(&mut self, replayed: bool, delivered: &mut usize) -> bool {
        let changed = self.store.changed_keys(&self.filter, self.covered);
        for chunk in changed.keys.chunks(WATCH_BATCH) {
            let (position, covered, encoder) =
                (&mut self.position, self.covered, &mut self.encoder);
            let items =
                self.store
                    .events_at_with(&self.filter, chunk, changed.revision, |key, event| {
                        let backdated = position.is_some_and(|p| key <= p);
                        *position = Some(position.map_or(key, |p| p.max(key)));
                        let cursor = Cursor {
                            position: *position,
                            revision: covered,
                        };
                        encoder.event(event, &cursor, backdated, replayed)
                    });
            let count = items.len();
            if !send_all(&self.sink, &self.token, items).await {
                return false;
            }
            *delivered += count;
        }
        self.covered = self.covered.max(changed.revision);
        true
    }

    /// Replays what a resumed watch missed, then everything after its position.
    async fn replay(&mut self, from: Cursor) -> bool {
        let start_revision = self.store.revision();
        if let Some(position) = from.position
            && from.revision < start_revision
        {
            let changed = self.store.changed_keys(&self.filter, from.revision);
            let late: Vec<TimeKey> = changed
                .keys
                .into_iter()
                .filter(|&k| k <= position)
                .collect();
            for chunk in late.chunks(WATCH_BATCH) {
                let encoder = &mut self.encoder;
                let items =
                    self.store
                        .events_at_with(&self.filter, chunk, start_revision, |_, event| {
                            encoder.event(event, &from, true, true)
                        });
                if !send_all(&self.sink, &self.token, items).await {
                    return false;
                }
            }
        }
        self.covered = start_revision;
        let plan = self.store.plan_timeline(&self.filter);
        // Paging may pass events that do not match; the cursor's position stays on the last one
        // delivered, so an event skipped for being newer than the replay is not called backdated.
        let mut scanned_to = self.position;
        loop {
            let (position, covered, encoder) =
                (&mut self.position, self.covered, &mut self.encoder);
            let page = self.store.timeline_page_with(
                &self.filter,
                &plan,
                scanned_to,
                false,
                Some(start_revision),
                WATCH_BATCH,
                |cursor, event| {
                    *position = cursor.position;
                    let cursor = Cursor {
                        position: cursor.position,
                        revision: covered,
                    };
                    encoder.event(event, &cursor, false, true)
                },
            );
            let items = page.events.into_iter().map(|(_, item)| item).collect();
            if !send_all(&self.sink, &self.token, items).await {
                return false;
            }
            if page.finished {
                break;
            }
            scanned_to = page.resume_after;
        }
        let mut delivered = 0;
        self.catch_up(true, &mut delivered).await
    }

    async fn send(&mut self, item: E::Item) -> bool {
        send(&self.sink, &self.token, item).await
    }
}

pub async fn watch_timeline<E: WatchEncoder>(
    store: Store,
    query: WatchQuery,
    token: CancellationToken,
    sink: Sink<E::Item>,
    encoder: E,
) {
    let _guard = store.watcher_guard();
    // Subscribe before reading the revision, so no publish falls between the two.
    let mut notifications = store.subscribe();
    let mut state = WatchState {
        store,
        filter: query.filter,
        token,
        sink,
        encoder,
        position: query.after.position,
        covered: query.after.revision,
    };
    if !state.replay(query.after).await {
        return;
    }
    let caught_up = state.encoder.caught_up(&state.cursor());
    if !state.send(caught_up).await {
        return;
    }
    let start = tokio::time::Instant::now() + query.heartbeat;
    let mut heartbeat = tokio::time::interval_at(start, query.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = state.token.cancelled() => return,
            _ = state.sink.closed() => return,
            notification = notifications.recv() => {
                if let Err(RecvError::Closed) = notification {
                    return;
                }
                // A lagged receiver lost only revision numbers: the store has the changes.
                let mut delivered = 0;
                if !state.catch_up(false, &mut delivered).await {
                    return;
                }
                if delivered > 0 {
                    heartbeat.reset();
                }
            }
            _ = heartbeat.tick() => {
                let item = state.encoder.heartbeat(&state.cursor());
                if !state.send(item).await {
                    return;
                }
            }
        }
    }
}
