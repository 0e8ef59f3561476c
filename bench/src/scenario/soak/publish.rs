//! Synthetic batches through `RecordSinkService/Publish`: the preload and the steady publisher.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::bail;
use futures::StreamExt;
use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use newsline_proto::v1::record_sink_service_client::RecordSinkServiceClient;
use serde::Serialize;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::synth::Generator;
use crate::synth::IdScheme;
use crate::synth::Universe;

use super::{ARTICLE_CHECKS_IN_FLIGHT, PUBLISH_TICK, order::event_number, tally::Tally};

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
pub(super) type PendingBatches = Mutex<std::collections::VecDeque<(u64, Vec<u64>)>>;

/// Sends `batches` on one `Publish` stream as they come from `batches_rx` and checks each
/// acknowledgement: in order, not a duplicate, every event upserted. Returns the ids of the
/// acknowledged events and the number of acknowledged batches.
pub(super) async fn publish_stream(
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
pub(super) async fn preload(
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
pub(super) async fn resolve_entities(
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
pub(super) async fn publisher(
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
