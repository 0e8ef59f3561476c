//! Conversions between the wire messages and the domain, in one place. Checks that need only the
//! message happen here and name the offending field as the API spells it.

use newsline_proto::v1 as pb;

use crate::domain::{
    DomainError,
    cursor::Cursor,
    date::PartialDate,
    filter::{ArticleFilter, RelationQuery, TimelineFilter},
    model::{
        Amount, Article, ArticleWithEvents, Batch, DateSpan, Entity, EntityActivity, EntityKind,
        Event, EventKind, Participant, PublishOutcome, Relation, SearchHit, Section, Stats,
        format_event_id, parse_event_id,
    },
    stream::{TimelineItem, TimelineQuery, WatchItem},
};

pub const MAX_TIMELINE_RESULTS: u32 = 100_000;
pub const MAX_SEARCH_RESULTS: u32 = 1000;
pub const DEFAULT_SEARCH_RESULTS: usize = 20;
pub const MAX_SEARCH_QUERY_CHARS: usize = 200;
pub const MAX_RELATION_RESULTS: u32 = 10_000;
pub const MAX_SAMPLE_EVENTS: u32 = 20;
pub const DEFAULT_SAMPLE_EVENTS: usize = 3;
pub const MAX_ARTICLE_RESULTS: u32 = 100_000;

fn date_from_wire(
    date: Option<&pb::CalendarDate>,
    field: &str,
) -> Result<Option<PartialDate>, DomainError> {
    date.map(|d| PartialDate::new(d.year, d.month, d.day, field))
        .transpose()
}

fn date_to_wire(date: PartialDate) -> pb::CalendarDate {
    pb::CalendarDate {
        year: date.year,
        month: i32::from(date.month),
        day: i32::from(date.day),
    }
}

fn small_enum(value: i32, max: i32, field: &str, what: &str) -> Result<u8, DomainError> {
    if (0..=max).contains(&value) {
        Ok(value as u8)
    } else {
        Err(DomainError::invalid(
            field,
            format!("is not a known {what}"),
        ))
    }
}

fn span_from_wire(range: Option<&pb::DateRange>, field: &str) -> Result<DateSpan, DomainError> {
    let Some(range) = range else {
        return Ok(DateSpan::default());
    };
    let start =
        date_from_wire(range.start.as_ref(), &format!("{field}.start"))?.unwrap_or_default();
    // An unset end means a single date, as for a range whose end equals its start.
    let end = date_from_wire(range.end.as_ref(), &format!("{field}.end"))?.unwrap_or(start);
    Ok(DateSpan {
        start,
        end,
        year_inferred: range.year_inferred,
        year_source: small_enum(
            range.year_source,
            5,
            &format!("{field}.year_source"),
            "year source",
        )?,
        text: range.text.clone(),
    })
}

fn span_to_wire(span: DateSpan) -> pb::DateRange {
    pb::DateRange {
        start: Some(date_to_wire(span.start)),
        end: Some(date_to_wire(span.end)),
        year_inferred: span.year_inferred,
        year_source: i32::from(span.year_source),
        text: span.text,
    }
}

pub fn event_kind_from_wire(value: i32, field: &str) -> Result<EventKind, DomainError> {
    EventKind::from_number(value).ok_or_else(|| {
        DomainError::invalid(
            field,
            "must be a specified event kind (not EVENT_KIND_UNSPECIFIED)",
        )
    })
}

pub fn entity_kind_from_wire(value: i32, field: &str) -> Result<EntityKind, DomainError> {
    EntityKind::from_number(value).ok_or_else(|| {
        DomainError::invalid(
            field,
            "must be a specified entity kind (not ENTITY_KIND_UNSPECIFIED)",
        )
    })
}

fn entity_kinds_from_wire(values: &[i32], field: &str) -> Result<Vec<EntityKind>, DomainError> {
    values
        .iter()
        .enumerate()
        .map(|(i, &k)| entity_kind_from_wire(k, &format!("{field}[{i}]")))
        .collect()
}

fn entity_from_wire(entity: pb::Entity, field: &str) -> Result<Entity, DomainError> {
    Ok(Entity {
        kind: entity_kind_from_wire(entity.kind, &format!("{field}.kind"))?,
        id: entity.id,
        name: entity.name,
        aliases: entity.aliases,
        roles: entity.roles,
        country_code: entity.country_code,
    })
}

impl From<Entity> for pb::Entity {
    fn from(entity: Entity) -> Self {
        Self {
            id: entity.id,
            kind: entity.kind as i32,
            name: entity.name,
            aliases: entity.aliases,
            roles: entity.roles,
            country_code: entity.country_code,
        }
    }
}

fn article_from_wire(article: pb::Article, field: &str) -> Result<Article, DomainError> {
    let published = date_from_wire(article.published.as_ref(), &format!("{field}.published"))?
        .filter(|d| !d.is_empty());
    Ok(Article {
        reference_year_source: small_enum(
            article.reference_year_source,
            5,
            &format!("{field}.reference_year_source"),
            "year source",
        )?,
        id: article.id,
        title: article.title,
        series: article.series,
        authors: article.authors,
        sections: article
            .sections
            .into_iter()
            .map(|s| Section {
                heading: s.heading,
                paragraphs: s.paragraphs,
            })
            .collect(),
        published,
        reference_year: article.reference_year,
        source_uri: article.source_uri,
        text: article.text,
        entity_ids: article.entity_ids,
    })
}

impl From<Article> for pb::Article {
    fn from(article: Article) -> Self {
        Self {
            id: article.id,
            title: article.title,
            series: article.series,
            authors: article.authors,
            sections: article
                .sections
                .into_iter()
                .map(|s| pb::Section {
                    heading: s.heading,
                    paragraphs: s.paragraphs,
                })
                .collect(),
            published: article.published.map(date_to_wire),
            reference_year: article.reference_year,
            reference_year_source: i32::from(article.reference_year_source),
            source_uri: article.source_uri,
            text: article.text,
            entity_ids: article.entity_ids,
        }
    }
}

fn event_from_wire(event: pb::Event, field: &str) -> Result<Event, DomainError> {
    if event.id.is_empty() {
        return Err(DomainError::invalid(format!("{field}.id"), "is empty"));
    }
    let id = parse_event_id(&event.id).ok_or_else(|| {
        DomainError::invalid(
            format!("{field}.id"),
            "must be `event:` and 16 lowercase hex digits",
        )
    })?;
    let participants = event
        .participants
        .into_iter()
        .enumerate()
        .map(|(j, p)| {
            Ok(Participant {
                role: small_enum(
                    p.role,
                    5,
                    &format!("{field}.participants[{j}].role"),
                    "participant role",
                )?,
                entity_id: p.entity_id,
                name: p.name,
            })
        })
        .collect::<Result<_, DomainError>>()?;
    let amounts = event
        .amounts
        .into_iter()
        .enumerate()
        .map(|(j, a)| {
            let period = a
                .period
                .as_ref()
                .map(|p| span_from_wire(Some(p), &format!("{field}.amounts[{j}].period")))
                .transpose()?;
            Ok(Amount {
                value: a.value,
                currency: a.currency,
                metric: a.metric,
                period,
                text: a.text,
            })
        })
        .collect::<Result<_, DomainError>>()?;
    Ok(Event {
        id,
        kind: event_kind_from_wire(event.kind, &format!("{field}.kind"))?,
        when: span_from_wire(event.when.as_ref(), &format!("{field}.when"))?,
        article_id: event.article_id,
        participants,
        location_id: event.location_id,
        location_name: event.location_name,
        sentence: event.sentence,
        sentence_start: event.sentence_start,
        sentence_end: event.sentence_end,
        amounts,
        planned: event.planned,
    })
}

impl From<Event> for pb::Event {
    fn from(event: Event) -> Self {
        Self {
            id: format_event_id(event.id),
            article_id: event.article_id,
            kind: event.kind as i32,
            when: Some(span_to_wire(event.when)),
            participants: event
                .participants
                .into_iter()
                .map(|p| pb::Participant {
                    entity_id: p.entity_id,
                    name: p.name,
                    role: i32::from(p.role),
                })
                .collect(),
            location_id: event.location_id,
            sentence: event.sentence,
            sentence_start: event.sentence_start,
            sentence_end: event.sentence_end,
            amounts: event
                .amounts
                .into_iter()
                .map(|a| pb::Amount {
                    value: a.value,
                    currency: a.currency,
                    metric: a.metric,
                    period: a.period.map(span_to_wire),
                    text: a.text,
                })
                .collect(),
            planned: event.planned,
            location_name: event.location_name,
        }
    }
}

/// A publish batch; errors are labelled with the batch's sequence number.
pub fn batch_from_wire(request: pb::PublishRequest) -> Result<Batch, DomainError> {
    let sequence = request.sequence;
    let convert = || -> Result<Batch, DomainError> {
        Ok(Batch {
            producer_id: request.producer_id,
            sequence,
            articles: request
                .articles
                .into_iter()
                .enumerate()
                .map(|(i, a)| article_from_wire(a, &format!("articles[{i}]")))
                .collect::<Result<_, _>>()?,
            entities: request
                .entities
                .into_iter()
                .enumerate()
                .map(|(i, e)| entity_from_wire(e, &format!("entities[{i}]")))
                .collect::<Result<_, _>>()?,
            events: request
                .events
                .into_iter()
                .enumerate()
                .map(|(i, e)| event_from_wire(e, &format!("events[{i}]")))
                .collect::<Result<_, _>>()?,
        })
    };
    convert().map_err(|e| e.in_batch(sequence))
}

impl From<PublishOutcome> for pb::PublishResponse {
    fn from(outcome: PublishOutcome) -> Self {
        Self {
            sequence: outcome.sequence,
            revision: outcome.revision,
            duplicate: outcome.duplicate,
            articles_upserted: outcome.articles_upserted,
            entities_upserted: outcome.entities_upserted,
            events_upserted: outcome.events_upserted,
            events_removed: outcome.events_removed,
        }
    }
}

pub fn filter_from_wire(
    filter: Option<pb::TimelineFilter>,
    field: &str,
) -> Result<TimelineFilter, DomainError> {
    let filter = filter.unwrap_or_default();
    let prefix = format!("{field}.");
    let kinds = filter
        .kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| event_kind_from_wire(k, &format!("{prefix}kinds[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let match_all = match pb::EntityMatch::try_from(filter.entity_match) {
        Ok(pb::EntityMatch::All) => true,
        Ok(pb::EntityMatch::Any | pb::EntityMatch::Unspecified) => false,
        Err(_) => {
            return Err(DomainError::invalid(
                format!("{prefix}entity_match"),
                "is not a known entity match",
            ));
        }
    };
    TimelineFilter::new(
        date_from_wire(filter.from.as_ref(), &format!("{prefix}from"))?,
        date_from_wire(filter.to.as_ref(), &format!("{prefix}to"))?,
        filter.entity_ids,
        match_all,
        &kinds,
        filter.location_id,
        &filter.text,
        &prefix,
    )
}

fn check_max(value: u32, max: u32, field: &str) -> Result<usize, DomainError> {
    if value > max {
        Err(DomainError::invalid(
            field,
            format!("must be at most {max}"),
        ))
    } else {
        Ok(value as usize)
    }
}

impl TryFrom<pb::StreamTimelineRequest> for TimelineQuery {
    type Error = DomainError;

    fn try_from(request: pb::StreamTimelineRequest) -> Result<Self, Self::Error> {
        let descending = match pb::SortOrder::try_from(request.order) {
            Ok(pb::SortOrder::Descending) => true,
            Ok(pb::SortOrder::Ascending | pb::SortOrder::Unspecified) => false,
            Err(_) => return Err(DomainError::invalid("order", "is not a known sort order")),
        };
        Ok(Self {
            filter: filter_from_wire(request.filter, "filter")?,
            descending,
            max_results: check_max(request.max_results, MAX_TIMELINE_RESULTS, "max_results")?,
            after: Cursor::decode(&request.cursor, "cursor")?,
        })
    }
}

impl From<TimelineItem> for pb::StreamTimelineResponse {
    fn from(item: TimelineItem) -> Self {
        Self {
            event: Some(item.event.into()),
            cursor: item.cursor,
        }
    }
}

impl From<WatchItem> for pb::WatchTimelineResponse {
    fn from(item: WatchItem) -> Self {
        use pb::watch_timeline_response::Update;
        let update = match item {
            WatchItem::Event {
                event,
                cursor,
                backdated,
                replayed,
            } => Update::Event(pb::WatchedEvent {
                event: Some(event.into()),
                cursor,
                backdated,
                replayed,
            }),
            WatchItem::CaughtUp { cursor, revision } => {
                Update::CaughtUp(pb::CaughtUp { cursor, revision })
            }
            WatchItem::Heartbeat { cursor, revision } => {
                Update::Heartbeat(pb::Heartbeat { cursor, revision })
            }
        };
        Self {
            update: Some(update),
        }
    }
}

impl From<EntityActivity> for pb::GetEntityResponse {
    fn from(activity: EntityActivity) -> Self {
        Self {
            entity: Some(activity.entity.into()),
            event_count: activity.event_count,
            article_count: activity.article_count,
            first_date: activity.first_date.map(date_to_wire),
            last_date: activity.last_date.map(date_to_wire),
        }
    }
}

/// A checked `SearchEntities` request.
pub struct SearchQuery {
    pub query: String,
    pub kinds: Vec<EntityKind>,
    pub max_results: usize,
}

impl TryFrom<pb::SearchEntitiesRequest> for SearchQuery {
    type Error = DomainError;

    fn try_from(request: pb::SearchEntitiesRequest) -> Result<Self, Self::Error> {
        if request.query.trim().is_empty() {
            return Err(DomainError::invalid("query", "is empty"));
        }
        if request.query.chars().count() > MAX_SEARCH_QUERY_CHARS {
            return Err(DomainError::invalid(
                "query",
                format!("is longer than {MAX_SEARCH_QUERY_CHARS} characters"),
            ));
        }
        let max_results = match check_max(request.max_results, MAX_SEARCH_RESULTS, "max_results")? {
            0 => DEFAULT_SEARCH_RESULTS,
            n => n,
        };
        Ok(Self {
            kinds: entity_kinds_from_wire(&request.kinds, "kinds")?,
            query: request.query,
            max_results,
        })
    }
}

impl From<SearchHit> for pb::SearchEntitiesResponse {
    fn from(hit: SearchHit) -> Self {
        Self {
            entity: Some(hit.entity.into()),
            score: hit.score,
            matched_alias: hit.matched_alias,
            event_count: hit.event_count,
        }
    }
}

impl TryFrom<pb::StreamEntityRelationsRequest> for RelationQuery {
    type Error = DomainError;

    fn try_from(request: pb::StreamEntityRelationsRequest) -> Result<Self, Self::Error> {
        if request.entity_id.is_empty() {
            return Err(DomainError::invalid("entity_id", "is empty"));
        }
        let bounds = crate::domain::date::DateBounds::new(
            date_from_wire(request.from.as_ref(), "from")?,
            date_from_wire(request.to.as_ref(), "to")?,
            "",
        )?;
        let max_sample_events = match check_max(
            request.max_sample_events,
            MAX_SAMPLE_EVENTS,
            "max_sample_events",
        )? {
            0 => DEFAULT_SAMPLE_EVENTS,
            n => n,
        };
        Ok(Self {
            entity_id: request.entity_id,
            bounds,
            kinds: entity_kinds_from_wire(&request.kinds, "kinds")?,
            max_results: check_max(request.max_results, MAX_RELATION_RESULTS, "max_results")?,
            max_sample_events,
        })
    }
}

impl From<Relation> for pb::StreamEntityRelationsResponse {
    fn from(relation: Relation) -> Self {
        Self {
            entity: Some(relation.entity.into()),
            event_count: relation.event_count,
            first_date: relation.first_date.map(date_to_wire),
            last_date: relation.last_date.map(date_to_wire),
            kind_counts: relation
                .kind_counts
                .into_iter()
                .map(|(kind, count)| pb::EventKindCount {
                    kind: kind as i32,
                    count,
                })
                .collect(),
            sample_event_ids: relation
                .sample_event_ids
                .into_iter()
                .map(format_event_id)
                .collect(),
        }
    }
}

impl From<ArticleWithEvents> for pb::GetArticleResponse {
    fn from(found: ArticleWithEvents) -> Self {
        Self {
            article: Some(found.article.into()),
            event_ids: found.event_ids.into_iter().map(format_event_id).collect(),
        }
    }
}

/// A checked `StreamArticles` request.
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    pub max_results: usize,
}

impl TryFrom<pb::StreamArticlesRequest> for ArticleQuery {
    type Error = DomainError;

    fn try_from(request: pb::StreamArticlesRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            filter: ArticleFilter::new(
                date_from_wire(request.from.as_ref(), "from")?,
                date_from_wire(request.to.as_ref(), "to")?,
                request.entity_id,
                &request.series,
                &request.author,
            )?,
            max_results: check_max(request.max_results, MAX_ARTICLE_RESULTS, "max_results")?,
        })
    }
}

impl From<Stats> for pb::GetStatsResponse {
    fn from(stats: Stats) -> Self {
        Self {
            articles: stats.articles,
            entities: stats.entities,
            events: stats.events,
            revision: stats.revision,
            approx_memory_bytes: stats.approx_memory_bytes,
            uptime_seconds: stats.uptime_seconds,
            watchers: stats.watchers,
        }
    }
}
