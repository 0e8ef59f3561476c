//! Entity recognition and resolution over a document: gazetteer names (countries, demonyms,
//! cities, organisations) in one Aho-Corasick pass over folded text, organisations by their head
//! word ("... Ministry", "... Committee of the ..."), and people from capitalised names announced by
//! a role ("Serbian president Tomislav Nikolic"), a given name, an appositive or a surname ending.
//! Surnames alone and spelling variants resolve to the person named in full.

pub mod people;
pub mod tokens;

use std::collections::{BTreeMap, BTreeSet};

use super::fold::FoldedText;
use super::gazetteer::{GAZETTEER, slug};
use super::model::{Entity, EntityKind, Mention, Span};
use people::{PersonIndex, Persons};
use tokens::{Token, is_capitalised, tokenize};

/// Head words that make a capitalised sequence an organisation.
const ORG_HEADS: &[&str] = &[
    "ministry",
    "committee",
    "council",
    "commission",
    "agency",
    "bank",
    "organisation",
    "organization",
    "initiative",
    "assembly",
    "parliament",
    "party",
    "centre",
    "center",
    "institute",
    "academy",
    "fund",
    "administration",
    "department",
    "service",
    "court",
    "corporation",
    "company",
    "university",
    "chamber",
    "office",
    "government",
    "association",
    "directorate",
    "inspectorate",
    "prosecutor's",
    "duma",
    "senate",
    "congress",
    "cabinet",
    "secretariat",
    "foundation",
    "alliance",
    "network",
];

/// Lower-case words that may join the capitalised words of an organisation's name.
const ORG_CONNECTORS: &[&str] = &["of", "the", "for", "and", "on", "under"];

#[derive(Clone, Debug)]
pub enum Target {
    Known(usize),
    Org {
        name: String,
        country: Option<String>,
    },
    Person(PersonIndex),
}

#[derive(Clone, Debug)]
struct Found {
    span: Span,
    target: Target,
    surface: String,
}

/// Which text of an article a match is in: the title is searched for entities, but mentions
/// are spans of the body only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Body,
}

/// The entities of one document, built article by article.
pub struct DocumentEntities {
    found: Vec<Vec<(Field, Found)>>,
    /// Per article, titles that stand for a person: "the Belarusian president".
    titles: Vec<Vec<TitleReference>>,
    persons: Persons,
    /// The index in `found` of the dropped lines, which are no article.
    dropped: Option<usize>,
}

/// The mentions of each article and every entity of the document.
pub struct Resolved {
    /// Per article, sorted and non-overlapping.
    pub mentions: Vec<Vec<Mention>>,
    /// Per article, the ids of every entity it names (title included), sorted.
    pub entity_ids: Vec<Vec<String>>,
    pub entities: BTreeMap<String, Entity>,
}

impl Default for DocumentEntities {
    fn default() -> Self {
        Self::new()
    }
}

impl DocumentEntities {
    pub fn new() -> Self {
        DocumentEntities {
            found: Vec::new(),
            titles: Vec::new(),
            persons: Persons::default(),
            dropped: None,
        }
    }

    /// Finds the entity names of one article (title and body).
    pub fn add_article(&mut self, title: &str, body: &str) {
        let article = self.found.len();
        let mut found = Vec::new();
        let mut titles = Vec::new();
        for (field, text) in [(Field::Title, title), (Field::Body, body)] {
            let in_text = self.find(article, text, field == Field::Title);
            if field == Field::Body {
                titles = title_references(text, &in_text);
            }
            for f in in_text {
                found.push((field, f));
            }
        }
        self.found.push(found);
        self.titles.push(titles);
    }

    fn find(&mut self, article: usize, text: &str, in_title: bool) -> Vec<Found> {
        let mut found = gazetteer_matches(text);
        let tokens = tokenize(text);
        let known_orgs: Vec<Span> = found
            .iter()
            .filter(|f| matches!(f.target, Target::Known(k) if GAZETTEER.entities[k].kind == EntityKind::Organization))
            .map(|f| f.span)
            .collect();
        // A body the gazetteer knows keeps its own entity ("the OSCE Parliamentary Assembly").
        let orgs: Vec<Found> = organisation_runs(text, &tokens)
            .into_iter()
            .filter(|o| {
                !known_orgs
                    .iter()
                    .any(|k| k.start <= o.span.start && o.span.end <= k.end)
            })
            .collect();
        // Gazetteer names inside an organisation's name stay found (the entity is named) but the
        // organisation owns the span.
        found.extend(orgs);
        let nested = nested_places(text, &found);
        found.extend(nested);
        let covered: Vec<Span> = found.iter().map(|f| f.span).collect();
        for candidate in people::person_candidates(text, &tokens, &covered, &found_targets(&found))
        {
            let mut candidate = candidate;
            // Title Case capitalises verbs ("Will the Ukrainian President Defend Belarus"):
            // a title names only people the body names, or full names with a given name.
            if in_title {
                candidate.strong = false;
                if candidate.words.len() >= 2 && !people::starts_with_given_name(&candidate.words) {
                    candidate = candidate.last_word_only();
                }
            }
            let index = self.persons.observe(article, &candidate);
            found.push(Found {
                span: candidate.span,
                target: Target::Person(index),
                surface: candidate.surface.clone(),
            });
        }
        found
    }

    /// Finds the entities named in the lines cleaning dropped (site names, bylines, tag lists):
    /// they are entities of the document, though no article holds a mention of them. Call it
    /// after the last `add_article`.
    pub fn add_dropped_lines(&mut self, text: &str) {
        let article = self.found.len();
        let found = self.find(article, text, false);
        self.found
            .push(found.into_iter().map(|f| (Field::Title, f)).collect());
        self.titles.push(Vec::new());
        self.dropped = Some(article);
    }

    /// Resolves lone surnames and variants, assigns ids, and returns mentions and entities.
    pub fn resolve(mut self) -> Resolved {
        self.persons.resolve();
        self.shorten_organisations();
        for article in 0..self.titles.len() {
            for title in std::mem::take(&mut self.titles[article]) {
                if let Some(person) =
                    self.persons
                        .find_by_role(title.role_words, &title.country, article)
                {
                    let obs =
                        self.persons
                            .observe_resolved(article, title.span, &title.surface, person);
                    self.found[article].push((
                        Field::Body,
                        Found {
                            span: title.span,
                            target: Target::Person(obs),
                            surface: title.surface,
                        },
                    ));
                }
            }
        }
        let gazetteer = &*GAZETTEER;
        let mut entities: BTreeMap<String, Entity> = BTreeMap::new();
        let mut mentions = Vec::new();
        let mut entity_ids = Vec::new();
        for found in &self.found {
            let mut ids = BTreeSet::new();
            let mut body: Vec<(Span, String, EntityKind)> = Vec::new();
            for (field, f) in found {
                let Some(entity) = (match &f.target {
                    Target::Known(i) => {
                        let k = &gazetteer.entities[*i];
                        Some(Entity {
                            id: k.id.clone(),
                            kind: k.kind,
                            name: k.name.clone(),
                            aliases: Vec::new(),
                            roles: Vec::new(),
                            country_code: k.country_code.clone(),
                        })
                    }
                    Target::Org { name, country } => Some(Entity {
                        id: format!("organization:{}", slug(name)),
                        kind: EntityKind::Organization,
                        name: name.clone(),
                        aliases: Vec::new(),
                        roles: Vec::new(),
                        country_code: country.clone(),
                    }),
                    Target::Person(p) => self.persons.entity(*p),
                }) else {
                    continue;
                };
                let id = entity.id.clone();
                let kind = entity.kind;
                let merged = entities.entry(id.clone()).or_insert(entity);
                if let Target::Person(p) = &f.target {
                    for role in self.persons.roles(*p) {
                        if !merged.roles.contains(role) {
                            merged.roles.push(role.clone());
                        }
                    }
                }
                if !merged.aliases.contains(&f.surface) {
                    merged.aliases.push(f.surface.clone());
                }
                ids.insert(id.clone());
                if *field == Field::Body {
                    body.push((f.span, id, kind));
                }
            }
            mentions.push(non_overlapping(body));
            entity_ids.push(ids.into_iter().collect());
        }
        if let Some(dropped) = self.dropped {
            mentions.truncate(dropped);
            entity_ids.truncate(dropped);
        }
        Resolved {
            mentions,
            entity_ids,
            entities,
        }
    }
}

/// Countries and cities named inside an organisation's name ("US" in "US Department of State"):
/// the entity is named, though the organisation owns the mention.
fn nested_places(text: &str, found: &[Found]) -> Vec<Found> {
    let gazetteer = &*GAZETTEER;
    let mut out = Vec::new();
    for f in found {
        let is_org = match &f.target {
            Target::Org { .. } => true,
            Target::Known(k) => gazetteer.entities[*k].kind == EntityKind::Organization,
            Target::Person(_) => false,
        };
        if !is_org {
            continue;
        }
        let inner = &text[f.span.start..f.span.end];
        // Leftmost-longest matching finds the organisation itself; try each run of its words.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(inner.match_indices(' ').map(|(i, _)| i + 1))
            .collect();
        let ends: Vec<usize> = inner
            .match_indices(' ')
            .map(|(i, _)| i)
            .chain(std::iter::once(inner.len()))
            .collect();
        for &start in &starts {
            for &end in ends.iter().rev().filter(|&&e| e > start) {
                if start == 0 && end == inner.len() {
                    continue;
                }
                let piece = inner[start..end]
                    .trim_end_matches(['\'', 's'])
                    .trim_end_matches('\'');
                let piece = if inner[start..end].ends_with("'s") {
                    piece
                } else {
                    &inner[start..end]
                };
                let Some(m) = gazetteer_matches(piece).into_iter().next() else {
                    continue;
                };
                let nested_kind_ok = match m.target {
                    Target::Known(k) => match gazetteer.entities[k].kind {
                        EntityKind::Country => true,
                        EntityKind::Organization => matches!(f.target, Target::Org { .. }),
                        _ => false,
                    },
                    _ => false,
                };
                if nested_kind_ok && m.span.start == 0 && m.span.end == piece.len() {
                    out.push(Found {
                        span: Span {
                            start: f.span.start + start,
                            end: f.span.start + start + piece.len(),
                        },
                        target: m.target,
                        surface: m.surface,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// A title standing for a person: "the Belarusian president", "the Russian Prime Minister".
struct TitleReference {
    span: Span,
    surface: String,
    /// Folded role words any of which the person's role must hold.
    role_words: &'static [&'static str],
    country: String,
}

/// Titles that name a role of a country: "the <demonym> <role>".
const TITLE_ROLES: &[(&str, &[&str])] = &[
    ("president", &["president"]),
    ("leader", &["president", "leader"]),
    ("head of state", &["president"]),
    ("prime minister", &["prime minister", "premier"]),
    ("premier", &["prime minister", "premier"]),
    ("foreign minister", &["foreign minister"]),
    ("diplomat", &["foreign minister"]),
    ("top diplomat", &["foreign minister"]),
];

fn title_references(text: &str, found: &[Found]) -> Vec<TitleReference> {
    let gazetteer = &*GAZETTEER;
    let mut out = Vec::new();
    for f in found {
        let Target::Known(k) = f.target else {
            continue;
        };
        let entity = &gazetteer.entities[k];
        if entity.kind != EntityKind::Country {
            continue;
        }
        let Some(code) = &entity.country_code else {
            continue;
        };
        let before = &text[..f.span.start];
        let Some(article_start) = before
            .strip_suffix("the ")
            .or_else(|| before.strip_suffix("The "))
        else {
            continue;
        };
        let after = text[f.span.end..].strip_prefix(' ').unwrap_or_default();
        for (phrase, role_words) in TITLE_ROLES {
            let Some(head) = after.get(..phrase.len()) else {
                continue;
            };
            let ends_word = !after[phrase.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            if head.eq_ignore_ascii_case(phrase) && ends_word {
                let span = Span {
                    start: article_start.len(),
                    end: f.span.end + 1 + phrase.len(),
                };
                out.push(TitleReference {
                    span,
                    surface: text[span.start..span.end].to_string(),
                    role_words,
                    country: code.clone(),
                });
                break;
            }
        }
    }
    out
}

impl DocumentEntities {
    /// A short organisation name ("the Communist Party") resolves to the full name the document
    /// gives ("the Communist Party of Vietnam").
    fn shorten_organisations(&mut self) {
        let gazetteer = &*GAZETTEER;
        let mut full: Vec<(String, Target)> = Vec::new();
        for (_, f) in self.found.iter().flatten() {
            match &f.target {
                Target::Known(k) if gazetteer.entities[*k].kind == EntityKind::Organization => {
                    full.push((gazetteer.entities[*k].name.clone(), f.target.clone()));
                }
                Target::Org { name, .. } => full.push((name.clone(), f.target.clone())),
                _ => {}
            }
        }
        for (_, f) in self.found.iter_mut().flatten() {
            let Target::Org { name, .. } = &f.target else {
                continue;
            };
            let prefix = format!("{name} of ");
            if let Some((_, target)) = full.iter().find(|(other, _)| other.starts_with(&prefix)) {
                f.target = target.clone();
            }
        }
    }
}

fn found_targets(found: &[Found]) -> Vec<(Span, Option<String>)> {
    let gazetteer = &*GAZETTEER;
    let mut targets: Vec<(Span, Option<String>)> = found
        .iter()
        .map(|f| {
            let country = match &f.target {
                Target::Known(i) if gazetteer.entities[*i].kind == EntityKind::Country => {
                    gazetteer.entities[*i].country_code.clone()
                }
                _ => None,
            };
            (f.span, country)
        })
        .collect();
    targets.sort_by_key(|(s, _)| *s);
    targets
}

/// Keeps the longest of overlapping mentions (an organisation over the country inside its name).
fn non_overlapping(mut body: Vec<(Span, String, EntityKind)>) -> Vec<Mention> {
    body.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut out: Vec<Mention> = Vec::new();
    for (span, entity_id, kind) in body {
        if let Some(last) = out.last_mut()
            && span.start < last.span.end
        {
            if span.end - span.start > last.span.end - last.span.start {
                *last = Mention {
                    span,
                    entity_id,
                    kind,
                };
            }
            continue;
        }
        out.push(Mention {
            span,
            entity_id,
            kind,
        });
    }
    out
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Gazetteer names in one pass over the folded text.
fn gazetteer_matches(text: &str) -> Vec<Found> {
    let gazetteer = &*GAZETTEER;
    let folded = FoldedText::new(text);
    let mut out = Vec::new();
    for m in gazetteer.automaton.find_iter(&folded.folded) {
        let pattern = &gazetteer.patterns[m.pattern().as_usize()];
        let (start, end) = folded.original_range(m.start(), m.end());
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if is_word_char(before) || is_word_char(after) && !pattern.surface.ends_with('.') {
            continue;
        }
        let surface = &text[start..end];
        let case_ok = if pattern.case_sensitive {
            surface == pattern.surface
        } else {
            surface
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        };
        if !case_ok {
            continue;
        }
        out.push(Found {
            span: Span { start, end },
            target: Target::Known(pattern.entity),
            surface: surface.to_string(),
        });
    }
    out
}

/// Organisations named by a capitalised sequence with a head word: "Belarusian State Security
/// Committee", "Russian Ministry of Foreign Affairs", "Central Committee of the Communist Party of
/// China".
fn organisation_runs(text: &str, tokens: &[Token]) -> Vec<Found> {
    let gazetteer = &*GAZETTEER;
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !starts_org_word(tokens[i].text(text)) {
            i += 1;
            continue;
        }
        // Extend over capitalised words and connectors separated by single spaces.
        let mut j = i;
        let mut last_cap = i;
        while j + 1 < tokens.len() && &text[tokens[j].end..tokens[j + 1].start] == " " {
            let next = tokens[j + 1].text(text);
            if starts_org_word(next) {
                j += 1;
                last_cap = j;
            } else if ORG_CONNECTORS.contains(&next) {
                // "Amnesty International and the US Department of State" names two bodies.
                let and_the =
                    next == "and" && tokens.get(j + 2).is_some_and(|t| t.text(text) == "the");
                if and_the {
                    break;
                }
                j += 1;
            } else {
                break;
            }
        }
        let mut run = &tokens[i..=last_cap];
        let is_head = |t: &Token| is_org_head(t.text(text));
        // A head word names the body only at the end or before "of" ("Ministry of Foreign
        // Affairs"); "Association Agreement" is not an association.
        let head_at = |run: &[Token], k: usize| {
            is_head(&run[k])
                && (k + 1 == run.len() || ORG_CONNECTORS.contains(&run[k + 1].text(text)))
        };
        // "Chairman of the Government of ..." and "Meeting of the Council": the body starts after "of".
        if let Some(of) = run.iter().position(|t| t.text(text) == "of")
            && !(0..of).any(|k| head_at(run, k))
        {
            let mut k = of + 1;
            while k < run.len() && ORG_CONNECTORS.contains(&run[k].text(text)) {
                k += 1;
            }
            if k < run.len() {
                run = &run[k..];
            }
        }
        let head = (0..run.len()).rposition(|k| head_at(run, k));
        if head.is_some() {
            // Drop leading words that are not part of a name ("The", "On").
            let mut first = 0;
            while first < run.len()
                && matches!(
                    run[first].text(text),
                    "The"
                        | "On"
                        | "In"
                        | "At"
                        | "A"
                        | "An"
                        | "For"
                        | "By"
                        | "From"
                        | "With"
                        | "And"
                )
            {
                first += 1;
            }
            if first < run.len() && run.len() - first >= 2 {
                let start = run[first].start;
                let end = run[run.len() - 1].end;
                let name = text[start..end].to_string();
                let country = run[first..]
                    .iter()
                    .find_map(|t| demonym_country(t.text(text)))
                    .or_else(|| {
                        gazetteer_matches(&name)
                            .iter()
                            .find_map(|f| match f.target {
                                Target::Known(k) => gazetteer.entities[k].country_code.clone(),
                                _ => None,
                            })
                    });
                out.push(Found {
                    span: Span { start, end },
                    target: Target::Org {
                        name: name.clone(),
                        country,
                    },
                    surface: name,
                });
            }
        }
        i = last_cap + 1;
    }
    out
}

fn is_org_head(word: &str) -> bool {
    if word.is_ascii() {
        ORG_HEADS.iter().any(|h| h.eq_ignore_ascii_case(word))
    } else {
        ORG_HEADS.contains(&word.to_lowercase().as_str())
    }
}

fn starts_org_word(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn demonym_country(word: &str) -> Option<String> {
    let gazetteer = &*GAZETTEER;
    let m = gazetteer_matches(word).into_iter().next()?;
    match m.target {
        Target::Known(k)
            if gazetteer.entities[k].kind == EntityKind::Country && m.span.end == word.len() =>
        {
            gazetteer.entities[k].country_code.clone()
        }
        _ => None,
    }
}

/// Whether a capitalised word could start a name.
pub fn capitalised(word: &str) -> bool {
    is_capitalised(word)
}

#[cfg(test)]
mod tests;
