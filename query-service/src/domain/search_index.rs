//! An index of folded entity names and aliases that finds the candidates of a search without
//! scoring every entity.
//!
//! The index only proposes entities; the caller scores each proposal with [`super::search::score`]
//! over all of the entity's names, so scores are the linear ranking's by construction. What the
//! index has to get right is that nothing the linear ranking would return is left out. It looks in
//! the order of the score bands and stops as soon as enough proposals score above every band it
//! has not looked at yet:
//!
//! 1. exact, prefix, whole word and word prefix: every folded name and every word of one is a key
//!    of an ordered map, so these are the keys that start with the query;
//! 2. substring (queries of three characters or more): the entities listed under the query's
//!    rarest character trigram;
//! 3. typos: a walk of the ordered keys that carries the rows of the optimal-string-alignment
//!    table along the path and leaves a branch once no cell is within the allowed edits.
//!
//! Keys are kept in immutable `fst` maps, which take a few bytes per key and can be walked node by
//! node, plus a small ordered map of the newest keys. The newest keys are frozen into a map once
//! there are enough of them, and maps of similar size are merged, so every key is rewritten about
//! log(keys) times and a query looks at a few dozen maps at most. Entries are only ever added: a
//! name an entity no longer has still proposes it, and scoring drops it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;

use fst::raw::{Fst, Node, Output};
use fst::{Map, MapBuilder, Streamer};

use super::search::allowed_typos;

/// How many new keys wait in the ordered map before they are frozen into an `fst` map.
const PENDING_KEYS: usize = 512;

#[derive(Default)]
pub struct SearchIndex {
    segments: Vec<Segment>,
    pending: BTreeMap<Box<str>, Vec<u32>>,
    /// Three characters, 21 bits each, to the entities whose names hold them.
    trigrams: HashMap<u64, Vec<u32>>,
}

struct Segment {
    /// Key to the offset of its entity list in `postings`.
    map: Map<Vec<u8>>,
    /// Per key: the number of entities, then their indexes, ascending.
    postings: Vec<u32>,
    keys: usize,
}

impl Segment {
    fn build<K: AsRef<[u8]>>(entries: impl Iterator<Item = (K, Vec<u32>)>) -> Segment {
        let mut builder = MapBuilder::memory();
        let mut postings = Vec::new();
        let mut keys = 0;
        for (key, mut ids) in entries {
            ids.sort_unstable();
            ids.dedup();
            // Keys come from an ordered map or an ordered union of maps: always ascending and
            // distinct, which is all that insertion can fail on.
            builder
                .insert(key, postings.len() as u64)
                .expect("keys are inserted in ascending order");
            postings.push(ids.len() as u32);
            postings.extend(ids);
            keys += 1;
        }
        let bytes = builder
            .into_inner()
            .expect("an in-memory builder does not fail to write");
        let map = Map::new(bytes).expect("a map just built is well formed");
        postings.shrink_to_fit();
        Segment {
            map,
            postings,
            keys,
        }
    }

    fn merge(a: &Segment, b: &Segment) -> Segment {
        let mut union = fst::map::OpBuilder::new().add(&a.map).add(&b.map).union();
        Segment::build(std::iter::from_fn(|| {
            let (key, values) = union.next()?;
            let mut ids = Vec::new();
            for value in values {
                let segment = if value.index == 0 { a } else { b };
                ids.extend_from_slice(segment.list(value.value));
            }
            Some((key.to_vec(), ids))
        }))
    }

    fn list(&self, offset: u64) -> &[u32] {
        let start = offset as usize;
        let len = self.postings[start] as usize;
        &self.postings[start + 1..start + 1 + len]
    }

    fn fst(&self) -> &Fst<Vec<u8>> {
        self.map.as_fst()
    }

    /// Every entity listed under a key at or below `node`.
    fn collect_below(&self, node: Node<'_>, out: Output, emit: &mut impl FnMut(u32)) {
        if node.is_final() {
            for &id in self.list(out.cat(node.final_output()).value()) {
                emit(id);
            }
        }
        for transition in node.transitions() {
            let child = self.fst().node(transition.addr);
            self.collect_below(child, out.cat(transition.out), emit);
        }
    }

    fn with_prefix(&self, prefix: &str, emit: &mut impl FnMut(u32)) {
        let fst = self.fst();
        let mut node = fst.root();
        let mut out = Output::zero();
        for &byte in prefix.as_bytes() {
            let Some(i) = node.find_input(byte) else {
                return;
            };
            let transition = node.transition(i);
            out = out.cat(transition.out);
            node = fst.node(transition.addr);
        }
        self.collect_below(node, out, emit);
    }

    /// Walks the keys byte by byte; a row of the table is added for each complete character.
    fn near(
        &self,
        node: Node<'_>,
        out: Output,
        partial: ([u8; 4], usize),
        table: &mut Table,
        emit: &mut impl FnMut(u32),
    ) {
        for transition in node.transitions() {
            let child = self.fst().node(transition.addr);
            let out = out.cat(transition.out);
            let (mut bytes, mut len) = partial;
            bytes[len] = transition.inp;
            len += 1;
            if len < utf8_len(bytes[0]) {
                self.near(child, out, (bytes, len), table, emit);
                continue;
            }
            let Some(c) = std::str::from_utf8(&bytes[..len])
                .ok()
                .and_then(|s| s.chars().next())
            else {
                continue;
            };
            let row_min = table.push(c);
            match table.verdict(row_min) {
                Verdict::Everything => self.collect_below(child, out, emit),
                verdict => {
                    if child.is_final() && table.within() {
                        for &id in self.list(out.cat(child.final_output()).value()) {
                            emit(id);
                        }
                    }
                    if verdict == Verdict::Deeper {
                        self.near(child, out, ([0; 4], 0), table, emit);
                    }
                }
            }
            table.pop();
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0..0x80 => 1,
        0xf0.. => 4,
        0xe0.. => 3,
        _ => 2,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Every key below qualifies (a word start within the allowed edits).
    Everything,
    /// Keys below may still qualify.
    Deeper,
    /// No key below can come within the allowed edits.
    Nothing,
}

/// The optimal-string-alignment table of the query against the key path walked so far, one row per
/// character of the path, cells capped just above the allowed edits.
struct Table {
    query: Vec<char>,
    allowed: u8,
    cells: Vec<u8>,
    path: Vec<char>,
}

impl Table {
    fn new(query: &[char], allowed: usize) -> Table {
        let allowed = allowed.min(250) as u8;
        let cap = allowed + 1;
        Table {
            query: query.to_vec(),
            allowed,
            cells: (0..=query.len())
                .map(|j| (j.min(255) as u8).min(cap))
                .collect(),
            path: Vec::new(),
        }
    }

    fn width(&self) -> usize {
        self.query.len() + 1
    }

    /// Adds the row of one more path character; returns the row's smallest cell.
    fn push(&mut self, c: char) -> u8 {
        let width = self.width();
        let cap = self.allowed + 1;
        let i = self.path.len() + 1;
        let prev = (i - 1) * width;
        let start = i * width;
        self.cells.resize(start + width, 0);
        self.cells[start] = (i.min(255) as u8).min(cap);
        let mut row_min = self.cells[start];
        for j in 1..width {
            let cost = u8::from(c != self.query[j - 1]);
            let mut v = (self.cells[prev + j] + 1)
                .min(self.cells[start + j - 1] + 1)
                .min(self.cells[prev + j - 1] + cost);
            if i > 1 && j > 1 && c == self.query[j - 2] && self.path[i - 2] == self.query[j - 1] {
                v = v.min(self.cells[(i - 2) * width + j - 2] + 1);
            }
            let v = v.min(cap);
            self.cells[start + j] = v;
            row_min = row_min.min(v);
        }
        self.path.push(c);
        row_min
    }

    fn pop(&mut self) {
        self.path.pop();
        self.cells.truncate((self.path.len() + 1) * self.width());
    }

    /// Whether the whole path is within the allowed edits of the query.
    fn within(&self) -> bool {
        self.cells[self.path.len() * self.width() + self.query.len()] <= self.allowed
    }

    fn verdict(&self, row_min: u8) -> Verdict {
        let depth = self.path.len();
        let len = self.query.len();
        // A typo inside a word start: the ranking compares the query with a word's first `len`
        // or `len + 1` characters when the first letters agree.
        if (depth == len || depth == len + 1) && self.path[0] == self.query[0] && self.within() {
            return Verdict::Everything;
        }
        // A transposition reaches back two rows, but only through a cell of the last row that
        // is at most one more: a row with nothing in reach ends the branch.
        if row_min > self.allowed {
            Verdict::Nothing
        } else {
            Verdict::Deeper
        }
    }

    /// Walks one key from the start; whether it, or a word start of it, qualifies.
    fn key_qualifies(&mut self, key: &str) -> bool {
        let mut qualifies = false;
        for c in key.chars() {
            let row_min = self.push(c);
            match self.verdict(row_min) {
                Verdict::Everything => {
                    qualifies = true;
                    break;
                }
                Verdict::Nothing => break,
                Verdict::Deeper => {}
            }
        }
        if !qualifies && self.path.len() == key.chars().count() {
            qualifies = self.within();
        }
        while !self.path.is_empty() {
            self.pop();
        }
        qualifies
    }
}

fn pack_trigram(window: &[char]) -> u64 {
    (u64::from(window[0]) << 42) | (u64::from(window[1]) << 21) | u64::from(window[2])
}

/// The words of a folded name, split as the ranking splits them.
fn words(surface: &str) -> impl Iterator<Item = &str> {
    surface
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Scored proposals, each entity offered at most once.
struct Found<T, F> {
    seen: HashSet<u32>,
    hits: Vec<(f32, T)>,
    score: F,
}

impl<T, F: FnMut(u32) -> Option<(f32, T)>> Found<T, F> {
    fn offer(&mut self, entity: u32) {
        if self.seen.insert(entity)
            && let Some(hit) = (self.score)(entity)
        {
            self.hits.push(hit);
        }
    }

    fn above(&self, score: f32) -> usize {
        self.hits.iter().filter(|(s, _)| *s > score).count()
    }
}

impl SearchIndex {
    /// Indexes one folded name or alias of an entity. Adding one the entity already has is
    /// harmless: lists are deduplicated when frozen and proposals when searched.
    pub fn insert(&mut self, entity: u32, surface: &str) {
        if surface.is_empty() {
            return;
        }
        self.add_key(surface, entity);
        for word in words(surface) {
            if word != surface {
                self.add_key(word, entity);
            }
        }
        let chars: Vec<char> = surface.chars().collect();
        for window in chars.windows(3) {
            let list = self.trigrams.entry(pack_trigram(window)).or_default();
            if list.last() != Some(&entity) {
                list.push(entity);
            }
        }
        if self.pending.len() >= PENDING_KEYS {
            self.freeze();
        }
    }

    fn add_key(&mut self, key: &str, entity: u32) {
        match self.pending.get_mut(key) {
            Some(list) => {
                if !list.contains(&entity) {
                    list.push(entity);
                }
            }
            None => {
                self.pending.insert(key.into(), vec![entity]);
            }
        }
    }

    fn freeze(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.segments.push(Segment::build(
            pending
                .into_iter()
                .map(|(key, ids)| (key.into_boxed_bytes(), ids)),
        ));
        while let [.., older, newer] = self.segments.as_slice() {
            if newer.keys * 2 < older.keys {
                break;
            }
            let merged = Segment::merge(older, newer);
            self.segments.truncate(self.segments.len() - 2);
            self.segments.push(merged);
        }
    }

    /// Approximate heap bytes held by the index.
    pub fn heap_bytes(&self) -> usize {
        let segments: usize = self
            .segments
            .iter()
            .map(|s| s.fst().as_bytes().len() + s.postings.capacity() * 4 + 64)
            .sum();
        let pending: usize = self
            .pending
            .iter()
            .map(|(k, ids)| k.len() + ids.capacity() * 4 + 64)
            .sum();
        let trigrams = self.trigrams.capacity() * (8 + 24 + 1)
            + self
                .trigrams
                .values()
                .map(|l| l.capacity() * 4)
                .sum::<usize>();
        segments + pending + trigrams
    }

    /// Every entity the linear ranking of the folded `query` could put among its first `wanted`,
    /// scored by `score` (which also drops entities of other kinds). The caller sorts.
    pub fn search<T>(
        &self,
        query: &str,
        wanted: usize,
        score: impl FnMut(u32) -> Option<(f32, T)>,
    ) -> Vec<(f32, T)> {
        let mut found = Found {
            seen: HashSet::new(),
            hits: Vec::new(),
            score,
        };
        if query.is_empty() || wanted == 0 {
            return found.hits;
        }
        let mut offer = |id| found.offer(id);
        for segment in &self.segments {
            segment.with_prefix(query, &mut offer);
        }
        for (_, ids) in self
            .pending
            .range::<str, _>((Bound::Included(query), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(query))
        {
            ids.iter().for_each(|&id| offer(id));
        }
        // Below the word-prefix band come substrings at 0.5 and typos below 0.45.
        if found.above(0.5) >= wanted {
            return found.hits;
        }
        let chars: Vec<char> = query.chars().collect();
        if chars.len() >= 3 {
            let rarest = chars
                .windows(3)
                .map(|w| self.trigrams.get(&pack_trigram(w)).map_or(0, Vec::len))
                .zip(chars.windows(3))
                .min_by_key(|(len, _)| *len);
            if let Some((len, window)) = rarest
                && len > 0
            {
                for &id in &self.trigrams[&pack_trigram(window)] {
                    found.offer(id);
                }
            }
        }
        if found.above(0.45) >= wanted {
            return found.hits;
        }
        let allowed = allowed_typos(chars.len());
        if allowed == 0 {
            return found.hits;
        }
        let mut table = Table::new(&chars, allowed);
        let mut offer = |id| found.offer(id);
        for segment in &self.segments {
            segment.near(
                segment.fst().root(),
                Output::zero(),
                ([0; 4], 0),
                &mut table,
                &mut offer,
            );
        }
        for (key, ids) in &self.pending {
            if table.key_qualifies(key) {
                ids.iter().for_each(|&id| offer(id));
            }
        }
        found.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fold::fold;
    use crate::domain::search::score;

    fn indexed(names: &[Vec<String>]) -> SearchIndex {
        let mut index = SearchIndex::default();
        for (entity, surfaces) in names.iter().enumerate() {
            for s in surfaces {
                index.insert(entity as u32, s);
            }
        }
        index
    }

    type Ranked = Vec<(u32, f32)>;

    /// The linear ranking's answer and the index's, both sorted and cut to `wanted`.
    fn both(
        names: &[Vec<String>],
        index: &SearchIndex,
        query: &str,
        wanted: usize,
    ) -> (Ranked, Ranked) {
        let best = |entity: u32| {
            names[entity as usize]
                .iter()
                .filter_map(|s| score(query, s))
                .reduce(f32::max)
        };
        let rank = |mut hits: Vec<(u32, f32)>| {
            hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            hits.truncate(wanted);
            hits
        };
        let linear = rank(
            (0..names.len() as u32)
                .filter_map(|e| best(e).map(|s| (e, s)))
                .collect(),
        );
        let found = rank(
            index
                .search(query, wanted, |e| best(e).map(|s| (s, e)))
                .into_iter()
                .map(|(s, e)| (e, s))
                .collect(),
        );
        (linear, found)
    }

    fn folded(names: &[&[&str]]) -> Vec<Vec<String>> {
        names
            .iter()
            .map(|n| n.iter().map(|s| fold(s)).collect())
            .collect()
    }

    #[test]
    fn finds_each_band_across_frozen_and_pending_keys() {
        let mut names: Vec<Vec<String>> = (0..3_000)
            .map(|i| vec![format!("person {i} filler{}", i % 97)])
            .collect();
        names.extend(folded(&[
            &["Alexander Lukashenka", "Lukashenka"],
            &["Tomislav Nikolić"],
            &["Nguyễn Phú Trọng"],
            &["Łukasz Ślązak"],
        ]));
        let index = indexed(&names);
        assert!(index.segments.len() > 1 && !index.pending.is_empty());
        for query in [
            "alexander lukashenka",
            "alexander luk",
            "lukashenka",
            "lukash",
            "ander luk",
            "lukashenkо",
            "alexnader lukashenka",
            "nikolc",
            "nguyen phu trong",
            "lukasz slazak",
            "lukasz slzaak",
            "filler9",
            "fillre12",
            "person 12",
            "zzzz",
        ] {
            let query = fold(query);
            for wanted in [1, 5, 20] {
                let (linear, found) = both(&names, &index, &query, wanted);
                assert_eq!(linear, found, "query {query:?}, {wanted} wanted");
            }
        }
    }

    #[test]
    fn the_table_is_the_optimal_string_alignment_distance() {
        let pairs = [
            ("lukashenka", "lukashneka"),
            ("abcd", "acbd"),
            ("ca", "abc"),
            ("nikolic", "nikolc"),
            ("trọng", "trong"),
        ];
        for (a, b) in pairs {
            let query: Vec<char> = a.chars().collect();
            let mut table = Table::new(&query, 3);
            for c in b.chars() {
                table.push(c);
            }
            let cell = table.cells[table.path.len() * table.width() + query.len()];
            let expected = strsim::osa_distance(a, b).min(4) as u8;
            assert_eq!(cell, expected, "{a} / {b}");
        }
    }

    // ---- the store's ranking against its linear oracle ----

    use crate::domain::Store;
    use crate::domain::model::{
        Article, Batch, DateSpan, Entity, EntityKind, Event, EventKind, Participant,
    };

    const SYLLABLES: &[&str] = &[
        "an", "ka", "lu", "sha", "nen", "ko", "vić", "ng", "uyễ", "łu", "kasz", "øs", "ßt", "ıl",
        "æn", "mi", "ra", "tor", "el", "de", "-", "'", " ",
    ];
    const KINDS: [(EntityKind, &str); 4] = [
        (EntityKind::Person, "person"),
        (EntityKind::Country, "country"),
        (EntityKind::Organization, "organization"),
        (EntityKind::City, "city"),
    ];

    fn word(rng: &mut fastrand::Rng) -> String {
        let mut w = String::new();
        for _ in 0..rng.usize(1..=4) {
            w.push_str(SYLLABLES[rng.usize(..SYLLABLES.len() - 3)]);
        }
        if rng.u8(..8) == 0 {
            w = w.to_uppercase();
        }
        w
    }

    fn name(rng: &mut fastrand::Rng) -> String {
        let words: Vec<String> = (0..rng.usize(1..=3)).map(|_| word(rng)).collect();
        let separator = SYLLABLES[SYLLABLES.len() - 3 + rng.usize(..3)];
        words.join(if rng.bool() { " " } else { separator })
    }

    /// A store of `entities` generated entities published in batches, some republished under an
    /// alias of another (merged), some only referenced by events (implicit), with event counts
    /// that differ so that ties are broken both ways.
    fn generated_store(rng: &mut fastrand::Rng, entities: usize) -> (Store, Vec<String>) {
        let store = Store::new();
        let mut names: Vec<String> = Vec::new();
        let mut ids = Vec::new();
        let mut next_event = 1;
        for sequence in 1..=(entities / 100) as u64 {
            let mut batch = Batch {
                producer_id: "gen".into(),
                sequence,
                articles: vec![Article {
                    id: format!("article:{sequence}"),
                    text: "Met.".into(),
                    ..Article::default()
                }],
                entities: Vec::new(),
                events: Vec::new(),
            };
            for _ in 0..100 {
                let (kind, prefix) = KINDS[rng.usize(..KINDS.len())];
                let id = format!("{prefix}:{}", ids.len());
                let entity_name = name(rng);
                let mut aliases: Vec<String> = (0..rng.usize(0..=2)).map(|_| name(rng)).collect();
                // A merge: the alias is another entity's name, so this one joins it.
                if rng.u8(..20) == 0 && !names.is_empty() {
                    aliases.push(names[rng.usize(..names.len())].clone());
                }
                names.push(entity_name.clone());
                names.extend(aliases.iter().cloned());
                ids.push(id.clone());
                batch.entities.push(Entity {
                    id,
                    kind,
                    name: entity_name,
                    aliases,
                    roles: Vec::new(),
                    country_code: String::new(),
                });
            }
            for _ in 0..rng.usize(50..150) {
                let participant = if rng.u8(..10) == 0 {
                    format!("person:implicit-{}", rng.usize(..50))
                } else {
                    // Early entities take part more often.
                    let busiest = rng.usize(..ids.len());
                    ids[rng.usize(..=busiest)].clone()
                };
                batch.events.push(Event {
                    id: next_event,
                    article_id: format!("article:{sequence}"),
                    kind: EventKind::Meeting,
                    when: DateSpan::default(),
                    participants: vec![Participant {
                        entity_id: participant,
                        name: String::new(),
                        role: 1,
                    }],
                    location_id: String::new(),
                    location_name: String::new(),
                    sentence: "Met.".into(),
                    sentence_start: 0,
                    sentence_end: 4,
                    amounts: Vec::new(),
                    planned: false,
                });
                next_event += 1;
            }
            store.publish(batch).unwrap();
        }
        (store, names)
    }

    /// What people type: prefixes, whole names in another case, words, middles, and names with
    /// a letter swapped, dropped, doubled or replaced; and strings that match nothing.
    fn queries(rng: &mut fastrand::Rng, names: &[String], count: usize) -> Vec<String> {
        (0..count)
            .map(|_| {
                let name: Vec<char> = names[rng.usize(..names.len())].chars().collect();
                let len = name.len();
                let mut q = name.clone();
                match rng.u8(..9) {
                    0 => q.truncate(rng.usize(1..=len)),
                    1 => {
                        q = name
                            .iter()
                            .collect::<String>()
                            .to_lowercase()
                            .chars()
                            .collect()
                    }
                    2 if len > 2 => {
                        let at = rng.usize(..len - 1);
                        q.swap(at, at + 1);
                    }
                    3 if len > 1 => {
                        q.remove(rng.usize(..len));
                    }
                    4 => {
                        let at = rng.usize(..len);
                        q.insert(at, q[at]);
                    }
                    5 => {
                        let at = rng.usize(..len);
                        q[at] = rng.choice(['a', 'x', 'ł', 'é', ' ']).unwrap();
                    }
                    6 => {
                        let start = rng.usize(..len);
                        q = name[start..rng.usize(start..=len)].to_vec();
                    }
                    7 => q = word(rng).chars().collect(),
                    _ => {
                        q = name
                            .iter()
                            .collect::<String>()
                            .to_uppercase()
                            .chars()
                            .collect()
                    }
                }
                q.into_iter().collect()
            })
            .collect()
    }

    #[test]
    fn the_store_ranks_as_its_linear_oracle_on_a_generated_store() {
        let mut rng = fastrand::Rng::with_seed(0x5ea4c4);
        let (store, names) = generated_store(&mut rng, 2_000);
        let mut matched = 0;
        for query in queries(&mut rng, &names, 300) {
            let kinds: Vec<EntityKind> = match rng.u8(..4) {
                0 => vec![KINDS[rng.usize(..KINDS.len())].0],
                _ => Vec::new(),
            };
            let wanted = [1, 5, 20, 100][rng.usize(..4)];
            let expected = store.search_entities_by_scan(&query, &kinds, wanted);
            let got = store.search_entities(&query, &kinds, wanted);
            assert_eq!(
                got, expected,
                "query {query:?}, kinds {kinds:?}, {wanted} wanted"
            );
            matched += usize::from(!expected.is_empty());
        }
        // The comparison says something only if most queries find something.
        assert!(matched > 220, "only {matched} queries matched");
    }

    #[test]
    fn a_restored_store_searches_as_the_original() {
        let mut rng = fastrand::Rng::with_seed(7);
        let (store, names) = generated_store(&mut rng, 1_000);
        let restored = Store::new();
        restored.restore(store.snapshot()).unwrap();
        for query in queries(&mut rng, &names, 200) {
            let expected = store.search_entities_by_scan(&query, &[], 20);
            assert_eq!(
                restored.search_entities(&query, &[], 20),
                expected,
                "{query:?}"
            );
        }
    }
}
