//! The extraction's own record model: plain Rust with no gRPC types, so the extraction can be
//! tested and benchmarked on its own. `crate::parse` converts it to `newsline.v1` messages.
//!
//! Offsets: `Span`s are byte ranges into `Article::text` (cheap to slice); `Event::sentence_start`
//! and `sentence_end` are Unicode code point offsets, because that is what the API promises
//! clients in every language.

/// A calendar date whose precision is given by which parts are known; 0 means unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// How the year of a date was found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum YearSource {
    /// Written next to the date.
    Explicit,
    /// From the publication date given with the input.
    PublicationDate,
    /// From the article's own content.
    Article,
    /// Resolved from an earlier date ("the next day").
    Relative,
    /// Nothing supports a year; it stays 0.
    #[default]
    Unknown,
}

/// An inclusive date range as written in the text; `end == start` for a single date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub start: PartialDate,
    pub end: PartialDate,
    pub year_inferred: bool,
    pub year_source: YearSource,
    /// The date expression as it stands in the text.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    Person,
    Country,
    Organization,
    City,
}

/// A person, country, organisation or city, merged over every mention in a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// `<kind>:<key>`: `country:BY`, `person:alexander-lukashenka`, `organization:osce`, `city:minsk`.
    pub id: String,
    pub kind: EntityKind,
    /// Display form, diacritics kept.
    pub name: String,
    /// Every surface form seen, first-seen order, no duplicates.
    pub aliases: Vec<String>,
    /// e.g. "President of Belarus".
    pub roles: Vec<String>,
    /// ISO 3166-1 alpha-2 of the entity's country, where it applies.
    pub country_code: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    /// Empty for the text before the first sub-heading.
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Article {
    /// `article:` + 16 hex digits of a hash of the normalised title and body.
    pub id: String,
    /// Without the series suffix.
    pub title: String,
    /// e.g. "Belarus Foreign Policy Digest"; empty when none.
    pub series: String,
    pub authors: Vec<String>,
    pub sections: Vec<Section>,
    pub published: Option<PartialDate>,
    /// The year assumed for dates written without one; `None` when nothing supports one.
    pub reference_year: Option<u16>,
    pub reference_year_source: YearSource,
    pub source_uri: String,
    /// Headings and paragraphs joined by "\n\n"; every `Span` indexes into it.
    pub text: String,
    /// Ids of the entities mentioned, sorted, no duplicates.
    pub entity_ids: Vec<String>,
}

/// A byte range into `Article::text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One place an entity is named in an article.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    pub span: Span,
    pub entity_id: String,
    pub kind: EntityKind,
}

/// An article after cleaning, splitting and entity resolution: what event extraction reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalyzedArticle {
    pub article: Article,
    /// Sentence boundaries, in order, covering the text (headings are sentences of their own).
    pub sentences: Vec<Span>,
    /// Entity mentions sorted by `span.start`, non-overlapping.
    pub mentions: Vec<Mention>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    Visit,
    Meeting,
    Conference,
    Agreement,
    Statement,
    Vote,
    Sanction,
    Legal,
    Trade,
    Other,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ParticipantRole {
    #[default]
    Unspecified,
    Host,
    Guest,
    Party,
    Speaker,
    Target,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Participant {
    pub entity_id: String,
    pub name: String,
    pub role: ParticipantRole,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TradeMetric {
    #[default]
    Unspecified,
    Turnover,
    Exports,
    Imports,
    Investment,
    Contracts,
    Other,
}

/// A normalised economic figure: "$245m" is 245_000_000 USD.
#[derive(Clone, Debug, PartialEq)]
pub struct Amount {
    pub value: f64,
    /// ISO 4217, e.g. "USD"; empty for a quantity that is not money.
    pub currency: String,
    pub metric: TradeMetric,
    pub period: Option<DateRange>,
    /// As written, e.g. "$245m".
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// `event:` + 16 hex digits of a hash of article id, kind, date and sentence offsets.
    pub id: String,
    pub article_id: String,
    pub kind: EventKind,
    pub when: DateRange,
    /// No duplicates, people first.
    pub participants: Vec<Participant>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub sentence: String,
    /// Unicode code point offsets of the sentence in `Article::text`.
    pub sentence_start: u32,
    pub sentence_end: u32,
    pub amounts: Vec<Amount>,
    pub planned: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Info,
    Warning,
}

/// A note about the input: a dropped noise line, replaced invalid UTF-8, …
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code such as "noise.navigation", "noise.spam", "input.invalid_utf8".
    pub code: String,
    pub message: String,
    /// 1-based input line, 0 for the whole document.
    pub line: u32,
    /// The text concerned, at most 200 characters.
    pub text: String,
}

/// Everything parsed from one document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedDocument {
    pub articles: Vec<Article>,
    /// Sorted by id.
    pub entities: Vec<Entity>,
    /// In timeline order.
    pub events: Vec<Event>,
    pub diagnostics: Vec<Diagnostic>,
}
