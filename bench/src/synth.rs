//! Synthetic records shaped after the gold corpus, built deterministically from a seed so that
//! newsline, Redis and the ceiling server hold exactly the same events.
//!
//! How the data is made (also in BENCHMARKS.md):
//! - Entities: every real entity of the gold corpus (name, kind, mentions as aliases, role), most
//!   named first, with the ids and ISO codes of the extraction's gazetteers
//!   (`ingest-service/data/`); then every country, city and organisation of those gazetteers;
//!   then a long tail so that bigger stores know more entities (one entity per 40 events, 1,000
//!   to 250,000): people with a given name from the gold people or the gazetteer and a surname
//!   made of a gold surname's stem and a gazetteer surname ending ("Lukash" + "ov"), cities
//!   recombining halves of real city names, and state bodies of real countries ("Ministry of
//!   Economy of Latvia").
//! - Popularity: within each entity kind, participants are drawn with Zipf weights (s = 1) over
//!   that ranking, so a few entities take part in many events and most in few, as in the news.
//! - Events: kind, participant count, participant entity kinds, location rate, start year,
//!   date precision (day / month / year) and range rate are drawn from the gold counts (years
//!   smoothed over 1991-2026); sentences are real gold sentences; trade events carry amounts.
//! - Articles: 1 to 6 events each, in one batch with their events; the article text is its
//!   events' sentences, so sentence offsets are real; titles are real gold titles.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use newsline_proto::v1 as pb;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;

use crate::corpus::{CorpusProfile, Kind};

/// Draws items with fixed weights.
#[derive(Clone, Debug)]
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Clone> Weighted<T> {
    fn new(pairs: impl IntoIterator<Item = (T, f64)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in pairs {
            if weight <= 0.0 {
                continue;
            }
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        Weighted { items, cumulative }
    }

    fn zipf(items: Vec<T>) -> Weighted<T> {
        let weights: Vec<f64> = (1..=items.len()).map(|rank| 1.0 / rank as f64).collect();
        Weighted::new(items.into_iter().zip(weights))
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn sample(&self, rng: &mut impl Rng) -> T {
        let total = *self
            .cumulative
            .last()
            .expect("sampling from an empty weighted set");
        let point = rng.random::<f64>() * total;
        let index = self.cumulative.partition_point(|&c| c <= point);
        self.items[index.min(self.items.len() - 1)].clone()
    }
}

/// The entities a synthetic store talks about, and the distributions events are drawn from.
pub struct Universe {
    pub entities: Vec<pb::Entity>,
    by_kind: [Weighted<u32>; 4],
    participant_kind: Weighted<Kind>,
    participant_count: Weighted<usize>,
    event_kind: Weighted<pb::EventKind>,
    year: Weighted<i32>,
    precision: Weighted<Precision>,
    location_rate: f64,
    range_rate: f64,
    sentences: Vec<String>,
    titles: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
enum Precision {
    Day,
    Month,
    Year,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const BODIES: [&str; 8] = [
    "Ministry of Foreign Affairs of",
    "Ministry of Economy of",
    "Ministry of Defence of",
    "Parliament of",
    "National Bank of",
    "Chamber of Commerce of",
    "Embassy of",
    "State Security Committee of",
];

/// Entities under construction, with unique ids.
#[derive(Default)]
struct Entities {
    list: Vec<pb::Entity>,
    kinds: Vec<Kind>,
    ids: HashSet<String>,
    country_codes: HashSet<String>,
}

impl Entities {
    /// Adds an entity unless its id is taken.
    fn add(
        &mut self,
        id: String,
        kind: Kind,
        name: String,
        aliases: Vec<String>,
        roles: Vec<String>,
        country_code: String,
    ) {
        if !self.ids.insert(id.clone()) {
            return;
        }
        self.kinds.push(kind);
        self.list.push(pb::Entity {
            id,
            kind: proto_entity_kind(kind) as i32,
            name,
            aliases,
            roles,
            country_code,
        });
    }
}

/// A surname without the ending the gazetteer knows ("Lukashenka" -> "Lukash").
fn surname_stem(surname: &str, endings: &[&str]) -> String {
    endings
        .iter()
        .filter_map(|ending| {
            let cut = surname.len().checked_sub(ending.len())?;
            (cut >= 3
                && surname.is_char_boundary(cut)
                && surname[cut..].eq_ignore_ascii_case(ending))
            .then_some(cut)
        })
        .min()
        .map(|cut| surname[..cut].to_string())
        .unwrap_or_else(|| surname.to_string())
}

/// How many distinct entities a store of `events` events mentions.
pub fn entities_for(events: u64) -> usize {
    (events / 40).clamp(1_000, 250_000) as usize
}

impl Universe {
    pub fn build(profile: &CorpusProfile, entity_target: usize, seed: u64) -> Universe {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0e17);
        let gazetteer = &profile.gazetteer;
        let mut entities = Entities::default();
        for (code, _, _) in &gazetteer.countries {
            entities.country_codes.insert(code.clone());
        }
        // Gazetteer lookups by folded name or alias.
        let mut country_by_name: HashMap<String, usize> = HashMap::new();
        for (index, (_, name, aliases)) in gazetteer.countries.iter().enumerate() {
            for form in std::iter::once(name).chain(aliases) {
                country_by_name.entry(slug(form)).or_insert(index);
            }
        }
        let city_by_name: HashMap<String, usize> = gazetteer
            .cities
            .iter()
            .enumerate()
            .flat_map(|(i, (name, _, aliases))| {
                std::iter::once(name)
                    .chain(aliases)
                    .map(move |f| (slug(f), i))
            })
            .collect();
        let mut organization_by_name: HashMap<String, usize> = HashMap::new();
        for (index, (_, name, aliases, _)) in gazetteer.organizations.iter().enumerate() {
            for form in std::iter::once(name).chain(aliases) {
                organization_by_name.entry(slug(form)).or_insert(index);
            }
        }

        // The real entities of the gold corpus first, most named first, with the gazetteer's ids
        // and codes where it knows them.
        for real in &profile.entities {
            let key = slug(&real.name);
            let (id, code) = match real.kind {
                Kind::Country => match country_by_name.get(&key) {
                    Some(&i) => {
                        let code = gazetteer.countries[i].0.clone();
                        (format!("country:{code}"), code)
                    }
                    None => {
                        let code = allocate_code(&real.name, &mut entities.country_codes);
                        (format!("country:{code}"), code)
                    }
                },
                Kind::City => (
                    format!("city:{key}"),
                    city_by_name
                        .get(&key)
                        .map(|&i| gazetteer.cities[i].1.clone())
                        .unwrap_or_default(),
                ),
                Kind::Organization => match organization_by_name.get(&key) {
                    Some(&i) => {
                        let (id_key, _, _, code) = &gazetteer.organizations[i];
                        (format!("organization:{id_key}"), code.clone())
                    }
                    None => (format!("organization:{key}"), String::new()),
                },
                Kind::Person => (format!("person:{key}"), String::new()),
            };
            entities.add(
                id,
                real.kind,
                real.name.clone(),
                real.aliases.clone(),
                real.role.iter().cloned().collect(),
                code,
            );
        }
        // Then every gazetteer entry the corpus did not name.
        for (code, name, aliases) in &gazetteer.countries {
            entities.add(
                format!("country:{code}"),
                Kind::Country,
                name.clone(),
                aliases.clone(),
                Vec::new(),
                code.clone(),
            );
        }
        for (name, code, aliases) in &gazetteer.cities {
            entities.add(
                format!("city:{}", slug(name)),
                Kind::City,
                name.clone(),
                aliases.clone(),
                Vec::new(),
                code.clone(),
            );
        }
        for (key, name, aliases, code) in &gazetteer.organizations {
            entities.add(
                format!("organization:{key}"),
                Kind::Organization,
                name.clone(),
                aliases.clone(),
                Vec::new(),
                code.clone(),
            );
        }

        // Then a long tail made from the same material.
        let people = profile
            .entities
            .iter()
            .filter(|e| e.kind == Kind::Person)
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>();
        let mut given_names: Vec<&str> = people
            .iter()
            .filter_map(|n| n.split_whitespace().next())
            .collect();
        given_names.extend(gazetteer.given_names.iter().map(String::as_str));
        let given_names = unique(given_names.into_iter());
        let endings: Vec<&str> = gazetteer
            .surname_endings
            .iter()
            .map(String::as_str)
            .collect();
        let stems: Vec<String> = unique(
            people
                .iter()
                .filter(|n| n.split_whitespace().count() > 1)
                .filter_map(|n| n.split_whitespace().last()),
        )
        .into_iter()
        .map(|surname| surname_stem(surname, &endings))
        .filter(|stem| stem.chars().count() >= 3)
        .collect();
        let mut city_names: Vec<&str> = profile
            .entities
            .iter()
            .filter(|e| e.kind == Kind::City)
            .map(|e| e.name.as_str())
            .collect();
        city_names.extend(gazetteer.cities.iter().map(|(name, _, _)| name.as_str()));
        let (city_heads, city_tails) = halves(&city_names);
        let countries: Vec<(String, String)> = entities
            .list
            .iter()
            .filter(|e| e.kind == pb::EntityKind::Country as i32)
            .map(|e| (e.name.clone(), e.country_code.clone()))
            .collect();

        let mut attempts = 0usize;
        while entities.list.len() < entity_target && attempts < entity_target * 20 {
            attempts += 1;
            let roll: f64 = rng.random();
            if roll < 0.5 && !given_names.is_empty() && !stems.is_empty() {
                let stem = stems.choose(&mut rng).expect("non-empty");
                let surname = match endings.choose(&mut rng) {
                    Some(ending) if rng.random::<f64>() < 0.7 => format!("{stem}{ending}"),
                    _ => stem.clone(),
                };
                let name = format!(
                    "{} {surname}",
                    given_names.choose(&mut rng).expect("non-empty")
                );
                let roles = if rng.random::<f64>() < 0.3 && !countries.is_empty() {
                    let (country, _) = countries.choose(&mut rng).expect("non-empty");
                    vec![format!("Ambassador of {country}")]
                } else {
                    Vec::new()
                };
                let id = format!("person:{}", slug(&name));
                entities.add(id, Kind::Person, name, vec![surname], roles, String::new());
            } else if roll < 0.75 && !city_heads.is_empty() {
                let head = city_heads.choose(&mut rng).expect("non-empty");
                let tail = city_tails.choose(&mut rng).expect("non-empty");
                let code = countries
                    .choose(&mut rng)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                let name = format!("{head}{tail}");
                entities.add(
                    format!("city:{}", slug(&name)),
                    Kind::City,
                    name,
                    Vec::new(),
                    Vec::new(),
                    code,
                );
            } else if !countries.is_empty() {
                let (country, code) = countries.choose(&mut rng).expect("non-empty");
                let body = BODIES.choose(&mut rng).expect("non-empty");
                let name = if *body == "Embassy of" {
                    let (host, _) = countries.choose(&mut rng).expect("non-empty");
                    format!("{body} {country} in {host}")
                } else {
                    format!("{body} {country}")
                };
                let id = format!("organization:{}", slug(&name));
                entities.add(
                    id,
                    Kind::Organization,
                    name,
                    Vec::new(),
                    Vec::new(),
                    code.clone(),
                );
            }
        }
        let Entities {
            list: entities,
            kinds,
            ..
        } = entities;

        let by_kind = Kind::ALL.map(|kind| {
            Weighted::zipf(
                kinds
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| **k == kind)
                    .map(|(index, _)| index as u32)
                    .collect(),
            )
        });
        let participant_kind = Weighted::new(
            Kind::ALL
                .into_iter()
                .filter(|kind| !by_kind[kind.index()].is_empty())
                .map(|kind| (kind, f64::from(profile.participant_kinds[kind.index()]))),
        );
        let participant_count = Weighted::new(
            profile
                .participant_counts
                .iter()
                .map(|(count, times)| (*count, f64::from(*times))),
        );
        let event_kind = Weighted::new(
            profile
                .event_kinds
                .iter()
                .map(|(kind, times)| (proto_event_kind(kind), f64::from(*times))),
        );
        let gold_years: std::collections::HashMap<u16, u32> =
            profile.years.iter().cloned().collect();
        let year = Weighted::new((1991..=2026).map(|y: u16| {
            (
                i32::from(y),
                1.0 + 10.0 * f64::from(gold_years.get(&y).copied().unwrap_or(0)),
            )
        }));
        let precision = Weighted::new([
            (Precision::Day, f64::from(profile.precisions[0])),
            (Precision::Month, f64::from(profile.precisions[1])),
            (Precision::Year, f64::from(profile.precisions[2])),
        ]);
        let events = f64::from(profile.events.max(1));
        Universe {
            entities,
            by_kind,
            participant_kind,
            participant_count,
            event_kind,
            year,
            precision,
            location_rate: f64::from(profile.events_with_location) / events,
            range_rate: f64::from(profile.events_with_range) / events,
            sentences: profile.sentences.clone(),
            titles: if profile.titles.is_empty() {
                vec!["Belarus Foreign Policy Digest".to_string()]
            } else {
                profile.titles.clone()
            },
        }
    }
}

/// How event ids are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdScheme {
    /// 16 hex digits of a hash of the event's index, like the real content-derived ids.
    Hashed,
    /// 16 hex digits of the event's index itself, so a receiver can find when it was published.
    Sequential,
}

/// Makes publish batches; the same seed gives the same records in the same order.
pub struct Generator {
    universe: Arc<Universe>,
    rng: ChaCha8Rng,
    seed: u64,
    ids: IdScheme,
    next_event: u64,
    next_article: u64,
    entity_published: Vec<bool>,
    /// How many generated events each entity takes part in or is the location of, by index.
    pub entity_event_counts: Vec<u32>,
    /// How many generated events each entity takes part in as a participant, by index.
    pub participant_event_counts: Vec<u32>,
}

impl Generator {
    pub fn new(universe: Arc<Universe>, seed: u64, ids: IdScheme) -> Generator {
        let entities = universe.entities.len();
        Generator {
            universe,
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            ids,
            next_event: 0,
            next_article: 0,
            entity_published: vec![false; entities],
            entity_event_counts: vec![0; entities],
            participant_event_counts: vec![0; entities],
        }
    }

    pub fn events_made(&self) -> u64 {
        self.next_event
    }

    /// The next batch: whole articles with their events, at least `batch_events` events unless
    /// `limit` is reached first, and the entities they name that no earlier batch carried.
    pub fn next_batch(&mut self, batch_events: usize, limit: u64) -> pb::PublishRequest {
        let mut batch = pb::PublishRequest::default();
        while batch.events.len() < batch_events && self.next_event < limit {
            let remaining = (limit - self.next_event) as usize;
            let count = self.rng.random_range(1..=6).min(remaining);
            self.add_article(count, &mut batch);
        }
        batch
    }

    fn add_article(&mut self, count: usize, batch: &mut pb::PublishRequest) {
        let article_index = self.next_article;
        self.next_article += 1;
        let article_id = format!("article:{:016x}", mix(self.seed ^ 0xa871, article_index));
        let mut text = String::new();
        let mut text_chars = 0u32;
        let mut entity_ids: Vec<u32> = Vec::new();
        let mut first_date = None;
        for _ in 0..count {
            if !text.is_empty() {
                text.push(' ');
                text_chars += 1;
            }
            let sentence = self
                .universe
                .sentences
                .choose(&mut self.rng)
                .expect("non-empty")
                .clone();
            let start = text_chars;
            text_chars += sentence.chars().count() as u32;
            text.push_str(&sentence);
            let (event, named) = self.make_event(&article_id, sentence, start, text_chars);
            first_date.get_or_insert(event.when.as_ref().and_then(|w| w.start));
            for index in named {
                entity_ids.push(index);
                if !self.entity_published[index as usize] {
                    self.entity_published[index as usize] = true;
                    batch
                        .entities
                        .push(self.universe.entities[index as usize].clone());
                }
            }
            batch.events.push(event);
        }
        entity_ids.sort_unstable();
        entity_ids.dedup();
        let mut entity_id_strings: Vec<String> = entity_ids
            .iter()
            .map(|&i| self.universe.entities[i as usize].id.clone())
            .collect();
        entity_id_strings.sort();
        let published = first_date.flatten().map(|d| pb::CalendarDate {
            year: d.year,
            month: d.month.max(1),
            day: d.day.max(1),
        });
        let title = self
            .universe
            .titles
            .choose(&mut self.rng)
            .expect("non-empty")
            .clone();
        let series = if self.rng.random::<f64>() < 0.5 {
            "Belarus Foreign Policy Digest".to_string()
        } else {
            String::new()
        };
        batch.articles.push(pb::Article {
            id: article_id,
            title,
            series,
            authors: Vec::new(),
            sections: vec![pb::Section {
                heading: String::new(),
                paragraphs: vec![text.clone()],
            }],
            reference_year: published.map(|d| d.year).unwrap_or(0),
            reference_year_source: pb::YearSource::PublicationDate as i32,
            published,
            source_uri: format!("https://belarusdigest.com/story/synthetic-{article_index}/"),
            text,
            entity_ids: entity_id_strings,
        });
    }

    /// One event and the indexes of the entities it names.
    fn make_event(
        &mut self,
        article_id: &str,
        sentence: String,
        start: u32,
        end: u32,
    ) -> (pb::Event, Vec<u32>) {
        let index = self.next_event;
        self.next_event += 1;
        let universe = &*self.universe;
        let rng = &mut self.rng;
        let kind = universe.event_kind.sample(rng);
        let wanted = universe.participant_count.sample(rng);
        let mut chosen: Vec<u32> = Vec::with_capacity(wanted);
        let mut tries = 0;
        while chosen.len() < wanted && tries < wanted * 4 {
            tries += 1;
            let entity_kind = universe.participant_kind.sample(rng);
            let entity = universe.by_kind[entity_kind.index()].sample(rng);
            if !chosen.contains(&entity) {
                chosen.push(entity);
            }
        }
        // People first, as the API promises.
        chosen
            .sort_by_key(|&i| universe.entities[i as usize].kind != pb::EntityKind::Person as i32);
        let last = chosen.len().saturating_sub(1);
        let participants: Vec<pb::Participant> = chosen
            .iter()
            .enumerate()
            .map(|(position, &i)| {
                let entity = &universe.entities[i as usize];
                let role = match kind {
                    pb::EventKind::Visit if position == 0 => pb::ParticipantRole::Guest,
                    pb::EventKind::Visit => pb::ParticipantRole::Host,
                    pb::EventKind::Statement if position == 0 => pb::ParticipantRole::Speaker,
                    pb::EventKind::Statement => pb::ParticipantRole::Unspecified,
                    pb::EventKind::Sanction | pb::EventKind::Legal if position == last => {
                        pb::ParticipantRole::Target
                    }
                    _ => pb::ParticipantRole::Party,
                };
                pb::Participant {
                    entity_id: entity.id.clone(),
                    name: entity.name.clone(),
                    role: role as i32,
                }
            })
            .collect();
        let mut named = chosen.clone();
        let (location_id, location_name) = if rng.random::<f64>() < universe.location_rate {
            let place_kind = if rng.random::<f64>() < 0.6 {
                Kind::City
            } else {
                Kind::Country
            };
            let places = &universe.by_kind[place_kind.index()];
            if places.is_empty() {
                (String::new(), String::new())
            } else {
                let place = places.sample(rng);
                if !named.contains(&place) {
                    named.push(place);
                }
                let entity = &universe.entities[place as usize];
                (entity.id.clone(), entity.name.clone())
            }
        } else {
            (String::new(), String::new())
        };
        for &i in &named {
            self.entity_event_counts[i as usize] += 1;
        }
        for &i in &chosen {
            self.participant_event_counts[i as usize] += 1;
        }
        let rng = &mut self.rng;
        let when = make_date(universe, rng);
        let amounts = if kind == pb::EventKind::Trade {
            (0..rng.random_range(1..=2))
                .map(|_| make_amount(rng, when.start.unwrap_or_default().year))
                .collect()
        } else {
            Vec::new()
        };
        let id = match self.ids {
            IdScheme::Hashed => format!("event:{:016x}", mix(self.seed ^ 0xe7e7, index)),
            IdScheme::Sequential => format!("event:{index:016x}"),
        };
        let event = pb::Event {
            id,
            article_id: article_id.to_string(),
            kind: kind as i32,
            when: Some(when),
            participants,
            location_id,
            sentence,
            sentence_start: start,
            sentence_end: end,
            amounts,
            planned: rng.random::<f64>() < 0.1,
            location_name,
        };
        (event, named)
    }
}

fn make_date(universe: &Universe, rng: &mut impl Rng) -> pb::DateRange {
    let year = universe.year.sample(rng);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=days_in_month(year, month));
    let ranged = rng.random::<f64>() < universe.range_rate;
    let inferred = rng.random::<f64>() < 0.5;
    let (start, end, text) = match universe.precision.sample(rng) {
        Precision::Day => {
            let last = if ranged {
                (day + rng.random_range(1..=4)).min(days_in_month(year, month))
            } else {
                day
            };
            let text = if last == day {
                format!("On {day} {}", MONTHS[month as usize - 1])
            } else {
                format!("On {day} – {last} {}", MONTHS[month as usize - 1])
            };
            (date(year, month, day), date(year, month, last), text)
        }
        Precision::Month => {
            let last = if ranged {
                (month + rng.random_range(1..=3)).min(12)
            } else {
                month
            };
            let text = if last == month {
                format!("In {} {year}", MONTHS[month as usize - 1])
            } else {
                format!(
                    "In {} – {} {year}",
                    MONTHS[month as usize - 1],
                    MONTHS[last as usize - 1]
                )
            };
            (date(year, month, 0), date(year, last, 0), text)
        }
        Precision::Year => {
            let last = if ranged { year + 1 } else { year };
            (date(year, 0, 0), date(last, 0, 0), format!("in {year}"))
        }
    };
    pb::DateRange {
        start: Some(start),
        end: Some(end),
        year_inferred: inferred,
        year_source: if inferred {
            pb::YearSource::Article
        } else {
            pb::YearSource::Explicit
        } as i32,
        text,
    }
}

fn make_amount(rng: &mut impl Rng, year: i32) -> pb::Amount {
    let millions = rng.random_range(1..=2_000u32);
    let (currency, sign) = if rng.random::<f64>() < 0.8 {
        ("USD", "$")
    } else {
        ("EUR", "€")
    };
    let metric = [
        pb::TradeMetric::Turnover,
        pb::TradeMetric::Exports,
        pb::TradeMetric::Imports,
        pb::TradeMetric::Investment,
    ][rng.random_range(0..4)];
    pb::Amount {
        value: f64::from(millions) * 1_000_000.0,
        currency: currency.to_string(),
        metric: metric as i32,
        period: Some(pb::DateRange {
            start: Some(date(year, 0, 0)),
            end: Some(date(year, 0, 0)),
            year_inferred: false,
            year_source: pb::YearSource::Explicit as i32,
            text: format!("in {year}"),
        }),
        text: format!("{sign}{millions}m"),
    }
}

fn date(year: i32, month: i32, day: i32) -> pb::CalendarDate {
    pb::CalendarDate { year, month, day }
}

fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A 64-bit mix (splitmix64's finaliser) so ids look like hashes and never collide.
pub fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn proto_entity_kind(kind: Kind) -> pb::EntityKind {
    match kind {
        Kind::Person => pb::EntityKind::Person,
        Kind::Country => pb::EntityKind::Country,
        Kind::Organization => pb::EntityKind::Organization,
        Kind::City => pb::EntityKind::City,
    }
}

fn proto_event_kind(name: &str) -> pb::EventKind {
    match name {
        "visit" => pb::EventKind::Visit,
        "meeting" => pb::EventKind::Meeting,
        "conference" => pb::EventKind::Conference,
        "agreement" => pb::EventKind::Agreement,
        "statement" => pb::EventKind::Statement,
        "vote" => pb::EventKind::Vote,
        "sanction" => pb::EventKind::Sanction,
        "legal" => pb::EventKind::Legal,
        "trade" => pb::EventKind::Trade,
        _ => pb::EventKind::Other,
    }
}

/// The folded, hyphenated key of a name, as the extraction makes ids.
pub fn slug(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        if c.is_alphanumeric() {
            key.extend(c.to_lowercase());
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
    }
    while key.ends_with('-') {
        key.pop();
    }
    key
}

/// A two-letter code for a country, unique in this universe: the real one is not needed for a
/// benchmark, only that distinct countries never share an id.
fn allocate_code(name: &str, taken: &mut HashSet<String>) -> String {
    let letters: Vec<char> = slug(name)
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let first = letters.first().copied().unwrap_or('X');
    let candidates = letters
        .iter()
        .skip(1)
        .map(|&second| format!("{first}{second}"))
        .chain(('A'..='Z').flat_map(|a| ('A'..='Z').map(move |b| format!("{a}{b}"))));
    for code in candidates {
        if taken.insert(code.clone()) {
            return code;
        }
    }
    "ZZ".to_string()
}

fn unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    names.filter(|n| seen.insert(*n)).collect()
}

/// Splits each name at its middle character into heads and tails to recombine.
fn halves(names: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut heads = Vec::new();
    let mut tails = Vec::new();
    for name in names {
        let chars: Vec<char> = name.chars().collect();
        if chars.len() < 4 || chars.iter().any(|c| c.is_whitespace()) {
            continue;
        }
        let middle = chars.len() / 2;
        heads.push(chars[..middle].iter().collect::<String>());
        tails.push(chars[middle..].iter().collect::<String>().to_lowercase());
    }
    (heads, tails)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_profile() -> CorpusProfile {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("../../shared/corpus");
        CorpusProfile::load(
            &dir,
            &dir.join("../seeds"),
            &root.join("../ingest-service/data"),
        )
        .expect("the shared gold corpus loads")
    }

    #[test]
    fn same_seed_gives_the_same_batches_and_articles_hold_their_events() {
        let profile = tiny_profile();
        let universe = Arc::new(Universe::build(&profile, 2_000, 7));
        let mut first = Generator::new(universe.clone(), 7, IdScheme::Hashed);
        let mut second = Generator::new(universe, 7, IdScheme::Hashed);
        let a = first.next_batch(500, 1_000);
        let b = second.next_batch(500, 1_000);
        assert_eq!(a, b);
        assert!(a.events.len() >= 500);
        let article_ids: HashSet<&str> = a.articles.iter().map(|x| x.id.as_str()).collect();
        for event in &a.events {
            assert!(article_ids.contains(event.article_id.as_str()));
            let article = a
                .articles
                .iter()
                .find(|x| x.id == event.article_id)
                .unwrap();
            let sentence: String = article
                .text
                .chars()
                .skip(event.sentence_start as usize)
                .take((event.sentence_end - event.sentence_start) as usize)
                .collect();
            assert_eq!(sentence, event.sentence);
            let when = event.when.as_ref().unwrap();
            assert!(when.start.unwrap().year >= 1991);
        }
    }

    #[test]
    fn the_limit_is_exact_and_every_named_entity_is_published_once() {
        let profile = tiny_profile();
        let universe = Arc::new(Universe::build(&profile, 3_000, 1));
        assert!(universe.entities.len() >= 3_000);
        let mut generator = Generator::new(universe, 1, IdScheme::Sequential);
        let mut events = 0;
        let mut published = HashSet::new();
        loop {
            let batch = generator.next_batch(1_000, 10_001);
            if batch.events.is_empty() {
                break;
            }
            events += batch.events.len();
            for entity in &batch.entities {
                assert!(
                    published.insert(entity.id.clone()),
                    "{} published twice",
                    entity.id
                );
            }
            for event in &batch.events {
                for participant in &event.participants {
                    assert!(published.contains(&participant.entity_id));
                }
            }
        }
        assert_eq!(events, 10_001);
        assert_eq!(generator.events_made(), 10_001);
    }

    #[test]
    fn real_entities_get_gazetteer_ids_and_the_tail_looks_like_names() {
        let profile = tiny_profile();
        let universe = Universe::build(&profile, 5_000, 3);
        let ids: HashSet<&str> = universe.entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), universe.entities.len());
        if !profile.gazetteer.countries.is_empty() {
            assert!(ids.contains("country:BY"));
        }
        assert!(
            universe
                .entities
                .iter()
                .any(|e| e.id.starts_with("person:") && e.name.contains(' '))
        );
        assert_eq!(surname_stem("Lukashenka", &["enka", "ka"]), "Lukash");
        assert_eq!(surname_stem("Makei", &["enka"]), "Makei");
    }

    #[test]
    fn slugs_fold_diacritics_and_punctuation() {
        assert_eq!(slug("Nguyễn Phú Trọng"), "nguyen-phu-trong");
        assert_eq!(
            slug("Organisation for Security (OSCE)"),
            "organisation-for-security-osce"
        );
    }
}
