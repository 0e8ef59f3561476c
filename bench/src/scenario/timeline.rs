//! Reads a loaded store the way clients do: whole timelines on one stream, and many short
//! queries from concurrent clients, each on its own connection.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use serde::Serialize;
use tonic::transport::Channel;

use crate::procs;
use crate::stats::Percentiles;

/// One whole stream: how many items, how long, and how long a cursor is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct StreamRun {
    pub items: u64,
    pub seconds: f64,
    pub cursor_len: usize,
}

impl StreamRun {
    pub fn per_second(&self) -> f64 {
        self.items as f64 / self.seconds
    }
}

pub fn client(channel: Channel) -> QueryServiceClient<Channel> {
    QueryServiceClient::new(channel).max_decoding_message_size(64 << 20)
}

/// Reads one `StreamTimeline` to its end, decoding every item as a client does.
pub async fn stream_timeline(
    client: &mut QueryServiceClient<Channel>,
    filter: Option<pb::TimelineFilter>,
) -> anyhow::Result<StreamRun> {
    let started = Instant::now();
    let request = pb::StreamTimelineRequest {
        filter,
        ..Default::default()
    };
    let mut stream = client
        .stream_timeline(request)
        .await
        .context("opening StreamTimeline")?
        .into_inner();
    let mut items = 0;
    let mut cursor_len = 0;
    while let Some(item) = stream.message().await.context("reading StreamTimeline")? {
        if item.event.is_none() {
            bail!("a StreamTimeline item without an event");
        }
        if items == 0 {
            cursor_len = item.cursor.len();
        }
        items += 1;
    }
    Ok(StreamRun {
        items,
        seconds: started.elapsed().as_secs_f64(),
        cursor_len,
    })
}

pub fn entity_filter(entity_id: &str) -> pb::TimelineFilter {
    pb::TimelineFilter {
        entity_ids: vec![entity_id.to_string()],
        ..Default::default()
    }
}

/// One request of a latency test.
#[derive(Clone, Debug)]
pub enum Call {
    /// A timeline filtered by one entity, read to its end.
    EntityTimeline(String),
    GetEntity(String),
    /// `SearchEntities` with the default 20 results, read to its end.
    Search(String),
    /// The first n events of the unfiltered timeline: what the ceiling server is asked for in
    /// place of an entity's timeline of the same length.
    FirstEvents(u32),
}

async fn perform(client: &mut QueryServiceClient<Channel>, call: &Call) -> anyhow::Result<()> {
    match call {
        Call::EntityTimeline(id) => {
            stream_timeline(client, Some(entity_filter(id))).await?;
        }
        Call::GetEntity(id) => {
            client
                .get_entity(pb::GetEntityRequest { id: id.clone() })
                .await
                .with_context(|| format!("GetEntity {id}"))?;
        }
        Call::Search(query) => {
            let mut stream = client
                .search_entities(pb::SearchEntitiesRequest {
                    query: query.clone(),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("SearchEntities {query:?}"))?
                .into_inner();
            while stream.message().await?.is_some() {}
        }
        Call::FirstEvents(count) => {
            let request = pb::StreamTimelineRequest {
                max_results: *count,
                ..Default::default()
            };
            let mut stream = client.stream_timeline(request).await?.into_inner();
            while stream.message().await?.is_some() {}
        }
    }
    Ok(())
}

/// `clients` concurrent clients, each on its own connection, each sending `calls` one after the
/// other (starting at a different offset) until `duration` is up. Latency is call to last item.
pub async fn latency(
    url: &str,
    clients: usize,
    duration: Duration,
    calls: &[Call],
) -> anyhow::Result<Percentiles> {
    if calls.is_empty() {
        bail!("a latency test needs at least one call");
    }
    let mut tasks = Vec::new();
    for index in 0..clients {
        let mut client = client(procs::connect(url).await?);
        let calls = calls.to_vec();
        tasks.push(tokio::spawn(async move {
            // A first call outside the clock warms the connection.
            perform(&mut client, &calls[index % calls.len()]).await?;
            let mut samples = Vec::new();
            let deadline = Instant::now() + duration;
            let mut next = index;
            while Instant::now() < deadline {
                let call = &calls[next % calls.len()];
                next += 1;
                let started = Instant::now();
                perform(&mut client, call).await?;
                samples.push(started.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await??);
    }
    Ok(Percentiles::of(&mut samples))
}
