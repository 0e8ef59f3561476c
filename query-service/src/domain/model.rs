//! The records the store takes in and gives out, free of transport types.

use super::date::PartialDate;

/// What kind of thing an entity is; "unspecified" is rejected before it reaches the domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EntityKind {
    Person = 1,
    Country = 2,
    Organization = 3,
    City = 4,
}

impl EntityKind {
    pub fn from_number(number: i32) -> Option<Self> {
        Some(match number {
            1 => Self::Person,
            2 => Self::Country,
            3 => Self::Organization,
            4 => Self::City,
            _ => return None,
        })
    }

    /// The kind an id's `<kind>:` prefix names, for entities only known by reference.
    pub fn from_id_prefix(id: &str) -> Option<Self> {
        let (prefix, key) = id.split_once(':')?;
        if key.is_empty() {
            return None;
        }
        Some(match prefix {
            "person" => Self::Person,
            "country" => Self::Country,
            "organization" => Self::Organization,
            "city" => Self::City,
            _ => return None,
        })
    }
}

/// What kind of happening an event is, numbered as `newsline.v1.EventKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EventKind {
    Visit = 1,
    Meeting = 2,
    Conference = 3,
    Agreement = 4,
    Statement = 5,
    Vote = 6,
    Sanction = 7,
    Legal = 8,
    Trade = 9,
    Other = 10,
}

impl EventKind {
    pub const ALL: [Self; 10] = [
        Self::Visit,
        Self::Meeting,
        Self::Conference,
        Self::Agreement,
        Self::Statement,
        Self::Vote,
        Self::Sanction,
        Self::Legal,
        Self::Trade,
        Self::Other,
    ];

    pub fn from_number(number: i32) -> Option<Self> {
        Self::ALL
            .get(usize::try_from(number).ok()?.checked_sub(1)?)
            .copied()
    }

    pub fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

/// A date range as written in the text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DateSpan {
    pub start: PartialDate,
    pub end: PartialDate,
    pub year_inferred: bool,
    /// `newsline.v1.YearSource` number, 0 to 5.
    pub year_source: u8,
    pub text: String,
}

/// An economic figure of a trade event; kept as given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub currency: String,
    /// `newsline.v1.TradeMetric` number.
    pub metric: i32,
    pub period: Option<DateSpan>,
    pub text: String,
}

/// An entity taking part in an event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Participant {
    pub entity_id: String,
    pub name: String,
    /// `newsline.v1.ParticipantRole` number, 0 to 5.
    pub role: u8,
}

/// A dated happening. The id is the 16 hex digits of `event:<hex>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: u64,
    pub article_id: String,
    pub kind: EventKind,
    pub when: DateSpan,
    pub participants: Vec<Participant>,
    pub location_id: String,
    pub location_name: String,
    pub sentence: String,
    pub sentence_start: u32,
    pub sentence_end: u32,
    pub amounts: Vec<Amount>,
    pub planned: bool,
}

/// Parses `event:` followed by 16 lowercase hex digits, the documented content-derived id.
pub fn parse_event_id(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("event:")?;
    if hex.len() != 16
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

pub fn format_event_id(id: u64) -> String {
    // Called for every streamed event: cheaper than the formatting machinery.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(22);
    text.push_str("event:");
    for shift in (0..16).rev() {
        text.push(char::from(HEX[((id >> (shift * 4)) & 0xF) as usize]));
    }
    text
}

/// A person, country, organisation or city.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    pub id: String,
    pub kind: EntityKind,
    pub name: String,
    pub aliases: Vec<String>,
    pub roles: Vec<String>,
    pub country_code: String,
}

/// A part of an article under one sub-heading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// One article.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub series: String,
    pub authors: Vec<String>,
    pub sections: Vec<Section>,
    pub published: Option<PartialDate>,
    pub reference_year: i32,
    pub reference_year_source: u8,
    pub source_uri: String,
    pub text: String,
    pub entity_ids: Vec<String>,
}

/// One publish batch, already checked for what can be checked without the store.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub producer_id: String,
    pub sequence: u64,
    pub articles: Vec<Article>,
    pub entities: Vec<Entity>,
    pub events: Vec<Event>,
}

/// The acknowledgement of one batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishOutcome {
    pub sequence: u64,
    pub revision: u64,
    pub duplicate: bool,
    pub articles_upserted: u32,
    pub entities_upserted: u32,
    pub events_upserted: u32,
    pub events_removed: u32,
}

/// One entity with its activity.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityActivity {
    pub entity: Entity,
    pub event_count: u32,
    pub article_count: u32,
    pub first_date: Option<PartialDate>,
    pub last_date: Option<PartialDate>,
}

/// One ranked search match.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub entity: Entity,
    pub score: f32,
    pub matched_alias: String,
    pub event_count: u32,
}

/// An entity sharing events with another.
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    pub entity: Entity,
    pub event_count: u32,
    pub first_date: Option<PartialDate>,
    pub last_date: Option<PartialDate>,
    pub kind_counts: Vec<(EventKind, u32)>,
    pub sample_event_ids: Vec<u64>,
}

/// One article with its events in timeline order.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleWithEvents {
    pub article: Article,
    pub event_ids: Vec<u64>,
}

/// The store's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub articles: u64,
    pub entities: u64,
    pub events: u64,
    pub revision: u64,
    pub approx_memory_bytes: u64,
    pub uptime_seconds: u64,
    pub watchers: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_round_trip() {
        for id in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef] {
            let text = format_event_id(id);
            assert_eq!(text, format!("event:{id:016x}"));
            assert_eq!(parse_event_id(&text), Some(id));
        }
        assert_eq!(parse_event_id("event:0123456789ABCDEF"), None);
        assert_eq!(parse_event_id("event:0123"), None);
        assert_eq!(parse_event_id("article:0123456789abcdef"), None);
    }
}
