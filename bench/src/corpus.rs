//! What the synthetic data is shaped after: the gold corpus (`shared/corpus/*/NNN.json`) gives the
//! real entities with their kinds, the mix of event kinds, how many participants an event has and
//! of which entity kinds, how often a location is given, the spread of years and date precisions,
//! real sentences and real titles. The raw texts (`*.txt`) feed the extraction and ingest figures.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct GoldDocument {
    #[serde(default)]
    titles: Vec<String>,
    #[serde(default)]
    entities: Vec<GoldEntity>,
    #[serde(default)]
    events: Vec<GoldEvent>,
}

#[derive(Debug, Deserialize)]
struct GoldEntity {
    name: String,
    kind: String,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GoldEvent {
    kind: String,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    participants: Vec<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    sentence: String,
}

/// The four entity kinds of the API, in `EntityKind` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Person,
    Country,
    Organization,
    City,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Person, Kind::Country, Kind::Organization, Kind::City];

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "person" => Some(Kind::Person),
            "country" => Some(Kind::Country),
            "organization" => Some(Kind::Organization),
            "city" => Some(Kind::City),
            _ => None,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A real entity of the gold corpus, with how many gold events name it.
#[derive(Clone, Debug)]
pub struct RealEntity {
    pub name: String,
    pub kind: Kind,
    pub aliases: Vec<String>,
    pub role: Option<String>,
    pub gold_events: u32,
}

/// Counted shapes of the gold events.
#[derive(Clone, Debug, Default)]
pub struct CorpusProfile {
    pub entities: Vec<RealEntity>,
    /// Event kind name (`visit`, `trade`, ...) to count.
    pub event_kinds: Vec<(String, u32)>,
    /// Participants per event to count.
    pub participant_counts: Vec<(usize, u32)>,
    /// How many participant slots name each entity kind, in `Kind::ALL` order.
    pub participant_kinds: [u32; 4],
    /// Start year to count.
    pub years: Vec<(u16, u32)>,
    /// Start precision counts: day, month, year.
    pub precisions: [u32; 3],
    pub events_with_location: u32,
    pub events_with_range: u32,
    pub events: u32,
    pub sentences: Vec<String>,
    pub titles: Vec<String>,
    /// Raw documents (`*.txt`) beside the gold files, plus the seed pages.
    pub documents: Vec<PathBuf>,
    pub gazetteer: Gazetteer,
}

/// The extraction's gazetteers (`ingest-service/data/`): real countries with ISO codes, cities
/// with their country, organisations with their ids, and given names and surname endings.
#[derive(Clone, Debug, Default)]
pub struct Gazetteer {
    /// (ISO code, name, other names and demonyms)
    pub countries: Vec<(String, String, Vec<String>)>,
    /// (name, ISO code of the country, other names)
    pub cities: Vec<(String, String, Vec<String>)>,
    /// (id key, name, other names, ISO code)
    pub organizations: Vec<(String, String, Vec<String>, String)>,
    pub given_names: Vec<String>,
    pub surname_endings: Vec<String>,
}

impl Gazetteer {
    /// Reads the gazetteer files in `dir`; a missing folder gives an empty gazetteer.
    pub fn load(dir: &Path) -> anyhow::Result<Gazetteer> {
        let mut gazetteer = Gazetteer::default();
        if !dir.is_dir() {
            return Ok(gazetteer);
        }
        let rows = |name: &str| -> anyhow::Result<Vec<Vec<String>>> {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(|line| line.split('|').map(|f| f.trim().to_string()).collect())
                .collect())
        };
        let list = |field: Option<&String>| -> Vec<String> {
            field
                .map(|f| {
                    f.split(';')
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        for row in rows("countries.txt")? {
            if row.len() >= 2 {
                let mut aliases = list(row.get(2));
                aliases.extend(list(row.get(3)));
                gazetteer
                    .countries
                    .push((row[0].clone(), row[1].clone(), aliases));
            }
        }
        for row in rows("cities.txt")? {
            if row.len() >= 2 {
                gazetteer
                    .cities
                    .push((row[0].clone(), row[1].clone(), list(row.get(2))));
            }
        }
        for row in rows("organizations.txt")? {
            if row.len() >= 2 {
                let code = row.get(3).cloned().unwrap_or_default();
                gazetteer.organizations.push((
                    row[0].clone(),
                    row[1].clone(),
                    list(row.get(2)),
                    code,
                ));
            }
        }
        for row in rows("people.txt")? {
            match (row.first().map(String::as_str), row.get(1)) {
                (Some("given"), Some(name)) => gazetteer.given_names.push(name.clone()),
                (Some("suffix"), Some(ending)) => gazetteer.surname_endings.push(ending.clone()),
                _ => {}
            }
        }
        Ok(gazetteer)
    }
}

impl CorpusProfile {
    /// Reads every `*.json` gold file under `corpus_dir` (one level of sub-folders), lists the
    /// raw texts under `corpus_dir` and `seeds_dir`, and reads the gazetteers.
    pub fn load(
        corpus_dir: &Path,
        seeds_dir: &Path,
        gazetteer_dir: &Path,
    ) -> anyhow::Result<CorpusProfile> {
        let mut gold_files = Vec::new();
        let mut documents = Vec::new();
        for sub in sorted_entries(corpus_dir)? {
            if !sub.is_dir() {
                continue;
            }
            for file in sorted_entries(&sub)? {
                match file.extension().and_then(|ext| ext.to_str()) {
                    Some("json") => gold_files.push(file),
                    Some("txt") => documents.push(file),
                    _ => {}
                }
            }
        }
        if seeds_dir.is_dir() {
            for file in sorted_entries(seeds_dir)? {
                if file.extension().and_then(|ext| ext.to_str()) == Some("txt") {
                    documents.push(file);
                }
            }
        }
        if gold_files.is_empty() {
            bail!("no gold files (*.json) under {}", corpus_dir.display());
        }
        let mut profile = CorpusProfile {
            documents,
            gazetteer: Gazetteer::load(gazetteer_dir)?,
            ..CorpusProfile::default()
        };
        let mut entity_index: HashMap<(Kind, String), usize> = HashMap::new();
        let mut kinds: HashMap<String, u32> = HashMap::new();
        let mut participant_counts: HashMap<usize, u32> = HashMap::new();
        let mut years: HashMap<u16, u32> = HashMap::new();
        for file in &gold_files {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let gold: GoldDocument = serde_json::from_str(&text)
                .with_context(|| format!("parsing gold file {}", file.display()))?;
            profile.titles.extend(gold.titles.iter().cloned());
            let mut kind_by_name: HashMap<&str, Kind> = HashMap::new();
            for entity in &gold.entities {
                let Some(kind) = Kind::parse(&entity.kind) else {
                    continue;
                };
                kind_by_name.insert(entity.name.as_str(), kind);
                let key = (kind, entity.name.clone());
                let index = *entity_index.entry(key).or_insert_with(|| {
                    profile.entities.push(RealEntity {
                        name: entity.name.clone(),
                        kind,
                        aliases: Vec::new(),
                        role: None,
                        gold_events: 0,
                    });
                    profile.entities.len() - 1
                });
                let real = &mut profile.entities[index];
                for mention in &entity.mentions {
                    if !real.aliases.contains(mention) && *mention != real.name {
                        real.aliases.push(mention.clone());
                    }
                }
                if real.role.is_none() {
                    real.role = entity.role.clone().filter(|role| !role.is_empty());
                }
            }
            for event in &gold.events {
                profile.events += 1;
                *kinds.entry(event.kind.clone()).or_default() += 1;
                *participant_counts
                    .entry(event.participants.len())
                    .or_default() += 1;
                for name in &event.participants {
                    if let Some(kind) = kind_by_name.get(name.as_str()) {
                        profile.participant_kinds[kind.index()] += 1;
                        if let Some(&index) = entity_index.get(&(*kind, name.clone())) {
                            profile.entities[index].gold_events += 1;
                        }
                    }
                }
                if event.location.as_deref().is_some_and(|l| !l.is_empty()) {
                    profile.events_with_location += 1;
                }
                let start = event.start.as_deref().unwrap_or("");
                if event.end.as_deref().unwrap_or("") != start {
                    profile.events_with_range += 1;
                }
                match start.len() {
                    10 => profile.precisions[0] += 1,
                    7 => profile.precisions[1] += 1,
                    4 => profile.precisions[2] += 1,
                    _ => {}
                }
                if let Some(year) = start.get(..4).and_then(|y| y.parse::<u16>().ok()) {
                    *years.entry(year).or_default() += 1;
                }
                if !event.sentence.is_empty() {
                    profile.sentences.push(event.sentence.clone());
                }
            }
        }
        if profile.sentences.is_empty() || profile.entities.is_empty() {
            bail!(
                "the gold files under {} hold no events or entities",
                corpus_dir.display()
            );
        }
        profile.event_kinds = sorted_counts(kinds);
        profile.participant_counts = sorted_counts(participant_counts);
        profile.years = sorted_counts(years);
        // Most-named first, so that the real heavy hitters (Belarus, Lukashenka) lead each kind's
        // popularity ranking.
        profile
            .entities
            .sort_by(|a, b| b.gold_events.cmp(&a.gold_events).then(a.name.cmp(&b.name)));
        Ok(profile)
    }

    /// Total bytes of the raw documents.
    pub fn document_bytes(&self) -> anyhow::Result<u64> {
        let mut total = 0;
        for path in &self.documents {
            total += std::fs::metadata(path)
                .with_context(|| format!("reading {}", path.display()))?
                .len();
        }
        Ok(total)
    }
}

fn sorted_counts<K: Ord + Clone>(map: HashMap<K, u32>) -> Vec<(K, u32)> {
    let mut counts: Vec<(K, u32)> = map.into_iter().collect();
    counts.sort_by(|a, b| a.0.cmp(&b.0));
    counts
}

fn sorted_entries(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        entries.push(entry?.path());
    }
    entries.sort();
    Ok(entries)
}
