//! Participants: the actors of a sentence (entity mentions with the country each acts for),
//! their roles in a happening, and where it took place.

use std::collections::BTreeMap;

use super::lexicon::TriggerRole;
use crate::extract::model::{
    AnalyzedArticle, Entity, EntityKind, EventKind, Mention, Participant, ParticipantRole, Span,
};

/// An entity mention of the sentence: byte offset in the sentence, the entity, and the country
/// it acts for (its own, a person's or a city's).
#[derive(Clone, Copy)]
pub(super) struct Actor<'a> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) entity: &'a Entity,
    pub(super) country: Option<&'a Entity>,
}

pub(super) fn role_for(
    kind: EventKind,
    trigger_role: TriggerRole,
    before_trigger: bool,
) -> ParticipantRole {
    use ParticipantRole::*;
    match (kind, trigger_role) {
        (EventKind::Visit, _) => {
            if before_trigger {
                Guest
            } else {
                Host
            }
        }
        (EventKind::Meeting, TriggerRole::HostSubject) => {
            if before_trigger {
                Host
            } else {
                Guest
            }
        }
        (EventKind::Sanction | EventKind::Legal, _) if !before_trigger => Target,
        (EventKind::Sanction | EventKind::Legal | EventKind::Other | EventKind::Statement, _) => {
            Unspecified
        }
        _ => Party,
    }
}

pub(super) struct Context<'a> {
    pub(super) article: &'a AnalyzedArticle,
    pub(super) entities: &'a BTreeMap<String, Entity>,
}

impl<'a> Context<'a> {
    pub(super) fn mentions_in(&self, span: Span) -> &'a [Mention] {
        let mentions = &self.article.mentions;
        let from = mentions.partition_point(|m| m.span.start < span.start);
        let to = mentions.partition_point(|m| m.span.start < span.end);
        &mentions[from..to.max(from)]
    }

    pub(super) fn country(&self, code: Option<&str>) -> Option<&'a Entity> {
        self.entities.get(&format!("country:{}", code?))
    }

    /// The actors of a sentence. A person without a known country takes the one named right
    /// before ("Serbian president Tomislav Nikolic") or in an apposition after ("Igor Dodon, the
    /// President of Moldova").
    pub(super) fn actors(&self, span: Span) -> Vec<Actor<'a>> {
        let text = &self.article.article.text;
        let mentions: Vec<(&Mention, &Entity)> = self
            .mentions_in(span)
            .iter()
            .filter_map(|m| Some((m, self.entities.get(&m.entity_id)?)))
            .collect();
        let mut actors = Vec::with_capacity(mentions.len());
        for (i, &(m, entity)) in mentions.iter().enumerate() {
            let own = match entity.kind {
                EntityKind::Country => Some(entity),
                _ => self.country(entity.country_code.as_deref()),
            };
            let country = own.or_else(|| {
                if entity.kind != EntityKind::Person {
                    return None;
                }
                let before = i
                    .checked_sub(1)
                    .and_then(|j| mentions.get(j))
                    .filter(|(b, e)| {
                        e.kind == EntityKind::Country
                            && text.get(b.span.end..m.span.start).is_some_and(|gap| {
                                gap.len() <= 40
                                    && !gap.contains([',', '.', ';', '(', ')'])
                                    && gap.split_whitespace().count() <= 4
                            })
                    });
                let after = mentions.get(i + 1).filter(|(a, e)| {
                    e.kind == EntityKind::Country
                        && text.get(m.span.end..a.span.start).is_some_and(|gap| {
                            gap.len() <= 40 && gap.starts_with(',') && gap.ends_with(" of ")
                        })
                });
                before.or(after).map(|(_, e)| *e)
            });
            actors.push(Actor {
                start: m.span.start - span.start,
                end: m.span.end - span.start,
                entity,
                country,
            });
        }
        actors
    }

    /// People and countries named in the two sentences before `index`, nearest first, for a
    /// sentence that names no one ("the two leaders", "the heads of state").
    pub(super) fn recent_actors(&self, index: usize) -> Vec<Actor<'a>> {
        let mut found: Vec<Actor<'a>> = Vec::new();
        for span in self.article.sentences[..index].iter().rev().take(2) {
            for a in self.actors(*span).into_iter().rev() {
                if matches!(a.entity.kind, EntityKind::Person | EntityKind::Country)
                    && !found.iter().any(|f| f.entity.id == a.entity.id)
                {
                    found.push(Actor {
                        start: 0,
                        end: 0,
                        ..a
                    });
                }
            }
        }
        found.truncate(4);
        found
    }

    /// Countries named in the few sentences before `index`, nearest first: the parties of a
    /// trade figure whose sentence names fewer than two.
    pub(super) fn recent_countries(&self, index: usize, wanted: usize) -> Vec<&'a Entity> {
        let mut found: Vec<&Entity> = Vec::new();
        for span in self.article.sentences[..index].iter().rev().take(6) {
            for a in self.actors(*span).into_iter().rev() {
                if let Some(c) = a.country
                    && !found.iter().any(|f| f.id == c.id)
                {
                    found.push(c);
                }
            }
            if found.len() >= wanted {
                break;
            }
        }
        found
    }
}

#[derive(Default)]
pub(super) struct Participants {
    pub(super) list: Vec<Participant>,
}

impl Participants {
    pub(super) fn add(&mut self, entity: &Entity, role: ParticipantRole) {
        if let Some(existing) = self.list.iter_mut().find(|p| p.entity_id == entity.id) {
            if existing.role == ParticipantRole::Unspecified {
                existing.role = role;
            }
            return;
        }
        self.list.push(Participant {
            entity_id: entity.id.clone(),
            name: entity.name.clone(),
            role,
        });
    }

    pub(super) fn countries(&self) -> usize {
        self.list
            .iter()
            .filter(|p| p.entity_id.starts_with("country:"))
            .count()
    }

    /// People first, then the rest, each in order of appearance.
    pub(super) fn finish(self, entities: &BTreeMap<String, Entity>) -> Vec<Participant> {
        let (mut people, rest): (Vec<_>, Vec<_>) = self.list.into_iter().partition(|p| {
            entities
                .get(&p.entity_id)
                .is_some_and(|e| e.kind == EntityKind::Person)
        });
        people.extend(rest);
        people
    }
}

/// Where a happening took place: the city the sentence puts it in ("in Ashgabat", "at the
/// Minsk forum", "went to Prague"), not one it starts from ("From Madrid", "On his way back to
/// Minsk").
pub(super) fn place<'a>(sentence: &str, actors: &[Actor<'a>]) -> Option<&'a Entity> {
    actors
        .iter()
        .filter(|a| a.entity.kind == EntityKind::City)
        .filter_map(|a| {
            let before = sentence[..a.start.min(sentence.len())]
                .trim_end()
                .to_ascii_lowercase();
            let word = before
                .rsplit(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or("");
            let score = if before.ends_with("back to") || before.ends_with("way to") {
                return None;
            } else {
                match word {
                    "in" | "at" => 3,
                    "to" => 2,
                    "from" | "via" => return None,
                    _ => 1,
                }
            };
            Some((score, a))
        })
        .max_by_key(|(score, a)| (*score, std::cmp::Reverse(a.start)))
        .map(|(_, a)| a.entity)
}
