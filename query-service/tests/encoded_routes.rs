//! StreamTimeline and WatchTimeline are served by the wire-bytes route, not the generated server:
//! undecodable requests to them are still INVALID_ARGUMENT naming the request message, and their
//! responses decode like any other.

mod common;

use common::*;
use newsline_proto::v1 as pb;
use newsline_query::transport::wire::Encoded;
use prost::bytes::Bytes;
use tonic::{Code, Request, Status, codec::Streaming, transport::Channel};
use tonic_prost::ProstCodec;

/// Sends `body` as the request message of `method` and returns the first answer.
async fn first_answer<R>(server: &TestServer, method: &'static str, body: &'static [u8]) -> Status
where
    R: prost::Message + Default + std::fmt::Debug + Send + 'static,
{
    let channel = Channel::from_shared(server.addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(method);
    let codec = ProstCodec::<Encoded, R>::default();
    let answer: Result<tonic::Response<Streaming<R>>, Status> = grpc
        .server_streaming(Request::new(Encoded(Bytes::from_static(body))), path, codec)
        .await;
    match answer {
        Err(status) => status,
        Ok(response) => match response.into_inner().message().await {
            Err(status) => status,
            Ok(message) => panic!("{method} answered {message:?} to undecodable bytes"),
        },
    }
}

#[tokio::test]
async fn undecodable_timeline_and_watch_requests_are_invalid_argument() {
    let server = TestServer::start().await;
    // Field 1 (filter) claims 255 bytes and ends: a cut-off message.
    let cut_off: &[u8] = &[0x0a, 0xff, 0x01, 0x00];
    for (method, message) in [
        (
            "/newsline.v1.QueryService/StreamTimeline",
            "StreamTimelineRequest",
        ),
        (
            "/newsline.v1.QueryService/WatchTimeline",
            "WatchTimelineRequest",
        ),
    ] {
        let status = if method.ends_with("StreamTimeline") {
            first_answer::<pb::StreamTimelineResponse>(&server, method, cut_off).await
        } else {
            first_answer::<pb::WatchTimelineResponse>(&server, method, cut_off).await
        };
        assert_eq!(status.code(), Code::InvalidArgument, "{method}: {status:?}");
        assert!(
            status.message().contains(message),
            "{method}: {}",
            status.message()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn routed_streams_answer_with_decodable_messages() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let items = server.timeline(Default::default()).await.unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|i| i.event.is_some() && !i.cursor.is_empty())
    );

    let mut client = server.query().await;
    let mut watch = client
        .watch_timeline(pb::WatchTimelineRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut events = 0;
    loop {
        let message = watch.message().await.unwrap().expect("the watch goes on");
        match message.update.expect("set") {
            pb::watch_timeline_response::Update::Event(watched) => {
                assert!(watched.replayed && watched.event.is_some());
                events += 1;
            }
            pb::watch_timeline_response::Update::CaughtUp(caught_up) => {
                assert!(caught_up.revision >= 1 && !caught_up.cursor.is_empty());
                break;
            }
            pb::watch_timeline_response::Update::Heartbeat(_) => {}
        }
    }
    assert_eq!(events, 5);
    server.stop().await;
}
