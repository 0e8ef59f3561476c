//! The gazetteers (countries, cities, organisations) and the people lexicon, loaded once from
//! `data/` and compiled into one Aho-Corasick automaton over folded text.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rustc_hash::{FxHashMap, FxHashSet};

use super::fold::fold;
use super::model::EntityKind;

/// One known entity.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownEntity {
    pub id: String,
    pub kind: EntityKind,
    pub name: String,
    pub country_code: Option<String>,
}

/// What a gazetteer pattern stands for.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Index into `Gazetteer::entities`.
    pub entity: usize,
    /// The pattern as written in the data, for case-sensitive acronyms.
    pub surface: String,
    /// Acronyms ("US", "EU", "OSCE") match only in the exact case written.
    pub case_sensitive: bool,
    /// An adjective or demonym ("Belarusian") rather than a name.
    pub demonym: bool,
}

pub struct Gazetteer {
    pub entities: Vec<KnownEntity>,
    pub patterns: Vec<Pattern>,
    pub automaton: AhoCorasick,
    /// Country code -> demonym/adjective ("BY" -> "Belarusian"), for roles.
    pub country_by_code: HashMap<String, usize>,
}

/// Asked about every capitalised word of every text: hashed with FxHash rather than SipHash.
pub struct PeopleLexicon {
    /// Folded role words and phrases ("foreign minister").
    pub roles: FxHashSet<String>,
    /// Words that qualify a role ("deputy", "foreign", "prime").
    pub modifiers: FxHashSet<String>,
    pub given_names: FxHashSet<String>,
    pub surname_suffixes: Vec<String>,
    /// Surname endings that count only in a name of two or more words ("Bogoljub Karic").
    pub multi_word_suffixes: Vec<String>,
    /// Folded spelling -> folded canonical spelling of its variant group.
    pub variants: FxHashMap<String, String>,
    pub stop_words: FxHashSet<String>,
}

fn data_lines(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('|').collect())
}

fn is_acronym(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) && !s.contains(' ')
}

fn split_list(field: Option<&&'static str>) -> Vec<&'static str> {
    field
        .map(|f| {
            f.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// "Kuala Lumpur" -> "kuala-lumpur".
pub fn slug(name: &str) -> String {
    let folded = fold(name);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn build_gazetteer() -> Gazetteer {
    let mut entities = Vec::new();
    let mut patterns: Vec<Pattern> = Vec::new();
    let mut country_by_code = HashMap::new();
    let add = |patterns: &mut Vec<Pattern>, entity: usize, surface: &str, demonym: bool| {
        let surface = surface.strip_prefix("the ").unwrap_or(surface);
        patterns.push(Pattern {
            entity,
            surface: surface.to_string(),
            case_sensitive: is_acronym(surface),
            demonym,
        });
    };
    for fields in data_lines(include_str!("../../data/countries.txt")) {
        let code = fields[0].to_string();
        let name = fields[1];
        let entity = entities.len();
        entities.push(KnownEntity {
            id: format!("country:{code}"),
            kind: EntityKind::Country,
            name: name.to_string(),
            country_code: Some(code.clone()),
        });
        country_by_code.insert(code.clone(), entity);
        add(&mut patterns, entity, name, false);
        if let Some(official) = isocountry::CountryCode::for_alpha2(&code)
            .ok()
            .map(|c| c.name())
            && official != name
            && !official.contains(',')
        {
            add(&mut patterns, entity, official, false);
        }
        for alias in split_list(fields.get(2)) {
            add(&mut patterns, entity, alias, false);
        }
        for demonym in split_list(fields.get(3)) {
            add(&mut patterns, entity, demonym, true);
            if demonym.ends_with('n') || demonym.ends_with('i') {
                add(&mut patterns, entity, &format!("{demonym}s"), true);
            }
        }
    }
    for fields in data_lines(include_str!("../../data/cities.txt")) {
        let name = fields[0];
        let entity = entities.len();
        entities.push(KnownEntity {
            id: format!("city:{}", slug(name)),
            kind: EntityKind::City,
            name: name.to_string(),
            country_code: fields
                .get(1)
                .filter(|c| !c.is_empty())
                .map(|c| c.to_string()),
        });
        add(&mut patterns, entity, name, false);
        for alias in split_list(fields.get(2)) {
            add(&mut patterns, entity, alias, false);
        }
    }
    for fields in data_lines(include_str!("../../data/organizations.txt")) {
        let entity = entities.len();
        entities.push(KnownEntity {
            id: format!("organization:{}", fields[0]),
            kind: EntityKind::Organization,
            name: fields[1].to_string(),
            country_code: fields
                .get(3)
                .filter(|c| !c.is_empty())
                .map(|c| c.to_string()),
        });
        add(&mut patterns, entity, fields[1], false);
        for alias in split_list(fields.get(2)) {
            add(&mut patterns, entity, alias, false);
        }
    }
    let folded: Vec<String> = patterns.iter().map(|p| fold(&p.surface)).collect();
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&folded)
        .expect("gazetteer automaton builds");
    Gazetteer {
        entities,
        patterns,
        automaton,
        country_by_code,
    }
}

fn build_people() -> PeopleLexicon {
    let mut lexicon = PeopleLexicon {
        roles: FxHashSet::default(),
        modifiers: FxHashSet::default(),
        given_names: FxHashSet::default(),
        surname_suffixes: Vec::new(),
        multi_word_suffixes: Vec::new(),
        variants: FxHashMap::default(),
        stop_words: FxHashSet::default(),
    };
    for fields in data_lines(include_str!("../../data/people.txt")) {
        let value = fields.get(1).copied().unwrap_or_default();
        match fields[0] {
            "role" => {
                lexicon.roles.insert(fold(value));
            }
            "modifier" => {
                lexicon.modifiers.insert(fold(value));
            }
            "given" => {
                lexicon.given_names.insert(fold(value));
            }
            "suffix" => lexicon.surname_suffixes.push(fold(value)),
            "multisuffix" => lexicon.multi_word_suffixes.push(fold(value)),
            "variant" => {
                let forms: Vec<String> = value.split(';').map(fold).collect();
                for f in &forms {
                    lexicon.variants.insert(f.clone(), forms[0].clone());
                }
            }
            "stop" => {
                lexicon.stop_words.insert(fold(value));
            }
            other => panic!("data/people.txt: unknown kind {other:?}"),
        }
    }
    lexicon
}

pub static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(build_gazetteer);
pub static PEOPLE: LazyLock<PeopleLexicon> = LazyLock::new(build_people);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_load_with_iso_codes() {
        let g = &*GAZETTEER;
        let by = &g.entities[g.country_by_code["BY"]];
        assert_eq!(by.name, "Belarus");
        assert!(
            g.entities
                .iter()
                .any(|e| e.id == "city:minsk" && e.country_code.as_deref() == Some("BY"))
        );
        assert!(g.entities.iter().any(|e| e.id == "organization:osce"));
        assert!(
            g.patterns
                .iter()
                .any(|p| p.surface == "US" && p.case_sensitive)
        );
        assert!(PEOPLE.roles.contains("foreign minister"));
        assert_eq!(
            PEOPLE.variants.get("lukashenko").map(String::as_str),
            Some("lukashenka")
        );
    }

    #[test]
    fn slugs_fold_and_hyphenate() {
        assert_eq!(slug("Nguyễn Phú Trọng"), "nguyen-phu-trong");
        assert_eq!(slug("Ho Chi Minh City"), "ho-chi-minh-city");
    }
}
