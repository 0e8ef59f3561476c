//! Publish-to-client latency of `WatchTimeline`: many watchers that have caught up, and one
//! producer publishing at a fixed rate. Event ids carry their index, so a watcher finds when the
//! event's batch was handed to the publish stream and how long it took to reach it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use newsline_proto::v1 as pb;
use newsline_proto::v1::record_sink_service_client::RecordSinkServiceClient;
use newsline_proto::v1::watch_timeline_response::Update;
use serde::Serialize;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::procs;
use crate::scenario::timeline::client;
use crate::stats::Percentiles;
use crate::synth::{Generator, IdScheme, Universe};

/// How long to wait for the last deliveries after the last batch was published.
const DRAIN: Duration = Duration::from_secs(10);
/// How often a waiting watcher checks the deadline.
const POLL: Duration = Duration::from_millis(100);

#[derive(Clone, Debug, Serialize)]
pub struct WatchReport {
    pub watchers: usize,
    pub target_rate: u64,
    pub achieved_rate: f64,
    pub published: u64,
    pub expected_deliveries: u64,
    pub delivered: u64,
    /// How the watchers' streams ended, and how many ended that way.
    pub endings: BTreeMap<String, usize>,
    pub latency: Percentiles,
}

pub async fn run(
    url: &str,
    universe: Arc<Universe>,
    seed: u64,
    watchers: usize,
    rate: u64,
    seconds: f64,
) -> anyhow::Result<WatchReport> {
    let total = ((rate as f64) * seconds).round().max(1.0) as u64;
    let per_tick = (rate / 1000).max(1) as usize;
    let mut generator = Generator::new(universe, seed, IdScheme::Sequential);
    let mut batches = Vec::new();
    loop {
        let mut batch = generator.next_batch(per_tick, total);
        if batch.events.is_empty() {
            break;
        }
        batch.producer_id = "newsline-bench-watch".to_string();
        batch.sequence = batches.len() as u64 + 1;
        batches.push(batch);
    }
    let stamps: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let base = Instant::now();

    // Set once publishing is over: watchers still short of events give up then.
    let deadline: Arc<OnceLock<tokio::time::Instant>> = Arc::new(OnceLock::new());
    let (caught_up_tx, mut caught_up_rx) = tokio::sync::mpsc::channel::<()>(watchers.max(1));
    let mut tasks = Vec::new();
    for _ in 0..watchers {
        let mut client = client(procs::connect(url).await?);
        let stamps = stamps.clone();
        let caught_up_tx = caught_up_tx.clone();
        let deadline = deadline.clone();
        tasks.push(tokio::spawn(async move {
            let request = pb::WatchTimelineRequest {
                heartbeat_interval_ms: 1000,
                ..Default::default()
            };
            let mut stream = client.watch_timeline(request).await?.into_inner();
            let mut latencies = Vec::with_capacity(total as usize);
            let mut caught_up = false;
            let end = loop {
                let message = match tokio::time::timeout(POLL, stream.message()).await {
                    Ok(Ok(Some(message))) => message,
                    Ok(Ok(None)) => break "ended with OK".to_string(),
                    Ok(Err(status)) => break format!("ended with {:?}", status.code()),
                    Err(_) => {
                        if deadline
                            .get()
                            .is_some_and(|d| tokio::time::Instant::now() >= *d)
                        {
                            break "still waiting at the deadline".to_string();
                        }
                        continue;
                    }
                };
                match message.update {
                    Some(Update::CaughtUp(_)) if !caught_up => {
                        caught_up = true;
                        let _ = caught_up_tx.send(()).await;
                    }
                    Some(Update::Event(watched)) if !watched.replayed => {
                        let received = base.elapsed().as_nanos() as u64;
                        let Some(index) = watched
                            .event
                            .as_ref()
                            .and_then(|e| e.id.strip_prefix("event:"))
                            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                            .filter(|&i| i < total)
                        else {
                            continue;
                        };
                        let sent = stamps[index as usize].load(Ordering::Acquire);
                        if sent > 0 {
                            latencies.push(Duration::from_nanos(received.saturating_sub(sent - 1)));
                        }
                        if latencies.len() as u64 == total {
                            break "received every event".to_string();
                        }
                    }
                    _ => {}
                }
            };
            anyhow::Ok((latencies, end))
        }));
    }
    drop(caught_up_tx);
    for _ in 0..watchers {
        tokio::time::timeout(Duration::from_secs(60), caught_up_rx.recv())
            .await
            .context("watchers did not catch up within 60 s")?
            .context("a watcher ended before catching up")?;
    }

    // The producer gets a thread and a runtime of its own, as a separate producer process would,
    // so that the watchers' decoding in this process does not hold back the publishing.
    let producer = {
        let (url, stamps) = (url.to_string(), stamps.clone());
        std::thread::spawn(move || -> anyhow::Result<Duration> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let channel = procs::connect(&url).await?;
                publish_at_rate(channel, batches, stamps, base, rate).await
            })
        })
    };
    let published_at = tokio::task::spawn_blocking(move || producer.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the watch producer thread panicked"))??;
    let _ = deadline.set(tokio::time::Instant::now() + DRAIN);
    let mut samples = Vec::new();
    let mut endings: BTreeMap<String, usize> = BTreeMap::new();
    for task in tasks {
        let (latencies, end) = task.await??;
        samples.extend(latencies);
        *endings.entry(end).or_default() += 1;
    }
    Ok(WatchReport {
        watchers,
        target_rate: rate,
        achieved_rate: total as f64 / published_at.as_secs_f64().max(1e-9),
        published: total,
        expected_deliveries: total * watchers as u64,
        delivered: samples.len() as u64,
        endings,
        latency: Percentiles::of(&mut samples),
    })
}

/// Sends each batch when the schedule says its first event is due, stamping its events first.
/// Returns how long publishing took.
async fn publish_at_rate(
    channel: Channel,
    batches: Vec<pb::PublishRequest>,
    stamps: Arc<Vec<AtomicU64>>,
    base: Instant,
    rate: u64,
) -> anyhow::Result<Duration> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut sink = RecordSinkServiceClient::new(channel).max_encoding_message_size(64 << 20);
    let acks = tokio::spawn(async move {
        let mut stream = sink.publish(ReceiverStream::new(rx)).await?.into_inner();
        let mut acked = 0u64;
        while let Some(ack) = stream.message().await? {
            acked = ack.sequence;
        }
        anyhow::Ok(acked)
    });
    let count = batches.len() as u64;
    let started = tokio::time::Instant::now();
    let mut sent_events = 0u64;
    for batch in batches {
        let due = started + Duration::from_secs_f64(sent_events as f64 / rate as f64);
        tokio::time::sleep_until(due).await;
        let now = base.elapsed().as_nanos() as u64 + 1;
        for event in &batch.events {
            if let Some(index) = event
                .id
                .strip_prefix("event:")
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            {
                stamps[index as usize].store(now, Ordering::Release);
            }
        }
        sent_events += batch.events.len() as u64;
        if tx.send(batch).await.is_err() {
            break;
        }
    }
    let elapsed = started.elapsed();
    drop(tx);
    let acked = acks.await??;
    if acked != count {
        bail!("{count} watch batches published but {acked} acknowledged");
    }
    Ok(elapsed)
}
