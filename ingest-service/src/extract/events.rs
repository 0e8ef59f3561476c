//! Events: the dated happenings of an article, one per distinct happening, each with its kind,
//! date range, participants and their roles, location, sentence, and trade amounts.
//!
//! Per sentence: dates (see `dates`), trigger phrases (`data/event_triggers.tsv`) and amounts.
//! The kinds found are combined by the annotation conventions: a meeting during a visit is the
//! visit; an agreement signed on a visit and a multilateral gathering a minister travelled to get
//! their own events; every trade figure is an event of its own.

mod lexicon;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use lexicon::{CUES, CueClass, Hit, TRIGGERS, TriggerKind, TriggerRole};

use super::amounts::{FoundAmount, find_amounts};
use super::dates::{DateCue, DateMention, DateResolver, date_line, page_date, reference_year};
use super::model::{
    AnalyzedArticle, DateRange, Entity, EntityKind, Event, EventKind, Mention, PartialDate,
    Participant, ParticipantRole, Span, TradeMetric,
};

type Trigger = Hit<(TriggerKind, TriggerRole)>;

/// What a sentence left for the next one: its date and whether it spoke of trade.
#[derive(Clone, Debug, Default)]
struct Previous {
    date: Option<DateRange>,
    trade: bool,
    kinds: Vec<EventKind>,
    /// Byte offset just past the sentence, to see whether the next one starts a new paragraph.
    end: usize,
}

/// An entity mention of the sentence with what the event needs of its entity.
struct Actor<'a> {
    start: usize,
    entity: &'a Entity,
}

fn is_actor(kind: EntityKind) -> bool {
    !matches!(kind, EntityKind::City)
}

/// `event:` and 16 hex digits of a SHA-256 of the article id, kind, date and sentence offsets.
fn event_id(
    article_id: &str,
    kind: EventKind,
    when: &DateRange,
    start: u32,
    end: u32,
    extra: &str,
) -> String {
    let mut hasher = Sha256::new();
    let d = |p: PartialDate| format!("{:04}-{:02}-{:02}", p.year, p.month, p.day);
    hasher.update(format!(
        "{article_id}\u{1f}{kind:?}\u{1f}{}\u{1f}{}\u{1f}{start}\u{1f}{end}\u{1f}{extra}",
        d(when.start),
        d(when.end)
    ));
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("event:{hex}")
}

/// Code point offsets of byte offsets, for sentences visited in order (linear overall).
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: u32,
}

impl CharCounter<'_> {
    fn at(&mut self, byte: usize) -> u32 {
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count() as u32;
        self.byte = byte;
        self.chars
    }
}

fn kind_priority(kind: EventKind) -> u8 {
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

/// The event kinds a sentence's triggers stand for, first the main one, then those that get an
/// event of their own beside it.
fn combine_kinds(triggers: &[Trigger], actors: &[Actor<'_>]) -> Vec<(EventKind, usize)> {
    let mut first_of: BTreeMap<u8, (EventKind, usize)> = BTreeMap::new();
    let mut postponed = None;
    for t in triggers {
        match t.value.0 {
            TriggerKind::Event(kind) => {
                first_of
                    .entry(kind_priority(kind))
                    .or_insert((kind, t.start));
            }
            TriggerKind::Postponed => postponed = postponed.or(Some(t.start)),
            TriggerKind::Trade(_) => {}
        }
    }
    if let Some(at) = postponed {
        // A postponed visit or meeting did not happen: one `other` row.
        return vec![(EventKind::Other, at)];
    }
    let has = |k: EventKind| first_of.get(&kind_priority(k)).copied();
    let Some(&(main, main_at)) = first_of.values().next() else {
        return Vec::new();
    };
    let mut kinds = vec![(main, main_at)];
    if main != EventKind::Agreement
        && let Some(a) = has(EventKind::Agreement)
    {
        kinds.push(a);
    }
    match main {
        EventKind::Visit => {
            // The gathering a minister travelled to gets its own row when an organisation holds it.
            if let Some((k, at)) = has(EventKind::Conference)
                && actors
                    .iter()
                    .any(|a| a.start > at && a.entity.kind == EntityKind::Organization)
            {
                kinds.push((k, at));
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

fn role_for(kind: EventKind, trigger_role: TriggerRole, before_trigger: bool) -> ParticipantRole {
    match (kind, trigger_role) {
        (EventKind::Visit, _) => {
            if before_trigger {
                ParticipantRole::Guest
            } else {
                ParticipantRole::Host
            }
        }
        (EventKind::Meeting, TriggerRole::HostSubject) => {
            if before_trigger {
                ParticipantRole::Host
            } else {
                ParticipantRole::Guest
            }
        }
        (EventKind::Sanction | EventKind::Legal, _) if !before_trigger => ParticipantRole::Target,
        (EventKind::Sanction | EventKind::Legal | EventKind::Other | EventKind::Statement, _) => {
            ParticipantRole::Unspecified
        }
        _ => ParticipantRole::Party,
    }
}

struct Context<'a> {
    article: &'a AnalyzedArticle,
    entities: &'a BTreeMap<String, Entity>,
}

impl<'a> Context<'a> {
    fn mentions_in(&self, span: Span) -> &'a [Mention] {
        let mentions = &self.article.mentions;
        let from = mentions.partition_point(|m| m.span.start < span.start);
        let to = mentions.partition_point(|m| m.span.start < span.end);
        &mentions[from..to.max(from)]
    }

    fn actors(&self, span: Span) -> Vec<Actor<'a>> {
        self.mentions_in(span)
            .iter()
            .filter_map(|m| {
                let entity = self.entities.get(&m.entity_id)?;
                Some(Actor {
                    start: m.span.start - span.start,
                    entity,
                })
            })
            .collect()
    }

    fn country(&self, code: &Option<String>) -> Option<&'a Entity> {
        self.entities.get(&format!("country:{}", code.as_deref()?))
    }

    /// Countries named in the few sentences before `index`, nearest first.
    fn recent_countries(&self, index: usize, wanted: usize) -> Vec<&'a Entity> {
        let mut found: Vec<&Entity> = Vec::new();
        for span in self.article.sentences[..index].iter().rev().take(4) {
            for m in self.mentions_in(*span).iter().rev() {
                let Some(e) = self.entities.get(&m.entity_id) else {
                    continue;
                };
                let country = if e.kind == EntityKind::Country {
                    Some(e)
                } else {
                    self.country(&e.country_code)
                };
                if let Some(c) = country
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

struct Participants {
    list: Vec<Participant>,
}

impl Participants {
    fn new() -> Self {
        Participants { list: Vec::new() }
    }

    fn add(&mut self, entity: &Entity, role: ParticipantRole) {
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

    /// People first, then the rest, each in order of appearance.
    fn finish(self, entities: &BTreeMap<String, Entity>) -> Vec<Participant> {
        let (mut people, rest): (Vec<_>, Vec<_>) = self.list.into_iter().partition(|p| {
            entities
                .get(&p.entity_id)
                .is_some_and(|e| e.kind == EntityKind::Person)
        });
        people.extend(rest);
        people
    }
}

/// The date of a happening among the sentence's dates: the first that tells when something
/// happened ("on 9 June", not "since 2009" or "up to 2025").
fn event_date(dates: &[DateMention], planned: bool) -> Option<&DateMention> {
    dates
        .iter()
        .find(|d| d.cue == DateCue::Plain || (planned && d.cue == DateCue::By))
}

/// For a statement, the day it was made: a day-precision date of the sentence if it has one.
fn statement_date<'d>(
    dates: &'d [DateMention],
    fallback: Option<&'d DateMention>,
) -> Option<&'d DateMention> {
    dates
        .iter()
        .find(|d| d.cue == DateCue::Plain && d.range.start.day != 0)
        .or(fallback)
}

/// The amount's period: the nearest date after it in the sentence, else the nearest before.
fn amount_date<'d>(dates: &'d [DateMention], amount: &FoundAmount) -> Option<&'d DateMention> {
    let usable = |d: &&DateMention| d.cue == DateCue::Plain;
    dates
        .iter()
        .filter(usable)
        .find(|d| d.start >= amount.end && d.start - amount.end <= 40)
        .or_else(|| {
            dates
                .iter()
                .filter(usable)
                .rev()
                .find(|d| d.end <= amount.start)
        })
        .or_else(|| dates.iter().find(usable))
}

/// A dateline at the start of a sentence ("MINSK, February 4. /TASS/. …"): its date, and where
/// the sentence proper begins.
fn dateline(sentence: &str) -> Option<(PartialDate, usize)> {
    let comma = sentence.find(',')?;
    let place = &sentence[..comma];
    if place.is_empty()
        || place.len() > 40
        || place.chars().any(|c| c.is_lowercase())
        || !place.chars().any(char::is_alphabetic)
    {
        return None;
    }
    let rest = &sentence[comma..];
    let cut = [". ", " (", " - ", " – ", " — "]
        .iter()
        .filter_map(|sep| rest.find(sep).map(|i| i + sep.len().min(1)))
        .min()
        .unwrap_or(rest.len());
    let head = &sentence[..comma + cut];
    let date = date_line(head)?;
    Some((date, head.len()))
}

/// The dated events of one analysed article. `entities` holds every entity of the document by id.
pub fn extract_events(
    article: &AnalyzedArticle,
    entities: &BTreeMap<String, Entity>,
    published: Option<PartialDate>,
) -> Vec<Event> {
    let text = &article.article.text;
    let (reference, source) = match article.article.reference_year {
        Some(year) => (Some(year), article.article.reference_year_source),
        None => reference_year(text, published),
    };
    let now = published
        .filter(|p| p.day != 0)
        .or_else(|| page_date(text).filter(|d| d.year == 0 || Some(d.year) == reference));
    let mut resolver = DateResolver::new(reference, source, now);
    let context = Context { article, entities };
    let mut chars = CharCounter {
        text,
        byte: 0,
        chars: 0,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut previous = Previous::default();
    let mut dateline_date: Option<DateRange> = None;

    for (index, &span) in article.sentences.iter().enumerate() {
        let Some(raw_sentence) = text.get(span.start..span.end) else {
            continue;
        };
        let new_paragraph = text
            .get(previous.end..span.start)
            .is_some_and(|gap| gap.contains("\n\n"));
        // A dateline dates the article; the statements that follow it are made that day.
        let mut body_start = 0;
        if let Some((date, len)) = dateline(raw_sentence) {
            resolver.set_now(date, false);
            if let Some(now) = resolver.now() {
                dateline_date = Some(DateRange {
                    start: now,
                    end: now,
                    year_inferred: date.year == 0,
                    year_source: if date.year == 0 {
                        source
                    } else {
                        super::model::YearSource::Explicit
                    },
                    text: raw_sentence[..len].trim().to_string(),
                });
            }
            body_start = len;
        } else if let Some(date) = date_line(raw_sentence) {
            // A listing page's item date dates the items below it.
            resolver.set_now(date, true);
            previous = Previous {
                end: span.end,
                ..Previous::default()
            };
            continue;
        }
        let sentence = &raw_sentence[body_start..];
        let offset = span.start + body_start;
        let cues = CUES.find(sentence);
        let planned = cues.iter().any(|c| c.value == CueClass::Planned);
        let dates = resolver.resolve(sentence, planned);
        let triggers = TRIGGERS.find(sentence);
        let actors: Vec<Actor> = context
            .actors(Span {
                start: offset,
                end: span.end,
            })
            .into_iter()
            .map(|a| Actor {
                start: a.start.saturating_sub(body_start),
                entity: a.entity,
            })
            .collect();
        let sentence_start = chars.at(span.start);
        let sentence_end = chars.at(span.end);
        let main_date = event_date(&dates, planned);
        let trade_word = triggers
            .iter()
            .any(|t| matches!(t.value.0, TriggerKind::Trade(_)));
        let continues = !new_paragraph || index == 0;

        let mut new_events: Vec<Event> = Vec::new();
        let make = |kind: EventKind,
                    when: &DateRange,
                    parts: Vec<Participant>,
                    location: Option<&Entity>,
                    extra: &str| Event {
            id: event_id(
                &article.article.id,
                kind,
                when,
                sentence_start,
                sentence_end,
                extra,
            ),
            article_id: article.article.id.clone(),
            kind,
            when: when.clone(),
            participants: parts,
            location_id: location.map(|l| l.id.clone()),
            location_name: location.map(|l| l.name.clone()),
            sentence: raw_sentence.to_string(),
            sentence_start,
            sentence_end,
            amounts: Vec::new(),
            planned,
        };

        // Trade figures: one event per amount that is not a target or a conversion.
        let amounts: Vec<FoundAmount> = find_amounts(sentence)
            .into_iter()
            .filter(|a| !a.aside)
            .filter(|a| {
                !cues.iter().any(|c| {
                    c.value == CueClass::Target
                        && c.end <= a.start
                        && sentence[c.end..a.start].split_whitespace().count() <= 3
                })
            })
            .collect();
        let trade_context = trade_word || previous.trade;
        if trade_context {
            for amount in &amounts {
                let date = amount_date(&dates, amount)
                    .map(|d| d.range.clone())
                    .or_else(|| {
                        // "Trade turnover rose by 5% to 3.9 trillion rubles." after "… last year."
                        (previous.trade && dates.is_empty())
                            .then(|| previous.date.clone())
                            .flatten()
                    });
                let Some(when) = date else { continue };
                let metric = triggers
                    .iter()
                    .rev()
                    .find_map(|t| match t.value.0 {
                        TriggerKind::Trade(m) if t.end <= amount.start => Some(m),
                        _ => None,
                    })
                    .or_else(|| {
                        triggers.iter().find_map(|t| match t.value.0 {
                            TriggerKind::Trade(m) => Some(m),
                            _ => None,
                        })
                    })
                    .unwrap_or(TradeMetric::Unspecified);
                let mut parts = Participants::new();
                for a in actors.iter().filter(|a| {
                    matches!(
                        a.entity.kind,
                        EntityKind::Country | EntityKind::Organization
                    )
                }) {
                    parts.add(a.entity, ParticipantRole::Party);
                }
                let countries = parts
                    .list
                    .iter()
                    .filter(|p| p.entity_id.starts_with("country:"))
                    .count();
                if countries < 2 {
                    for c in context.recent_countries(index, 2 - countries) {
                        if parts
                            .list
                            .iter()
                            .filter(|p| p.entity_id.starts_with("country:"))
                            .count()
                            >= 2
                        {
                            break;
                        }
                        parts.add(c, ParticipantRole::Party);
                    }
                }
                if parts.list.is_empty() {
                    continue;
                }
                let mut amount_record = amount.amount.clone();
                amount_record.metric = metric;
                amount_record.period = Some(when.clone());
                let mut event = make(
                    EventKind::Trade,
                    &when,
                    parts.finish(entities),
                    None,
                    &amount.amount.text,
                );
                event.amounts = vec![amount_record];
                new_events.push(event);
            }
        }

        // Everything else: the kinds the triggers stand for, dated by the sentence.
        let kinds = combine_kinds(&triggers, &actors);
        for (kind, trigger_at) in kinds {
            let trigger = triggers.iter().find(|t| t.start == trigger_at).copied();
            let trigger_role = trigger.map_or(TriggerRole::Party, |t| t.value.1);
            let date = match kind {
                EventKind::Statement => statement_date(&dates, main_date)
                    .filter(|d| d.range.start.day != 0 || dateline_date.is_none())
                    .map(|d| d.range.clone())
                    .or_else(|| dateline_date.clone().filter(|_| index <= 3)),
                _ => main_date.map(|d| d.range.clone()),
            };
            let date = date.or_else(|| {
                // A sentence continuing a dated one in the same paragraph ("The two countries agreed
                // to establish …" after "On 26-28 June, … visited Belarus.") shares its date.
                let inherits = matches!(
                    kind,
                    EventKind::Agreement | EventKind::Statement | EventKind::Conference
                );
                (inherits && continues && dates.is_empty() && !previous.kinds.contains(&kind))
                    .then(|| previous.date.clone())
                    .flatten()
            });
            let Some(when) = date else { continue };
            if kind == EventKind::Trade {
                continue;
            }
            let mut parts = Participants::new();
            let speaker_at = actors
                .iter()
                .filter(|a| a.entity.kind == EntityKind::Person)
                .map(|a| a.start)
                .next()
                .or_else(|| {
                    actors
                        .iter()
                        .filter(|a| is_actor(a.entity.kind) && a.start < trigger_at)
                        .map(|a| a.start)
                        .next()
                });
            let mut location: Option<&Entity> = None;
            for a in &actors {
                let before = a.start < trigger_at;
                let mut role = role_for(kind, trigger_role, before);
                if kind == EventKind::Statement && Some(a.start) == speaker_at {
                    role = ParticipantRole::Speaker;
                }
                match a.entity.kind {
                    EntityKind::City => {
                        if location.is_none() {
                            location = Some(a.entity);
                        }
                        if let Some(country) = context.country(&a.entity.country_code) {
                            let role = if kind == EventKind::Visit {
                                ParticipantRole::Host
                            } else {
                                role
                            };
                            parts.add(country, role);
                        }
                    }
                    EntityKind::Person => {
                        parts.add(a.entity, role);
                        if let Some(country) = context.country(&a.entity.country_code) {
                            parts.add(country, role);
                        }
                    }
                    _ => parts.add(a.entity, role),
                }
            }
            // "X met Y in Riga": a meeting abroad for one of its people is a visit.
            let mut kind = kind;
            if kind == EventKind::Meeting
                && trigger_role == TriggerRole::Met
                && let Some(city) = location
            {
                let abroad = actors.iter().any(|a| {
                    a.entity.kind == EntityKind::Person
                        && a.entity.country_code.is_some()
                        && a.entity.country_code != city.country_code
                });
                if abroad && city.country_code.is_some() {
                    kind = EventKind::Visit;
                }
            }
            if kind == EventKind::Visit && location.is_none() {
                location = actors
                    .iter()
                    .find(|a| a.start > trigger_at && a.entity.kind == EntityKind::Country)
                    .map(|a| a.entity);
            }
            if parts.list.is_empty() {
                continue;
            }
            new_events.push(make(kind, &when, parts.finish(entities), location, ""));
        }

        for event in new_events {
            let duplicate = events.iter().any(|e| {
                e.kind == event.kind
                    && e.when.start == event.when.start
                    && e.when.end == event.when.end
                    && e.amounts
                        .iter()
                        .map(|a| &a.text)
                        .eq(event.amounts.iter().map(|a| &a.text))
                    && (e.sentence == event.sentence || shares_person(e, &event, entities))
            });
            if !duplicate {
                events.push(event);
            }
        }
        let kinds_here: Vec<EventKind> = events
            .iter()
            .filter(|e| e.sentence_start == sentence_start)
            .map(|e| e.kind)
            .collect();
        previous = Previous {
            date: main_date.map(|d| d.range.clone()),
            trade: trade_word,
            kinds: kinds_here,
            end: span.end,
        };
        let _ = offset;
    }
    events
}

fn shares_person(a: &Event, b: &Event, entities: &BTreeMap<String, Entity>) -> bool {
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
    !people(a).is_disjoint(&people(b))
}

#[cfg(test)]
mod tests;
