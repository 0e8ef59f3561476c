//! What the clients check of each answer: timeline order and the filter.

use std::collections::HashSet;

use newsline_proto::v1 as pb;

/// A date's place in timeline order: year, month, day, an unknown part (0) before known ones,
/// an unknown year before every known one (as the API promises).
pub(super) type DateKey = (bool, i32, i32, i32);
/// An event's place in timeline order: start, end (the start when unset), then event id.
pub type EventKey = (DateKey, DateKey, u64);

pub(super) fn date_key(date: Option<&pb::CalendarDate>) -> DateKey {
    date.map_or((false, 0, 0, 0), |d| (d.year != 0, d.year, d.month, d.day))
}

/// The numeric part of an `event:` + 16 hex digits id, which the store orders ties by.
pub fn event_number(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("event:")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

pub fn event_key(event: &pb::Event) -> Result<EventKey, String> {
    let number =
        event_number(&event.id).ok_or_else(|| format!("malformed event id {:?}", event.id))?;
    let when = event.when.as_ref();
    let start = date_key(when.and_then(|w| w.start.as_ref()));
    let end = when
        .and_then(|w| w.end.as_ref())
        .map_or(start, |end| date_key(Some(end)));
    Ok((start, end, number))
}

/// Checks that a stream's events come in timeline order (or its reverse), each once, strictly
/// after an optional resume position.
pub struct OrderCheck {
    descending: bool,
    last: Option<EventKey>,
    seen: HashSet<u64>,
}

impl OrderCheck {
    pub fn new(descending: bool, after: Option<EventKey>) -> OrderCheck {
        OrderCheck {
            descending,
            last: after,
            seen: HashSet::new(),
        }
    }

    /// The next event of the stream, or why it is out of place.
    pub fn next(&mut self, event: &pb::Event) -> Result<EventKey, String> {
        let key = event_key(event)?;
        if !self.seen.insert(key.2) {
            return Err(format!("{} twice in one stream", event.id));
        }
        if let Some(last) = self.last {
            let in_order = if self.descending {
                key < last
            } else {
                key > last
            };
            if !in_order {
                return Err(format!(
                    "{} at {key:?} after {last:?} in a {} stream",
                    event.id,
                    if self.descending {
                        "descending"
                    } else {
                        "ascending"
                    }
                ));
            }
        }
        self.last = Some(key);
        Ok(key)
    }
}

/// Whether an event matches a timeline filter of the kinds the soak sends (entity ids, kinds,
/// a date range); `None` when it does, else why not.
pub fn filter_mismatch(filter: &pb::TimelineFilter, event: &pb::Event) -> Option<String> {
    if !filter.entity_ids.is_empty() {
        let takes_part = filter.entity_ids.iter().any(|id| {
            event.location_id == *id || event.participants.iter().any(|p| p.entity_id == *id)
        });
        if !takes_part {
            let involved: Vec<&str> = event
                .participants
                .iter()
                .map(|p| p.entity_id.as_str())
                .chain(Some(event.location_id.as_str()).filter(|l| !l.is_empty()))
                .collect();
            return Some(format!(
                "{} does not involve {:?} (it involves {involved:?})",
                event.id, filter.entity_ids
            ));
        }
    }
    if !filter.kinds.is_empty() && !filter.kinds.contains(&event.kind) {
        return Some(format!(
            "{} is of kind {} outside {:?}",
            event.id, event.kind, filter.kinds
        ));
    }
    if filter.from.is_some() || filter.to.is_some() {
        let start = date_key(event.when.as_ref().and_then(|w| w.start.as_ref()));
        if !start.0 {
            return Some(format!(
                "{} has no start year but matched a date filter",
                event.id
            ));
        }
        // Bounds as the API reads them: a month or year means its first (from) or last (to) day.
        if let Some(from) = &filter.from
            && (start.1, start.2, start.3) < (from.year, from.month, from.day)
        {
            return Some(format!("{} starts before {from:?}", event.id));
        }
        if let Some(to) = &filter.to {
            let month = if to.month == 0 { 12 } else { to.month };
            let day = if to.day == 0 { 31 } else { to.day };
            if (start.1, start.2, start.3) > (to.year, month, day) {
                return Some(format!("{} starts after {to:?}", event.id));
            }
        }
    }
    None
}
