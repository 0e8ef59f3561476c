//! Closed-loop `StreamTimeline` clients that check every answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tonic::transport::Channel;

use crate::stats::Percentiles;

use super::{
    MAX_PAGE,
    order::{EventKey, OrderCheck, filter_mismatch},
    tally::Tally,
};

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
pub(super) struct MixCounts {
    pub(super) calls: u64,
    pub(super) items: u64,
    pub(super) latencies: Vec<Duration>,
}

/// What the timeline clients pick their filters from.
pub(super) struct Choices {
    /// Stored entities: an id as published, and the id it resolves to (the same, or the entity
    /// it merged into by alias), which the events of its timeline must name.
    pub(super) entities: Vec<(String, String)>,
    pub(super) years: Vec<i32>,
}

/// One timeline call read to its end; `None` when it failed (the failure is tallied).
pub(super) async fn read_timeline(
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
pub(super) fn check_timeline(
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
pub(super) async fn timeline_client(
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
