//! `WatchTimeline` watchers connected from start to end, and the check that each saw
//! everything stored.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::time::Instant;

use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use newsline_proto::v1::watch_timeline_response::Update;
use serde::Serialize;
use tokio::sync::watch;
use tonic::transport::Channel;

use super::{WATCH_PATIENCE, order::event_number, tally::Tally};

/// Ids one watcher has received, shared with the end check.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) ids: Mutex<HashSet<u64>>,
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
pub(super) async fn watcher(
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

/// Waits until every watcher has seen every stored event (or the patience runs out), then
/// counts what each one missed and what it saw that is not stored.
pub(super) async fn watchers_check(
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
