//! Bad input over gRPC gets a clear status naming the problem, and nothing accepted before is lost.

mod support;

use std::collections::BTreeSet;

use http::uri::PathAndQuery;
use newsline_proto::v1::{
    CalendarDate, IngestDocumentRequest, IngestDocumentResponse, IngestDocumentsRequest,
    IngestDocumentsResponse, ParseDocumentRequest,
};
use support::*;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tonic_prost::ProstCodec;

const LIMIT: usize = 256 * 1024;

/// `IngestDocumentRequest`/`IngestDocumentsRequest` with `text` as bytes, to send invalid UTF-8
/// that the generated types cannot hold.
#[derive(Clone, PartialEq, prost::Message)]
struct RawTextRequest {
    #[prost(bytes = "vec", tag = "1")]
    text: Vec<u8>,
    #[prost(string, tag = "5")]
    tag: String,
}

async fn setup() -> (Running, Running, tempfile::TempDir) {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let mut config = ingest_config(spool.path(), &query.url());
    config.max_document_bytes = LIMIT;
    let ingest = start_ingest(config).await;
    (query, ingest, spool)
}

fn text(text: &str) -> IngestDocumentRequest {
    IngestDocumentRequest {
        text: text.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_documents_get_clear_statuses_and_earlier_ones_stay() {
    let (query, ingest, _spool) = setup().await;
    let mut client = ingest_client(ingest.addr).await;
    let (_, seed) = seeds().remove(0);
    let seed_text = String::from_utf8(seed).unwrap();
    let expected = expected_event_ids(ingest.addr, seed_text.as_bytes()).await;
    let accepted = client
        .ingest_document(text(&seed_text))
        .await
        .unwrap()
        .into_inner();
    assert!(!accepted.spooled && accepted.event_count > 0);

    let refusals = [
        (text(""), Code::InvalidArgument, "empty"),
        (text(" \n\t "), Code::InvalidArgument, "empty"),
        (
            text(&"a".repeat(LIMIT + 1)),
            Code::ResourceExhausted,
            "--max-document-bytes",
        ),
        // Far over the limit: refused before it is decoded.
        (
            text(&"a".repeat(LIMIT + 512 * 1024)),
            Code::ResourceExhausted,
            "--max-document-bytes",
        ),
        (
            IngestDocumentRequest {
                published: Some(CalendarDate {
                    year: 2015,
                    month: 2,
                    day: 30,
                }),
                ..text(&seed_text)
            },
            Code::InvalidArgument,
            "`published`",
        ),
    ];
    for (request, code, needle) in refusals {
        let status = client.ingest_document(request.clone()).await.unwrap_err();
        assert_eq!(status.code(), code, "{}", status.message());
        assert!(status.message().contains(needle), "{}", status.message());
        let parse = ParseDocumentRequest {
            text: request.text,
            published: request.published,
            ..Default::default()
        };
        let status = client.parse_document(parse).await.unwrap_err();
        assert_eq!(status.code(), code, "ParseDocument: {}", status.message());
    }

    // Invalid UTF-8 in `text` is refused by name; in `raw` it is replaced and reported.
    for method in ["IngestDocument", "ParseDocument"] {
        let mut grpc = tonic::client::Grpc::new(channel(ingest.addr).await);
        grpc.ready().await.unwrap();
        let status = grpc
            .unary::<_, IngestDocumentResponse, _>(
                tonic::Request::new(RawTextRequest {
                    text: b"Minsk \xff\xfe 2015".to_vec(),
                    tag: String::new(),
                }),
                PathAndQuery::try_from(format!("/newsline.v1.IngestService/{method}")).unwrap(),
                ProstCodec::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
        assert!(
            status.message().contains("UTF-8") && status.message().contains("`raw`"),
            "{}",
            status.message()
        );
    }
    let mut raw = seed_text.clone().into_bytes();
    raw.extend_from_slice(b"\n\xff\xfe\n");
    let lossy = client
        .ingest_document(IngestDocumentRequest {
            raw,
            ..Default::default()
        })
        .await
        .expect("raw bytes are decoded with replacement")
        .into_inner();
    assert!(
        lossy
            .diagnostics
            .iter()
            .any(|d| d.code == "input.invalid_utf8"),
        "{:?}",
        lossy.diagnostics
    );

    let events = wait_for_events(query.addr, &expected).await;
    assert_no_duplicates(&events);
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_document_in_a_bulk_stream_gets_an_error_answer_and_the_stream_goes_on() {
    let (query, ingest, _spool) = setup().await;
    let (_, seed) = seeds().remove(0);
    let expected = expected_event_ids(ingest.addr, &seed).await;
    let documents = vec![
        IngestDocumentsRequest {
            raw: seed.clone(),
            tag: "good".into(),
            ..Default::default()
        },
        IngestDocumentsRequest {
            tag: "empty".into(),
            ..Default::default()
        },
        IngestDocumentsRequest {
            text: "b".repeat(LIMIT + 10),
            tag: "large".into(),
            ..Default::default()
        },
        IngestDocumentsRequest {
            raw: seed.clone(),
            tag: "bad date".into(),
            published: Some(CalendarDate {
                year: 2015,
                month: 13,
                day: 0,
            }),
            ..Default::default()
        },
        IngestDocumentsRequest {
            raw: seed.clone(),
            tag: "good again".into(),
            ..Default::default()
        },
    ];
    let mut answers = ingest_client(ingest.addr)
        .await
        .ingest_documents(futures::stream::iter(documents))
        .await
        .unwrap()
        .into_inner();
    let mut received = Vec::new();
    while let Some(answer) = answers.message().await.expect("the stream ends with OK") {
        received.push(answer);
    }
    let summary: Vec<_> = received
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
    assert_eq!(
        summary,
        [
            (0, "good", None, true),
            (1, "empty", Some(Code::InvalidArgument as i32), false),
            (2, "large", Some(Code::ResourceExhausted as i32), false),
            (3, "bad date", Some(Code::InvalidArgument as i32), false),
            (4, "good again", None, true),
        ]
    );
    assert!(
        received[2]
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("limit")
    );

    // Invalid UTF-8 in `text`, and a message far over the limit, which the generated types
    // cannot even decode, get their error answers too, and the stream goes on.
    let (requests, requests_rx) = tokio::sync::mpsc::channel(4);
    let mut grpc = tonic::client::Grpc::new(channel(ingest.addr).await)
        .max_encoding_message_size(64 * 1024 * 1024);
    grpc.ready().await.unwrap();
    let mut answers = grpc
        .streaming::<_, _, IngestDocumentsResponse, _>(
            tonic::Request::new(ReceiverStream::new(requests_rx)),
            PathAndQuery::from_static("/newsline.v1.IngestService/IngestDocuments"),
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    let sends = [
        (seed.clone(), "fine"),
        (b"Minsk \xc3\x28 2015".to_vec(), "broken"),
        (vec![b'z'; LIMIT + 512 * 1024], "huge"),
        (seed.clone(), "fine again"),
    ];
    for (text, tag) in sends {
        requests
            .send(RawTextRequest {
                text,
                tag: tag.into(),
            })
            .await
            .unwrap();
    }
    drop(requests);
    let mut received = Vec::new();
    while let Some(answer) = answers.message().await.expect("the stream ends with OK") {
        received.push(answer);
    }
    let summary: Vec<_> = received
        .iter()
        .map(|a| (a.tag.as_str(), a.error.as_ref().map(|e| e.code)))
        .collect();
    assert_eq!(
        summary,
        [
            ("fine", None),
            ("broken", Some(Code::InvalidArgument as i32)),
            // Skipped unread, so its tag is unknown; its index still tells which one it was.
            ("", Some(Code::ResourceExhausted as i32)),
            ("fine again", None),
        ]
    );
    assert_eq!(received[2].index, 2);
    let broken = &received[1].error.as_ref().unwrap().message;
    assert!(
        broken.contains("UTF-8") && broken.contains("offset 6"),
        "{broken}"
    );

    let events = wait_for_events(query.addr, &expected).await;
    assert_no_duplicates(&events);
    let ids: BTreeSet<_> = events.into_iter().map(|e| e.id).collect();
    assert!(expected.is_subset(&ids));
    ingest.stop().await;
    query.stop().await;
}
