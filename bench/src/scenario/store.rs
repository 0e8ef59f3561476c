//! Loads synthetic records into a running query service through `RecordSinkService/Publish`, as
//! a producer would, and measures what the store then costs in memory.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use newsline_proto::v1::record_sink_service_client::RecordSinkServiceClient;
use prost::Message;
use serde::Serialize;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::procs::Process;
use crate::synth::{Generator, IdScheme, Universe};

/// Batches in flight between the generator thread and the publish stream.
const IN_FLIGHT: usize = 8;

#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    pub events: u64,
    pub articles: u64,
    pub entities: u64,
    pub batches: u64,
    pub seconds: f64,
    pub events_per_second: f64,
    pub rss_before: u64,
    pub rss_after: u64,
    pub approx_memory_bytes: u64,
    /// Bytes of article text published (each event's sentence lives in it).
    pub article_text_bytes: u64,
    /// Bytes of the events as protobuf, the same payload Redis holds.
    pub encoded_event_bytes: u64,
}

impl LoadReport {
    pub fn rss_per_event(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.events.max(1) as f64
    }

    pub fn approx_per_event(&self) -> f64 {
        self.approx_memory_bytes as f64 / self.events.max(1) as f64
    }

    pub fn text_per_event(&self) -> f64 {
        self.article_text_bytes as f64 / self.events.max(1) as f64
    }
}

/// What the loaded store holds, for choosing the queries that read it.
pub struct Loaded {
    pub report: LoadReport,
    /// Events per entity (as participant or location), by index into `Universe::entities`.
    pub entity_event_counts: Vec<u32>,
    /// Events per entity as a participant only.
    pub participant_event_counts: Vec<u32>,
}

/// What to publish: `events` generated events (with their articles and entities) in batches of
/// about `batch_events`. Without events, only the same articles and entities are published: the
/// baseline that separates what events and their indexes cost from what articles cost.
#[derive(Clone)]
pub struct Plan {
    pub universe: Arc<Universe>,
    pub seed: u64,
    pub ids: IdScheme,
    pub events: u64,
    pub batch_events: usize,
    pub with_events: bool,
}

/// Publishes the plan, waits for every acknowledgement, and checks the store's count.
pub async fn load(channel: Channel, server: &Process, plan: Plan) -> anyhow::Result<Loaded> {
    let mut query = QueryServiceClient::new(channel.clone());
    let before = query.get_stats(pb::GetStatsRequest {}).await?.into_inner();
    let rss_before = server.rss_bytes()?;
    let started = Instant::now();
    let events = plan.events;
    let expected = if plan.with_events { events } else { 0 };
    let (sent, acked) = publish(channel, plan, "newsline-bench").await?;
    let seconds = started.elapsed().as_secs_f64();
    let stats = query.get_stats(pb::GetStatsRequest {}).await?.into_inner();
    let rss_after = server.rss_bytes()?;
    let stored = stats.events - before.events;
    if stored != expected {
        bail!(
            "published {expected} events but the store grew by {stored} (acknowledged upserts: {acked})"
        );
    }
    Ok(Loaded {
        report: LoadReport {
            events,
            articles: sent.articles,
            entities: sent.entities,
            batches: sent.batches,
            seconds,
            events_per_second: events as f64 / seconds,
            rss_before,
            rss_after,
            approx_memory_bytes: stats.approx_memory_bytes,
            article_text_bytes: sent.text_bytes,
            encoded_event_bytes: sent.encoded_event_bytes,
        },
        entity_event_counts: sent.entity_event_counts,
        participant_event_counts: sent.participant_event_counts,
    })
}

/// Totals of what a generator thread sent.
#[derive(Default)]
pub struct Sent {
    pub batches: u64,
    pub articles: u64,
    pub entities: u64,
    pub text_bytes: u64,
    pub encoded_event_bytes: u64,
    pub entity_event_counts: Vec<u32>,
    pub participant_event_counts: Vec<u32>,
}

/// Streams generated batches through one `Publish` stream; returns what was sent and the number
/// of events the server reported as upserted.
pub async fn publish(
    channel: Channel,
    plan: Plan,
    producer_id: &str,
) -> anyhow::Result<(Sent, u64)> {
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::PublishRequest>(IN_FLIGHT);
    let producer_id = producer_id.to_string();
    // Generating is CPU work: a plain thread keeps it off the runtime that reads the acks.
    let generator_thread = std::thread::spawn(move || {
        let mut generator = Generator::new(plan.universe, plan.seed, plan.ids);
        let mut sent = Sent::default();
        let mut sequence = 0;
        loop {
            let mut batch = generator.next_batch(plan.batch_events, plan.events);
            if batch.events.is_empty() {
                break;
            }
            sequence += 1;
            batch.producer_id = producer_id.clone();
            batch.sequence = sequence;
            sent.batches += 1;
            sent.articles += batch.articles.len() as u64;
            sent.entities += batch.entities.len() as u64;
            sent.text_bytes += batch
                .articles
                .iter()
                .map(|a| a.text.len() as u64)
                .sum::<u64>();
            sent.encoded_event_bytes += batch
                .events
                .iter()
                .map(|e| e.encoded_len() as u64)
                .sum::<u64>();
            if !plan.with_events {
                batch.events.clear();
            }
            if tx.blocking_send(batch).is_err() {
                break;
            }
        }
        sent.entity_event_counts = generator.entity_event_counts;
        sent.participant_event_counts = generator.participant_event_counts;
        sent
    });
    let mut sink = RecordSinkServiceClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let mut acks = sink
        .publish(ReceiverStream::new(rx))
        .await
        .context("opening the Publish stream")?
        .into_inner();
    let mut upserted = 0u64;
    let mut last_sequence = 0;
    while let Some(ack) = acks
        .message()
        .await
        .context("reading Publish acknowledgements")?
    {
        if ack.sequence != last_sequence + 1 {
            bail!(
                "acknowledgement for batch {} after batch {last_sequence}",
                ack.sequence
            );
        }
        last_sequence = ack.sequence;
        upserted += u64::from(ack.events_upserted);
    }
    let sent = generator_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the generator thread panicked"))?;
    if last_sequence != sent.batches {
        bail!(
            "{} batches sent but {last_sequence} acknowledged",
            sent.batches
        );
    }
    Ok((sent, upserted))
}
