//! StreamTimeline: order, filters, cursors and errors, against a real server.

mod common;

use common::*;
use newsline_proto::v1::{self as pb, EntityMatch, EventKind, SortOrder};
use tonic::Code;

fn expect_ids(numbers: &[u64]) -> Vec<String> {
    numbers.iter().map(|&n| event_id(n)).collect()
}

#[tokio::test]
async fn timeline_is_in_event_time_order_both_ways() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;

    let ascending = server.timeline(Default::default()).await.unwrap();
    assert_eq!(ids(&ascending), expect_ids(&[4, 3, 1, 2, 5]));
    let first = ascending[0].event.as_ref().unwrap();
    assert_eq!(first.sentence, "Putin spoke about sanctions.");
    assert_eq!(first.participants[0].name, "Vladimir Putin");
    let fifth = ascending[4].event.as_ref().unwrap();
    assert_eq!(fifth.location_id, MINSK);
    assert_eq!(fifth.location_name, "Minsk");
    // Offsets are code points into the article text, which holds "Nguyễn Phú Trọng" earlier on.
    let text: Vec<char> = TEXT_A.chars().collect();
    let slice: String = text[fifth.sentence_start as usize..fifth.sentence_end as usize]
        .iter()
        .collect();
    assert_eq!(slice, fifth.sentence);

    let descending = server
        .timeline(pb::StreamTimelineRequest {
            order: SortOrder::Descending as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&descending), expect_ids(&[5, 2, 1, 3, 4]));

    let limited = server
        .timeline(pb::StreamTimelineRequest {
            order: SortOrder::Descending as i32,
            max_results: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&limited), expect_ids(&[5, 2]));
    server.stop().await;
}

#[tokio::test]
async fn every_filter_narrows_the_timeline() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;

    let in_2015 = pb::TimelineFilter {
        from: Some(date(2015, 0, 0)),
        to: Some(date(2015, 0, 0)),
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(in_2015).await, expect_ids(&[1, 2, 5]));
    let june = pb::TimelineFilter {
        from: Some(date(2015, 6, 0)),
        to: Some(date(2015, 6, 0)),
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(june).await, expect_ids(&[2]));
    let until_may = pb::TimelineFilter {
        to: Some(date(2015, 5, 3)),
        ..Default::default()
    };
    // The event without a year never matches a date filter.
    assert_eq!(server.timeline_ids(until_may).await, expect_ids(&[3, 1]));

    let any = pb::TimelineFilter {
        entity_ids: vec![TRONG.into(), BELARUS.into()],
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(any).await, expect_ids(&[3, 2]));
    let all = pb::TimelineFilter {
        entity_ids: vec![LUKASHENKA.into(), PUTIN.into()],
        entity_match: EntityMatch::All as i32,
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(all).await, expect_ids(&[1, 5]));
    let unknown = pb::TimelineFilter {
        entity_ids: vec!["person:nobody".into()],
        ..Default::default()
    };
    assert!(server.timeline_ids(unknown).await.is_empty());

    let kinds = pb::TimelineFilter {
        kinds: vec![EventKind::Visit as i32, EventKind::Statement as i32],
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(kinds).await, expect_ids(&[4, 2]));
    let located = pb::TimelineFilter {
        location_id: MINSK.into(),
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(located).await, expect_ids(&[1, 5]));
    let text = pb::TimelineFilter {
        text: "PHU TRONG".into(),
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(text).await, expect_ids(&[2]));
    let combined = pb::TimelineFilter {
        entity_ids: vec![PUTIN.into()],
        kinds: vec![EventKind::Meeting as i32],
        from: Some(date(2015, 6, 1)),
        text: "again".into(),
        ..Default::default()
    };
    assert_eq!(server.timeline_ids(combined).await, expect_ids(&[5]));
    server.stop().await;
}

#[tokio::test]
async fn cursors_resume_strictly_after_their_item() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let all = server.timeline(Default::default()).await.unwrap();
    let resumed = server
        .timeline(pb::StreamTimelineRequest {
            cursor: all[1].cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&resumed), ids(&all[2..]));

    let descending = server
        .timeline(pb::StreamTimelineRequest {
            order: SortOrder::Descending as i32,
            cursor: all[2].cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&descending), expect_ids(&[3, 4]));

    // With an index-driven plan (entity filter) too, and after the cursor's event is gone.
    let filtered = server
        .timeline(pb::StreamTimelineRequest {
            filter: Some(pb::TimelineFilter {
                entity_ids: vec![LUKASHENKA.into()],
                ..Default::default()
            }),
            cursor: all[2].cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&filtered), expect_ids(&[2, 5]));
    let mut without_first = fixture_batch(2);
    without_first.events.retain(|e| e.id != event_id(1));
    server.publish_ok(vec![without_first]).await;
    let after_removed = server
        .timeline(pb::StreamTimelineRequest {
            cursor: all[2].cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&after_removed), expect_ids(&[2, 5]));
    server.stop().await;
}

#[tokio::test]
async fn malformed_timeline_requests_name_the_field() {
    let server = TestServer::start().await;
    let cases = [
        (
            pb::StreamTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    from: Some(date(2016, 1, 1)),
                    to: Some(date(2015, 1, 1)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.to",
        ),
        (
            pb::StreamTimelineRequest {
                cursor: "not-a-cursor".into(),
                ..Default::default()
            },
            "cursor",
        ),
        (
            pb::StreamTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    kinds: vec![EventKind::Visit as i32, EventKind::Unspecified as i32],
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.kinds[1]",
        ),
        (
            pb::StreamTimelineRequest {
                max_results: 100_001,
                ..Default::default()
            },
            "max_results",
        ),
        (
            pb::StreamTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    text: "x".repeat(201),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.text",
        ),
        (
            pb::StreamTimelineRequest {
                filter: Some(pb::TimelineFilter {
                    from: Some(date(2015, 13, 1)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.from.month",
        ),
    ];
    for (request, field) in cases {
        let status = server.timeline(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert!(
            status.message().contains(&format!("`{field}`")),
            "{field}: {}",
            status.message()
        );
    }
    assert!(
        server
            .timeline(pb::StreamTimelineRequest {
                max_results: 100_000,
                ..Default::default()
            })
            .await
            .is_ok()
    );
    server.stop().await;
}

#[tokio::test]
async fn large_timelines_page_through_the_index_in_order() {
    let server = TestServer::start().await;
    let a = article("article:000000000000000b", "Lukashenka met Putin.");
    let mut events = Vec::new();
    for n in 0..3000u64 {
        // Dates out of insertion order, several per day so ids break ties.
        let day = (n * 7919 % 28 + 1) as i32;
        let month = (n * 31 % 12 + 1) as i32;
        let participants: &[&str] = if n % 10 == 0 { &[LUKASHENKA] } else { &[PUTIN] };
        events.push(event(
            10_000 + n,
            &a,
            "Lukashenka met Putin.",
            EventKind::Meeting,
            date(2015, month, day),
            participants,
            "",
        ));
    }
    server
        .publish_ok(vec![batch(1, vec![a], entities(), events)])
        .await;
    let all = server.timeline(Default::default()).await.unwrap();
    assert_eq!(all.len(), 3000);
    let keys: Vec<(i32, i32, String)> = all
        .iter()
        .map(|i| {
            let e = i.event.as_ref().unwrap();
            let start = e.when.as_ref().unwrap().start.unwrap();
            (start.month, start.day, e.id.clone())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    let lukashenka = server
        .timeline(pb::StreamTimelineRequest {
            filter: Some(pb::TimelineFilter {
                entity_ids: vec![LUKASHENKA.into()],
                ..Default::default()
            }),
            order: SortOrder::Descending as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    let expected: Vec<String> = all
        .iter()
        .rev()
        .filter(|i| i.event.as_ref().unwrap().participants[0].entity_id == LUKASHENKA)
        .map(|i| i.event.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(ids(&lukashenka), expected);

    // A date range seeks into the index, in both directions and from a cursor.
    let spring = |order: SortOrder, cursor: String| pb::StreamTimelineRequest {
        filter: Some(pb::TimelineFilter {
            from: Some(date(2015, 3, 0)),
            to: Some(date(2015, 6, 0)),
            ..Default::default()
        }),
        order: order as i32,
        cursor,
        ..Default::default()
    };
    let in_spring: Vec<String> = keys
        .iter()
        .filter(|(month, _, _)| (3..=6).contains(month))
        .map(|(_, _, id)| id.clone())
        .collect();
    let ascending = server
        .timeline(spring(SortOrder::Ascending, String::new()))
        .await
        .unwrap();
    assert_eq!(ids(&ascending), in_spring);
    let descending = server
        .timeline(spring(SortOrder::Descending, String::new()))
        .await
        .unwrap();
    let mut reversed = in_spring.clone();
    reversed.reverse();
    assert_eq!(ids(&descending), reversed);
    let resumed = server
        .timeline(spring(SortOrder::Descending, descending[9].cursor.clone()))
        .await
        .unwrap();
    assert_eq!(ids(&resumed), reversed[10..]);
    server.stop().await;
}
