//! `newsline.v1.QueryService`.

use std::time::Duration;

use newsline_proto::v1::{self as pb, query_service_server::QueryService};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::{
    ResponseStream,
    convert::{ArticleQuery, SearchQuery},
    deadline, spawn_stream,
    wire::{Encoded, TimelineWire, WatchWire},
};
use crate::domain::{
    DomainError, Store,
    cursor::Cursor,
    filter::RelationQuery,
    stream::{
        self, OwnedTimelineItems, OwnedWatchItems, TimelineEncoder, TimelineQuery, WatchEncoder,
        WatchQuery,
    },
};

const DEFAULT_HEARTBEAT_MS: u32 = 5000;
const HEARTBEAT_RANGE_MS: std::ops::RangeInclusive<u32> = 100..=60_000;
const ARTICLE_PAGE: usize = 64;
/// Pages (of up to `stream::PAGE_SIZE` events) a timeline reads ahead of its client.
const TIMELINE_PAGES_BUFFERED: usize = 2;

pub struct QueryApi {
    store: Store,
    token: CancellationToken,
    stream_buffer: usize,
}

impl QueryApi {
    pub fn new(store: Store, token: CancellationToken, stream_buffer: usize) -> Self {
        Self {
            store,
            token,
            stream_buffer,
        }
    }

    fn refuse_during_shutdown(&self) -> Result<(), Status> {
        if self.token.is_cancelled() {
            Err(DomainError::ShuttingDown.into())
        } else {
            Ok(())
        }
    }

    /// `StreamTimeline` with every response written straight to wire bytes (see [`super::wire`]); what
    /// the server routes the method to.
    pub async fn stream_timeline_encoded(
        &self,
        request: Request<pb::StreamTimelineRequest>,
    ) -> Result<Response<ResponseStream<Encoded>>, Status> {
        self.timeline(request, TimelineWire::default())
    }

    fn timeline<E, W>(
        &self,
        request: Request<pb::StreamTimelineRequest>,
        encoder: E,
    ) -> Result<Response<ResponseStream<W>>, Status>
    where
        E: TimelineEncoder,
        W: From<E::Item> + Send + 'static,
    {
        self.refuse_during_shutdown()?;
        let deadline = deadline::requested(request.metadata());
        let query = TimelineQuery::try_from(request.into_inner())?;
        let (store, token) = (self.store.clone(), self.token.clone());
        let items = spawn_stream(&self.token, TIMELINE_PAGES_BUFFERED, move |sink| {
            stream::stream_timeline(store, query, token, sink, encoder)
        });
        Ok(Response::new(deadline::bounded(items, deadline)))
    }

    /// `WatchTimeline` with every message written straight to wire bytes; what the server routes
    /// the method to.
    pub async fn watch_timeline_encoded(
        &self,
        request: Request<pb::WatchTimelineRequest>,
    ) -> Result<Response<ResponseStream<Encoded>>, Status> {
        self.watch(request, WatchWire)
    }

    fn watch<E, W>(
        &self,
        request: Request<pb::WatchTimelineRequest>,
        encoder: E,
    ) -> Result<Response<ResponseStream<W>>, Status>
    where
        E: WatchEncoder,
        W: From<E::Item> + Send + 'static,
    {
        self.refuse_during_shutdown()?;
        let deadline = deadline::requested(request.metadata());
        let request = request.into_inner();
        let filter = super::convert::filter_from_wire(request.filter, "filter")?;
        let after = Cursor::decode(&request.cursor, "cursor")?;
        let heartbeat_ms = match request.heartbeat_interval_ms {
            0 => DEFAULT_HEARTBEAT_MS,
            ms if HEARTBEAT_RANGE_MS.contains(&ms) => ms,
            _ => {
                return Err(DomainError::invalid(
                    "heartbeat_interval_ms",
                    "must be 0 or 100 to 60000",
                )
                .into());
            }
        };
        let query = WatchQuery {
            filter,
            after,
            heartbeat: Duration::from_millis(u64::from(heartbeat_ms)),
        };
        let (store, token) = (self.store.clone(), self.token.clone());
        // The channel holds batches of up to `WATCH_BATCH` events (heartbeats and the caught-up
        // mark alone), about `stream_buffer` responses.
        let batches = self.stream_buffer.div_ceil(stream::WATCH_BATCH).max(2);
        let items = spawn_stream(&self.token, batches, move |sink| {
            stream::watch_timeline(store, query, token, sink, encoder)
        });
        Ok(Response::new(deadline::bounded(items, deadline)))
    }

    /// Streams an already computed, bounded list.
    fn stream_list<D, W>(&self, items: Vec<D>) -> ResponseStream<W>
    where
        D: Send + 'static,
        W: From<D> + Send + 'static,
    {
        let token = self.token.clone();
        spawn_stream(&self.token, 1, move |sink| async move {
            stream::send_all(&sink, &token, items).await;
        })
    }
}

#[tonic::async_trait]
impl QueryService for QueryApi {
    type StreamTimelineStream = ResponseStream<pb::StreamTimelineResponse>;
    type WatchTimelineStream = ResponseStream<pb::WatchTimelineResponse>;
    type SearchEntitiesStream = ResponseStream<pb::SearchEntitiesResponse>;
    type StreamEntityRelationsStream = ResponseStream<pb::StreamEntityRelationsResponse>;
    type StreamArticlesStream = ResponseStream<pb::StreamArticlesResponse>;

    async fn stream_timeline(
        &self,
        request: Request<pb::StreamTimelineRequest>,
    ) -> Result<Response<Self::StreamTimelineStream>, Status> {
        self.timeline(request, OwnedTimelineItems::default())
    }

    async fn watch_timeline(
        &self,
        request: Request<pb::WatchTimelineRequest>,
    ) -> Result<Response<Self::WatchTimelineStream>, Status> {
        self.watch(request, OwnedWatchItems)
    }

    async fn get_entity(
        &self,
        request: Request<pb::GetEntityRequest>,
    ) -> Result<Response<pb::GetEntityResponse>, Status> {
        self.refuse_during_shutdown()?;
        let id = request.into_inner().id;
        if id.is_empty() {
            return Err(DomainError::invalid("id", "is empty").into());
        }
        Ok(Response::new(self.store.entity(&id)?.into()))
    }

    async fn search_entities(
        &self,
        request: Request<pb::SearchEntitiesRequest>,
    ) -> Result<Response<Self::SearchEntitiesStream>, Status> {
        self.refuse_during_shutdown()?;
        let query = SearchQuery::try_from(request.into_inner())?;
        let store = self.store.clone();
        let hits = tokio::task::spawn_blocking(move || {
            store.search_entities(&query.query, &query.kinds, query.max_results)
        })
        .await
        .map_err(|e| Status::internal(format!("search failed: {e}")))?;
        Ok(Response::new(self.stream_list(hits)))
    }

    async fn stream_entity_relations(
        &self,
        request: Request<pb::StreamEntityRelationsRequest>,
    ) -> Result<Response<Self::StreamEntityRelationsStream>, Status> {
        self.refuse_during_shutdown()?;
        let query = RelationQuery::try_from(request.into_inner())?;
        let store = self.store.clone();
        let relations = tokio::task::spawn_blocking(move || store.relations(&query))
            .await
            .map_err(|e| Status::internal(format!("relations failed: {e}")))??;
        Ok(Response::new(self.stream_list(relations)))
    }

    async fn get_article(
        &self,
        request: Request<pb::GetArticleRequest>,
    ) -> Result<Response<pb::GetArticleResponse>, Status> {
        self.refuse_during_shutdown()?;
        let id = request.into_inner().id;
        if id.is_empty() {
            return Err(DomainError::invalid("id", "is empty").into());
        }
        Ok(Response::new(self.store.article(&id)?.into()))
    }

    async fn stream_articles(
        &self,
        request: Request<pb::StreamArticlesRequest>,
    ) -> Result<Response<Self::StreamArticlesStream>, Status> {
        self.refuse_during_shutdown()?;
        let query = ArticleQuery::try_from(request.into_inner())?;
        let mut indexes = self.store.article_indexes(&query.filter);
        if query.max_results > 0 {
            indexes.truncate(query.max_results);
        }
        let (store, token) = (self.store.clone(), self.token.clone());
        Ok(Response::new(spawn_stream(
            &self.token,
            TIMELINE_PAGES_BUFFERED,
            move |sink| async move {
                for chunk in indexes.chunks(ARTICLE_PAGE) {
                    let items = store
                        .articles_at(chunk)
                        .into_iter()
                        .map(|article| pb::StreamArticlesResponse {
                            article: Some(article.into()),
                        })
                        .collect();
                    if !stream::send_all(&sink, &token, items).await {
                        return;
                    }
                }
            },
        )))
    }

    async fn get_stats(
        &self,
        _request: Request<pb::GetStatsRequest>,
    ) -> Result<Response<pb::GetStatsResponse>, Status> {
        Ok(Response::new(self.store.stats().into()))
    }
}
