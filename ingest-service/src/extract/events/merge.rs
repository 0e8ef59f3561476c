//! Merging: one event per distinct happening of an article.

use std::collections::{BTreeMap, BTreeSet};

use crate::extract::model::{Entity, EntityKind, Event, EventKind};

/// The same happening told twice: a teaser repeated in the body, a quote repeating a figure, or
/// the talks of a visit told again ("During his visit to Hanoi, Lukashenka met …").
pub(super) fn same_happening(a: &Event, b: &Event, entities: &BTreeMap<String, Entity>) -> bool {
    if a.kind != b.kind || a.when.start != b.when.start || a.when.end != b.when.end {
        return false;
    }
    if a.kind == EventKind::Trade {
        let values = |e: &Event| {
            e.amounts
                .iter()
                .map(|x| (x.value, x.currency.clone()))
                .collect::<Vec<_>>()
        };
        return values(a) == values(b);
    }
    let people = |e: &Event| -> BTreeSet<String> {
        e.participants
            .iter()
            .filter(|p| {
                entities
                    .get(&p.entity_id)
                    .is_some_and(|x| x.kind == EntityKind::Person)
            })
            .map(|p| p.entity_id.clone())
            .collect()
    };
    let organisations = |e: &Event| -> BTreeSet<String> {
        e.participants
            .iter()
            .filter(|p| p.entity_id.starts_with("organization:"))
            .map(|p| p.entity_id.clone())
            .collect()
    };
    let (people_a, people_b) = (people(a), people(b));
    // A minister meeting one counterpart after another holds several meetings the same day.
    let same_people = if a.kind == EventKind::Meeting {
        !people_a.is_empty()
            && !people_b.is_empty()
            && (people_a.is_subset(&people_b) || people_b.is_subset(&people_a))
    } else {
        !people_a.is_disjoint(&people_b)
    };
    a.sentence == b.sentence
        || same_people
        // A one-off told once without names and once with them ("a businessman" / "Siarhej
        // Stoliaraŭ").
        || (matches!(a.kind, EventKind::Legal | EventKind::Sanction | EventKind::Vote | EventKind::Other)
            && people_a.is_empty() != people_b.is_empty())
        || (a.kind == EventKind::Conference && !organisations(a).is_disjoint(&organisations(b)))
}
