//! The ceiling: a trivial tonic server whose `StreamTimeline` streams pre-built messages from a
//! `Vec`, with no store, no index and no filter. What it reaches is what tonic, HTTP/2 and the
//! client's decoding allow on this machine for messages of the same size; newsline's timeline
//! rate is reported as a fraction of it. It honours `max_results` (and nothing else), so the
//! latency test can ask it for timelines as long as the filtered ones. It runs as a child process (`newsline-bench
//! ceiling-serve`), like the query service, so both compete with the client for the same cores.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use newsline_proto::Encoded;
use newsline_proto::v1 as pb;
use newsline_proto::v1::query_service_server::{QueryService, QueryServiceServer};
use prost::Message;
use prost::bytes::Bytes;
use tokio::net::TcpListener;
use tonic::codegen::Body as HttpBody;
use tonic::codegen::{BoxFuture, Context, Poll, Service, StdError, http};
use tonic::server::NamedService;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

use crate::synth::{Generator, IdScheme, Universe};

type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

struct Ceiling {
    items: Arc<Vec<pb::StreamTimelineResponse>>,
    /// How many items one stream sends, cycling through `items`.
    events: u64,
}

fn unimplemented<T>() -> Result<T, Status> {
    Err(Status::unimplemented(
        "the ceiling server only streams the timeline",
    ))
}

#[tonic::async_trait]
impl QueryService for Ceiling {
    type StreamTimelineStream = Streamed<pb::StreamTimelineResponse>;
    type WatchTimelineStream = Streamed<pb::WatchTimelineResponse>;
    type SearchEntitiesStream = Streamed<pb::SearchEntitiesResponse>;
    type StreamEntityRelationsStream = Streamed<pb::StreamEntityRelationsResponse>;
    type StreamArticlesStream = Streamed<pb::StreamArticlesResponse>;

    async fn stream_timeline(
        &self,
        request: Request<pb::StreamTimelineRequest>,
    ) -> Result<Response<Self::StreamTimelineStream>, Status> {
        let items = self.items.clone();
        let count = match request.get_ref().max_results {
            0 => self.events,
            max => u64::from(max).min(self.events),
        };
        let stream = futures::stream::iter(
            (0..count).map(move |i| Ok(items[(i % items.len() as u64) as usize].clone())),
        );
        Ok(Response::new(Box::pin(stream)))
    }

    async fn watch_timeline(
        &self,
        _request: Request<pb::WatchTimelineRequest>,
    ) -> Result<Response<Self::WatchTimelineStream>, Status> {
        unimplemented()
    }

    async fn get_entity(
        &self,
        _request: Request<pb::GetEntityRequest>,
    ) -> Result<Response<pb::GetEntityResponse>, Status> {
        unimplemented()
    }

    async fn search_entities(
        &self,
        _request: Request<pb::SearchEntitiesRequest>,
    ) -> Result<Response<Self::SearchEntitiesStream>, Status> {
        unimplemented()
    }

    async fn stream_entity_relations(
        &self,
        _request: Request<pb::StreamEntityRelationsRequest>,
    ) -> Result<Response<Self::StreamEntityRelationsStream>, Status> {
        unimplemented()
    }

    async fn get_article(
        &self,
        _request: Request<pb::GetArticleRequest>,
    ) -> Result<Response<pb::GetArticleResponse>, Status> {
        unimplemented()
    }

    async fn stream_articles(
        &self,
        _request: Request<pb::StreamArticlesRequest>,
    ) -> Result<Response<Self::StreamArticlesStream>, Status> {
        unimplemented()
    }

    async fn get_stats(
        &self,
        _request: Request<pb::GetStatsRequest>,
    ) -> Result<Response<pb::GetStatsResponse>, Status> {
        unimplemented()
    }
}

/// Builds `prebuilt` messages from the same generator as the store (events with the same sizes,
/// each with a cursor of `cursor_len` characters) and serves them until the process is killed:
/// cloned and encoded per item, or, with `pre_encoded`, encoded once and streamed as bytes.
pub async fn serve(
    listen: SocketAddr,
    universe: Arc<Universe>,
    seed: u64,
    events: u64,
    prebuilt: u64,
    cursor_len: usize,
    pre_encoded: bool,
) -> anyhow::Result<()> {
    let mut generator = Generator::new(universe, seed, IdScheme::Hashed);
    let wanted = prebuilt.min(events).max(1);
    let mut items = Vec::with_capacity(wanted as usize);
    while (items.len() as u64) < wanted {
        let batch = generator.next_batch(1_000, wanted);
        if batch.events.is_empty() {
            break;
        }
        for event in batch.events {
            let cursor = format!("{:0>width$}", items.len(), width = cursor_len.max(1));
            items.push(pb::StreamTimelineResponse {
                event: Some(event),
                cursor,
            });
        }
    }
    let (_reporter, health) = tonic_health::server::health_reporter();
    let listener = TcpListener::bind(listen).await?;
    // Accepted sockets do not inherit TCP_NODELAY; without it small writes wait for delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let router = tonic::transport::Server::builder().add_service(health);
    if pre_encoded {
        let encoded = items
            .iter()
            .map(|item| Bytes::from(item.encode_to_vec()))
            .collect();
        drop(items);
        let service = PreEncoded {
            items: Arc::new(encoded),
            events,
        };
        router
            .add_service(service)
            .serve_with_incoming(incoming)
            .await?;
    } else {
        let ceiling = Ceiling {
            items: Arc::new(items),
            events,
        };
        router
            .add_service(QueryServiceServer::new(ceiling).max_encoding_message_size(64 << 20))
            .serve_with_incoming(incoming)
            .await?;
    }
    Ok(())
}

/// The ceiling with events encoded once: `QueryService/StreamTimeline` streams stored bytes,
/// which is what a store that keeps its events encoded could do. Every other method answers
/// UNIMPLEMENTED.
#[derive(Clone)]
struct PreEncoded {
    items: Arc<Vec<Bytes>>,
    events: u64,
}

impl NamedService for PreEncoded {
    const NAME: &'static str = "newsline.v1.QueryService";
}

struct StreamStored(PreEncoded);

impl tonic::server::ServerStreamingService<pb::StreamTimelineRequest> for StreamStored {
    type Response = Encoded;
    type ResponseStream = Streamed<Encoded>;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<pb::StreamTimelineRequest>) -> Self::Future {
        let items = self.0.items.clone();
        let count = match request.get_ref().max_results {
            0 => self.0.events,
            max => u64::from(max).min(self.0.events),
        };
        let stream = futures::stream::iter(
            (0..count).map(move |i| Ok(Encoded(items[(i % items.len() as u64) as usize].clone()))),
        );
        let stream: Self::ResponseStream = Box::pin(stream);
        Box::pin(async move { Ok(Response::new(stream)) })
    }
}

impl<B> Service<http::Request<B>> for PreEncoded
where
    B: HttpBody + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() == "/newsline.v1.QueryService/StreamTimeline" {
            let method = StreamStored(self.clone());
            return Box::pin(async move {
                let codec = ProstCodec::<Encoded, pb::StreamTimelineRequest>::default();
                let mut grpc = tonic::server::Grpc::new(codec);
                Ok(grpc.server_streaming(method, request).await)
            });
        }
        Box::pin(async move {
            let mut response = http::Response::new(tonic::body::Body::default());
            let headers = response.headers_mut();
            headers.insert(
                Status::GRPC_STATUS,
                (tonic::Code::Unimplemented as i32).into(),
            );
            headers.insert(
                http::header::CONTENT_TYPE,
                tonic::metadata::GRPC_CONTENT_TYPE,
            );
            Ok(response)
        })
    }
}
