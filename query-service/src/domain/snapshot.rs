//! The store's whole state as plain records, and the store rebuilt from them: what the data
//! folder's snapshot holds, so a restart need not replay every batch ever accepted.
//!
//! A snapshot is not a list of batches to publish again: publishing is order-dependent (entities
//! merge by alias into whichever entry claimed a name first, an event keeps the revision it was
//! stored in, which cursors and watches compare against, and a producer's last sequence number
//! decides what is a resent duplicate). So the records carry what replaying cannot recover:
//! entity entries in their original order with their implicit flag, the ids merged into another
//! entry, the name index as it stands, each event's revision, the producers and the revision.
//! Restoring inserts these through the same private paths publishing uses, so every index is
//! built as a publish would build it.
//!
//! It is a child module of `store` (declared there) because it reads the store's private state.

use std::collections::{HashMap, HashSet};

use super::{Store, StoreInner};
use crate::domain::{
    error::DomainError,
    model::{Article, Entity, EntityKind, Event},
};

/// An entity entry in store order.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotEntity {
    pub entity: Entity,
    /// Only known from a reference so far: its names do not take part in merging.
    pub implicit: bool,
}

/// Everything the store holds, copied at one revision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreSnapshot {
    pub revision: u64,
    /// Each producer's last applied sequence number, sorted by producer.
    pub producers: Vec<(String, u64)>,
    /// Entity entries in store order; `redirects` and `names` refer to them by position.
    pub entities: Vec<SnapshotEntity>,
    /// Ids that resolve to an entry whose own id is different (merged entities).
    pub redirects: Vec<(String, u32)>,
    /// The folded names (and aliases) merging looks up, with the entry each belongs to.
    pub names: Vec<(EntityKind, String, u32)>,
    /// Articles in store order.
    pub articles: Vec<Article>,
    /// Every event in timeline order, with the revision it was stored in.
    pub events: Vec<(Event, u64)>,
}

impl Store {
    /// A consistent copy of the whole store, taken under one read lock: publishing waits while
    /// it is taken.
    pub fn snapshot(&self) -> StoreSnapshot {
        let inner = self.read();
        let mut producers: Vec<(String, u64)> = inner
            .producers
            .iter()
            .map(|(producer, &sequence)| (producer.clone(), sequence))
            .collect();
        producers.sort_unstable();
        let entities = inner
            .entities
            .iter()
            .map(|entry| SnapshotEntity {
                entity: entry.entity.clone(),
                implicit: entry.implicit,
            })
            .collect();
        let mut redirects: Vec<(String, u32)> = inner
            .entity_ids
            .iter()
            .filter(|&(id, &index)| {
                inner
                    .entities
                    .get(index as usize)
                    .is_none_or(|entry| entry.entity.id != **id)
            })
            .map(|(id, &index)| (id.to_string(), index))
            .collect();
        redirects.sort_unstable();
        let mut names: Vec<(EntityKind, String, u32)> = inner
            .entity_names
            .iter()
            .map(|((kind, name), &index)| (*kind, name.to_string(), index))
            .collect();
        names.sort_unstable();
        let articles = inner
            .articles
            .iter()
            .map(|entry| inner.article_view(entry))
            .collect();
        let events = inner
            .timeline
            .values()
            .filter_map(|&slot| inner.event(slot))
            .map(|event| (inner.event_view(event), event.revision()))
            .collect();
        StoreSnapshot {
            revision: inner.revision,
            producers,
            entities,
            redirects,
            names,
            articles,
            events,
        }
    }

    /// Fills an empty store from `snapshot`. A snapshot that does not hang together (an
    /// entry number out of range, an event of an unknown article, an id twice) is refused with
    /// the store left empty.
    pub fn restore(&self, snapshot: StoreSnapshot) -> Result<(), DomainError> {
        let mut inner = self.write();
        if inner.revision != 0 || !inner.entities.is_empty() || !inner.articles.is_empty() {
            return Err(DomainError::invalid(
                "snapshot",
                "can only be restored into an empty store",
            ));
        }
        let restored = inner.restore(snapshot);
        if restored.is_err() {
            let capacity = inner.change_log_capacity;
            *inner = StoreInner {
                change_log_capacity: capacity,
                ..StoreInner::default()
            };
        }
        restored
    }
}

fn corrupt(field: impl Into<String>, reason: impl Into<String>) -> DomainError {
    DomainError::invalid(format!("snapshot.{}", field.into()), reason)
}

impl StoreInner {
    fn restore(&mut self, snapshot: StoreSnapshot) -> Result<(), DomainError> {
        let entity_count = snapshot.entities.len() as u32;
        for (index, SnapshotEntity { entity, implicit }) in
            snapshot.entities.into_iter().enumerate()
        {
            if self
                .entity_ids
                .insert(entity.id.as_str().into(), index as u32)
                .is_some()
            {
                return Err(corrupt(
                    format!("entities[{index}]"),
                    format!("repeats the id `{}`", entity.id),
                ));
            }
            let folded = super::folded_surfaces(&entity);
            self.entities.push(super::EntityEntry {
                entity,
                folded,
                implicit,
                events: Default::default(),
                located: Default::default(),
                articles: Default::default(),
            });
            self.index_for_search(index as u32, &[]);
        }
        for (id, index) in snapshot.redirects {
            if index >= entity_count || self.entity_ids.insert(id.as_str().into(), index).is_some()
            {
                return Err(corrupt(
                    "redirects",
                    format!("`{id}` names no entry or repeats an id"),
                ));
            }
        }
        for (kind, name, index) in snapshot.names {
            if index >= entity_count {
                return Err(corrupt("names", format!("`{name}` names no entry")));
            }
            self.entity_names.insert((kind, name.into()), index);
        }
        let mut article_ids = HashSet::new();
        for (index, article) in snapshot.articles.into_iter().enumerate() {
            if !article_ids.insert(article.id.clone()) {
                return Err(corrupt(
                    format!("articles[{index}]"),
                    format!("repeats the id `{}`", article.id),
                ));
            }
            self.upsert_article(article);
        }
        let mut event_ids = HashSet::new();
        for (index, (event, revision)) in snapshot.events.into_iter().enumerate() {
            let field = || format!("events[{index}]");
            if !event_ids.insert(event.id) {
                return Err(corrupt(field(), "repeats an event id"));
            }
            if revision > snapshot.revision {
                return Err(corrupt(field(), "was stored after the snapshot's revision"));
            }
            let article = self
                .find_article(&event.article_id)
                .ok_or_else(|| corrupt(field(), "names an article the snapshot lacks"))?;
            let stored_revision = u32::try_from(revision).unwrap_or(u32::MAX);
            let built = self.build_event(&event, article, stored_revision);
            self.insert_event(built);
        }
        self.producers = snapshot.producers.into_iter().collect::<HashMap<_, _>>();
        self.revision = snapshot.revision;
        // The change log starts empty: a watcher resuming from before this revision catches up
        // by the scan of stored revisions, which the events kept.
        self.change_log_floor = snapshot.revision;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        date::PartialDate,
        model::{Batch, DateSpan, EventKind, Participant},
    };

    fn event(id: u64, article: &str, participant: &str) -> Event {
        let day = PartialDate::new(2015, 5, 3, "d").unwrap();
        Event {
            id,
            article_id: article.into(),
            kind: EventKind::Meeting,
            when: DateSpan {
                start: day,
                end: day,
                ..DateSpan::default()
            },
            participants: vec![Participant {
                entity_id: participant.into(),
                name: String::new(),
                role: 1,
            }],
            location_id: "city:minsk".into(),
            location_name: String::new(),
            sentence: "Met.".into(),
            sentence_start: 0,
            sentence_end: 4,
            amounts: Vec::new(),
            planned: false,
        }
    }

    fn entity(id: &str, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            id: id.into(),
            kind: EntityKind::Person,
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            roles: Vec::new(),
            country_code: String::new(),
        }
    }

    /// A store with a merge by alias, implicit entities, a republished article and two producers.
    fn populated() -> Store {
        let store = Store::new();
        let article = |text: &str| Article {
            id: "article:1".into(),
            text: text.into(),
            entity_ids: vec!["person:implicit".into()],
            ..Article::default()
        };
        let batches = [
            Batch {
                producer_id: "a".into(),
                sequence: 1,
                articles: vec![article("Met.")],
                entities: vec![entity("person:putin", "Vladimir Putin", &["Putin"])],
                events: vec![
                    event(1, "article:1", "person:putin"),
                    event(2, "article:1", "person:x"),
                ],
            },
            Batch {
                producer_id: "b".into(),
                sequence: 7,
                articles: Vec::new(),
                entities: vec![entity("person:vvp", "VVP", &["Putin"])],
                events: Vec::new(),
            },
            Batch {
                producer_id: "a".into(),
                sequence: 2,
                articles: vec![article("Met. Again.")],
                entities: Vec::new(),
                events: vec![event(1, "article:1", "person:vvp")],
            },
        ];
        for batch in batches {
            store.publish(batch).unwrap();
        }
        store
    }

    #[test]
    fn a_restored_store_snapshots_the_same_and_remembers_producers() {
        let original = populated();
        let snapshot = original.snapshot();
        assert_eq!(snapshot.revision, 3);
        assert_eq!(snapshot.producers, [("a".into(), 2), ("b".into(), 7)]);
        assert_eq!(snapshot.redirects, [("person:vvp".into(), 0)]);
        assert_eq!(
            snapshot.events.len(),
            1,
            "event 2 went with the republished article"
        );
        assert!(snapshot.entities.iter().any(|e| e.implicit));
        let restored = Store::new();
        restored.restore(snapshot.clone()).unwrap();
        assert_eq!(restored.snapshot(), snapshot);
        assert_eq!(restored.revision(), 3);
        let resent = Batch {
            producer_id: "b".into(),
            sequence: 7,
            ..Batch::default()
        };
        assert!(restored.publish(resent).unwrap().duplicate);
    }

    #[test]
    fn a_snapshot_that_does_not_hang_together_leaves_the_store_empty() {
        let mut snapshot = populated().snapshot();
        snapshot.events[0].0.article_id = "article:missing".into();
        let store = Store::new();
        let error = store.restore(snapshot).unwrap_err();
        assert!(error.to_string().contains("snapshot.events[0]"), "{error}");
        assert_eq!(store.snapshot(), StoreSnapshot::default());

        let mut snapshot = populated().snapshot();
        snapshot.redirects.push(("person:elsewhere".into(), 99));
        assert!(store.restore(snapshot).is_err());
        assert_eq!(store.snapshot(), StoreSnapshot::default());

        let full = populated();
        assert!(
            full.restore(StoreSnapshot::default()).is_err(),
            "only into an empty store"
        );
    }
}
