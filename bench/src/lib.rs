//! The newsline benchmark harness: builds its own data from the gold corpus, starts the real
//! binaries as child processes on loopback ports, measures them through the gRPC API, and puts
//! Redis, a trivial tonic server and spaCy side by side in the same run.

pub mod config;
pub mod corpus;
pub mod peer;
pub mod procs;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod synth;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::{CeilingArgs, Section, Settings, WatchLoad};
use crate::corpus::CorpusProfile;
use crate::procs::{Process, free_loopback_addr};
use crate::report::{LatencyReport, Machine, RedisReport, Report, SizeReport, WatchSummary};
use crate::scenario::store;
use crate::scenario::timeline::{self, Call};
use crate::stats::{Figure, Percentiles};
use crate::synth::{IdScheme, Universe, entities_for};

/// Events in the store the watchers watch (they replay it before the live part).
const WATCH_PRELOAD: u64 = 1_000;
/// Entities queried by the filtered-timeline latency test.
const LATENCY_ENTITIES: usize = 64;
/// Largest timeline the filtered latency test asks for.
const LATENCY_MAX_EVENTS: u32 = 1_000;

/// Runs every selected benchmark and writes `results.json` and `results.md` to the out dir,
/// after each part so that a late failure keeps what was measured. A part that fails is noted
/// and the others still run; the run then ends with an error naming the failed parts.
pub async fn run(settings: Settings) -> anyhow::Result<Report> {
    let profile = CorpusProfile::load(
        &settings.corpus_dir,
        &settings.seeds_dir,
        &settings.gazetteer_dir,
    )?;
    let mut report = Report {
        started_utc: utc_now(),
        finished_utc: String::new(),
        machine: Machine::read(),
        settings: settings.clone(),
        extraction: None,
        spacy: None,
        ingest: None,
        sizes: Vec::new(),
        watch: Vec::new(),
        notes: Vec::new(),
    };
    if report.machine.compilers_at_start > 0 || load_one_minute() >= 1.0 {
        report.notes.push(format!(
            "The machine was busy at the start (load {}, {} rustc/cargo processes): figures are noisier than on a quiet machine.",
            report.machine.load_at_start, report.machine.compilers_at_start
        ));
    }
    if cfg!(debug_assertions) || settings.bin_dir.ends_with("debug") {
        report.notes.push(
            "Debug builds: this run checks that the harness and the services work together; its figures say nothing about speed."
                .to_string(),
        );
    }
    let log_dir = settings.out_dir.join("logs");
    let mut failures = Vec::new();
    for section in settings.sections.clone() {
        let outcome = match section {
            Section::Extraction => extraction_section(&settings, &profile, &mut report),
            Section::Ingest => ingest_section(&settings, &profile, &log_dir, &mut report).await,
            Section::Timeline => timeline_section(&settings, &profile, &log_dir, &mut report).await,
            Section::Watch => watch_section(&settings, &profile, &log_dir, &mut report).await,
        };
        if let Err(error) = outcome {
            eprintln!("!! {section:?} failed: {error:#}");
            report.notes.push(format!("{section:?} failed: {error:#}"));
            failures.push(format!("{section:?}"));
        }
        finish(&mut report);
        save(&settings, &report)?;
    }
    if !failures.is_empty() {
        anyhow::bail!(
            "failed: {} (results of the other parts are in {})",
            failures.join(", "),
            settings.out_dir.display()
        );
    }
    Ok(report)
}

/// Writes the results so far, and the results block of the doc when asked to.
fn save(settings: &Settings, report: &Report) -> anyhow::Result<()> {
    report.write(&settings.out_dir)?;
    if let Some(doc) = &settings.update_doc {
        report.update_doc(doc)?;
    }
    Ok(())
}

fn finish(report: &mut Report) {
    report.machine.load_at_end = report::load_average();
    report.machine.compilers_at_end = report::compilers_running();
    report.finished_utc = utc_now();
}

fn extraction_section(
    settings: &Settings,
    profile: &CorpusProfile,
    report: &mut Report,
) -> anyhow::Result<()> {
    eprintln!("== extraction over {} documents", profile.documents.len());
    report.extraction = Some(scenario::extraction::run(
        &profile.documents,
        settings.extraction_seconds,
        settings.runs,
    )?);
    match peer::spacy::run(&profile.documents, settings.runs.min(3))? {
        Ok(spacy) => report.spacy = Some(spacy),
        Err(reason) => report.notes.push(format!("spaCy peer skipped: {reason}")),
    }
    Ok(())
}

async fn ingest_section(
    settings: &Settings,
    profile: &CorpusProfile,
    log_dir: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    eprintln!(
        "== ingest end to end, {} documents per run",
        settings.ingest_documents
    );
    let documents = scenario::ingest::documents(&profile.documents, settings.ingest_documents)?;
    let mut runs = Vec::new();
    for run in 0..settings.runs.min(3) {
        let spool = settings.out_dir.join(format!("ingest-spool-{run}"));
        runs.push(
            scenario::ingest::run_once(&settings.bin_dir, log_dir, &spool, &documents).await?,
        );
        let _ = std::fs::remove_dir_all(&spool);
    }
    report.ingest = Some(scenario::ingest::summarize(runs));
    Ok(())
}

async fn timeline_section(
    settings: &Settings,
    profile: &CorpusProfile,
    log_dir: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    let redis = peer::redis::find_server();
    if redis.is_none() {
        report.notes.push(
            "Redis peer skipped: redis-server is not installed (apt-get install redis-server)."
                .to_string(),
        );
    }
    for &size in &settings.sizes {
        eprintln!("== timeline, memory and peers at {size} events");
        let universe = Arc::new(Universe::build(profile, entities_for(size), settings.seed));
        report
            .sizes
            .push(size_run(settings, log_dir, universe, size, redis.as_deref()).await?);
        finish(report);
        save(settings, report)?;
    }
    Ok(())
}

async fn watch_section(
    settings: &Settings,
    profile: &CorpusProfile,
    log_dir: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    let universe = Arc::new(Universe::build(
        profile,
        entities_for(WATCH_PRELOAD),
        settings.seed,
    ));
    for &load in &settings.watch_loads {
        eprintln!(
            "== watch: {} watchers at {} events/s",
            load.watchers, load.rate
        );
        let mut runs = Vec::new();
        for run in 0..settings.runs.min(3) {
            runs.push(watch_run(settings, log_dir, universe.clone(), load, run as u64).await?);
        }
        report.watch.push(WatchSummary {
            load,
            p50_ms: Figure::of(
                &runs
                    .iter()
                    .map(|r| r.latency.p50_us / 1e3)
                    .collect::<Vec<_>>(),
            ),
            p99_ms: Figure::of(
                &runs
                    .iter()
                    .map(|r| r.latency.p99_us / 1e3)
                    .collect::<Vec<_>>(),
            ),
            delivered_fraction: Figure::of(
                &runs
                    .iter()
                    .map(|r| r.delivered as f64 / r.expected_deliveries.max(1) as f64)
                    .collect::<Vec<_>>(),
            ),
            runs,
        });
        finish(report);
        save(settings, report)?;
    }
    Ok(())
}

/// Everything measured at one store size: newsline, an articles-only newsline baseline, the
/// ceiling, then Redis, one at a time so that each has the machine to itself.
async fn size_run(
    settings: &Settings,
    log_dir: &Path,
    universe: Arc<Universe>,
    size: u64,
    redis_server: Option<&Path>,
) -> anyhow::Result<SizeReport> {
    let runs = settings.runs_for(size);
    let plan = store::Plan {
        universe: universe.clone(),
        seed: settings.seed,
        ids: IdScheme::Hashed,
        events: size,
        batch_events: settings.batch_events,
        with_events: true,
    };
    let (server, channel) = procs::start_query_service(&settings.bin_dir, log_dir).await?;
    let loaded = store::load(channel.clone(), &server, plan.clone()).await?;
    eprintln!(
        "   loaded {size} events in {:.1} s, {:.0} B RSS per event",
        loaded.report.seconds,
        loaded.report.rss_per_event()
    );
    let mut client = timeline::client(channel.clone());
    let mut unfiltered = Vec::new();
    let mut cursor_len = 0;
    for _ in 0..runs {
        let run = timeline::stream_timeline(&mut client, None).await?;
        check_count("unfiltered StreamTimeline", run.items, size)?;
        cursor_len = run.cursor_len;
        unfiltered.push(run.per_second());
    }
    let counts = &loaded.entity_event_counts;
    let top = (0..counts.len())
        .max_by_key(|&i| counts[i])
        .context("an empty universe")?;
    let top_id = universe.entities[top].id.clone();
    let mut filtered = Vec::new();
    let mut filter_events = 0;
    for _ in 0..runs {
        let run =
            timeline::stream_timeline(&mut client, Some(timeline::entity_filter(&top_id))).await?;
        // Whether a location counts as taking part is the store's reading of the filter; both
        // readings are accepted, anything else is a wrong answer.
        let participant = u64::from(loaded.participant_event_counts[top]);
        if run.items != participant {
            check_count("filtered StreamTimeline", run.items, u64::from(counts[top]))?;
        }
        filter_events = run.items;
        filtered.push(run.per_second());
    }
    let filter_counts = if filter_events == u64::from(loaded.participant_event_counts[top]) {
        &loaded.participant_event_counts
    } else {
        counts
    };
    let chosen = latency_entities(filter_counts);
    let mean_events = chosen
        .iter()
        .map(|&i| f64::from(filter_counts[i]))
        .sum::<f64>()
        / chosen.len().max(1) as f64;
    let timeline_calls: Vec<Call> = chosen
        .iter()
        .map(|&i| Call::EntityTimeline(universe.entities[i].id.clone()))
        .collect();
    let ceiling_calls: Vec<Call> = chosen
        .iter()
        .map(|&i| Call::FirstEvents(filter_counts[i]))
        .collect();
    let lookups = lookup_calls(&universe, counts);
    let searches = search_calls(&universe, counts);
    let tests: [(&str, usize, &[Call]); 6] = [
        ("filtered timeline", 1, &timeline_calls),
        ("filtered timeline", settings.clients, &timeline_calls),
        ("GetEntity", 1, &lookups),
        ("GetEntity", settings.clients, &lookups),
        ("SearchEntities", 1, &searches),
        ("SearchEntities", settings.clients, &searches),
    ];
    let mut latency = Vec::new();
    for (name, clients, calls) in tests {
        latency.push(latency_report(settings, &server.url(), name, clients, calls, runs).await?);
    }
    drop(client);
    drop(channel);
    drop(server);

    eprintln!("   articles-only baseline");
    let (server, channel) = procs::start_query_service(&settings.bin_dir, log_dir).await?;
    let baseline = store::load(
        channel,
        &server,
        store::Plan {
            with_events: false,
            ..plan
        },
    )
    .await?
    .report;
    drop(server);

    eprintln!("   ceiling");
    let shape = CeilingShape {
        events: size,
        entities: universe.entities.len(),
        cursor_len,
        pre_encoded: false,
    };
    let (ceiling, ceiling_latency) =
        ceiling_run(settings, log_dir, shape, &ceiling_calls, runs).await?;
    eprintln!("   ceiling, pre-encoded");
    let shape = CeilingShape {
        pre_encoded: true,
        ..shape
    };
    let (ceiling_pre_encoded, _) = ceiling_run(settings, log_dir, shape, &[], runs).await?;

    let redis = match redis_server {
        Some(path) => {
            eprintln!("   redis");
            let universe = universe.clone();
            let (seed, batch) = (settings.seed, settings.batch_events);
            let log_dir = log_dir.to_path_buf();
            let path = path.to_path_buf();
            Some(
                tokio::task::spawn_blocking(move || -> anyhow::Result<RedisReport> {
                    let redis = peer::redis::Redis::start(&path, &log_dir)?;
                    let load = redis.load(universe, seed, size, batch)?;
                    let mut rates = Vec::new();
                    for _ in 0..runs {
                        let (entries, seconds) = redis.xrange_all()?;
                        check_count("Redis XRANGE", entries, size)?;
                        rates.push(entries as f64 / seconds);
                    }
                    Ok(RedisReport {
                        version: redis.version()?,
                        load,
                        xrange_entries_per_second: Figure::of(&rates),
                    })
                })
                .await??,
            )
        }
        None => None,
    };

    Ok(SizeReport {
        events: size,
        entities: universe.entities.len(),
        runs,
        load: loaded.report,
        baseline,
        unfiltered_events_per_second: Figure::of(&unfiltered),
        filtered_events_per_second: Figure::of(&filtered),
        filter_entity: top_id,
        filter_entity_events: filter_events,
        latency_timeline_mean_events: mean_events,
        cursor_len,
        latency,
        redis,
        ceiling_events_per_second: Some(ceiling),
        ceiling_latency,
        ceiling_pre_encoded_events_per_second: Some(ceiling_pre_encoded),
    })
}

/// Runs one latency test `runs` times (at most 3) and takes medians of its percentiles.
async fn latency_report(
    settings: &Settings,
    url: &str,
    name: &str,
    clients: usize,
    calls: &[Call],
    runs: usize,
) -> anyhow::Result<LatencyReport> {
    let duration = Duration::from_secs_f64(settings.latency_seconds);
    let mut results: Vec<Percentiles> = Vec::new();
    for _ in 0..runs.min(3) {
        results.push(timeline::latency(url, clients, duration, calls).await?);
    }
    Ok(LatencyReport {
        name: name.to_string(),
        clients,
        p50_ms: Figure::of(&results.iter().map(|p| p.p50_us / 1e3).collect::<Vec<_>>()),
        p99_ms: Figure::of(&results.iter().map(|p| p.p99_us / 1e3).collect::<Vec<_>>()),
        samples: results.iter().map(|p| p.samples).sum(),
    })
}

fn check_count(what: &str, got: u64, expected: u64) -> anyhow::Result<()> {
    if got != expected {
        anyhow::bail!("{what} returned {got} items, expected {expected}");
    }
    Ok(())
}

/// The entities with the most events that still have at most 1,000: the filtered timelines of
/// the latency test.
fn latency_entities(counts: &[u32]) -> Vec<usize> {
    let mut candidates: Vec<usize> = (0..counts.len())
        .filter(|&i| counts[i] > 0 && counts[i] <= LATENCY_MAX_EVENTS)
        .collect();
    candidates.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    candidates.truncate(LATENCY_ENTITIES);
    candidates
}

/// Ids of stored entities, busiest first, as `GetEntity` calls.
fn lookup_calls(universe: &Universe, counts: &[u32]) -> Vec<Call> {
    let mut stored: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    stored.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    stored.truncate(1_000);
    stored
        .into_iter()
        .map(|i| Call::GetEntity(universe.entities[i].id.clone()))
        .collect()
}

/// What people type into a search box for stored entities: a prefix, the whole name in lower
/// case, and the name with two letters swapped.
fn search_calls(universe: &Universe, counts: &[u32]) -> Vec<Call> {
    let mut stored: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    stored.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    stored.truncate(200);
    let mut calls = Vec::new();
    for i in stored {
        let name: Vec<char> = universe.entities[i].name.chars().collect();
        let prefix: String = name.iter().take(6).collect();
        calls.push(Call::Search(prefix));
        calls.push(Call::Search(name.iter().collect::<String>().to_lowercase()));
        if name.len() >= 5 {
            let mut typo = name.clone();
            let middle = typo.len() / 2;
            typo.swap(middle, middle + 1);
            calls.push(Call::Search(typo.into_iter().collect()));
        }
    }
    calls
}

/// What the ceiling server serves: as many events as the store, from a universe of the same
/// entities, with cursors as long as the store's, cloned or pre-encoded.
#[derive(Clone, Copy)]
struct CeilingShape {
    events: u64,
    entities: usize,
    cursor_len: usize,
    pre_encoded: bool,
}

/// Streams from the ceiling server, a child process of this same binary, and runs the filtered
/// latency test against it with timelines of the same lengths (when `latency_calls` is not empty).
async fn ceiling_run(
    settings: &Settings,
    log_dir: &Path,
    shape: CeilingShape,
    latency_calls: &[Call],
    runs: usize,
) -> anyhow::Result<(Figure, Vec<LatencyReport>)> {
    let CeilingShape {
        events: size,
        entities,
        cursor_len,
        pre_encoded,
    } = shape;
    let addr = free_loopback_addr()?;
    let exe = std::env::current_exe()?;
    let args: Vec<String> = vec![
        "ceiling-serve".into(),
        "--listen".into(),
        addr.to_string(),
        "--events".into(),
        size.to_string(),
        "--prebuilt".into(),
        settings.ceiling_prebuilt.to_string(),
        "--cursor-len".into(),
        cursor_len.to_string(),
        "--seed".into(),
        settings.seed.to_string(),
        "--entities".into(),
        entities.to_string(),
        "--corpus-dir".into(),
        settings.corpus_dir.display().to_string(),
        "--seeds-dir".into(),
        settings.seeds_dir.display().to_string(),
        "--gazetteer-dir".into(),
        settings.gazetteer_dir.display().to_string(),
    ];
    let mut args = args;
    if pre_encoded {
        args.push("--pre-encoded".into());
    }
    let name = if pre_encoded {
        "ceiling-pre-encoded"
    } else {
        "ceiling"
    };
    let mut process = Process::spawn(name, &exe, &args, &[], addr, log_dir)?;
    let channel = process.wait_healthy("").await?;
    let mut client = timeline::client(channel);
    let mut rates = Vec::new();
    for _ in 0..runs {
        let run = timeline::stream_timeline(&mut client, None).await?;
        check_count("ceiling StreamTimeline", run.items, size)?;
        rates.push(run.per_second());
    }
    let mut latency = Vec::new();
    for clients in [1, settings.clients]
        .into_iter()
        .filter(|_| !latency_calls.is_empty())
    {
        latency.push(
            latency_report(
                settings,
                &process.url(),
                "filtered timeline (ceiling)",
                clients,
                latency_calls,
                runs,
            )
            .await?,
        );
    }
    Ok((Figure::of(&rates), latency))
}

/// One watch run on a fresh query service holding a small store.
async fn watch_run(
    settings: &Settings,
    log_dir: &Path,
    universe: Arc<Universe>,
    load: WatchLoad,
    run: u64,
) -> anyhow::Result<scenario::watch::WatchReport> {
    let (server, channel) = procs::start_query_service(&settings.bin_dir, log_dir).await?;
    store::load(
        channel.clone(),
        &server,
        store::Plan {
            universe: universe.clone(),
            seed: settings.seed,
            ids: IdScheme::Hashed,
            events: WATCH_PRELOAD,
            batch_events: settings.batch_events,
            with_events: true,
        },
    )
    .await?;
    scenario::watch::run(
        &server.url(),
        universe,
        settings.seed.wrapping_add(1 + run),
        load.watchers,
        load.rate,
        settings.watch_seconds,
    )
    .await
}

/// The hidden `ceiling-serve` subcommand.
pub async fn ceiling_serve(args: CeilingArgs) -> anyhow::Result<()> {
    let profile = CorpusProfile::load(&args.corpus_dir, &args.seeds_dir, &args.gazetteer_dir)?;
    let universe = Arc::new(Universe::build(&profile, args.entities, args.seed));
    peer::ceiling::serve(
        args.listen,
        universe,
        args.seed,
        args.events,
        args.prebuilt,
        args.cursor_len,
        args.pre_encoded,
    )
    .await
}

fn load_one_minute() -> f64 {
    report::load_average()
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn utc_now() -> String {
    report::command_line("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"])
}
