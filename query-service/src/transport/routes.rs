//! Routes `QueryService/StreamTimeline` and `WatchTimeline` to handlers whose responses are
//! already wire bytes, and every other method to the generated server. It sits inside the token
//! and decode-error layers, so both behave for the routed methods as for the rest.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use newsline_proto::v1 as pb;
use tonic::{
    Request, Response, Status,
    body::Body,
    codegen::{Body as HttpBody, StdError},
    server::NamedService,
};
use tonic_prost::ProstCodec;
use tower::Service;

use super::{ResponseStream, query::QueryApi, wire::Encoded};

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

const STREAM_TIMELINE: &str = "/newsline.v1.QueryService/StreamTimeline";
const WATCH_TIMELINE: &str = "/newsline.v1.QueryService/WatchTimeline";

/// The generated `QueryServiceServer` (`inner`) with the timeline streams served from wire bytes.
#[derive(Clone)]
pub struct EncodedTimelines<S> {
    inner: S,
    api: Arc<QueryApi>,
    max_decoding_message_size: usize,
    max_encoding_message_size: usize,
}

impl<S> EncodedTimelines<S> {
    /// `api` must be the one `inner` serves; the limits must be those `inner` was given.
    pub fn new(inner: S, api: Arc<QueryApi>, max_message_bytes: usize) -> Self {
        Self {
            inner,
            api,
            max_decoding_message_size: max_message_bytes,
            max_encoding_message_size: max_message_bytes,
        }
    }
}

impl<S: NamedService> NamedService for EncodedTimelines<S> {
    const NAME: &'static str = S::NAME;
}

struct StreamTimelineEncoded(Arc<QueryApi>);
struct WatchTimelineEncoded(Arc<QueryApi>);

impl tonic::server::ServerStreamingService<pb::WatchTimelineRequest> for WatchTimelineEncoded {
    type Response = Encoded;
    type ResponseStream = ResponseStream<Encoded>;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<pb::WatchTimelineRequest>) -> Self::Future {
        let api = Arc::clone(&self.0);
        Box::pin(async move { api.watch_timeline_encoded(request).await })
    }
}

impl tonic::server::ServerStreamingService<pb::StreamTimelineRequest> for StreamTimelineEncoded {
    type Response = Encoded;
    type ResponseStream = ResponseStream<Encoded>;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<pb::StreamTimelineRequest>) -> Self::Future {
        let api = Arc::clone(&self.0);
        Box::pin(async move { api.stream_timeline_encoded(request).await })
    }
}

impl<S, B> Service<http::Request<B>> for EncodedTimelines<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
    B: HttpBody + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let (max_decoding, max_encoding) = (
            Some(self.max_decoding_message_size),
            Some(self.max_encoding_message_size),
        );
        match request.uri().path() {
            STREAM_TIMELINE => {
                let method = StreamTimelineEncoded(Arc::clone(&self.api));
                Box::pin(async move {
                    let codec = ProstCodec::<Encoded, pb::StreamTimelineRequest>::default();
                    let mut grpc = tonic::server::Grpc::new(codec)
                        .apply_max_message_size_config(max_decoding, max_encoding);
                    Ok(grpc.server_streaming(method, request).await)
                })
            }
            WATCH_TIMELINE => {
                let method = WatchTimelineEncoded(Arc::clone(&self.api));
                Box::pin(async move {
                    let codec = ProstCodec::<Encoded, pb::WatchTimelineRequest>::default();
                    let mut grpc = tonic::server::Grpc::new(codec)
                        .apply_max_message_size_config(max_decoding, max_encoding);
                    Ok(grpc.server_streaming(method, request).await)
                })
            }
            _ => Box::pin(self.inner.call(request)),
        }
    }
}
