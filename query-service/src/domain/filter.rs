//! Request filters, checked once when a request arrives.

use super::{
    date::{DateBounds, PartialDate},
    error::DomainError,
    fold::TextMatcher,
    model::{EntityKind, EventKind},
};

pub const MAX_FILTER_ENTITY_IDS: usize = 1000;
pub const MAX_TEXT_CHARS: usize = 200;

/// Which events a timeline or watch returns; every set condition must hold.
#[derive(Clone, Debug, Default)]
pub struct TimelineFilter {
    pub bounds: DateBounds,
    pub entity_ids: Vec<String>,
    pub match_all: bool,
    /// A bit per [`EventKind`]; 0 means every kind.
    pub kind_mask: u16,
    pub location_id: Option<String>,
    pub text: Option<TextMatcher>,
}

impl TimelineFilter {
    /// `field_prefix` is how the API names the filter, for example `filter.`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        from: Option<PartialDate>,
        to: Option<PartialDate>,
        entity_ids: Vec<String>,
        match_all: bool,
        kinds: &[EventKind],
        location_id: String,
        text: &str,
        field_prefix: &str,
    ) -> Result<Self, DomainError> {
        let bounds = DateBounds::new(from, to, field_prefix)?;
        if entity_ids.len() > MAX_FILTER_ENTITY_IDS {
            return Err(DomainError::invalid(
                format!("{field_prefix}entity_ids"),
                format!("holds more than {MAX_FILTER_ENTITY_IDS} ids"),
            ));
        }
        if let Some(index) = entity_ids.iter().position(String::is_empty) {
            return Err(DomainError::invalid(
                format!("{field_prefix}entity_ids[{index}]"),
                "is empty",
            ));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(DomainError::invalid(
                format!("{field_prefix}text"),
                format!("is longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
        let text = Some(TextMatcher::new(text)).filter(|m| !m.is_empty());
        Ok(Self {
            bounds,
            entity_ids,
            match_all,
            kind_mask: kinds.iter().fold(0, |mask, kind| mask | kind.bit()),
            location_id: Some(location_id).filter(|id| !id.is_empty()),
            text,
        })
    }
}

/// Which articles a list returns.
#[derive(Clone, Debug, Default)]
pub struct ArticleFilter {
    pub bounds: DateBounds,
    pub entity_id: Option<String>,
    /// Lowercased.
    pub series: Option<String>,
    /// Lowercased.
    pub author: Option<String>,
}

impl ArticleFilter {
    pub fn new(
        from: Option<PartialDate>,
        to: Option<PartialDate>,
        entity_id: String,
        series: &str,
        author: &str,
    ) -> Result<Self, DomainError> {
        Ok(Self {
            bounds: DateBounds::new(from, to, "")?,
            entity_id: Some(entity_id).filter(|id| !id.is_empty()),
            series: Some(series.to_lowercase()).filter(|s| !s.is_empty()),
            author: Some(author.to_lowercase()).filter(|s| !s.is_empty()),
        })
    }
}

/// Which relations of an entity to list.
#[derive(Clone, Debug)]
pub struct RelationQuery {
    pub entity_id: String,
    pub bounds: DateBounds,
    pub kinds: Vec<EntityKind>,
    pub max_results: usize,
    pub max_sample_events: usize,
}
