//! Events: the dated happenings of an article, one per distinct happening, each with its kind,
//! date range, participants and their roles, location, sentence, and trade amounts.
//!
//! Per sentence (candidate detection, here): dates (see `dates`), trigger phrases and verbs
//! (`lexicon`), actors and amounts. A clause with a happening's date and a named actor is a
//! candidate; `classify` gives its kinds, `participants` its actors' roles and place, `dating`
//! its date, and `merge` keeps one event per distinct happening. The kinds found are combined by
//! the annotation conventions: a meeting during a visit is the visit; an agreement signed on a
//! visit and a multilateral gathering a minister travelled to get their own events; every trade
//! figure is an event of its own.

mod classify;
mod dating;
mod lexicon;
mod merge;
mod participants;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use classify::{combine_kinds, organisation_trigger, passive};
use dating::{amount_date, dateline, event_date, iso_date_prefix};
use lexicon::{CHANGE_WORDS, CUES, CueClass, Hit, PRONOUNS, TRIGGERS, TriggerKind, TriggerRole};
use merge::same_happening;
use participants::{Actor, Context, Participants, place, role_for};

use super::amounts::{FoundAmount, find_amounts};
use super::dates::{
    DateCue, DateResolver, ScannedDates, date_line, date_line_scanned, latest_reported, page_date,
    reference_year, scan,
};
use super::model::{
    AnalyzedArticle, DateRange, Entity, EntityKind, Event, EventKind, PartialDate, Participant,
    ParticipantRole, Span, TradeMetric, YearSource,
};

type Trigger = Hit<(TriggerKind, TriggerRole)>;

/// What a sentence left for the next one.
#[derive(Clone, Debug, Default)]
struct Previous {
    /// The date of its happening.
    date: Option<DateRange>,
    /// Whether it spoke of trade, so that "It amounted to $67.7m" is a trade figure.
    trade: bool,
    /// The kinds of the events it gave.
    kinds: Vec<EventKind>,
    /// The people taking part in them, so that "X also met Y" after "On 29 March X met Z" is
    /// told of the same period.
    people: Vec<String>,
    /// Byte offset just past it, to see whether the next sentence starts a new paragraph.
    end: usize,
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
    let d = |p: PartialDate| format!("{:04}-{:02}-{:02}", p.year, p.month, p.day);
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{article_id}\u{1f}{kind:?}\u{1f}{}\u{1f}{}\u{1f}{start}\u{1f}{end}\u{1f}{extra}",
        d(when.start),
        d(when.end)
    ));
    let mut id = String::with_capacity(22);
    id.push_str("event:");
    for b in hasher.finalize().iter().take(8) {
        let _ = write!(id, "{b:02x}");
    }
    id
}

/// Code point offsets of byte offsets visited in increasing order (linear overall).
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

/// The dated events of one analysed article. `entities` holds every entity of the document by id.
pub fn extract_events(
    article: &AnalyzedArticle,
    entities: &BTreeMap<String, Entity>,
    published: Option<PartialDate>,
) -> Vec<Event> {
    let (reference, source) = match article.article.reference_year {
        Some(year) => (Some(year), article.article.reference_year_source),
        None => reference_year(&article.article.text, published),
    };
    extract_events_in_year(article, entities, published, reference, source)
}

/// [`extract_events`] once the article's reference year is known (`None` when none was found),
/// so that the pipeline, which has just looked for it, does not look again.
pub fn extract_events_in_year(
    article: &AnalyzedArticle,
    entities: &BTreeMap<String, Entity>,
    published: Option<PartialDate>,
    reference: Option<u16>,
    source: YearSource,
) -> Vec<Event> {
    let text = &article.article.text;
    let now = published
        .filter(|p| p.day != 0)
        .or_else(|| page_date(text).filter(|d| d.year == 0 || Some(d.year) == reference));
    let mut resolver = DateResolver::new(reference, source, now);
    let sentence_texts: Vec<&str> = article
        .sentences
        .iter()
        .map(|s| text.get(s.start..s.end).unwrap_or(""))
        .collect();
    // Each sentence's cues and dates, found once for both passes over the article.
    let mut sentence_cues: Vec<Vec<Hit<CueClass>>> =
        sentence_texts.iter().map(|s| CUES.find(s)).collect();
    let planned_of = |cues: &[Hit<CueClass>]| cues.iter().any(|c| c.value == CueClass::Planned);
    let scans: Vec<ScannedDates> = sentence_texts.iter().map(|s| scan(s)).collect();
    resolver.set_latest_reported(latest_reported(
        scans
            .iter()
            .zip(&sentence_cues)
            .map(|(d, cues)| (d, planned_of(cues))),
    ));
    let context = Context { article, entities };
    let mut chars = CharCounter {
        text,
        byte: 0,
        chars: 0,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut previous = Previous::default();
    let mut dateline_date: Option<DateRange> = None;
    // Indexes that keep the checks against earlier events linear: events by kind and dates, and
    // the last place of a happening by its first day.
    let mut by_day: HashMap<(EventKind, PartialDate, PartialDate), Vec<usize>> = HashMap::new();
    let mut place_on: HashMap<PartialDate, String> = HashMap::new();

    for (index, &span) in article.sentences.iter().enumerate() {
        let raw_sentence = sentence_texts[index];
        if raw_sentence.is_empty() {
            continue;
        }
        let new_paragraph = text
            .get(previous.end..span.start)
            .is_some_and(|gap| gap.contains("\n\n"));
        let mut body_start = iso_date_prefix(raw_sentence);
        if let Some((date, len)) = dateline(&raw_sentence[body_start..]) {
            // A dateline dates the article; the statements right after it are made that day.
            resolver.set_now(date, false);
            if let Some(now) = resolver.now() {
                dateline_date = Some(DateRange {
                    start: now,
                    end: now,
                    year_inferred: date.year == 0,
                    year_source: if date.year == 0 {
                        source
                    } else {
                        YearSource::Explicit
                    },
                    text: raw_sentence[body_start..body_start + len]
                        .trim()
                        .to_string(),
                });
            }
            body_start += len;
        } else if let Some(date) = if body_start == 0 {
            date_line_scanned(raw_sentence, &scans[index])
        } else {
            date_line(&raw_sentence[body_start..])
        } {
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
        let cues = if body_start == 0 {
            std::mem::take(&mut sentence_cues[index])
        } else {
            CUES.find(sentence)
        };
        let planned = cues.iter().any(|c| c.value == CueClass::Planned);
        let dates = resolver.resolve_scanned(raw_sentence, &scans[index], body_start, planned);
        // A trigger inside a date ("after the visit") names the earlier happening, not a new one.
        let actors: Vec<Actor> = context.actors(Span {
            start: offset,
            end: span.end,
        });
        let triggers: Vec<Trigger> = TRIGGERS
            .find(sentence)
            .into_iter()
            .filter(|t| !dates.iter().any(|d| d.start <= t.start && t.end <= d.end))
            .filter(|t| !passive(sentence, t))
            .filter_map(|t| organisation_trigger(sentence, t, &context, offset))
            .collect();
        let sentence_start = chars.at(span.start);
        let sentence_end = chars.at(span.end);
        let main_date = event_date(&dates, planned);
        let trade_word = triggers
            .iter()
            .any(|t| matches!(t.value.0, TriggerKind::Trade(_)));
        let continues = !new_paragraph;

        let mut new_events: Vec<Event> = Vec::new();
        let make = |kind: EventKind,
                    when: &DateRange,
                    participants: Vec<Participant>,
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
            participants,
            location_id: location.map(|l| l.id.clone()),
            location_name: location.map(|l| l.name.clone()),
            sentence: raw_sentence.to_string(),
            sentence_start,
            sentence_end,
            amounts: Vec::new(),
            // A statement is made, even about the future ("said that they will sign").
            planned: planned && kind != EventKind::Statement,
        };
        let trade_parties = |index: usize| {
            let mut parts = Participants::default();
            for a in &actors {
                match a.entity.kind {
                    EntityKind::Country | EntityKind::Organization => {
                        parts.add(a.entity, ParticipantRole::Party)
                    }
                    _ => {}
                }
            }
            if parts.countries() < 2 {
                for c in context.recent_countries(index, 2 - parts.countries()) {
                    if parts.countries() >= 2 {
                        break;
                    }
                    parts.add(c, ParticipantRole::Party);
                }
            }
            parts
        };

        // Trade figures: one event per amount that is neither a target nor a conversion.
        let amounts: Vec<FoundAmount> = find_amounts(sentence)
            .into_iter()
            .filter(|a| !a.aside)
            .filter(|a| {
                // Only the nearest cue before the amount can make it a target.
                let before = cues.partition_point(|c| c.end <= a.start);
                !before.checked_sub(1).map(|i| cues[i]).is_some_and(|c| {
                    c.value == CueClass::Target
                        && sentence[c.end..a.start].split_whitespace().take(4).count() <= 3
                })
            })
            .collect();
        if trade_word || previous.trade {
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
                let parts = trade_parties(index);
                if parts.list.is_empty() {
                    continue;
                }
                let mut figure = amount.amount.clone();
                figure.metric = metric;
                figure.period = Some(when.clone());
                let mut event = make(
                    EventKind::Trade,
                    &when,
                    parts.finish(entities),
                    None,
                    &figure.text,
                );
                event.amounts = vec![figure];
                new_events.push(event);
            }
        }
        // A dated change in trade given only as a percentage ("In 2025, foreign trade between
        // Belarus and Russia increased by 5.6%") is a trade figure without an amount.
        if trade_word
            && amounts.is_empty()
            && (sentence.contains('%') || sentence.contains(" percent"))
            && CHANGE_WORDS.iter().any(|v| sentence.contains(v.as_str()))
        {
            // "The economic statistics of the beginning of the year are encouraging. The volume
            // was increased by 15%."
            let inherited = (continues && dates.is_empty())
                .then(|| previous.date.clone())
                .flatten();
            let when = dates
                .iter()
                .find(|d| d.cue == DateCue::Plain && !d.deictic)
                .map(|d| d.range.clone())
                .or(inherited);
            if let Some(when) = when {
                let parts = trade_parties(index);
                if !parts.list.is_empty() {
                    new_events.push(make(
                        EventKind::Trade,
                        &when,
                        parts.finish(entities),
                        None,
                        "%",
                    ));
                }
            }
        }

        // Everything else: the kinds the triggers stand for, dated by the sentence.
        let mut kinds = combine_kinds(&triggers, &actors);
        if kinds.is_empty()
            && !trade_word
            && let Some(d) = main_date.filter(|d| !d.deictic)
            && actors.iter().any(|a| a.entity.kind != EntityKind::City)
        {
            kinds.push((
                EventKind::Other,
                Hit {
                    start: d.start,
                    end: d.end,
                    value: (TriggerKind::Happened, TriggerRole::Party),
                },
            ));
        }
        for (kind, trigger) in kinds {
            let trigger_at = trigger.start;
            let trigger_role = trigger.value.1;
            let date = match kind {
                // A statement is made on a day: the sentence's day, else the dateline's.
                // A statement is made on a day: the sentence's day, else the dateline's; one dated
                // only by a year or month ("ended last year with …") is not a dated statement.
                EventKind::Statement => dates
                    .iter()
                    .find(|d| d.cue == DateCue::Plain && d.range.start.day != 0)
                    .map(|d| d.range.clone())
                    .or_else(|| dateline_date.clone().filter(|_| index <= 3)),
                _ => main_date.map(|d| d.range.clone()),
            };
            let date = date.or_else(|| {
                // A sentence continuing a dated one in the same paragraph ("The two countries
                // agreed to establish …" after "On 26-28 June, … visited Belarus.") shares its date.
                let inherits = match kind {
                    // The one acting in the dated sentence before, named again as the subject.
                    EventKind::Meeting | EventKind::Visit | EventKind::Legal | EventKind::Other
                        if actors.iter().any(|a| {
                            a.entity.kind == EntityKind::Person
                                && a.start < trigger_at
                                && previous.people.contains(&a.entity.id)
                        }) =>
                    {
                        true
                    }
                    EventKind::Agreement => true,
                    // "She also received her Latvian and German compeers in Minsk."
                    // "She also received …": the same person, so the same period; a newly named
                    // one ("His colleague X received …") starts an undated item.
                    EventKind::Meeting => {
                        trigger_role == TriggerRole::HostSubject
                            && !actors.iter().any(|a| {
                                a.entity.kind == EntityKind::Person && a.start < trigger_at
                            })
                            && sentence[..trigger_at]
                                .split(|c: char| !c.is_alphabetic())
                                .any(|w| PRONOUNS.iter().any(|p| p == w))
                    }
                    // Someone named, or "he"/"she", must be the one speaking.
                    EventKind::Statement => {
                        actors
                            .iter()
                            .any(|a| a.entity.kind == EntityKind::Person && a.start < trigger_at)
                            || sentence[..trigger_at]
                                .split(|c: char| !c.is_alphabetic())
                                .any(|w| PRONOUNS.iter().any(|p| p == w))
                    }
                    _ => false,
                };
                let previous_happening = previous.kinds.iter().any(|k| *k != EventKind::Trade);
                (inherits
                    && continues
                    && previous_happening
                    && dates.is_empty()
                    && (!previous.kinds.contains(&kind) || kind == EventKind::Meeting))
                    .then(|| previous.date.clone())
                    .flatten()
            });
            let Some(when) = date else { continue };
            // A sentence naming only a place ("Two days later he travelled to Munich") takes its
            // actors from the sentences before.
            let sentence_actors = if actors.iter().all(|a| a.entity.kind == EntityKind::City) {
                let mut recent = context.recent_actors(index);
                if !actors.is_empty() {
                    // "he travelled to Munich": the person spoken of, not the countries around.
                    recent.retain(|a| a.entity.kind == EntityKind::Person);
                }
                recent.extend(actors.iter().copied());
                recent
            } else {
                actors.clone()
            };
            let speaker_at = sentence_actors
                .iter()
                .find(|a| a.entity.kind == EntityKind::Person)
                .or_else(|| {
                    sentence_actors
                        .iter()
                        .find(|a| a.entity.kind != EntityKind::City && a.start < trigger_at)
                })
                .map(|a| a.start);
            let mut parts = Participants::default();
            let mut location: Option<&Entity> = place(sentence, &sentence_actors);
            for a in &sentence_actors {
                let mut role = role_for(kind, trigger_role, a.start < trigger_at);
                if kind == EventKind::Statement && Some(a.start) == speaker_at {
                    role = ParticipantRole::Speaker;
                }
                match a.entity.kind {
                    EntityKind::City => {
                        if let Some(country) = a.country {
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
                        if let Some(country) = a.country {
                            parts.add(country, role);
                        }
                    }
                    _ => parts.add(a.entity, role),
                }
            }
            // "X met Y in Riga": a meeting abroad for one of its people is a visit.
            let mut kind = kind;
            if kind == EventKind::Meeting
                && matches!(trigger_role, TriggerRole::Met | TriggerRole::MetNoun)
                && let Some(city_country) = location.and_then(|c| c.country_code.as_deref())
            {
                let abroad = sentence_actors.iter().any(|a| {
                    a.entity.kind == EntityKind::Person
                        && a.country
                            .is_some_and(|c| c.country_code.as_deref() != Some(city_country))
                });
                if abroad {
                    kind = EventKind::Visit;
                }
            }
            if kind == EventKind::Visit && location.is_none() {
                location = sentence_actors
                    .iter()
                    .find(|a| a.start > trigger_at && a.entity.kind == EntityKind::Country)
                    .map(|a| a.entity);
            }
            if location.is_none() {
                // "This time around they signed …", "There, he derided …": where the happening
                // this one continues took place.
                location = place_on.get(&when.start).and_then(|id| entities.get(id));
            }
            if parts.list.is_empty() {
                continue;
            }
            new_events.push(make(kind, &when, parts.finish(entities), location, ""));
        }

        // "In August 2018, Putin appointed Babich …, two years after an unsuccessful attempt to send
        // Babich as an envoy to Ukraine": the attempt is a dated happening of its own.
        if let Some(first) = new_events
            .iter()
            .find(|e| e.kind != EventKind::Trade)
            .cloned()
        {
            for earlier in dates.iter().filter(|d| d.antecedent) {
                let mut event = first.clone();
                event.kind = EventKind::Other;
                event.when = earlier.range.clone();
                event.location_id = None;
                event.location_name = None;
                event.planned = false;
                event.id = event_id(
                    &article.article.id,
                    EventKind::Other,
                    &event.when,
                    sentence_start,
                    sentence_end,
                    "antecedent",
                );
                new_events.push(event);
            }
        }
        // "signed contracts worth $350m" is the trade figure, not a further agreement.
        if new_events
            .iter()
            .any(|e| e.amounts.iter().any(|a| a.metric == TradeMetric::Contracts))
        {
            new_events.retain(|e| e.kind != EventKind::Agreement);
        }
        let first_new = events.len();
        for event in new_events {
            let key = (event.kind, event.when.start, event.when.end);
            let same_day = by_day.entry(key).or_default();
            if !same_day
                .iter()
                .any(|&i| same_happening(&events[i], &event, entities))
            {
                same_day.push(events.len());
                if let Some(id) = &event.location_id {
                    place_on.insert(event.when.start, id.clone());
                }
                events.push(event);
            }
        }
        let kinds_here: Vec<EventKind> = events[first_new..].iter().map(|e| e.kind).collect();
        let people_here: Vec<String> = events[first_new..]
            .iter()
            .flat_map(|e| &e.participants)
            .filter(|p| p.entity_id.starts_with("person:"))
            .map(|p| p.entity_id.clone())
            .collect();
        previous = Previous {
            people: if kinds_here.is_empty() {
                std::mem::take(&mut previous.people)
            } else {
                people_here
            },
            // A sentence that took its date from the one before passes it on.
            date: main_date.map(|d| d.range.clone()).or_else(|| {
                (!kinds_here.is_empty() && dates.is_empty())
                    .then(|| previous.date.clone())
                    .flatten()
            }),
            trade: trade_word,
            kinds: kinds_here,
            end: span.end,
        };
    }
    events
}

#[cfg(test)]
mod tests;
