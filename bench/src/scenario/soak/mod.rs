//! The soak test: the real `query-service` and `ingest-service` on loopback
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

mod end_check;
mod ingest;
mod markdown;
mod memory;
mod order;
mod publish;
mod tally;
mod timeline;
mod watchers;

pub use self::{
    end_check::EndCheck,
    ingest::IngestSummary,
    memory::{MemorySample, RssSummary, memory_verdict},
    order::{EventKey, OrderCheck, event_key, event_number, filter_mismatch},
    publish::PublishSummary,
    tally::Problems,
    timeline::{Mix, MixSummary},
    watchers::WatcherSummary,
};

use std::collections::BTreeMap;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::time::Instant;

use anyhow::Context;
use anyhow::bail;
use serde::Serialize;
use tokio::sync::watch;

use crate::config::SoakArgs;
use crate::corpus::CorpusProfile;
use crate::procs;
use crate::report;
use crate::scenario::timeline::client;
use crate::stats::Percentiles;
use crate::synth::Universe;
use crate::synth::entities_for;

use self::{
    end_check::end_check,
    ingest::{ingester, read_pages},
    memory::{Phase, mib, sampler},
    publish::{preload, publisher, resolve_entities},
    tally::{Tally, non_ok},
    timeline::{Choices, MixCounts, timeline_client},
    watchers::{Seen, watcher, watchers_check},
};

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

#[cfg(test)]
mod tests;
