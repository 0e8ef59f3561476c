//! RecordSinkService/Publish: acknowledgements, idempotence, replacement, merging and errors.

mod common;

use common::*;
use newsline_proto::v1::{self as pb, EntityKind, EventKind};
use tonic::Code;

#[tokio::test]
async fn batches_are_acknowledged_in_order_and_duplicates_are_not_reapplied() {
    let server = TestServer::start().await;
    let acks = server.publish_ok(vec![fixture_batch(1)]).await;
    assert_eq!(acks[0].sequence, 1);
    assert_eq!(acks[0].revision, 1);
    assert!(!acks[0].duplicate);
    assert_eq!(acks[0].articles_upserted, 1);
    assert_eq!(acks[0].entities_upserted, 6);
    assert_eq!(acks[0].events_upserted, 5);

    // The same sequence again: a duplicate, not applied; the same records under a new sequence:
    // applied, but nothing changes.
    let acks = server
        .publish_ok(vec![fixture_batch(1), fixture_batch(2)])
        .await;
    assert!(acks[0].duplicate);
    assert_eq!(acks[0].revision, 1);
    assert!(!acks[1].duplicate);
    assert_eq!(acks[1].revision, 1);
    assert_eq!(
        (
            acks[1].articles_upserted,
            acks[1].entities_upserted,
            acks[1].events_upserted,
            acks[1].events_removed
        ),
        (0, 0, 0, 0)
    );
    let stats = server
        .query()
        .await
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!((stats.articles, stats.events, stats.revision), (1, 5, 1));
    assert!(stats.entities >= 6);
    assert!(stats.approx_memory_bytes > 0);
    server.stop().await;
}

#[tokio::test]
async fn republishing_an_article_replaces_its_events() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let mut republished = fixture_batch(2);
    republished
        .events
        .retain(|e| e.id != event_id(2) && e.id != event_id(3));
    republished.events[0].kind = EventKind::Conference as i32;
    let acks = server.publish_ok(vec![republished]).await;
    assert_eq!(acks[0].events_removed, 2);
    assert_eq!(acks[0].events_upserted, 1);
    assert_eq!(acks[0].revision, 2);
    let timeline = server.timeline(Default::default()).await.unwrap();
    assert_eq!(ids(&timeline), [4, 1, 5].map(event_id).to_vec(),);
    assert_eq!(
        timeline[1].event.as_ref().unwrap().kind,
        EventKind::Conference as i32
    );

    // Events of a stored article published without the article are upserted, nothing removed.
    let a = &fixture_batch(9).articles[0];
    let extra = event(
        6,
        a,
        "Putin spoke about sanctions.",
        EventKind::Sanction,
        date(2016, 1, 1),
        &[PUTIN],
        "",
    );
    let acks = server
        .publish_ok(vec![batch(3, vec![], vec![], vec![extra])])
        .await;
    assert_eq!((acks[0].events_upserted, acks[0].events_removed), (1, 0));
    let article = server
        .query()
        .await
        .get_article(pb::GetArticleRequest { id: a.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(article.event_ids, [4, 1, 5, 6].map(event_id).to_vec());
    server.stop().await;
}

#[tokio::test]
async fn invalid_batches_end_the_stream_naming_sequence_and_field() {
    let server = TestServer::start().await;
    let mut bad_article_ref = fixture_batch(2);
    bad_article_ref.articles.clear();
    bad_article_ref.events[3].article_id = "article:ffffffffffffffff".into();
    let (acks, error) = server
        .publish(vec![fixture_batch(1), bad_article_ref, fixture_batch(3)])
        .await;
    assert_eq!(acks.len(), 1, "the first batch is acknowledged");
    let status = error.expect("the stream fails");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("batch 2"), "{}", status.message());
    assert!(
        status.message().contains("events[3].article_id"),
        "{}",
        status.message()
    );
    // The first batch stays applied; nothing of the second was.
    assert_eq!(server.timeline(Default::default()).await.unwrap().len(), 5);

    let mut cases: Vec<(pb::PublishRequest, &str)> = Vec::new();
    let mut no_producer = fixture_batch(10);
    no_producer.producer_id.clear();
    cases.push((no_producer, "producer_id"));
    let mut unspecified_kind = fixture_batch(10);
    unspecified_kind.events[1].kind = EventKind::Unspecified as i32;
    cases.push((unspecified_kind, "events[1].kind"));
    let mut end_before_start = fixture_batch(10);
    end_before_start.events[0].when.as_mut().unwrap().end = Some(date(2015, 5, 2));
    cases.push((end_before_start, "events[0].when.end"));
    let mut empty_entity_id = fixture_batch(10);
    empty_entity_id.entities[2].id.clear();
    cases.push((empty_entity_id, "entities[2].id"));
    let mut unspecified_entity_kind = fixture_batch(10);
    unspecified_entity_kind.entities[0].kind = EntityKind::Unspecified as i32;
    cases.push((unspecified_entity_kind, "entities[0].kind"));
    let mut empty_article_id = fixture_batch(10);
    empty_article_id.articles[0].id.clear();
    cases.push((empty_article_id, "articles[0].id"));
    let mut bad_event_id = fixture_batch(10);
    bad_event_id.events[4].id = "event:XYZ".into();
    cases.push((bad_event_id, "events[4].id"));
    for (request, field) in cases {
        let (acks, error) = server.publish(vec![request]).await;
        assert!(acks.is_empty(), "{field}");
        let status = error.unwrap_or_else(|| panic!("{field} is refused"));
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert!(
            status.message().contains(&format!("`{field}`"))
                && status.message().contains("batch 10"),
            "{field}: {}",
            status.message()
        );
    }
    let stats = server
        .query()
        .await
        .get_stats(pb::GetStatsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!((stats.events, stats.revision), (5, 1));
    server.stop().await;
}

#[tokio::test]
async fn entities_merge_by_alias_and_references_follow_the_merge() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    // Another producer names the same person by an alias-derived id.
    let mut alias_entity = entity(
        "person:lukashenko",
        EntityKind::Person,
        "Lukashenko",
        &["Aliaksandr Lukashenka"],
    );
    alias_entity.roles = vec!["President of Belarus".into()];
    let a = article("article:000000000000000c", "Lukashenko met Trong in Hanoi.");
    let meeting = event(
        100,
        &a,
        "Lukashenko met Trong in Hanoi.",
        EventKind::Meeting,
        date(2015, 12, 24),
        &["person:lukashenko", TRONG],
        "city:hanoi",
    );
    let mut request = batch(1, vec![a], vec![alias_entity], vec![meeting]);
    request.producer_id = "other-producer".into();
    let acks = server.publish_ok(vec![request]).await;
    assert_eq!(acks[0].entities_upserted, 1);

    let mut query = server.query().await;
    let merged = query
        .get_entity(pb::GetEntityRequest {
            id: "person:lukashenko".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let entity = merged.entity.unwrap();
    assert_eq!(entity.id, LUKASHENKA);
    assert_eq!(entity.name, "Alexander Lukashenka");
    assert_eq!(
        entity.aliases,
        ["Lukashenka", "Lukashenko", "Aliaksandr Lukashenka"]
    );
    assert_eq!(entity.roles, ["President of Belarus"]);
    assert_eq!(merged.event_count, 4);
    assert_eq!(merged.article_count, 1);
    assert_eq!(merged.first_date, Some(date(2015, 5, 3)));
    assert_eq!(merged.last_date, Some(date(2015, 12, 24)));

    let latest = server
        .timeline(pb::StreamTimelineRequest {
            order: pb::SortOrder::Descending as i32,
            max_results: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let event = latest[0].event.as_ref().unwrap();
    assert_eq!(event.participants[0].entity_id, LUKASHENKA);
    assert_eq!(event.participants[0].name, "Alexander Lukashenka");
    // A location known only by reference becomes an entity of the kind its id names.
    assert_eq!(event.location_id, "city:hanoi");
    let hanoi = query
        .get_entity(pb::GetEntityRequest {
            id: "city:hanoi".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hanoi.entity.unwrap().kind, EntityKind::City as i32);
    assert_eq!(hanoi.event_count, 1);
    // Filters by the merged id find the same events as by the surviving id.
    let by_alias = server
        .timeline_ids(pb::TimelineFilter {
            entity_ids: vec!["person:lukashenko".into()],
            ..Default::default()
        })
        .await;
    let by_id = server
        .timeline_ids(pb::TimelineFilter {
            entity_ids: vec![LUKASHENKA.into()],
            ..Default::default()
        })
        .await;
    assert_eq!(by_alias.len(), 4);
    assert_eq!(by_alias, by_id);
    server.stop().await;
}

#[tokio::test]
async fn unusual_events_round_trip_unchanged() {
    let server = TestServer::start().await;
    let a = article(
        "article:000000000000000e",
        "Five leaders met. Nothing else.",
    );
    // More participants than fit inline, a sentence that is not where its offsets say, a date
    // text outside the sentence, amounts and a planned flag.
    let mut crowded = event(
        200,
        &a,
        "Five leaders met.",
        EventKind::Conference,
        date(2015, 9, 0),
        &[
            LUKASHENKA,
            PUTIN,
            TRONG,
            "person:xi-jinping",
            "person:angela-merkel",
        ],
        MINSK,
    );
    crowded.participants[4].role = pb::ParticipantRole::Guest as i32;
    crowded.participants[4].name = "Angela Merkel".into();
    crowded.planned = true;
    let when = crowded.when.as_mut().unwrap();
    when.end = Some(date(2015, 10, 0));
    when.text = "in September – October".into();
    when.year_inferred = true;
    when.year_source = pb::YearSource::Article as i32;
    crowded.amounts = vec![
        pb::Amount {
            value: 245_000_000.0,
            currency: "USD".into(),
            metric: pb::TradeMetric::Turnover as i32,
            period: Some(pb::DateRange {
                start: Some(date(2014, 0, 0)),
                end: Some(date(2014, 0, 0)),
                year_inferred: true,
                year_source: pb::YearSource::Explicit as i32,
                text: "in 2014".into(),
            }),
            text: "$245m".into(),
        },
        pb::Amount {
            value: 8.7e6,
            currency: "EUR".into(),
            metric: pb::TradeMetric::Imports as i32,
            period: None,
            text: "€8.7m".into(),
        },
    ];
    let mut misplaced = event(
        201,
        &a,
        "Nothing else.",
        EventKind::Other,
        date(2016, 1, 1),
        &[PUTIN],
        "",
    );
    misplaced.sentence = "A sentence from elsewhere.".into();
    misplaced.sentence_end = misplaced.sentence_start + 26;
    let published = vec![crowded.clone(), misplaced.clone()];
    server
        .publish_ok(vec![batch(1, vec![a], entities(), published)])
        .await;

    let timeline = server.timeline(Default::default()).await.unwrap();
    let stored: Vec<pb::Event> = timeline.into_iter().map(|i| i.event.unwrap()).collect();
    let participant_ids: Vec<&str> = stored[0]
        .participants
        .iter()
        .map(|p| p.entity_id.as_str())
        .collect();
    assert_eq!(
        participant_ids,
        [
            LUKASHENKA,
            PUTIN,
            TRONG,
            "person:xi-jinping",
            "person:angela-merkel"
        ]
    );
    assert_eq!(stored[0].participants[4].name, "Angela Merkel");
    assert_eq!(
        stored[0].participants[4].role,
        pb::ParticipantRole::Guest as i32
    );
    assert_eq!(stored[0].when, crowded.when);
    assert_eq!(stored[0].amounts, crowded.amounts);
    assert!(stored[0].planned);
    assert_eq!(stored[1].sentence, misplaced.sentence);
    assert_eq!(
        (stored[1].sentence_start, stored[1].sentence_end),
        (misplaced.sentence_start, misplaced.sentence_end)
    );
    // The fifth participant is indexed like the first.
    assert_eq!(
        server
            .timeline_ids(pb::TimelineFilter {
                entity_ids: vec!["person:angela-merkel".into()],
                ..Default::default()
            })
            .await,
        [event_id(200)]
    );
    // Publishing the same records again changes nothing.
    let mut again = batch(2, vec![], vec![], vec![crowded, misplaced]);
    again.producer_id = "another".into();
    let acks = server.publish_ok(vec![again]).await;
    assert_eq!((acks[0].events_upserted, acks[0].revision), (0, 1));
    server.stop().await;
}

#[tokio::test]
async fn articles_round_trip_with_sections_and_entity_ids() {
    let server = TestServer::start().await;
    let mut joined = article(
        "article:0000000000000010",
        "First paragraph.\n\nTalks\n\nLukashenka met Putin.\n\nTalks again.",
    );
    joined.sections = vec![
        pb::Section {
            heading: String::new(),
            paragraphs: vec!["First paragraph.".into()],
        },
        pb::Section {
            heading: "Talks".into(),
            paragraphs: vec!["Lukashenka met Putin.".into(), "Talks again.".into()],
        },
    ];
    joined.entity_ids = vec![PUTIN.into(), LUKASHENKA.into(), "city:brest".into()];
    let mut loose = article(
        "article:0000000000000011",
        "A text that the sections do not match.",
    );
    loose.sections = vec![pb::Section {
        heading: "Elsewhere".into(),
        paragraphs: vec!["Something else entirely.".into()],
    }];
    server
        .publish_ok(vec![batch(
            1,
            vec![joined.clone(), loose.clone()],
            entities(),
            vec![],
        )])
        .await;
    let mut query = server.query().await;
    for published in [joined.clone(), loose] {
        let stored = query
            .get_article(pb::GetArticleRequest {
                id: published.id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .article
            .unwrap();
        let mut expected = published;
        expected.entity_ids.sort();
        assert_eq!(stored, expected);
    }
    // Unchanged on a second publish, changed when a section changes.
    let acks = server
        .publish_ok(vec![batch(2, vec![joined.clone()], vec![], vec![])])
        .await;
    assert_eq!(acks[0].articles_upserted, 0);
    joined.sections[1].heading = "Talk".into();
    let acks = server
        .publish_ok(vec![batch(3, vec![joined], vec![], vec![])])
        .await;
    assert_eq!(acks[0].articles_upserted, 1);
    server.stop().await;
}
