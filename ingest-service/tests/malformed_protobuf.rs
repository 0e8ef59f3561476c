//! Requests the ingest service cannot decode, sent as raw HTTP/2 gRPC bodies (any bytes, any
//! framing) to each RPC: each gets INVALID_ARGUMENT naming the RPC, the request message and what
//! was wrong, a bad message in a bulk stream costs only its own answer, and the server keeps
//! serving. The rows of docs/robustness.md name these tests.

mod support;

use std::net::SocketAddr;

use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};
use newsline_proto::v1::{IngestDocumentsRequest, IngestDocumentsResponse, ParseDocumentRequest};
use prost::Message;
use support::*;
use tonic::{Code, Status, body::Body};
use tower::{Service, ServiceExt};

const INGEST_DOCUMENT: &str = "/newsline.v1.IngestService/IngestDocument";
const INGEST_DOCUMENTS: &str = "/newsline.v1.IngestService/IngestDocuments";
const PARSE_DOCUMENT: &str = "/newsline.v1.IngestService/ParseDocument";

/// One gRPC message: the uncompressed flag, the big-endian length, the bytes.
fn framed(message: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    frame
}

/// What the server answered to a raw call: its status and the messages before it.
struct Answer {
    status: Status,
    messages: Vec<Bytes>,
}

/// Sends `body` as the whole HTTP/2 request body of a gRPC call to `path`.
async fn raw_call(addr: SocketAddr, path: &str, body: Vec<u8>) -> Answer {
    let mut channel = channel(addr).await;
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(format!("http://{addr}{path}"))
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .body(Body::new(Full::new(Bytes::from(body))))
        .unwrap();
    let call = async {
        let response = channel
            .ready()
            .await
            .expect("the channel is ready")
            .call(request)
            .await
            .expect("the server answers over HTTP/2");
        assert_eq!(response.status(), http::StatusCode::OK);
        // A call that fails before any answer carries its status in the headers.
        if let Some(status) = Status::from_header_map(response.headers()) {
            return Answer {
                status,
                messages: Vec::new(),
            };
        }
        let collected = response
            .into_body()
            .collect()
            .await
            .expect("the body arrives");
        let trailers = collected
            .trailers()
            .cloned()
            .expect("the call has trailers");
        let mut data = collected.to_bytes();
        let mut messages = Vec::new();
        while data.has_remaining() {
            assert_eq!(data.get_u8(), 0, "answers are not compressed");
            let length = data.get_u32() as usize;
            messages.push(data.split_to(length));
        }
        Answer {
            status: Status::from_header_map(&trailers).expect("the trailers carry a status"),
            messages,
        }
    };
    tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the server answers within the bound")
}

/// The server still answers a real call and reports SERVING.
async fn assert_still_serving(addr: SocketAddr, text: &[u8]) {
    let parsed = ingest_client(addr)
        .await
        .parse_document(ParseDocumentRequest {
            raw: text.to_vec(),
            ..Default::default()
        })
        .await
        .expect("the server keeps serving")
        .into_inner();
    assert!(!parsed.events.is_empty());
    wait_serving(addr).await;
}

fn assert_invalid(row: &str, status: &Status, names: &[&str]) {
    assert_eq!(status.code(), Code::InvalidArgument, "{row}: {status:?}");
    for name in names {
        assert!(
            status.message().contains(name),
            "{row}: {:?} does not name {name:?}",
            status.message()
        );
    }
}

/// (row, the message bytes as sent, what the answer must name besides the RPC and message type)
fn undecodable_unary_messages(request_type: &str) -> Vec<(String, Vec<u8>, Vec<String>)> {
    let mut bad_uri = ParseDocumentRequest {
        text: "Minsk, 2 May 2015".into(),
        ..Default::default()
    }
    .encode_to_vec();
    // `source_uri` (field 2) = "\xc3(": not UTF-8.
    bad_uri.extend_from_slice(&[0x12, 0x02, 0xc3, 0x28]);
    let field = |name: &str| format!("{request_type}.{name}");
    vec![
        (
            "an invalid varint".into(),
            vec![0xff, 0xff, 0xff],
            vec!["failed to decode Protobuf message".into()],
        ),
        (
            "`text` sent as a varint (the wrong wire type)".into(),
            vec![0x08, 0x01],
            vec![field("text")],
        ),
        (
            "a length past the end of the message".into(),
            vec![0x0a, 0x7f, b'a'],
            vec![field("text")],
        ),
        (
            "invalid UTF-8 in `source_uri`".into(),
            bad_uri,
            vec![field("source_uri"), "invalid string value".into()],
        ),
        (
            "a `published` date that is not a message".into(),
            vec![0x0a, 0x01, b'a', 0x1a, 0x02, 0x08, 0xff],
            vec![field("published")],
        ),
        (
            "a deprecated group wire type".into(),
            vec![0x0b, 0x0c],
            vec!["failed to decode Protobuf message".into()],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_unary_requests_are_invalid_arguments_naming_the_rpc_and_field() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let (_, seed) = seeds().remove(0);

    for (path, rpc, request_type) in [
        (
            INGEST_DOCUMENT,
            "newsline.v1.IngestService/IngestDocument",
            "IngestDocumentRequest",
        ),
        (
            PARSE_DOCUMENT,
            "newsline.v1.IngestService/ParseDocument",
            "ParseDocumentRequest",
        ),
    ] {
        let full_name = format!("not a valid newsline.v1.{request_type}");
        for (row, message, names) in undecodable_unary_messages(request_type) {
            let answer = raw_call(ingest.addr, path, framed(&message)).await;
            let row = format!("{path}: {row}");
            assert_invalid(&row, &answer.status, &[rpc, &full_name]);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            assert_invalid(&row, &answer.status, &names);
        }

        // The framing itself is wrong.
        let mut cut_off = framed(b"\x0a\x05Minsk");
        cut_off.truncate(cut_off.len() - 2);
        let answer = raw_call(ingest.addr, path, cut_off).await;
        assert_invalid(
            &format!("{path}: a message cut off before its length"),
            &answer.status,
            &[rpc, "length prefix promises more bytes"],
        );
        let answer = raw_call(ingest.addr, path, Vec::new()).await;
        assert_invalid(
            &format!("{path}: no message at all"),
            &answer.status,
            &[
                rpc,
                "holds no message",
                &format!("newsline.v1.{request_type}"),
            ],
        );
        let answer = raw_call(ingest.addr, path, vec![0, 0]).await;
        assert_invalid(
            &format!("{path}: two bytes of a gRPC header"),
            &answer.status,
            &[rpc, "length prefix"],
        );
        // The gRPC specification requires INTERNAL for a compressed flag without an encoding.
        let mut compressed = framed(b"\x0a\x05Minsk");
        compressed[0] = 1;
        let answer = raw_call(ingest.addr, path, compressed).await;
        assert_eq!(answer.status.code(), Code::Internal, "{:?}", answer.status);
        assert!(answer.status.message().contains("compressed-flag"));

        // Fields this version does not know are skipped, as protobuf promises.
        let mut unknown = ParseDocumentRequest {
            raw: seed.clone(),
            ..Default::default()
        }
        .encode_to_vec();
        unknown.extend_from_slice(&[0xf8, 0x07, 0x01]);
        let answer = raw_call(ingest.addr, path, framed(&unknown)).await;
        assert_eq!(answer.status.code(), Code::Ok, "{:?}", answer.status);
        assert_eq!(answer.messages.len(), 1);

        assert_still_serving(ingest.addr, &seed).await;
    }
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_message_in_a_bulk_stream_costs_only_its_own_answer() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let (_, seed) = seeds().remove(0);
    let good = |tag: &str| {
        IngestDocumentsRequest {
            raw: seed.clone(),
            tag: tag.into(),
            ..Default::default()
        }
        .encode_to_vec()
    };
    let messages: Vec<(Vec<u8>, &str)> = vec![
        (good("first"), ""),
        // tag = "wire", then `text` as a varint.
        (
            vec![0x2a, 0x04, b'w', b'i', b'r', b'e', 0x08, 0x01],
            "IngestDocumentsRequest.text",
        ),
        // `source_uri` = "\xc3(", tag = "uri".
        (
            vec![0x12, 0x02, 0xc3, 0x28, 0x2a, 0x03, b'u', b'r', b'i'],
            "IngestDocumentsRequest.source_uri",
        ),
        (vec![0xff, 0xff, 0xff], "failed to decode Protobuf message"),
        // tag = "date", `published` = a broken message.
        (
            vec![0x2a, 0x04, b'd', b'a', b't', b'e', 0x1a, 0x02, 0x08, 0xff],
            "IngestDocumentsRequest.published",
        ),
        (good("last"), ""),
    ];
    let mut body = Vec::new();
    for (message, _) in &messages {
        body.extend(framed(message));
    }
    // The stream ends inside one more message: its length says 100 bytes, 3 follow.
    body.extend_from_slice(&[0, 0, 0, 0, 100, 0x0a, 0x01, b'x']);

    let answer = raw_call(ingest.addr, INGEST_DOCUMENTS, body).await;
    let answers: Vec<IngestDocumentsResponse> = answer
        .messages
        .iter()
        .map(|bytes| IngestDocumentsResponse::decode(bytes.clone()).unwrap())
        .collect();
    let summary: Vec<_> = answers
        .iter()
        .map(|a| {
            (
                a.index,
                a.tag.as_str(),
                a.error.as_ref().map(|e| e.code),
                a.result.is_some(),
            )
        })
        .collect();
    let invalid = Some(Code::InvalidArgument as i32);
    assert_eq!(
        summary,
        [
            (0, "first", None, true),
            (1, "wire", invalid, false),
            (2, "uri", invalid, false),
            // Nothing of it is readable, not even its tag; the index tells which one it was.
            (3, "", invalid, false),
            (4, "date", invalid, false),
            (5, "last", None, true),
        ]
    );
    for (answer, (_, names)) in answers.iter().zip(&messages).skip(1).take(4) {
        let error = answer.error.as_ref().unwrap();
        for name in [
            "newsline.v1.IngestService/IngestDocuments",
            &format!("message {} of the stream", answer.index),
            "not a valid newsline.v1.IngestDocumentsRequest",
            names,
        ] {
            assert!(error.message.contains(name), "{error:?} names {name:?}");
        }
    }
    // The cut-off message ends the stream (nothing after it can be framed), and says so.
    assert_invalid(
        "a stream that ends inside a message",
        &answer.status,
        &[
            "message 6 of the stream",
            "length prefix",
            "Documents before it were ingested",
        ],
    );

    assert_still_serving(ingest.addr, &seed).await;
    let expected = expected_event_ids(ingest.addr, &seed).await;
    assert_no_duplicates(&wait_for_events(query.addr, &expected).await);
    ingest.stop().await;
    query.stop().await;
}

/// The parts of `google.protobuf.FileDescriptorSet` that say which message each RPC takes.
mod descriptor {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FileSet {
        #[prost(message, repeated, tag = "1")]
        pub file: Vec<File>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct File {
        #[prost(string, tag = "2")]
        pub package: String,
        #[prost(message, repeated, tag = "6")]
        pub service: Vec<Service>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Service {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(message, repeated, tag = "2")]
        pub method: Vec<Method>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Method {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub input_type: String,
    }
}

/// The error messages name each RPC's request message by the method's name; every newsline RPC
/// must take the message so named, or the messages would point at the wrong type.
#[test]
fn every_rpc_takes_the_request_message_its_errors_name() {
    let set = descriptor::FileSet::decode(newsline_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = 0;
    for file in &set.file {
        for service in &file.service {
            for method in &service.method {
                let path = format!("/{}.{}/{}", file.package, service.name, method.name);
                let (_, named) = newsline_server::decode_errors::describe(&path);
                assert_eq!(
                    format!(".{named}"),
                    method.input_type,
                    "{path} takes another message than its errors name"
                );
                methods += 1;
            }
        }
    }
    // IngestService 3, QueryService 8, RecordSinkService 1.
    assert!(methods >= 12, "only {methods} RPCs in the descriptor set");
}
