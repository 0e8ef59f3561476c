//! Resident memory of both services and the store's size, sampled every second, and the
//! verdict on them.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use serde::Serialize;
use tokio::sync::watch;
use tonic::transport::Channel;

use crate::procs;

use super::{
    INGEST_RSS_SLACK, QUERY_RSS_PER_STORE_BYTE, QUERY_RSS_SLACK, QUIET_RSS_SLACK, tally::Tally,
};

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
pub(super) enum Phase {
    Warmup,
    Load,
    /// Readers and watchers only: the store no longer grows, so neither may memory.
    Quiet,
    Check,
}

impl Phase {
    pub(super) fn name(self) -> &'static str {
        match self {
            Phase::Warmup => "warmup",
            Phase::Load => "load",
            Phase::Quiet => "quiet",
            Phase::Check => "check",
        }
    }
}

/// Samples every second until told to stop.
pub(super) async fn sampler(
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

pub(super) fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}
