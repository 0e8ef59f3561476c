//! Events: the dated happenings of an article, one per distinct happening, each with its kind,
//! date range, participants and their roles, location, sentence, and trade amounts.
//!
//! Per sentence: dates (see `dates`), trigger phrases (`data/event_triggers.tsv`) and amounts.
//! The kinds found are combined by the annotation conventions: a meeting during a visit is the
//! visit; an agreement signed on a visit and a multilateral gathering a minister travelled to get
//! their own events; every trade figure is an event of its own.

mod lexicon;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use lexicon::{CUES, CueClass, Hit, TRIGGERS, TriggerKind, TriggerRole};

use super::amounts::{FoundAmount, find_amounts};
use super::dates::{
    DateCue, DateMention, DateResolver, ScannedDates, date_line, date_line_scanned,
    latest_reported, page_date, reference_year, scan,
};
use super::model::{
    AnalyzedArticle, DateRange, Entity, EntityKind, Event, EventKind, Mention, PartialDate,
    Participant, ParticipantRole, Span, TradeMetric, YearSource,
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

/// An entity mention of the sentence: byte offset in the sentence, the entity, and the country
/// it acts for (its own, a person's or a city's).
#[derive(Clone, Copy)]
struct Actor<'a> {
    start: usize,
    end: usize,
    entity: &'a Entity,
    country: Option<&'a Entity>,
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

/// Which kind is the main happening when a sentence has triggers of several kinds.
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

/// The event kinds a sentence's triggers stand for with the trigger of each: first the main
/// one, then those that get an event of their own beside it.
fn combine_kinds(triggers: &[Trigger], actors: &[Actor<'_>]) -> Vec<(EventKind, Trigger)> {
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

fn role_for(kind: EventKind, trigger_role: TriggerRole, before_trigger: bool) -> ParticipantRole {
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

    fn country(&self, code: Option<&str>) -> Option<&'a Entity> {
        self.entities.get(&format!("country:{}", code?))
    }

    /// The actors of a sentence. A person without a known country takes the one named right
    /// before ("Serbian president Tomislav Nikolic") or in an apposition after ("Igor Dodon, the
    /// President of Moldova").
    fn actors(&self, span: Span) -> Vec<Actor<'a>> {
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
    fn recent_actors(&self, index: usize) -> Vec<Actor<'a>> {
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
    fn recent_countries(&self, index: usize, wanted: usize) -> Vec<&'a Entity> {
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
struct Participants {
    list: Vec<Participant>,
}

impl Participants {
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

    fn countries(&self) -> usize {
        self.list
            .iter()
            .filter(|p| p.entity_id.starts_with("country:"))
            .count()
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
/// happened ("on 9 June", not "since 2009", "up to 2025" or "over 2015").
fn event_date(dates: &[DateMention], planned: bool) -> Option<&DateMention> {
    dates
        .iter()
        .find(|d| d.cue == DateCue::Plain || (planned && d.cue == DateCue::By))
}

/// The period of a trade figure: the date right after it ("$245m in 2014"), else the nearest
/// before ("In 2014, exports were worth $318m"), else the nearest after. Moments of writing
/// ("today") are not periods.
fn amount_date<'d>(dates: &'d [DateMention], amount: &FoundAmount) -> Option<&'d DateMention> {
    let usable = |d: &&DateMention| d.cue == DateCue::Plain && !d.deictic;
    // Dates are in text order: look only around the amount.
    let after = dates.partition_point(|d| d.start < amount.end);
    let next = dates[after..].iter().find(usable);
    next.filter(|d| d.start - amount.end <= 12)
        .or_else(|| {
            dates[..after]
                .iter()
                .rev()
                .filter(|d| d.end <= amount.start)
                .find(usable)
        })
        .or(next)
}

/// A dateline at the start of a sentence ("MINSK, February 4. /TASS/. …", "MINSK, 21 April
/// (BelTA) - …"): its date, and where the rest of the sentence begins.
fn dateline(sentence: &str) -> Option<(PartialDate, usize)> {
    let comma = sentence.find(',')?;
    let place = &sentence[..comma];
    if place.is_empty()
        || place.len() > 40
        || place.chars().any(char::is_lowercase)
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
    let date = date_line(&sentence[..comma + cut])?;
    // Skip the agency tag that follows: "/TASS/.", "(BelTA) -".
    let mut end = comma + cut;
    let tail = &sentence[end..];
    let tag_len = tail.len()
        - tail
            .trim_start_matches(|c: char| {
                c.is_whitespace() || c == '.' || c == '-' || c == '–' || c == '—'
            })
            .len();
    end += tag_len;
    let tail = &sentence[end..];
    if let Some(stripped) = tail
        .strip_prefix("/TASS/")
        .or_else(|| tail.strip_prefix("(BelTA)"))
    {
        end = sentence.len() - stripped.len();
        let after = &sentence[end..];
        end += after.len()
            - after
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || c == '.' || c == '-' || c == '–' || c == '—'
                })
                .len();
    }
    Some((date, end))
}

/// news.by's " date 2019-12-13" prefix, which runs into the first sentence: its length.
fn iso_date_prefix(sentence: &str) -> usize {
    let trimmed = sentence.trim_start();
    let Some(rest) = trimmed.strip_prefix("date ") else {
        return 0;
    };
    let b = rest.as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !iso {
        return 0;
    }
    let consumed = sentence.len() - rest.len() + 10;
    consumed + sentence[consumed..].len() - sentence[consumed..].trim_start().len()
}

/// A speech verb in the passive ("was told about") does not make its subject a speaker.
fn passive(sentence: &str, trigger: &Trigger) -> bool {
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
            && CHANGE_VERBS.iter().any(|v| sentence.contains(v))
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
                                .any(|w| matches!(w, "he" | "she" | "He" | "She"))
                    }
                    // Someone named, or "he"/"she", must be the one speaking.
                    EventKind::Statement => {
                        actors
                            .iter()
                            .any(|a| a.entity.kind == EntityKind::Person && a.start < trigger_at)
                            || sentence[..trigger_at]
                                .split(|c: char| !c.is_alphabetic())
                                .any(|w| matches!(w, "he" | "she" | "He" | "She"))
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

/// The same happening told twice: a teaser repeated in the body, a quote repeating a figure, or
/// the talks of a visit told again ("During his visit to Hanoi, Lukashenka met …").
fn same_happening(a: &Event, b: &Event, entities: &BTreeMap<String, Entity>) -> bool {
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

/// Where a happening took place: the city the sentence puts it in ("in Ashgabat", "at the
/// Minsk forum", "went to Prague"), not one it starts from ("From Madrid", "On his way back to
/// Minsk").
fn place<'a>(sentence: &str, actors: &[Actor<'a>]) -> Option<&'a Entity> {
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

/// Words of a change in a figure, for trade figures given only as a percentage.
const CHANGE_VERBS: &[&str] = &[
    "increased",
    "decreased",
    "grew",
    "rose",
    "fell",
    "dropped",
    "declined",
    "up by",
    "down by",
];

/// A trigger inside an organisation's name ("OSCE Parliamentary Assembly", "United States
/// Congress") names the body, not a happening, unless the body's gathering is what is spoken of
/// ("a meeting of the OSCE Ministerial Council"). A meeting held by an organisation ("a UN
/// meeting") is a multilateral gathering.
fn organisation_trigger(
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

#[cfg(test)]
mod tests;
