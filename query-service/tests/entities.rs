//! GetEntity, SearchEntities, StreamEntityRelations, GetArticle, StreamArticles and errors.

mod common;

use common::*;
use newsline_proto::v1::{self as pb, EntityKind, EventKind};
use tonic::Code;

async fn search(
    server: &TestServer,
    request: pb::SearchEntitiesRequest,
) -> Result<Vec<pb::SearchEntitiesResponse>, tonic::Status> {
    let mut stream = server
        .query()
        .await
        .search_entities(request)
        .await?
        .into_inner();
    let mut hits = Vec::new();
    while let Some(hit) = stream.message().await? {
        hits.push(hit);
    }
    Ok(hits)
}

fn hit_ids(hits: &[pb::SearchEntitiesResponse]) -> Vec<String> {
    hits.iter()
        .map(|h| h.entity.as_ref().unwrap().id.clone())
        .collect()
}

fn query_for(text: &str) -> pb::SearchEntitiesRequest {
    pb::SearchEntitiesRequest {
        query: text.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn search_is_folded_alias_aware_prefix_and_typo_tolerant() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;

    let exact = search(&server, query_for("lukashenko")).await.unwrap();
    assert_eq!(hit_ids(&exact)[0], LUKASHENKA);
    assert_eq!(exact[0].score, 1.0);
    assert_eq!(exact[0].matched_alias, "Lukashenko");
    assert_eq!(exact[0].event_count, 3);

    let prefix = search(&server, query_for("Lukash")).await.unwrap();
    assert_eq!(hit_ids(&prefix), [LUKASHENKA]);
    assert!(prefix[0].score < 1.0 && prefix[0].score > 0.0);

    // A Cyrillic "а" in a Latin name is one typo.
    let typo = search(&server, query_for("Lukashenkа")).await.unwrap();
    assert_eq!(hit_ids(&typo), [LUKASHENKA]);

    let diacritics = search(&server, query_for("nguyen phu trong"))
        .await
        .unwrap();
    assert_eq!(hit_ids(&diacritics), [TRONG]);
    assert_eq!(diacritics[0].matched_alias, "Nguyễn Phú Trọng");

    // Ranking: the exact name before names it only starts.
    let ranked = search(&server, query_for("Minsk")).await.unwrap();
    assert_eq!(hit_ids(&ranked)[0], MINSK);

    let only_countries = search(
        &server,
        pb::SearchEntitiesRequest {
            query: "r".into(),
            kinds: vec![EntityKind::Country as i32],
            max_results: 5,
        },
    )
    .await
    .unwrap();
    assert_eq!(hit_ids(&only_countries), ["country:RU"]);
    assert!(
        search(&server, query_for("Obama"))
            .await
            .unwrap()
            .is_empty()
    );

    for (request, field) in [
        (query_for(""), "query"),
        (query_for(&"x".repeat(201)), "query"),
        (
            pb::SearchEntitiesRequest {
                query: "x".into(),
                max_results: 1001,
                ..Default::default()
            },
            "max_results",
        ),
        (
            pb::SearchEntitiesRequest {
                query: "x".into(),
                kinds: vec![EntityKind::Unspecified as i32],
                ..Default::default()
            },
            "kinds[0]",
        ),
    ] {
        let status = search(&server, request).await.unwrap_err();
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
async fn entity_lookups_count_activity_and_refuse_bad_ids() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let mut query = server.query().await;
    let minsk = query
        .get_entity(pb::GetEntityRequest { id: MINSK.into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(minsk.entity.unwrap().name, "Minsk");
    assert_eq!((minsk.event_count, minsk.article_count), (2, 1));
    let putin = query
        .get_entity(pb::GetEntityRequest { id: PUTIN.into() })
        .await
        .unwrap()
        .into_inner();
    // The statement without a year counts but gives no date.
    assert_eq!(putin.event_count, 3);
    assert_eq!(putin.first_date, Some(date(2015, 5, 3)));
    assert_eq!(putin.last_date, Some(date(2015, 11, 18)));

    let status = query
        .get_entity(pb::GetEntityRequest { id: String::new() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = query
        .get_entity(pb::GetEntityRequest {
            id: "Person:Alexander-Lukashenka".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test]
async fn relations_rank_shared_events() {
    let server = TestServer::start().await;
    server.publish_ok(vec![fixture_batch(1)]).await;
    let relations = |request: pb::StreamEntityRelationsRequest| {
        let server = &server;
        async move {
            let mut stream = server
                .query()
                .await
                .stream_entity_relations(request)
                .await?
                .into_inner();
            let mut items = Vec::new();
            while let Some(item) = stream.message().await? {
                items.push(item);
            }
            Ok::<_, tonic::Status>(items)
        }
    };
    let all = relations(pb::StreamEntityRelationsRequest {
        entity_id: LUKASHENKA.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let related: Vec<(String, u32)> = all
        .iter()
        .map(|r| (r.entity.as_ref().unwrap().id.clone(), r.event_count))
        .collect();
    // Putin and Minsk share two events (Putin's latest is the same day as Minsk's: id breaks the
    // tie), Trọng one.
    assert_eq!(
        related,
        [
            (MINSK.to_string(), 2),
            (PUTIN.to_string(), 2),
            (TRONG.to_string(), 1)
        ]
    );
    let putin = &all[1];
    assert_eq!(putin.first_date, Some(date(2015, 5, 3)));
    assert_eq!(putin.last_date, Some(date(2015, 11, 18)));
    assert_eq!(putin.sample_event_ids, [event_id(5), event_id(1)]);
    assert_eq!(
        putin.kind_counts,
        [pb::EventKindCount {
            kind: EventKind::Meeting as i32,
            count: 2
        }]
    );

    let narrowed = relations(pb::StreamEntityRelationsRequest {
        entity_id: LUKASHENKA.into(),
        from: Some(date(2015, 6, 0)),
        kinds: vec![EntityKind::Person as i32],
        max_results: 1,
        max_sample_events: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(narrowed.len(), 1);
    assert_eq!(narrowed[0].entity.as_ref().unwrap().id, PUTIN);
    assert_eq!(narrowed[0].event_count, 1);
    assert_eq!(narrowed[0].sample_event_ids, [event_id(5)]);

    let missing = relations(pb::StreamEntityRelationsRequest {
        entity_id: "person:nobody".into(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    for (request, field) in [
        (pb::StreamEntityRelationsRequest::default(), "entity_id"),
        (
            pb::StreamEntityRelationsRequest {
                entity_id: PUTIN.into(),
                from: Some(date(2016, 0, 0)),
                to: Some(date(2015, 0, 0)),
                ..Default::default()
            },
            "to",
        ),
        (
            pb::StreamEntityRelationsRequest {
                entity_id: PUTIN.into(),
                max_results: 10_001,
                ..Default::default()
            },
            "max_results",
        ),
    ] {
        let status = relations(request).await.unwrap_err();
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
async fn articles_are_listed_by_date_and_filtered() {
    let server = TestServer::start().await;
    let mut older = article("article:0000000000000001", "Older text.");
    older.published = None;
    older.reference_year = 2014;
    older.series = "Other Series".into();
    older.authors = vec!["Jane Doe".into()];
    let mut undated = article("article:0000000000000002", "Undated text.");
    undated.published = None;
    undated.reference_year = 0;
    server
        .publish_ok(vec![
            fixture_batch(1),
            batch(2, vec![older, undated], vec![], vec![]),
        ])
        .await;
    let list = |request: pb::StreamArticlesRequest| {
        let server = &server;
        async move {
            let mut stream = server
                .query()
                .await
                .stream_articles(request)
                .await?
                .into_inner();
            let mut ids = Vec::new();
            while let Some(item) = stream.message().await? {
                ids.push(item.article.unwrap().id);
            }
            Ok::<_, tonic::Status>(ids)
        }
    };
    assert_eq!(
        list(Default::default()).await.unwrap(),
        [
            "article:0000000000000002",
            "article:0000000000000001",
            "article:000000000000000a"
        ]
    );
    assert_eq!(
        list(pb::StreamArticlesRequest {
            from: Some(date(2015, 0, 0)),
            ..Default::default()
        })
        .await
        .unwrap(),
        ["article:000000000000000a"]
    );
    assert_eq!(
        list(pb::StreamArticlesRequest {
            series: "other series".into(),
            ..Default::default()
        })
        .await
        .unwrap(),
        ["article:0000000000000001"]
    );
    assert_eq!(
        list(pb::StreamArticlesRequest {
            author: "ASTAP".into(),
            ..Default::default()
        })
        .await
        .unwrap(),
        ["article:0000000000000002", "article:000000000000000a"]
    );
    assert_eq!(
        list(pb::StreamArticlesRequest {
            entity_id: MINSK.into(),
            ..Default::default()
        })
        .await
        .unwrap(),
        ["article:000000000000000a"]
    );
    assert_eq!(
        list(pb::StreamArticlesRequest {
            max_results: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        1
    );
    let status = list(pb::StreamArticlesRequest {
        from: Some(date(2016, 0, 0)),
        to: Some(date(2015, 0, 0)),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    let mut query = server.query().await;
    let found = query
        .get_article(pb::GetArticleRequest {
            id: "article:000000000000000a".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.article.unwrap().text, TEXT_A);
    assert_eq!(found.event_ids, [4, 3, 1, 2, 5].map(event_id).to_vec());
    let missing = query
        .get_article(pb::GetArticleRequest {
            id: "article:ffffffffffffffff".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let empty = query
        .get_article(pb::GetArticleRequest { id: String::new() })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    server.stop().await;
}

#[tokio::test]
async fn busy_entities_report_their_first_and_last_dates() {
    let server = TestServer::start().await;
    let a = article("article:00000000000000f0", "Lukashenka met Putin.");
    let events: Vec<pb::Event> = (0..6000u64)
        .map(|n| {
            // Putin takes part in every event; Lukashenka in every third, never the extremes.
            let participants: &[&str] = if n % 3 == 1 && n < 5990 {
                &[PUTIN, LUKASHENKA]
            } else {
                &[PUTIN]
            };
            let start = if n == 0 {
                date(0, 5, 1)
            } else {
                date(
                    1990 + (n % 30) as i32,
                    (n % 12 + 1) as i32,
                    (n % 28 + 1) as i32,
                )
            };
            event(
                50_000 + n,
                &a,
                "Lukashenka met Putin.",
                EventKind::Meeting,
                start,
                participants,
                "",
            )
        })
        .collect();
    server
        .publish_ok(vec![batch(1, vec![a], entities(), events.clone())])
        .await;
    let mut query = server.query().await;
    for (id, takes_part) in [
        (PUTIN, Box::new(|_: u64| true) as Box<dyn Fn(u64) -> bool>),
        (LUKASHENKA, Box::new(|n: u64| n % 3 == 1 && n < 5990)),
    ] {
        let dates: Vec<(i32, i32, i32)> = events
            .iter()
            .enumerate()
            .filter(|(n, _)| takes_part(*n as u64))
            .map(|(_, e)| e.when.as_ref().unwrap().start.unwrap())
            .filter(|d| d.year != 0)
            .map(|d| (d.year, d.month, d.day))
            .collect();
        let (first, last) = (dates.iter().min().unwrap(), dates.iter().max().unwrap());
        let found = query
            .get_entity(pb::GetEntityRequest { id: id.into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            found.first_date,
            Some(date(first.0, first.1, first.2)),
            "{id}"
        );
        assert_eq!(found.last_date, Some(date(last.0, last.1, last.2)), "{id}");
        assert_eq!(
            found.event_count as usize,
            events
                .iter()
                .enumerate()
                .filter(|(n, _)| takes_part(*n as u64))
                .count()
        );
    }
    server.stop().await;
}
