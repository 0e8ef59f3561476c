use newsline_proto::v1 as pb;

use super::*;

fn event(id: u64, start: (i32, i32, i32), end: Option<(i32, i32, i32)>) -> pb::Event {
    let date = |(year, month, day)| pb::CalendarDate { year, month, day };
    pb::Event {
        id: format!("event:{id:016x}"),
        kind: pb::EventKind::Visit as i32,
        when: Some(pb::DateRange {
            start: Some(date(start)),
            end: end.map(date),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn timeline_order_is_start_then_end_then_id_with_unknown_parts_first() {
    let ordered = [
        event(9, (0, 0, 0), None),
        event(1, (0, 5, 0), None),
        event(5, (2014, 0, 0), None),
        event(4, (2014, 3, 0), None),
        event(2, (2014, 3, 1), None),
        event(3, (2014, 3, 1), Some((2014, 3, 2))),
        event(7, (2014, 3, 1), Some((2014, 3, 2))),
        event(8, (2015, 1, 1), Some((2015, 1, 1))),
    ];
    let mut ascending = OrderCheck::new(false, None);
    for e in &ordered {
        ascending.next(e).expect("in order");
    }
    let mut descending = OrderCheck::new(true, None);
    for e in ordered.iter().rev() {
        descending.next(e).expect("in reverse order");
    }
    let mut wrong = OrderCheck::new(false, None);
    wrong.next(&ordered[3]).expect("first");
    assert!(wrong.next(&ordered[2]).unwrap_err().contains("ascending"));
}

#[test]
fn an_unset_end_sorts_as_the_start_and_repeats_are_caught() {
    let unset = event(3, (2014, 3, 1), None);
    let same = event(3, (2014, 3, 1), Some((2014, 3, 1)));
    assert_eq!(event_key(&unset), event_key(&same));
    let mut check = OrderCheck::new(false, None);
    check.next(&unset).expect("first");
    assert!(check.next(&same).unwrap_err().contains("twice"));
}

#[test]
fn a_resumed_stream_must_start_strictly_after_its_cursor() {
    let first = event(4, (2014, 3, 1), None);
    let after = event_key(&first).expect("key");
    let mut check = OrderCheck::new(false, Some(after));
    assert!(check.next(&first).is_err());
    let mut check = OrderCheck::new(true, Some(after));
    check
        .next(&event(3, (2014, 3, 1), None))
        .expect("before it, descending");
}

#[test]
fn malformed_ids_are_named() {
    let mut bad = event(1, (2014, 1, 1), None);
    bad.id = "event:xyz".to_string();
    assert!(event_key(&bad).unwrap_err().contains("event:xyz"));
    assert_eq!(event_number("event:00000000000000ff"), Some(255));
    assert_eq!(event_number("article:00000000000000ff"), None);
    assert_eq!(event_number("event:ff"), None);
}

#[test]
fn filters_are_checked_by_participant_or_location_kind_and_start_date() {
    let mut e = event(1, (2014, 6, 15), None);
    e.participants.push(pb::Participant {
        entity_id: "person:a".to_string(),
        ..Default::default()
    });
    e.location_id = "city:minsk".to_string();
    let entity = |id: &str| pb::TimelineFilter {
        entity_ids: vec![id.to_string()],
        ..Default::default()
    };
    assert_eq!(filter_mismatch(&entity("person:a"), &e), None);
    assert_eq!(filter_mismatch(&entity("city:minsk"), &e), None);
    assert!(filter_mismatch(&entity("person:b"), &e).is_some());
    let dates = |from: (i32, i32), to: i32| pb::TimelineFilter {
        from: Some(pb::CalendarDate {
            year: from.0,
            month: from.1,
            day: 0,
        }),
        to: Some(pb::CalendarDate {
            year: to,
            month: 0,
            day: 0,
        }),
        kinds: vec![pb::EventKind::Visit as i32],
        ..Default::default()
    };
    assert_eq!(filter_mismatch(&dates((2014, 0), 2014), &e), None);
    assert_eq!(filter_mismatch(&dates((2014, 6), 2014), &e), None);
    assert!(filter_mismatch(&dates((2014, 7), 2015), &e).is_some());
    assert!(filter_mismatch(&dates((2012, 0), 2013), &e).is_some());
    let mut other_kind = dates((2014, 0), 2014);
    other_kind.kinds = vec![pb::EventKind::Trade as i32];
    assert!(filter_mismatch(&other_kind, &e).is_some());
    let undated = pb::Event {
        when: None,
        ..e.clone()
    };
    assert!(filter_mismatch(&dates((2014, 0), 2014), &undated).is_some());
}

fn sample(phase: &'static str, query_rss: u64, ingest_rss: u64, approx: u64) -> MemorySample {
    MemorySample {
        seconds: 0.0,
        phase,
        query_rss,
        ingest_rss,
        stored_events: 0,
        stored_articles: 0,
        approx_memory_bytes: approx,
    }
}

#[test]
fn memory_may_grow_with_the_store_but_not_without_it() {
    const MIB: u64 = 1 << 20;
    let with_store = [
        sample("warmup", 20 * MIB, 10 * MIB, 0),
        sample("load", 30 * MIB, 12 * MIB, 0),
        sample("load", 200 * MIB, 14 * MIB, 100 * MIB),
        sample("load", 300 * MIB, 14 * MIB, 200 * MIB),
        sample("check", 300 * MIB, 14 * MIB, 200 * MIB),
    ];
    let (query, ingest) = memory_verdict(&with_store);
    assert!(query.bounded && ingest.bounded);
    assert_eq!(
        (query.start, query.peak, query.end_of_load),
        (30 * MIB, 300 * MIB, 300 * MIB)
    );
    let without_store = [
        sample("load", 30 * MIB, 12 * MIB, 10 * MIB),
        sample("load", 200 * MIB, 100 * MIB, 10 * MIB),
        sample("load", 300 * MIB, 200 * MIB, 10 * MIB),
    ];
    let (query, ingest) = memory_verdict(&without_store);
    assert!(!query.bounded && !ingest.bounded);
    let growing_while_read = [
        sample("load", 30 * MIB, 12 * MIB, 0),
        sample("load", 40 * MIB, 12 * MIB, 0),
        sample("quiet", 40 * MIB, 30 * MIB, 0),
        sample("quiet", 40 * MIB, 40 * MIB, 0),
        sample("check", 40 * MIB, 12 * MIB, 0),
    ];
    let (query, ingest) = memory_verdict(&growing_while_read);
    assert!(query.bounded && !ingest.bounded);
    assert_eq!(ingest.quiet_growth, 28 * MIB as i64);
    let growing_after = [
        sample("load", 30 * MIB, 12 * MIB, 0),
        sample("load", 40 * MIB, 12 * MIB, 0),
        sample("check", 400 * MIB, 12 * MIB, 0),
    ];
    assert!(!memory_verdict(&growing_after).0.bounded);
}

#[test]
fn the_tally_counts_every_code_and_non_ok_calls_fail() {
    let tally = Tally::default();
    tally.ok("StreamTimeline");
    tally.ok("StreamTimeline");
    tally.failed("StreamTimeline", &tonic::Status::unavailable("going away"));
    let calls = tally.calls();
    assert_eq!(calls["StreamTimeline"]["Ok"], 2);
    assert_eq!(calls["StreamTimeline"]["Unavailable"], 1);
    assert_eq!(non_ok(&calls), 1);
    assert_eq!(tally.problems().counts["StreamTimeline Unavailable"], 1);
}
