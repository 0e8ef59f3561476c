//! The extraction's domain records converted to `newsline.v1` messages, and the one entry point
//! the CLI, the server and the ingest loop share.

use newsline_proto::v1 as pb;

use crate::extract::model::{
    Amount, Article, DateRange, Diagnostic, Entity, EntityKind, Event, EventKind, ParsedDocument,
    PartialDate, Participant, ParticipantRole, Section, Severity, TradeMetric, YearSource,
};
use crate::extract::{DocumentInput, parse_document};

/// Parses one document and converts the result to its API message.
pub fn parse_to_proto(
    bytes: &[u8],
    source_uri: &str,
    published: Option<PartialDate>,
) -> pb::ParseDocumentResponse {
    let parsed = parse_document(&DocumentInput {
        bytes,
        source_uri,
        published,
    });
    document_to_proto(parsed)
}

pub fn document_to_proto(doc: ParsedDocument) -> pb::ParseDocumentResponse {
    pb::ParseDocumentResponse {
        articles: doc.articles.into_iter().map(article_to_proto).collect(),
        entities: doc.entities.into_iter().map(entity_to_proto).collect(),
        events: doc.events.into_iter().map(event_to_proto).collect(),
        diagnostics: doc
            .diagnostics
            .into_iter()
            .map(diagnostic_to_proto)
            .collect(),
    }
}

pub fn date_to_proto(d: PartialDate) -> pb::CalendarDate {
    pb::CalendarDate {
        year: i32::from(d.year),
        month: i32::from(d.month),
        day: i32::from(d.day),
    }
}

pub fn year_source_to_proto(source: YearSource) -> pb::YearSource {
    match source {
        YearSource::Explicit => pb::YearSource::Explicit,
        YearSource::PublicationDate => pb::YearSource::PublicationDate,
        YearSource::Article => pb::YearSource::Article,
        YearSource::Relative => pb::YearSource::Relative,
        YearSource::Unknown => pb::YearSource::Unknown,
    }
}

pub fn range_to_proto(r: DateRange) -> pb::DateRange {
    pb::DateRange {
        start: Some(date_to_proto(r.start)),
        end: Some(date_to_proto(r.end)),
        year_inferred: r.year_inferred,
        year_source: year_source_to_proto(r.year_source) as i32,
        text: r.text,
    }
}

fn section_to_proto(s: Section) -> pb::Section {
    pb::Section {
        heading: s.heading,
        paragraphs: s.paragraphs,
    }
}

pub fn article_to_proto(a: Article) -> pb::Article {
    pb::Article {
        id: a.id,
        title: a.title,
        series: a.series,
        authors: a.authors,
        sections: a.sections.into_iter().map(section_to_proto).collect(),
        published: a.published.map(date_to_proto),
        reference_year: a.reference_year.map_or(0, i32::from),
        reference_year_source: year_source_to_proto(a.reference_year_source) as i32,
        source_uri: a.source_uri,
        text: a.text,
        entity_ids: a.entity_ids,
    }
}

pub fn entity_kind_to_proto(kind: EntityKind) -> pb::EntityKind {
    match kind {
        EntityKind::Person => pb::EntityKind::Person,
        EntityKind::Country => pb::EntityKind::Country,
        EntityKind::Organization => pb::EntityKind::Organization,
        EntityKind::City => pb::EntityKind::City,
    }
}

pub fn entity_to_proto(e: Entity) -> pb::Entity {
    pb::Entity {
        id: e.id,
        kind: entity_kind_to_proto(e.kind) as i32,
        name: e.name,
        aliases: e.aliases,
        roles: e.roles,
        country_code: e.country_code.unwrap_or_default(),
    }
}

pub fn event_kind_to_proto(kind: EventKind) -> pb::EventKind {
    match kind {
        EventKind::Visit => pb::EventKind::Visit,
        EventKind::Meeting => pb::EventKind::Meeting,
        EventKind::Conference => pb::EventKind::Conference,
        EventKind::Agreement => pb::EventKind::Agreement,
        EventKind::Statement => pb::EventKind::Statement,
        EventKind::Vote => pb::EventKind::Vote,
        EventKind::Sanction => pb::EventKind::Sanction,
        EventKind::Legal => pb::EventKind::Legal,
        EventKind::Trade => pb::EventKind::Trade,
        EventKind::Other => pb::EventKind::Other,
    }
}

fn role_to_proto(role: ParticipantRole) -> pb::ParticipantRole {
    match role {
        ParticipantRole::Unspecified => pb::ParticipantRole::Unspecified,
        ParticipantRole::Host => pb::ParticipantRole::Host,
        ParticipantRole::Guest => pb::ParticipantRole::Guest,
        ParticipantRole::Party => pb::ParticipantRole::Party,
        ParticipantRole::Speaker => pb::ParticipantRole::Speaker,
        ParticipantRole::Target => pb::ParticipantRole::Target,
    }
}

fn metric_to_proto(metric: TradeMetric) -> pb::TradeMetric {
    match metric {
        TradeMetric::Unspecified => pb::TradeMetric::Unspecified,
        TradeMetric::Turnover => pb::TradeMetric::Turnover,
        TradeMetric::Exports => pb::TradeMetric::Exports,
        TradeMetric::Imports => pb::TradeMetric::Imports,
        TradeMetric::Investment => pb::TradeMetric::Investment,
        TradeMetric::Contracts => pb::TradeMetric::Contracts,
        TradeMetric::Other => pb::TradeMetric::Other,
    }
}

fn participant_to_proto(p: Participant) -> pb::Participant {
    pb::Participant {
        entity_id: p.entity_id,
        name: p.name,
        role: role_to_proto(p.role) as i32,
    }
}

fn amount_to_proto(a: Amount) -> pb::Amount {
    pb::Amount {
        value: a.value,
        currency: a.currency,
        metric: metric_to_proto(a.metric) as i32,
        period: a.period.map(range_to_proto),
        text: a.text,
    }
}

pub fn event_to_proto(e: Event) -> pb::Event {
    pb::Event {
        id: e.id,
        article_id: e.article_id,
        kind: event_kind_to_proto(e.kind) as i32,
        when: Some(range_to_proto(e.when)),
        participants: e
            .participants
            .into_iter()
            .map(participant_to_proto)
            .collect(),
        location_id: e.location_id.unwrap_or_default(),
        sentence: e.sentence,
        sentence_start: e.sentence_start,
        sentence_end: e.sentence_end,
        amounts: e.amounts.into_iter().map(amount_to_proto).collect(),
        planned: e.planned,
        location_name: e.location_name.unwrap_or_default(),
    }
}

pub fn diagnostic_to_proto(d: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Info => pb::DiagnosticSeverity::Info,
            Severity::Warning => pb::DiagnosticSeverity::Warning,
        } as i32,
        code: d.code,
        message: d.message,
        line: d.line,
        text: d.text,
    }
}
