//! The end check: is every published record readable, and nothing else stored?

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use anyhow::bail;
use futures::StreamExt;
use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_client::QueryServiceClient;
use serde::Serialize;
use tonic::transport::Channel;

use super::{
    ARTICLE_CHECKS_IN_FLIGHT,
    order::event_number,
    tally::Tally,
    timeline::{Mix, check_timeline, read_timeline},
};

/// The end check: is every published record readable, and nothing else stored?
#[derive(Clone, Debug, Default, Serialize)]
pub struct EndCheck {
    /// False when the store could not be read at the end (the other figures are then empty).
    pub ran: bool,
    pub stats_events: u64,
    pub stats_articles: u64,
    pub timeline_events: u64,
    pub published_events: u64,
    pub published_missing: u64,
    pub ingested_articles: u64,
    pub ingested_articles_missing: u64,
    pub ingested_events: u64,
    pub ingested_events_missing: u64,
    /// Stored events neither published nor found in an ingested article.
    pub unexplained_events: u64,
    pub watchers_complete: usize,
    pub watch_wait_seconds: f64,
    pub passed: bool,
}

/// Reads the whole timeline and every ingested article; returns the check and the ids stored.
pub(super) async fn end_check(
    mut client: QueryServiceClient<Channel>,
    published: &[u64],
    ingested_articles: &HashSet<String>,
    tally: Arc<Tally>,
) -> anyhow::Result<(EndCheck, Arc<HashSet<u64>>)> {
    let mut check = EndCheck {
        ran: true,
        ..EndCheck::default()
    };
    let stats = match client.get_stats(pb::GetStatsRequest {}).await {
        Ok(stats) => {
            tally.ok("GetStats");
            stats.into_inner()
        }
        Err(status) => {
            tally.failed("GetStats", &status);
            bail!("GetStats failed at the end: {status}");
        }
    };
    check.stats_events = stats.events;
    check.stats_articles = stats.articles;
    let request = pb::StreamTimelineRequest::default();
    let items = read_timeline(&mut client, request.clone(), &tally)
        .await
        .context("reading the whole timeline at the end failed")?;
    check_timeline(&items, &request, None, None, &tally, Mix::Unfiltered);
    let stored: HashSet<u64> = items
        .iter()
        .filter_map(|item| item.event.as_ref())
        .filter_map(|event| event_number(&event.id))
        .collect();
    drop(items);
    check.timeline_events = stored.len() as u64;
    check.published_events = published.len() as u64;
    check.published_missing = published.iter().filter(|id| !stored.contains(id)).count() as u64;

    let lookups = futures::stream::iter(ingested_articles.iter().cloned())
        .map(|id| {
            let mut client = client.clone();
            async move {
                let answer = client
                    .get_article(pb::GetArticleRequest { id: id.clone() })
                    .await;
                (id, answer)
            }
        })
        .buffer_unordered(ARTICLE_CHECKS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut ingested_events: HashSet<u64> = HashSet::new();
    for (id, answer) in lookups {
        match answer {
            Ok(answer) => {
                tally.ok("GetArticle");
                check.ingested_articles += 1;
                for event_id in answer.into_inner().event_ids {
                    match event_number(&event_id) {
                        Some(number) => {
                            ingested_events.insert(number);
                        }
                        None => {
                            tally.problem("malformed event id", format!("{id} lists {event_id:?}"))
                        }
                    }
                }
            }
            Err(status) => {
                check.ingested_articles_missing += 1;
                tally.failed("GetArticle", &status);
            }
        }
    }
    check.ingested_events = ingested_events.len() as u64;
    check.ingested_events_missing = ingested_events
        .iter()
        .filter(|id| !stored.contains(id))
        .count() as u64;
    let published: HashSet<u64> = published.iter().copied().collect();
    check.unexplained_events = stored
        .iter()
        .filter(|id| !published.contains(id) && !ingested_events.contains(id))
        .count() as u64;
    for (what, count) in [
        ("published event not readable", check.published_missing),
        (
            "ingested article not readable",
            check.ingested_articles_missing,
        ),
        ("ingested event not readable", check.ingested_events_missing),
        ("stored event nobody published", check.unexplained_events),
    ] {
        if count > 0 {
            tally.problem(what, format!("{count} × {what}"));
        }
    }
    if check.timeline_events != check.stats_events {
        tally.problem(
            "timeline and stats disagree",
            format!(
                "the whole timeline has {} events, GetStats says {}",
                check.timeline_events, check.stats_events
            ),
        );
    }
    Ok((check, Arc::new(stored)))
}
