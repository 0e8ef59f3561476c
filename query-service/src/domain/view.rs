//! Borrowed views of stored events: what the read paths hand to an encoder under the read lock,
//! so streaming an event copies its strings once, into the output, and allocates nothing.

use super::{
    date::PartialDate,
    model::{Amount, DateSpan, Event, EventKind, Participant},
    store::{EntityEntry, Participation, StoredAmount},
};

/// A stored event, its strings borrowed from the store.
#[derive(Clone, Copy)]
pub struct EventView<'a> {
    pub id: u64,
    pub article_id: &'a str,
    pub kind: EventKind,
    pub when: SpanView<'a>,
    pub participants: Participants<'a>,
    pub location_id: &'a str,
    pub location_name: &'a str,
    pub sentence: &'a str,
    pub sentence_start: u32,
    pub sentence_end: u32,
    pub amounts: Amounts<'a>,
    pub planned: bool,
}

/// A date range, its text borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpanView<'a> {
    pub start: PartialDate,
    pub end: PartialDate,
    pub year_inferred: bool,
    pub year_source: u8,
    pub text: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParticipantView<'a> {
    pub entity_id: &'a str,
    pub name: &'a str,
    pub role: u8,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AmountView<'a> {
    pub value: f64,
    pub currency: &'a str,
    pub metric: i32,
    pub period: Option<SpanView<'a>>,
    pub text: &'a str,
}

/// The participants of an event, resolved lazily (an encoder walks them twice: sizes, then bytes).
#[derive(Clone, Copy)]
pub struct Participants<'a> {
    pub(super) packed: &'a [u32],
    pub(super) entities: &'a [EntityEntry],
}

impl<'a> Participants<'a> {
    pub fn iter(&self) -> impl Iterator<Item = ParticipantView<'a>> + Clone + 'a {
        let entities = self.entities;
        self.packed.iter().filter_map(move |&packed| {
            let participation = Participation(packed);
            let entity = &entities.get(participation.entity() as usize)?.entity;
            Some(ParticipantView {
                entity_id: &entity.id,
                name: &entity.name,
                role: participation.role(),
            })
        })
    }
}

/// The amounts of an event, their texts resolved lazily.
#[derive(Clone, Copy)]
pub struct Amounts<'a> {
    pub(super) stored: &'a [StoredAmount],
    pub(super) texts: &'a [Box<str>],
}

impl<'a> Amounts<'a> {
    pub fn iter(&self) -> impl Iterator<Item = AmountView<'a>> + Clone + 'a {
        let texts = self.texts;
        self.stored
            .iter()
            .map(move |amount| amount.view(|n| texts.get(n as usize).map_or("", |t| t)))
    }
}

impl EventView<'_> {
    /// The owned event: what unary reads and the conversion path return.
    pub fn to_event(&self) -> Event {
        Event {
            id: self.id,
            article_id: self.article_id.to_owned(),
            kind: self.kind,
            when: self.when.to_span(),
            participants: self
                .participants
                .iter()
                .map(|p| Participant {
                    entity_id: p.entity_id.to_owned(),
                    name: p.name.to_owned(),
                    role: p.role,
                })
                .collect(),
            location_id: self.location_id.to_owned(),
            location_name: self.location_name.to_owned(),
            sentence: self.sentence.to_owned(),
            sentence_start: self.sentence_start,
            sentence_end: self.sentence_end,
            amounts: self
                .amounts
                .iter()
                .map(|a| Amount {
                    value: a.value,
                    currency: a.currency.to_owned(),
                    metric: a.metric,
                    period: a.period.map(|p| p.to_span()),
                    text: a.text.to_owned(),
                })
                .collect(),
            planned: self.planned,
        }
    }
}

impl SpanView<'_> {
    pub fn to_span(&self) -> DateSpan {
        DateSpan {
            start: self.start,
            end: self.end,
            year_inferred: self.year_inferred,
            year_source: self.year_source,
            text: self.text.to_owned(),
        }
    }
}
