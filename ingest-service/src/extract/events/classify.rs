//! Kind classification: which of a sentence's triggers tell its main happening, and which
//! get an event of their own beside it.

use std::collections::BTreeMap;

use super::Trigger;
use super::lexicon::{Hit, TriggerKind, TriggerRole};
use super::participants::{Actor, Context};
use crate::extract::model::{EntityKind, EventKind, Span};

/// Which kind is the main happening when a sentence has triggers of several kinds.
pub(super) fn kind_priority(kind: EventKind) -> u8 {
    match kind {
        EventKind::Sanction => 0,
        EventKind::Legal => 1,
        EventKind::Vote => 2,
        EventKind::Other => 3,
        EventKind::Visit => 4,
        EventKind::Conference => 5,
        EventKind::Meeting => 6,
        EventKind::Agreement => 7,
        EventKind::Statement => 8,
        EventKind::Trade => 9,
    }
}

/// The event kinds a sentence's triggers stand for with the trigger of each: first the main
/// one, then those that get an event of their own beside it.
pub(super) fn combine_kinds(
    triggers: &[Trigger],
    actors: &[Actor<'_>],
) -> Vec<(EventKind, Trigger)> {
    let mut first_of: BTreeMap<u8, (EventKind, Trigger)> = BTreeMap::new();
    let mut postponed = None;
    // "extended the restrictions", "lifted sanctions": a change of a measure is a sanction.
    let measure = triggers.iter().any(|t| {
        matches!(
            t.value.0,
            TriggerKind::Restriction | TriggerKind::Event(EventKind::Sanction)
        )
    });
    for t in triggers {
        match t.value.0 {
            TriggerKind::Event(kind) => {
                first_of.entry(kind_priority(kind)).or_insert((kind, *t));
            }
            TriggerKind::Change if measure => {
                first_of
                    .entry(kind_priority(EventKind::Sanction))
                    .or_insert((EventKind::Sanction, *t));
            }
            TriggerKind::Postponed => postponed = postponed.or(Some(*t)),
            TriggerKind::Trade(_)
            | TriggerKind::Happened
            | TriggerKind::Change
            | TriggerKind::Restriction => {}
        }
    }
    if let Some(t) = postponed {
        // A postponed visit or meeting did not happen: one `other` row.
        return vec![(EventKind::Other, t)];
    }
    let has = |k: EventKind| first_of.get(&kind_priority(k)).copied();
    let Some(&(mut main, mut main_trigger)) = first_of.values().next() else {
        let happened = triggers.iter().find(|t| t.value.0 == TriggerKind::Happened);
        return happened
            .map(|t| vec![(EventKind::Other, *t)])
            .unwrap_or_default();
    };
    // "…, the minister said following a joint meeting": the saying is the happening.
    if main == EventKind::Meeting
        && main_trigger.value.1 == TriggerRole::MetNoun
        && let Some(s) = has(EventKind::Statement).filter(|s| s.1.value.1 == TriggerRole::Speaker)
    {
        (main, main_trigger) = s;
    }
    // "In Tajikistan for a regional conference, X met Y": the verb tells the happening, the
    // gathering only why X was there.
    let first_actor = actors
        .iter()
        .find(|a| a.entity.kind == EntityKind::Person)
        .map(|a| a.start);
    if main == EventKind::Conference
        && main_trigger.value.1 == TriggerRole::Noun
        && first_actor.is_some_and(|at| main_trigger.start < at)
        && let Some(m) = has(EventKind::Meeting).filter(|m| m.1.value.1 == TriggerRole::Met)
    {
        (main, main_trigger) = m;
    }
    let mut kinds = vec![(main, main_trigger)];
    if main != EventKind::Agreement
        && let Some(a) = has(EventKind::Agreement)
    {
        kinds.push(a);
    }
    match main {
        EventKind::Visit => {
            // The gathering a minister travelled to gets its own row when an organisation holds it.
            if let Some(c) = has(EventKind::Conference) {
                let held_by_organisation = actors
                    .iter()
                    .any(|a| a.end > c.1.start && a.entity.kind == EntityKind::Organization);
                if held_by_organisation {
                    kinds.push(c);
                }
            }
        }
        EventKind::Conference => {
            if let Some(s) = has(EventKind::Statement) {
                kinds.push(s);
            }
        }
        _ => {}
    }
    kinds
}

/// A speech verb in the passive ("was told about") does not make its subject a speaker.
pub(super) fn passive(sentence: &str, trigger: &Trigger) -> bool {
    trigger.value.1 == TriggerRole::Speaker
        && sentence[..trigger.start]
            .trim_end()
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|w| {
                matches!(
                    w.to_ascii_lowercase().as_str(),
                    "was" | "were" | "is" | "are" | "been" | "be" | "being"
                )
            })
}

/// A trigger inside an organisation's name ("OSCE Parliamentary Assembly", "United States
/// Congress") names the body, not a happening, unless the body's gathering is what is spoken of
/// ("a meeting of the OSCE Ministerial Council"). A meeting held by an organisation ("a UN
/// meeting") is a multilateral gathering.
pub(super) fn organisation_trigger(
    sentence: &str,
    trigger: Trigger,
    context: &Context<'_>,
    offset: usize,
) -> Option<Trigger> {
    // Mentions do not overlap: only the last one starting before the trigger can hold it or
    // stand right before it.
    let before = context.mentions_in(Span {
        start: offset,
        end: offset + trigger.start + 1,
    });
    let Some(m) = before.last().filter(|m| m.kind == EntityKind::Organization) else {
        return Some(trigger);
    };
    let (start, end) = (m.span.start - offset, m.span.end - offset);
    // Overlapping the name at all: part of the name.
    if trigger.start < end {
        let mut from = start.saturating_sub(24);
        while !sentence.is_char_boundary(from) {
            from -= 1;
        }
        let gathering = sentence[from..start].trim_end().to_ascii_lowercase();
        let of_gathering = ["meeting of", "session of", "summit of"]
            .iter()
            .any(|p| gathering.ends_with(p) || gathering.ends_with(&format!("{p} the")));
        let conference = trigger.value.0 == TriggerKind::Event(EventKind::Conference);
        return (conference && of_gathering).then_some(trigger);
    }
    if sentence[end..trigger.start].trim().is_empty()
        && trigger.value == (TriggerKind::Event(EventKind::Meeting), TriggerRole::MetNoun)
    {
        return Some(Hit {
            value: (TriggerKind::Event(EventKind::Conference), TriggerRole::Noun),
            ..trigger
        });
    }
    Some(trigger)
}
