//! People: capitalised name sequences announced by a role, a given name, an appositive or a
//! surname ending; then clustering of the names of one document into persons, so that a
//! surname alone or a spelling variant resolves to the person named in full.

use std::collections::BTreeSet;

use strsim::levenshtein;

use super::super::fold::{fold, with_folded};
use super::super::gazetteer::{GAZETTEER, PEOPLE, slug};
use super::super::model::{Entity, EntityKind, Span};
use super::tokens::{Token, is_capitalised};

/// An index into the observations of `Persons`.
pub type PersonIndex = usize;

/// A name found in the text.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub span: Span,
    pub surface: String,
    /// The name's words as written.
    pub words: Vec<String>,
    /// A role the text gives the person here ("President of Serbia").
    pub role: Option<String>,
    /// The country the role is of ("Serbian president" -> RS).
    pub country: Option<String>,
    /// Announced by a role or an appositive, or a surname by its ending.
    pub strong: bool,
}

impl Candidate {
    /// The candidate cut to its last word: "Strengthens Lukashenka" -> "Lukashenka".
    pub fn last_word_only(self) -> Candidate {
        let last = self.words.last().cloned().unwrap_or_default();
        let start = self.span.end - last.len();
        Candidate {
            span: Span {
                start,
                end: self.span.end,
            },
            surface: last.clone(),
            words: vec![last],
            ..self
        }
    }
}

/// Whether a name starts with a known given name.
pub fn starts_with_given_name(words: &[String]) -> bool {
    words
        .first()
        .is_some_and(|w| with_folded(w, |f| PEOPLE.given_names.contains(f)))
}

const MAX_NAME_WORDS: usize = 4;
const MAX_ROLE_WORDS: usize = 6;

fn is_role(word: &str) -> bool {
    with_folded(word, |f| PEOPLE.roles.contains(f))
}

fn is_role_or_modifier(word: &str) -> bool {
    with_folded(word, |f| {
        PEOPLE.roles.contains(f) || PEOPLE.modifiers.contains(f)
    })
}

fn is_name_word(word: &str) -> bool {
    is_capitalised(word)
        && with_folded(word, |f| {
            // Plural titles ("Presidents Lukashenko and Zelensky") are titles too.
            let singular = f.strip_suffix('s').unwrap_or(f);
            !PEOPLE.stop_words.contains(f)
                && !PEOPLE.roles.contains(f)
                && !PEOPLE.roles.contains(singular)
                && !PEOPLE.modifiers.contains(f)
        })
}

/// The length of the surname ending a word has, 0 for none.
fn surname_ending(word: &str) -> usize {
    with_folded(word, |f| {
        PEOPLE
            .surname_suffixes
            .iter()
            .filter(|s| f.len() >= s.len() + 3 && f.ends_with(s.as_str()))
            .map(|s| s.len())
            .max()
            .unwrap_or(0)
    })
}

fn sentence_initial(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '"', '\'', '(']);
    before.is_empty() || before.ends_with(['.', '!', '?', '\n', ':', '…'])
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The role announced just before a name: "Serbian president", "Belarus's Prime Minister",
/// "his Vietnamese counterpart", "a Catholic priest,".
fn role_before(
    text: &str,
    tokens: &[Token],
    first: usize,
    countries: &[(Span, Option<String>)],
) -> Option<(String, Option<String>)> {
    let mut words: Vec<String> = Vec::new();
    let mut country: Option<String> = None;
    let mut k = first;
    let mut has_role = false;
    while k > 0 && words.len() < MAX_ROLE_WORDS {
        let prev = tokens[k - 1];
        let gap = &text[prev.end..tokens[k].start];
        if !(gap == " " || gap == "'s " || gap == "' " || (gap == ", " && words.is_empty())) {
            break;
        }
        let word = prev.text(text);
        // "Secretary of State Bridget Brink", "Minister of Foreign Affairs X".
        if word == "of" && !words.is_empty() {
            words.insert(0, word.to_string());
            k -= 1;
            continue;
        }
        if let Some((_, code)) = span_containing(countries, prev) {
            if code.is_some() && country.is_none() {
                country = code.clone();
            }
            k -= 1;
            continue;
        }
        if is_role_or_modifier(word) {
            has_role |= is_role(word) || word.contains('-') && word.split('-').any(is_role);
            words.insert(0, word.to_lowercase());
            k -= 1;
            continue;
        }
        break;
    }
    if !has_role {
        return None;
    }
    while words.first().is_some_and(|w| w == "of") {
        words.remove(0);
    }
    let title: Vec<String> = words
        .iter()
        .map(|w| if w == "of" { w.clone() } else { capitalise(w) })
        .collect();
    let mut role = title.join(" ");
    if let Some(code) = &country
        && let Some(&i) = GAZETTEER.country_by_code.get(code)
    {
        role = format!("{role} of {}", GAZETTEER.entities[i].name);
    }
    Some((role, country))
}

/// Whether a token overlaps one of `spans` (sorted by start). Spans do not nest deeper than an
/// organisation over a place, so looking back a few spans is enough.
fn overlaps_any(spans: &[Span], t: &Token) -> bool {
    let after = spans.partition_point(|s| s.start < t.end);
    spans[..after].iter().rev().take(4).any(|s| t.start < s.end)
}

/// The country of the span (sorted by start) that contains a token, if any.
fn span_containing(spans: &[(Span, Option<String>)], t: Token) -> Option<&(Span, Option<String>)> {
    let after = spans.partition_point(|(s, _)| s.start <= t.start);
    spans[..after]
        .iter()
        .rev()
        .take(4)
        .find(|(s, _)| t.end <= s.end)
}

/// Whether an appositive after the name gives a role: "Nguyễn Phú Trọng, the General Secretary".
fn role_after(text: &str, tokens: &[Token], last: usize) -> bool {
    let end = tokens[last].end;
    if !text[end..].starts_with(", ") {
        return false;
    }
    let mut k = last + 1;
    let mut seen = 0;
    while k < tokens.len() && seen < MAX_ROLE_WORDS + 1 {
        let word = tokens[k].text(text);
        if is_role(word) || word.contains('-') && word.split('-').any(is_role) {
            return true;
        }
        if text[tokens[k].end..].starts_with([',', '.', ';', ':']) {
            return false;
        }
        seen += 1;
        k += 1;
    }
    false
}

/// Person names in one text. `covered` holds spans already taken by gazetteer names and
/// organisations; `countries` gives the country of the covered spans that are countries.
pub fn person_candidates(
    text: &str,
    tokens: &[Token],
    covered: &[Span],
    countries: &[(Span, Option<String>)],
) -> Vec<Candidate> {
    let mut covered = covered.to_vec();
    covered.sort();
    let is_covered = |t: &Token| overlaps_any(&covered, t);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_name_word(tokens[i].text(text)) || is_covered(&tokens[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < tokens.len()
            && &text[tokens[j].end..tokens[j + 1].start] == " "
            && is_name_word(tokens[j + 1].text(text))
            && !is_covered(&tokens[j + 1])
        {
            j += 1;
        }
        let next = j + 1;
        // A capitalised sentence opener ("Later Makey met") is not part of the name.
        let first = if j > i
            && sentence_initial(text, tokens[i].start)
            && !with_folded(tokens[i].text(text), |f| PEOPLE.given_names.contains(f))
        {
            i + 1
        } else {
            i
        };
        let run = &tokens[first..=j];
        if run.len() > MAX_NAME_WORDS {
            i = next;
            continue;
        }
        let words: Vec<String> = run.iter().map(|t| t.text(text).to_string()).collect();
        let (role, country) = match role_before(text, tokens, first, countries) {
            Some((role, country)) => (Some(role), country),
            None => (None, None),
        };
        let appositive = role_after(text, tokens, j);
        let given = with_folded(&words[0], |f| PEOPLE.given_names.contains(f));
        let ending = surname_ending(&words[words.len() - 1]);
        let strong = if words.len() >= 2 {
            role.is_some() || appositive || given || ending > 0
        } else {
            // A short ending ("-in", "-ov") is weak evidence at the start of a sentence, where
            // every word is capitalised.
            role.is_some()
                || appositive
                || ending >= 3
                || (ending > 0 && !sentence_initial(text, run[0].start))
        };
        if words.len() >= 2 && !strong {
            i = next;
            continue;
        }
        let span = Span {
            start: run[0].start,
            end: run[run.len() - 1].end,
        };
        out.push(Candidate {
            span,
            surface: text[span.start..span.end].to_string(),
            words,
            role,
            country,
            strong,
        });
        i = next;
    }
    out
}

struct Observation {
    article: usize,
    candidate: Candidate,
    /// The person cluster it resolved to, or `None` when it is not a person after all.
    person: Option<usize>,
}

struct Person {
    /// The fullest form of the name, as written.
    words: Vec<String>,
    folded: Vec<String>,
    roles: Vec<String>,
    country: Option<String>,
    articles: BTreeSet<usize>,
}

/// The people of a document.
#[derive(Default)]
pub struct Persons {
    observations: Vec<Observation>,
    persons: Vec<Person>,
}

fn same_name_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let variants = &PEOPLE.variants;
    if let (Some(x), Some(y)) = (variants.get(a), variants.get(b))
        && x == y
    {
        return true;
    }
    // One edit apart (Makei / Makey, Alena / Elena): close lengths, and the edit cannot touch
    // both the first letter and the last two, so one of them is shared.
    a.len().abs_diff(b.len()) <= 1
        && (a.as_bytes().first() == b.as_bytes().first()
            || a.as_bytes()
                .ends_with(&b.as_bytes()[b.len().saturating_sub(2)..]))
        && a.chars().count().min(b.chars().count()) >= 5
        && levenshtein(a, b) <= 1
}

fn same_person(a: &[String], b: &[String]) -> bool {
    let (Some(la), Some(lb)) = (a.last(), b.last()) else {
        return false;
    };
    if !same_name_word(la, lb) {
        return false;
    }
    if a.len() == 1 || b.len() == 1 {
        return true;
    }
    same_name_word(&a[0], &b[0])
}

impl Persons {
    /// Records a name seen in an article; resolved later by `resolve`.
    pub fn observe(&mut self, article: usize, candidate: &Candidate) -> PersonIndex {
        self.observations.push(Observation {
            article,
            candidate: candidate.clone(),
            person: None,
        });
        self.observations.len() - 1
    }

    fn attach(&mut self, obs: usize, person: usize) {
        let o = &self.observations[obs];
        let p = &mut self.persons[person];
        p.articles.insert(o.article);
        if o.candidate.words.len() > p.words.len() {
            p.words = o.candidate.words.clone();
            p.folded = p.words.iter().map(|w| fold(w)).collect();
        }
        if let Some(role) = &o.candidate.role
            && !p.roles.contains(role)
        {
            p.roles.push(role.clone());
        }
        if p.country.is_none() {
            p.country = o.candidate.country.clone();
        }
        self.observations[obs].person = Some(person);
    }

    fn new_person(&mut self, obs: usize) {
        let words = self.observations[obs].candidate.words.clone();
        self.persons.push(Person {
            folded: words.iter().map(|w| fold(w)).collect(),
            words,
            roles: Vec::new(),
            country: None,
            articles: BTreeSet::new(),
        });
        let p = self.persons.len() - 1;
        self.attach(obs, p);
    }

    /// Clusters full names, then resolves lone names: to a person of the same article first,
    /// then of the document; a lone name that matches nobody stays only when it is strong.
    pub fn resolve(&mut self) {
        for obs in 0..self.observations.len() {
            if self.observations[obs].candidate.words.len() < 2 {
                continue;
            }
            let folded: Vec<String> = self.observations[obs]
                .candidate
                .words
                .iter()
                .map(|w| fold(w))
                .collect();
            match self
                .persons
                .iter()
                .position(|p| p.folded.len() >= 2 && same_person(&p.folded, &folded))
            {
                Some(p) => self.attach(obs, p),
                None => self.new_person(obs),
            }
        }
        for obs in 0..self.observations.len() {
            let o = &self.observations[obs];
            if o.candidate.words.len() != 1 {
                continue;
            }
            let word = fold(&o.candidate.words[0]);
            let article = o.article;
            let matches: Vec<usize> = (0..self.persons.len())
                .filter(|&p| {
                    self.persons[p]
                        .folded
                        .last()
                        .is_some_and(|l| same_name_word(l, &word))
                })
                .collect();
            let chosen = matches
                .iter()
                .copied()
                .find(|&p| self.persons[p].articles.contains(&article))
                .or_else(|| matches.first().copied());
            match chosen {
                Some(p) => self.attach(obs, p),
                None if self.observations[obs].candidate.strong => self.new_person(obs),
                None => {}
            }
        }
    }

    /// The one person of the document whose role is `role_words` (folded, any of them) of
    /// `country`, preferring people of `article`: what "the Belarusian president" refers to.
    /// A person whose role names no country ("President Alexander Lukashenka") is taken when
    /// they are the only one of the article with that role, and the title gives their country.
    pub fn find_by_role(
        &mut self,
        role_words: &[&str],
        country: &str,
        article: usize,
    ) -> Option<usize> {
        let holds_role = |person: &Person| {
            person.roles.iter().any(|r| {
                let r = fold(r);
                role_words.iter().any(|w| r.contains(w))
                    && !r.contains("deputy")
                    && !r.contains("vice")
            })
        };
        let hits: Vec<usize> = (0..self.persons.len())
            .filter(|&p| {
                self.persons[p].country.as_deref() == Some(country) && holds_role(&self.persons[p])
            })
            .collect();
        let local: Vec<usize> = hits
            .iter()
            .copied()
            .filter(|&p| self.persons[p].articles.contains(&article))
            .collect();
        match (local.as_slice(), hits.as_slice()) {
            ([one], _) | ([], [one]) => return Some(*one),
            ([], []) => {}
            _ => return None,
        }
        let countryless: Vec<usize> = (0..self.persons.len())
            .filter(|&p| {
                let person = &self.persons[p];
                person.articles.contains(&article) && holds_role(person)
            })
            .collect();
        match countryless.as_slice() {
            [one] if self.persons[*one].country.is_none() => {
                self.persons[*one].country = Some(country.to_string());
                Some(*one)
            }
            _ => None,
        }
    }

    /// Records a reference already resolved to `person` (a title standing for a name).
    pub fn observe_resolved(
        &mut self,
        article: usize,
        span: Span,
        surface: &str,
        person: usize,
    ) -> PersonIndex {
        self.observations.push(Observation {
            article,
            candidate: Candidate {
                span,
                surface: surface.to_string(),
                words: Vec::new(),
                role: None,
                country: None,
                strong: true,
            },
            person: Some(person),
        });
        self.observations.len() - 1
    }

    /// The entity for an observation, or `None` when it did not resolve to a person.
    pub fn entity(&self, obs: PersonIndex) -> Option<Entity> {
        let p = &self.persons[self.observations[obs].person?];
        let name = p.words.join(" ");
        Some(Entity {
            id: format!("person:{}", slug(&name)),
            kind: EntityKind::Person,
            name,
            aliases: Vec::new(),
            roles: Vec::new(),
            country_code: p.country.clone(),
        })
    }

    /// The roles of the person an observation resolved to.
    pub fn roles(&self, obs: PersonIndex) -> &[String] {
        match self.observations[obs].person {
            Some(p) => &self.persons[p].roles,
            None => &[],
        }
    }
}
