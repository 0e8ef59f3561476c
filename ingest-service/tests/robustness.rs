//! Bad input against real servers: every row of the table in docs/robustness.md names the test
//! here (or in another suite) that sends it and the status it gets. The servers must answer with
//! a clear status, never panic or hang, keep serving, and lose nothing already accepted.

mod support;

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use bytes::{Buf, BufMut};
use newsline_proto::v1::{
    Article, CalendarDate, DateRange, Event, EventKind, GetEntityRequest, GetStatsRequest,
    PublishRequest, SearchEntitiesRequest, StreamTimelineRequest, TimelineFilter,
    WatchTimelineRequest, query_service_client::QueryServiceClient,
    record_sink_service_client::RecordSinkServiceClient,
};
use newsline_query::domain::cursor::Cursor;
use prost::Message;
use support::*;
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    transport::Channel,
};

/// Sends and receives messages as raw bytes, so a test can put anything on the wire.
#[derive(Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        Ok(Some(bytes.to_vec()))
    }
}

/// The status of a unary call carrying `message` as its raw request bytes.
async fn raw_unary(
    addr: SocketAddr,
    path: &'static str,
    message: Vec<u8>,
) -> Result<Vec<u8>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel(addr).await);
    grpc.ready().await.expect("the channel is ready");
    grpc.unary(
        tonic::Request::new(message),
        http::uri::PathAndQuery::from_static(path),
        RawCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

/// The first answer (or status) of a server-streaming call carrying raw request bytes.
async fn raw_stream(
    addr: SocketAddr,
    path: &'static str,
    message: Vec<u8>,
) -> Result<Option<Vec<u8>>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel(addr).await);
    grpc.ready().await.expect("the channel is ready");
    let mut stream = grpc
        .server_streaming(
            tonic::Request::new(message),
            http::uri::PathAndQuery::from_static(path),
            RawCodec,
        )
        .await?
        .into_inner();
    stream.message().await
}

struct Query {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Query {
    async fn start(config: newsline_query::Config) -> Query {
        let listener = listener("127.0.0.1:0").await;
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(newsline_query::run_with(config, listener, async move {
            let _ = stopped.await;
        }));
        wait_serving(addr).await;
        Query {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn client(&self) -> QueryServiceClient<Channel> {
        query_client(self.addr).await
    }

    /// Stops the server; it must finish within the bound (no stream keeps it alive).
    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the server stops within the bound")
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

fn date(year: i32, month: i32, day: i32) -> CalendarDate {
    CalendarDate { year, month, day }
}

fn article(n: usize) -> Article {
    Article {
        id: format!("article:{n:016x}"),
        title: format!("Article {n}"),
        text: format!("Text {n}."),
        ..Default::default()
    }
}

fn event(article_id: &str, n: usize) -> Event {
    Event {
        id: format!("event:{n:016x}"),
        article_id: article_id.into(),
        kind: EventKind::Meeting as i32,
        when: Some(DateRange {
            start: Some(date(2015, 1 + (n % 12) as i32, 1 + (n % 28) as i32)),
            end: Some(date(2015, 1 + (n % 12) as i32, 1 + (n % 28) as i32)),
            ..Default::default()
        }),
        sentence: format!("Text {n}."),
        ..Default::default()
    }
}

/// Publishes `count` events (one article per 100) and waits for the acknowledgement.
async fn publish_events(addr: SocketAddr, count: usize) {
    let batches: Vec<PublishRequest> = (0..count.div_ceil(100))
        .map(|b| {
            let a = article(b);
            let events = (b * 100..((b + 1) * 100).min(count))
                .map(|n| event(&a.id, n))
                .collect();
            PublishRequest {
                producer_id: "robustness".into(),
                sequence: b as u64 + 1,
                articles: vec![a],
                events,
                ..Default::default()
            }
        })
        .collect();
    let last = batches.len() as u64;
    let mut acks = RecordSinkServiceClient::new(channel(addr).await)
        .max_encoding_message_size(64 * 1024 * 1024)
        .publish(tokio_stream::iter(batches))
        .await
        .expect("publish opens")
        .into_inner();
    while let Some(ack) = acks.message().await.expect("acknowledged") {
        if ack.sequence == last {
            return;
        }
    }
    panic!("the last batch was never acknowledged");
}

fn timeline_request(filter: TimelineFilter) -> Vec<u8> {
    StreamTimelineRequest {
        filter: Some(filter),
        ..Default::default()
    }
    .encode_to_vec()
}

const TIMELINE: &str = "/newsline.v1.QueryService/StreamTimeline";

/// Asserts the code and that the message names `field` (when given).
fn assert_status<T: std::fmt::Debug>(
    row: &str,
    result: Result<T, Status>,
    code: Code,
    field: &str,
) {
    let status = result.expect_err(row);
    assert_eq!(status.code(), code, "{row}: {}", status.message());
    assert!(
        status.message().contains(field),
        "{row}: {:?} does not name {field:?}",
        status.message()
    );
}

/// The server still answers a plain call.
async fn assert_still_serving(addr: SocketAddr) {
    query_client(addr)
        .await
        .get_stats(GetStatsRequest::default())
        .await
        .expect("the server keeps serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_protobuf_and_invalid_utf8_get_a_status_naming_the_problem() {
    let query = Query::start(newsline_query::Config::default()).await;
    let rows: [(&str, &'static str, Vec<u8>, Code, &str); 4] = [
        (
            "an invalid varint",
            "/newsline.v1.QueryService/GetEntity",
            vec![0xff, 0xff, 0xff],
            Code::InvalidArgument,
            "failed to decode Protobuf message",
        ),
        (
            "a length past the end of the message",
            TIMELINE,
            vec![0x0a, 0x7f, 0x01],
            Code::InvalidArgument,
            "StreamTimelineRequest.filter",
        ),
        (
            "invalid UTF-8 in a string field",
            "/newsline.v1.QueryService/GetEntity",
            vec![0x0a, 0x02, 0xc3, 0x28],
            Code::InvalidArgument,
            "GetEntityRequest.id: invalid string value",
        ),
        (
            "a wire type that does not match the field",
            "/newsline.v1.QueryService/GetEntity",
            vec![0x08, 0x01],
            Code::InvalidArgument,
            "GetEntityRequest.id",
        ),
    ];
    for (row, path, bytes, code, field) in rows {
        let result = if path == TIMELINE {
            raw_stream(query.addr, path, bytes).await.map(|_| ())
        } else {
            raw_unary(query.addr, path, bytes).await.map(|_| ())
        };
        assert_status(row, result, code, field);
    }
    // Fields this version does not know are skipped, as protobuf promises.
    let mut unknown = GetEntityRequest {
        id: "person:nobody".into(),
    }
    .encode_to_vec();
    unknown.extend_from_slice(&[0xf8, 0x07, 0x01]);
    assert_status(
        "an unknown field",
        raw_unary(query.addr, "/newsline.v1.QueryService/GetEntity", unknown).await,
        Code::NotFound,
        "person:nobody",
    );
    // A publish stream whose message cannot be decoded stores nothing and ends.
    let mut grpc = tonic::client::Grpc::new(channel(query.addr).await);
    grpc.ready().await.unwrap();
    let answer = grpc
        .streaming(
            tonic::Request::new(tokio_stream::iter([vec![0x0a, 0x7f]])),
            http::uri::PathAndQuery::from_static("/newsline.v1.RecordSinkService/Publish"),
            RawCodec,
        )
        .await;
    let first = match answer {
        Ok(response) => response.into_inner().message().await,
        Err(status) => Err(status),
    };
    assert_status(
        "an undecodable publish message",
        first,
        Code::InvalidArgument,
        "PublishRequest",
    );
    let stats = query_client(query.addr)
        .await
        .get_stats(GetStatsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.events, 0);
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_enum_values_and_methods_are_refused_by_name() {
    let query = Query::start(newsline_query::Config::default()).await;
    let rows: [(&str, Vec<u8>, &str); 4] = [
        (
            "sort order 99",
            StreamTimelineRequest {
                order: 99,
                ..Default::default()
            }
            .encode_to_vec(),
            "`order`",
        ),
        (
            "event kind 99 in a filter",
            timeline_request(TimelineFilter {
                kinds: vec![99],
                ..Default::default()
            }),
            "`filter.kinds[0]`",
        ),
        (
            "EVENT_KIND_UNSPECIFIED in a filter",
            timeline_request(TimelineFilter {
                kinds: vec![1, 0],
                ..Default::default()
            }),
            "`filter.kinds[1]`",
        ),
        (
            "entity match 7",
            timeline_request(TimelineFilter {
                entity_match: 7,
                ..Default::default()
            }),
            "`filter.entity_match`",
        ),
    ];
    for (row, bytes, field) in rows {
        assert_status(
            row,
            raw_stream(query.addr, TIMELINE, bytes).await,
            Code::InvalidArgument,
            field,
        );
    }
    // An event of an unknown kind in a publish batch.
    let a = article(1);
    let mut bad = event(&a.id, 1);
    bad.kind = 99;
    let batch = PublishRequest {
        producer_id: "robustness".into(),
        sequence: 1,
        articles: vec![a],
        events: vec![bad],
        ..Default::default()
    };
    let mut acks = RecordSinkServiceClient::new(channel(query.addr).await)
        .publish(tokio_stream::iter([batch]))
        .await
        .unwrap()
        .into_inner();
    assert_status(
        "event kind 99 in a publish batch",
        acks.message().await,
        Code::InvalidArgument,
        "events[0].kind",
    );
    for path in [
        "/newsline.v1.QueryService/NoSuchMethod",
        "/newsline.v9.NoSuchService/GetEntity",
    ] {
        assert_status(
            path,
            raw_unary(query.addr, path, Vec::new()).await,
            Code::Unimplemented,
            "",
        );
    }
    assert_still_serving(query.addr).await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_huge_and_too_many_values_are_refused_by_name() {
    let query = Query::start(newsline_query::Config {
        max_message_bytes: 1024 * 1024,
        ..Default::default()
    })
    .await;
    let unary_rows: [(&str, &'static str, Vec<u8>, Code, &str); 3] = [
        (
            "an empty entity id",
            "/newsline.v1.QueryService/GetEntity",
            Vec::new(),
            Code::InvalidArgument,
            "`id`",
        ),
        (
            "an empty article id",
            "/newsline.v1.QueryService/GetArticle",
            Vec::new(),
            Code::InvalidArgument,
            "`id`",
        ),
        (
            "a 2 MiB entity id (over a 1 MiB message limit)",
            "/newsline.v1.QueryService/GetEntity",
            GetEntityRequest {
                id: "x".repeat(2 * 1024 * 1024),
            }
            .encode_to_vec(),
            Code::OutOfRange,
            "message length too large",
        ),
    ];
    for (row, path, bytes, code, field) in unary_rows {
        assert_status(row, raw_unary(query.addr, path, bytes).await, code, field);
    }
    let stream_rows: [(&str, &'static str, Vec<u8>, &str); 7] = [
        (
            "10,000 entity ids in one filter",
            TIMELINE,
            timeline_request(TimelineFilter {
                entity_ids: (0..10_000).map(|i| format!("person:p{i}")).collect(),
                ..Default::default()
            }),
            "`filter.entity_ids`",
        ),
        (
            "an empty entity id in a filter",
            TIMELINE,
            timeline_request(TimelineFilter {
                entity_ids: vec!["person:a".into(), String::new()],
                ..Default::default()
            }),
            "`filter.entity_ids[1]`",
        ),
        (
            "a 201-character text filter",
            TIMELINE,
            timeline_request(TimelineFilter {
                text: "é".repeat(201),
                ..Default::default()
            }),
            "`filter.text`",
        ),
        (
            "max_results of 4294967295",
            TIMELINE,
            StreamTimelineRequest {
                max_results: u32::MAX,
                ..Default::default()
            }
            .encode_to_vec(),
            "`max_results`",
        ),
        (
            "an empty search query",
            "/newsline.v1.QueryService/SearchEntities",
            SearchEntitiesRequest::default().encode_to_vec(),
            "`query`",
        ),
        (
            "a 5,000-character search query",
            "/newsline.v1.QueryService/SearchEntities",
            SearchEntitiesRequest {
                query: "x".repeat(5000),
                ..Default::default()
            }
            .encode_to_vec(),
            "`query`",
        ),
        (
            "an empty entity id for relations",
            "/newsline.v1.QueryService/StreamEntityRelations",
            Vec::new(),
            "`entity_id`",
        ),
    ];
    for (row, path, bytes, field) in stream_rows {
        assert_status(
            row,
            raw_stream(query.addr, path, bytes).await,
            Code::InvalidArgument,
            field,
        );
    }
    for (row, path, id) in [
        (
            "an unknown entity id",
            "/newsline.v1.QueryService/GetEntity",
            "person:nobody",
        ),
        (
            "an unknown article id",
            "/newsline.v1.QueryService/GetArticle",
            "article:0000000000000000",
        ),
    ] {
        let bytes = GetEntityRequest { id: id.into() }.encode_to_vec();
        assert_status(
            row,
            raw_unary(query.addr, path, bytes).await,
            Code::NotFound,
            id,
        );
    }
    assert_still_serving(query.addr).await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_from_nowhere_and_impossible_dates_are_refused_by_name() {
    let query = Query::start(newsline_query::Config::default()).await;
    publish_events(query.addr, 10).await;
    let cursor = |cursor: &str| {
        StreamTimelineRequest {
            cursor: cursor.into(),
            ..Default::default()
        }
        .encode_to_vec()
    };
    let stream_rows: [(&str, &'static str, Vec<u8>, &str); 8] = [
        (
            "a cursor that is not base64",
            TIMELINE,
            cursor("not a cursor!"),
            "`cursor`",
        ),
        (
            "a base64 cursor of the wrong length",
            TIMELINE,
            cursor("AAAA"),
            "`cursor`",
        ),
        (
            "a cursor of an unknown version",
            TIMELINE,
            cursor(&format!("Ag{}", &Cursor::default().encode()[2..])),
            "`cursor`",
        ),
        (
            "a watch cursor that is not base64",
            "/newsline.v1.QueryService/WatchTimeline",
            WatchTimelineRequest {
                cursor: "%%%".into(),
                ..Default::default()
            }
            .encode_to_vec(),
            "`cursor`",
        ),
        (
            "an end date before the start date",
            TIMELINE,
            timeline_request(TimelineFilter {
                from: Some(date(2016, 5, 1)),
                to: Some(date(2015, 1, 1)),
                ..Default::default()
            }),
            "`filter.to`",
        ),
        (
            "month 13",
            TIMELINE,
            timeline_request(TimelineFilter {
                from: Some(date(2016, 13, 1)),
                ..Default::default()
            }),
            "`filter.from.month`",
        ),
        (
            "a day without a month",
            TIMELINE,
            timeline_request(TimelineFilter {
                to: Some(date(2016, 0, 3)),
                ..Default::default()
            }),
            "`filter.to.month`",
        ),
        (
            "year 2,000,000,000",
            TIMELINE,
            timeline_request(TimelineFilter {
                from: Some(date(2_000_000_000, 1, 1)),
                ..Default::default()
            }),
            "`filter.from.year`",
        ),
    ];
    for (row, path, bytes, field) in stream_rows {
        assert_status(
            row,
            raw_stream(query.addr, path, bytes).await,
            Code::InvalidArgument,
            field,
        );
    }
    // 31 February is a bound, not a day that must exist: it sorts after every February day.
    let mut client = query.client().await;
    let mut items = client
        .stream_timeline(StreamTimelineRequest {
            filter: Some(TimelineFilter {
                from: Some(date(2015, 2, 31)),
                to: Some(date(2015, 3, 31)),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("31 February is accepted as a bound")
        .into_inner();
    while let Some(item) = items.message().await.unwrap() {
        assert_eq!(item.event.unwrap().when.unwrap().start.unwrap().month, 3);
    }
    // A well-formed cursor this server never issued is a position: past every event it reads
    // nothing, before them it reads everything; neither is an error (cursors never expire).
    for (position, expected) in [(Some(u128::MAX), 0), (Some(0), 10)] {
        let foreign = Cursor {
            position,
            revision: u64::MAX,
        };
        let mut items = client
            .stream_timeline(StreamTimelineRequest {
                cursor: foreign.encode(),
                ..Default::default()
            })
            .await
            .expect("a foreign position is accepted")
            .into_inner();
        let mut read = 0;
        while items.message().await.unwrap().is_some() {
            read += 1;
        }
        assert_eq!(read, expected, "{position:?}");
    }
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_holds_up_nobody_and_nothing_stays_behind() {
    let query = Query::start(newsline_query::Config {
        stream_buffer: 16,
        ..Default::default()
    })
    .await;
    publish_events(query.addr, 5000).await;

    // Twenty timelines and watches that are opened and never read: each producer stops at its
    // bounded buffer plus the HTTP/2 window.
    let mut idle = Vec::new();
    for _ in 0..10 {
        let mut client = query.client().await;
        idle.push(
            client
                .stream_timeline(StreamTimelineRequest::default())
                .await
                .unwrap()
                .into_inner(),
        );
    }
    let mut watches = Vec::new();
    for _ in 0..10 {
        let mut client = query.client().await;
        watches.push(
            client
                .watch_timeline(WatchTimelineRequest::default())
                .await
                .unwrap()
                .into_inner(),
        );
    }
    // Meanwhile other clients read everything and publish more.
    assert_eq!(timeline(query.addr).await.len(), 5000);
    publish_events(query.addr, 5100).await;
    assert_eq!(timeline(query.addr).await.len(), 5100);

    // The stalled ones still get their data once they read, in order.
    let mut stalled = idle.pop().unwrap();
    let mut read = 0;
    while stalled.message().await.unwrap().is_some() {
        read += 1;
    }
    assert!(read >= 5000, "a stalled reader lost items: {read}");
    // And the server stops promptly with the others still open and unread.
    let stopped_in = query.stop().await;
    drop((idle, watches));
    assert!(stopped_in < PATIENCE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_stream_leaves_the_server_serving() {
    let query = Query::start(newsline_query::Config::default()).await;
    publish_events(query.addr, 3000).await;
    for _ in 0..20 {
        // A fresh connection per stream, dropped after one item.
        let mut client = QueryServiceClient::new(
            Channel::from_shared(format!("http://{}", query.addr))
                .unwrap()
                .connect()
                .await
                .unwrap(),
        );
        let mut items = client
            .stream_timeline(StreamTimelineRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(items.message().await.unwrap().is_some());
        let mut watch = client
            .watch_timeline(WatchTimelineRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(watch.message().await.unwrap().is_some());
        drop((items, watch, client));
    }
    assert_eq!(timeline(query.addr).await.len(), 3000);
    // Graceful shutdown waits for open streams; the dropped ones must not count.
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_ends_a_watch() {
    let query = Query::start(newsline_query::Config::default()).await;
    publish_events(query.addr, 2000).await;
    let mut client = query.client().await;
    // A watch has no end: its deadline ends it.
    let mut request = tonic::Request::new(WatchTimelineRequest::default());
    request.set_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let outcome = async {
        let mut watch = client.watch_timeline(request).await?.into_inner();
        while watch.message().await?.is_some() {}
        Ok::<(), Status>(())
    }
    .await;
    let status = outcome.expect_err("the deadline ends the watch");
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    assert!(started.elapsed() < PATIENCE);
    assert_still_serving(query.addr).await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_grpc_traffic_and_idle_connections_do_not_disturb_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = newsline_query::Config {
        shutdown_grace: Duration::from_millis(500),
        ..Default::default()
    };
    let query = Query::start(config).await;
    // HTTP/1.1 on the HTTP/2-only port: the connection is closed, the server goes on.
    let mut http1 = tokio::net::TcpStream::connect(query.addr).await.unwrap();
    http1
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, http1.read_to_end(&mut answer))
        .await
        .expect("the connection is closed")
        .ok();
    // Random bytes instead of the HTTP/2 preface.
    let mut junk = tokio::net::TcpStream::connect(query.addr).await.unwrap();
    junk.write_all(&[0x16, 0x03, 0x01, 0xff, 0x00, 0x13, 0x37])
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, junk.read_to_end(&mut rest))
        .await
        .expect("the connection is closed")
        .ok();
    // A connection that never says anything: it must not keep the server from stopping.
    let _silent = tokio::net::TcpStream::connect(query.addr).await.unwrap();
    assert_still_serving(query.addr).await;
    let stopped_in = query.stop().await;
    assert!(stopped_in < Duration::from_secs(10), "{stopped_in:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_does_not_keep_the_ingest_service_from_stopping() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &query.url());
    config.shutdown_grace = Duration::from_millis(500);
    let ingest = start_ingest(config).await;
    let _silent = tokio::net::TcpStream::connect(ingest.addr).await.unwrap();
    let started = Instant::now();
    ingest.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    query.stop().await;
}
