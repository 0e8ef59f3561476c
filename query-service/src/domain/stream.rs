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

/// Where a watch stands. Invariant: every matching event stored at or before `covered` and placed
/// at or before `position` has been delivered; what `cursor()` encodes.
struct WatchState {
    store: Store,
    filter: TimelineFilter,
    token: CancellationToken,
    sink: Sink<WatchItem>,
    position: Option<TimeKey>,
    covered: u64,
}

impl WatchState {
    fn cursor(&self) -> String {
        Cursor {
            position: self.position,
            revision: self.covered,
        }
        .encode()
    }

    /// Delivers the matching events stored after `covered`; false when the watch must stop.
    /// Returns how many it delivered through `delivered`.
    async fn catch_up(&mut self, replayed: bool, delivered: &mut usize) -> bool {
        let changed = self.store.changed_keys(&self.filter, self.covered);
        for chunk in changed.keys.chunks(PAGE_SIZE) {
            for (key, event) in self.store.events_at(&self.filter, chunk, changed.revision) {
                let backdated = self.position.is_some_and(|p| key <= p);
                self.position = Some(self.position.map_or(key, |p| p.max(key)));
                let item = WatchItem::Event {
                    event,
                    cursor: self.cursor(),
                    backdated,
                    replayed,
                };
                if !send(&self.sink, &self.token, item).await {
                    return false;
                }
                *delivered += 1;
            }
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
            for chunk in late.chunks(PAGE_SIZE) {
                for (_, event) in self.store.events_at(&self.filter, chunk, start_revision) {
                    let item = WatchItem::Event {
                        event,
                        cursor: from.encode(),
                        backdated: true,
                        replayed: true,
                    };
                    if !send(&self.sink, &self.token, item).await {
                        return false;
                    }
                }
            }
        }
        self.covered = start_revision;
        let plan = self.store.plan_timeline(&self.filter);
        // Paging may pass events that do not match; the cursor's position stays on the last one
        // delivered, so an event skipped for being newer than the replay is not called backdated.
        let mut scanned_to = self.position;
        loop {
            let page = self.store.timeline_page(
                &self.filter,
                &plan,
                scanned_to,
                false,
                Some(start_revision),
                PAGE_SIZE,
            );
            for (key, event) in page.events {
                self.position = Some(key);
                let item = WatchItem::Event {
                    event,
                    cursor: self.cursor(),
                    backdated: false,
                    replayed: true,
                };
                if !send(&self.sink, &self.token, item).await {
                    return false;
                }
            }
            if page.finished {
                break;
            }
            scanned_to = page.resume_after;
        }
        let mut delivered = 0;
        self.catch_up(true, &mut delivered).await
    }
}

pub async fn watch_timeline(
    store: Store,
    query: WatchQuery,
    token: CancellationToken,
    sink: Sink<WatchItem>,
) {
    let _guard = store.watcher_guard();
    // Subscribe before reading the revision, so no publish falls between the two.
    let mut notifications = store.subscribe();
    let mut state = WatchState {
        store,
        filter: query.filter,
        token,
        sink,
        position: query.after.position,
        covered: query.after.revision,
    };
    if !state.replay(query.after).await {
        return;
    }
    let caught_up = WatchItem::CaughtUp {
        cursor: state.cursor(),
        revision: state.covered,
    };
    if !send(&state.sink, &state.token, caught_up).await {
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
                let item = WatchItem::Heartbeat {
                    cursor: state.cursor(),
                    revision: state.covered,
                };
                if !send(&state.sink, &state.token, item).await {
                    return;
                }
            }
        }
    }
}
