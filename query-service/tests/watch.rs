//! WatchTimeline: replay, caught-up, live and backdated events, heartbeats, resumption, slow
//! readers and shutdown.

mod common;

use std::{collections::HashSet, time::Duration};

use common::*;
use newsline_proto::v1::{self as pb, EventKind, watch_timeline_response::Update};
use tonic::{Code, Streaming};

/// Generous bound for one message; a failure here means a hang, not slowness.
const PATIENCE: Duration = Duration::from_secs(30);

async fn next(stream: &mut Streaming<pb::WatchTimelineResponse>) -> Update {
    tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("a watch message arrives")
        .expect("the watch is healthy")
        .expect("the watch is open")
        .update
        .expect("the message carries an update")
}

async fn watch(
    server: &TestServer,
    request: pb::WatchTimelineRequest,
) -> Streaming<pb::WatchTimelineResponse> {
    server
        .query()
        .await
        .watch_timeline(request)
        .await
        .unwrap()
        .into_inner()
}

fn watched(update: Update) -> pb::WatchedEvent {
    match update {
        Update::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

fn later_event(n: u64, start: pb::CalendarDate, participants: &[&str]) -> pb::Event {
    let a = &fixture_batch(0).articles[0];
    event(
        n,
        a,
        "Putin spoke about sanctions.",
        EventKind::Statement,
        start,
        participants,
        "",
    )
}

#[tokio::test]
async fn watch_replays_catches_up_then_streams_live_and_backdated_events() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let mut stream = watch(
        &server,
        pb::WatchTimelineRequest {
            heartbeat_interval_ms: 100,
            ..Default::default()
        },
    )
    .await;
    let mut replayed = Vec::new();
    for _ in 0..5 {
        let event = watched(next(&mut stream).await);
        assert!(event.replayed && !event.backdated);
        replayed.push(event.event.unwrap().id);
    }
    assert_eq!(replayed, [4, 3, 1, 2, 5].map(event_id).to_vec());
    let Update::CaughtUp(caught_up) = next(&mut stream).await else {
        panic!("expected caught_up");
    };
    assert_eq!(caught_up.revision, 1);
    assert!(!caught_up.cursor.is_empty());

    server
        .publish_ok(vec![batch(
            2,
            vec![],
            vec![],
            vec![later_event(20, date(2016, 3, 1), &[PUTIN])],
        )])
        .await;
    let live = watched(next(&mut stream).await);
    assert_eq!(live.event.as_ref().unwrap().id, event_id(20));
    assert!(!live.replayed && !live.backdated);

    server
        .publish_ok(vec![batch(
            3,
            vec![],
            vec![],
            vec![later_event(21, date(2010, 1, 1), &[PUTIN])],
        )])
        .await;
    let late = watched(next(&mut stream).await);
    assert_eq!(late.event.as_ref().unwrap().id, event_id(21));
    assert!(!late.replayed && late.backdated);

    // Idle now: a heartbeat carries the latest revision and a cursor that resumes after it all.
    let heartbeat = loop {
        if let Update::Heartbeat(heartbeat) = next(&mut stream).await {
            break heartbeat;
        }
    };
    assert_eq!(heartbeat.revision, 3);
    let mut resumed = watch(
        &server,
        pb::WatchTimelineRequest {
            cursor: heartbeat.cursor,
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(next(&mut resumed).await, Update::CaughtUp(_)));
    server.stop().await;
}

#[tokio::test]
async fn filtered_watch_only_delivers_matching_events() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let mut stream = watch(
        &server,
        pb::WatchTimelineRequest {
            filter: Some(pb::TimelineFilter {
                entity_ids: vec![TRONG.into()],
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        watched(next(&mut stream).await).event.unwrap().id,
        event_id(2)
    );
    assert!(matches!(next(&mut stream).await, Update::CaughtUp(_)));
    server
        .publish_ok(vec![batch(
            2,
            vec![],
            vec![],
            vec![
                later_event(30, date(2016, 1, 1), &[PUTIN]),
                later_event(31, date(2016, 1, 2), &[TRONG]),
            ],
        )])
        .await;
    let live = watched(next(&mut stream).await);
    assert_eq!(live.event.unwrap().id, event_id(31));
    server.stop().await;
}

#[tokio::test]
async fn resumed_watch_replays_what_was_stored_after_its_cursor() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let mut stream = watch(&server, Default::default()).await;
    let cursor = loop {
        if let Update::CaughtUp(caught_up) = next(&mut stream).await {
            break caught_up.cursor;
        }
    };
    drop(stream);

    server
        .publish_ok(vec![batch(
            2,
            vec![],
            vec![],
            vec![
                later_event(40, date(2013, 1, 1), &[PUTIN]),
                later_event(41, date(2016, 1, 1), &[PUTIN]),
            ],
        )])
        .await;
    let mut resumed = watch(
        &server,
        pb::WatchTimelineRequest {
            cursor: cursor.clone(),
            ..Default::default()
        },
    )
    .await;
    let first = watched(next(&mut resumed).await);
    assert_eq!(first.event.as_ref().unwrap().id, event_id(40));
    assert!(first.backdated && first.replayed);
    let second = watched(next(&mut resumed).await);
    assert_eq!(second.event.as_ref().unwrap().id, event_id(41));
    assert!(!second.backdated && second.replayed);
    let Update::CaughtUp(caught_up) = next(&mut resumed).await else {
        panic!("expected caught_up");
    };
    assert_eq!(caught_up.revision, 2);

    // A timeline cursor works for a watch too, and the other way round.
    let timeline = server.timeline(Default::default()).await.unwrap();
    let mut from_timeline = watch(
        &server,
        pb::WatchTimelineRequest {
            cursor: timeline[5].cursor.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        watched(next(&mut from_timeline).await).event.unwrap().id,
        event_id(41)
    );
    let after_watch = server
        .timeline(pb::StreamTimelineRequest {
            cursor: second.cursor,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(after_watch.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_slow_watcher_never_holds_up_publishing_and_catches_up_later() {
    let server = TestServer::start().await;
    let mut stream = watch(&server, Default::default()).await;
    assert!(matches!(next(&mut stream).await, Update::CaughtUp(_)));

    // The watcher reads nothing while far more events than its buffers hold are published.
    let a = article("article:000000000000000d", "Lukashenka met Putin.");
    let mut batches = vec![batch(1, vec![a.clone()], entities(), vec![])];
    for sequence in 2..=41u64 {
        let events = (0..100)
            .map(|i| {
                event(
                    sequence * 1000 + i,
                    &a,
                    "Lukashenka met Putin.",
                    EventKind::Meeting,
                    date(2015, 1, 1 + (i % 28) as i32),
                    &[LUKASHENKA, PUTIN],
                    "",
                )
            })
            .collect();
        batches.push(batch(sequence, vec![], vec![], events));
    }
    let acks = tokio::time::timeout(PATIENCE, server.publish_ok(batches))
        .await
        .expect("publishing is not held up by the watcher");
    assert_eq!(acks.last().unwrap().revision, 41);

    let mut seen = HashSet::new();
    while seen.len() < 4000 {
        match next(&mut stream).await {
            Update::Event(event) => {
                assert!(!event.replayed);
                seen.insert(event.event.unwrap().id);
            }
            Update::Heartbeat(_) => {}
            Update::CaughtUp(_) => panic!("caught_up comes once"),
        }
    }
    let stats = server
        .query()
        .await
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.watchers, 1);
    assert_eq!(stats.events, 4000);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_ends_open_watches_with_unavailable() {
    let server = TestServer::start().await;
    let mut stream = watch(&server, Default::default()).await;
    assert!(matches!(next(&mut stream).await, Update::CaughtUp(_)));
    let stopping = tokio::spawn(server.stop());
    let status = tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("the watch ends")
        .expect_err("the watch ends with an error");
    assert_eq!(status.code(), Code::Unavailable);
    tokio::time::timeout(PATIENCE, stopping)
        .await
        .expect("the server stops")
        .unwrap();
}

#[tokio::test]
async fn malformed_watch_requests_name_the_field() {
    let server = TestServer::start().await;
    let mut query = server.query().await;
    for (request, field) in [
        (
            pb::WatchTimelineRequest {
                heartbeat_interval_ms: 50,
                ..Default::default()
            },
            "heartbeat_interval_ms",
        ),
        (
            pb::WatchTimelineRequest {
                cursor: "AAAA".into(),
                ..Default::default()
            },
            "cursor",
        ),
        (
            pb::WatchTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    kinds: vec![EventKind::Unspecified as i32],
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.kinds[0]",
        ),
    ] {
        let status = query.watch_timeline(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().contains(&format!("`{field}`")),
            "{}",
            status.message()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn health_reports_each_service() {
    let server = TestServer::start().await;
    for service in [
        "",
        newsline_query::QUERY_SERVICE,
        newsline_query::RECORD_SINK_SERVICE,
    ] {
        let status = newsline_query::healthcheck::check(&server.addr, service)
            .await
            .unwrap();
        assert_eq!(status, newsline_query::healthcheck::ServingStatus::Serving);
    }
    let unknown = newsline_query::healthcheck::check(&server.addr, "newsline.v1.Nope").await;
    assert!(unknown.is_err());
    server.stop().await;
}
