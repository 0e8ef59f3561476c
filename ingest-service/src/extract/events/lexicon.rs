//! Trigger and cue lexicons, loaded once from `data/event_triggers.tsv`, `data/event_verbs.tsv`
//! (verbs by lemma, inflected here) and `data/event_cues.tsv`, and matched with one Aho-Corasick
//! pass per sentence.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::extract::model::{EventKind, TradeMetric};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    Event(EventKind),
    /// A happening that did not take place as planned; reported as `Other`.
    Postponed,
    /// "took place", "was held": reported as `Other` when no other trigger says more.
    Happened,
    Trade(TradeMetric),
    /// A verb that changes a measure ("extended", "lifted"): a sanction beside a restriction.
    Change,
    /// A measure that is not by itself a sanction ("measures", "restrictions").
    Restriction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerRole {
    GuestSubject,
    HostSubject,
    Met,
    MetNoun,
    Speaker,
    TargetObject,
    Party,
    Noun,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CueClass {
    Planned,
    Target,
}

/// A phrase found in a sentence, with its byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit<T> {
    pub start: usize,
    pub end: usize,
    pub value: T,
}

pub struct PhraseSet<T> {
    automaton: AhoCorasick,
    values: Vec<T>,
}

impl<T: Copy> PhraseSet<T> {
    fn new(entries: Vec<(String, T)>, file: &str) -> Self {
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            // Run over every sentence: a few hundred phrases make a small DFA, the fastest kind.
            .kind(Some(AhoCorasickKind::DFA))
            .build(entries.iter().map(|(p, _)| p.as_str()))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        PhraseSet {
            automaton,
            values: entries.into_iter().map(|(_, v)| v).collect(),
        }
    }

    /// Whole-word matches, leftmost-longest, in order.
    pub fn find(&self, text: &str) -> Vec<Hit<T>> {
        self.automaton
            .find_iter(text)
            .filter(|m| {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '-')
            })
            .map(|m| Hit {
                start: m.start(),
                end: m.end(),
                value: self.values[m.pattern().as_usize()],
            })
            .collect()
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn parse_kind(kind: &str, role: &str) -> Option<(TriggerKind, TriggerRole)> {
    let event = |k| Some(TriggerKind::Event(k));
    let kind = match kind {
        "visit" => event(EventKind::Visit),
        "meeting" => event(EventKind::Meeting),
        "conference" => event(EventKind::Conference),
        "agreement" => event(EventKind::Agreement),
        "statement" => event(EventKind::Statement),
        "vote" => event(EventKind::Vote),
        "sanction" => event(EventKind::Sanction),
        "legal" => event(EventKind::Legal),
        "other" => event(EventKind::Other),
        "postponed" => Some(TriggerKind::Postponed),
        "happened" => Some(TriggerKind::Happened),
        "change" => Some(TriggerKind::Change),
        "restriction" => Some(TriggerKind::Restriction),
        "trade" => {
            let metric = match role {
                "turnover" => TradeMetric::Turnover,
                "exports" => TradeMetric::Exports,
                "imports" => TradeMetric::Imports,
                "investment" => TradeMetric::Investment,
                "contracts" => TradeMetric::Contracts,
                "other" => TradeMetric::Other,
                _ => return None,
            };
            return Some((TriggerKind::Trade(metric), TriggerRole::Noun));
        }
        _ => None,
    }?;
    let role = match role {
        "guest_subject" => TriggerRole::GuestSubject,
        "host_subject" => TriggerRole::HostSubject,
        "met" => TriggerRole::Met,
        "met_noun" => TriggerRole::MetNoun,
        "speaker" => TriggerRole::Speaker,
        "target_object" => TriggerRole::TargetObject,
        "party" => TriggerRole::Party,
        "noun" => TriggerRole::Noun,
        _ => return None,
    };
    Some((kind, role))
}

/// The forms of a verb phrase by rule: its first word with -s, -ed and -ing ("call for",
/// "calls for", "called for", "calling for"); `base` keeps the lemma and -s forms.
pub fn inflections(phrase: &str, base: bool) -> Vec<String> {
    let (head, rest) = match phrase.split_once(' ') {
        Some((h, r)) => (h, format!(" {r}")),
        None => (phrase, String::new()),
    };
    let consonant_y =
        head.ends_with('y') && !head[..head.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    let stem_y = &head[..head.len().saturating_sub(1)];
    let third = if head.ends_with(['s', 'x', 'z']) || head.ends_with("ch") || head.ends_with("sh") {
        format!("{head}es")
    } else if consonant_y {
        format!("{stem_y}ies")
    } else {
        format!("{head}s")
    };
    let past = if head.ends_with('e') {
        format!("{head}d")
    } else if consonant_y {
        format!("{stem_y}ied")
    } else {
        format!("{head}ed")
    };
    let ing = if head.ends_with('e') && !head.ends_with("ee") {
        format!("{}ing", &head[..head.len() - 1])
    } else {
        format!("{head}ing")
    };
    let mut forms = Vec::with_capacity(4);
    if base {
        forms.push(head.to_string());
        forms.push(third);
    }
    forms.push(past);
    forms.push(ing);
    forms.into_iter().map(|f| format!("{f}{rest}")).collect()
}

/// `data/event_verbs.tsv`: lemma, kind, role and options (irregular forms, `no-base`).
pub fn parse_verbs(tsv: &str) -> Vec<(String, (TriggerKind, TriggerRole))> {
    let mut entries = Vec::new();
    for line in data_lines(tsv) {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let (lemma, kind, role, options) = match fields.as_slice() {
            [l, k, r] => (*l, *k, *r, ""),
            [l, k, r, o] => (*l, *k, *r, *o),
            _ => panic!("data/event_verbs.tsv: expected 3 or 4 fields in {line:?}"),
        };
        let value = parse_kind(kind, role)
            .unwrap_or_else(|| panic!("data/event_verbs.tsv: unknown kind or role in {line:?}"));
        let options: Vec<&str> = options
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        let base = !options.contains(&"no-base");
        let mut forms = inflections(lemma, base);
        forms.extend(
            options
                .iter()
                .filter(|o| **o != "no-base")
                .map(|o| o.to_string()),
        );
        entries.extend(forms.into_iter().map(|f| (f, value)));
    }
    entries
}

pub fn parse_triggers(tsv: &str, verbs: &str) -> PhraseSet<(TriggerKind, TriggerRole)> {
    let mut entries: Vec<(String, (TriggerKind, TriggerRole))> = data_lines(tsv)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [phrase, kind, role] = fields.as_slice() else {
                panic!("data/event_triggers.tsv: expected 3 fields in {line:?}");
            };
            let value = parse_kind(kind, role).unwrap_or_else(|| {
                panic!("data/event_triggers.tsv: unknown kind or role in {line:?}")
            });
            (phrase.to_string(), value)
        })
        .collect();
    // A phrase listed in both files keeps the trigger file's meaning.
    let listed: std::collections::BTreeSet<String> = entries
        .iter()
        .map(|(p, _)| p.to_ascii_lowercase())
        .collect();
    let mut seen = listed;
    for (form, value) in parse_verbs(verbs) {
        if seen.insert(form.to_ascii_lowercase()) {
            entries.push((form, value));
        }
    }
    PhraseSet::new(entries, "data/event_triggers.tsv")
}

pub fn parse_cues(tsv: &str) -> PhraseSet<CueClass> {
    let entries = data_lines(tsv)
        .map(|line| {
            let (phrase, class) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("data/event_cues.tsv: malformed line {line:?}"));
            let class = match class.trim() {
                "planned" => CueClass::Planned,
                "target" => CueClass::Target,
                other => panic!("data/event_cues.tsv: unknown class {other:?}"),
            };
            (phrase.trim().to_string(), class)
        })
        .collect();
    PhraseSet::new(entries, "data/event_cues.tsv")
}

pub static TRIGGERS: LazyLock<PhraseSet<(TriggerKind, TriggerRole)>> = LazyLock::new(|| {
    parse_triggers(
        include_str!("../../../data/event_triggers.tsv"),
        include_str!("../../../data/event_verbs.tsv"),
    )
});

fn word_list(text: &str) -> Vec<String> {
    data_lines(text).map(|l| l.trim().to_string()).collect()
}

/// Words of a change in a figure ("rose", "down by"), for trade figures given only as a
/// percentage; matched as substrings.
pub static CHANGE_WORDS: LazyLock<Vec<String>> =
    LazyLock::new(|| word_list(include_str!("../../../data/event_change_words.txt")));

/// Personal pronouns that stand for the person of the sentence before ("She also received …").
pub static PRONOUNS: LazyLock<Vec<String>> =
    LazyLock::new(|| word_list(include_str!("../../../data/event_pronouns.txt")));

pub static CUES: LazyLock<PhraseSet<CueClass>> =
    LazyLock::new(|| parse_cues(include_str!("../../../data/event_cues.tsv")));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_lexicons_load_and_match_whole_words() {
        let hits =
            TRIGGERS.find("Lukashenka visited Minsk and revisited nothing; trade turnover grew.");
        let kinds: Vec<_> = hits.iter().map(|h| h.value.0).collect();
        assert_eq!(
            kinds,
            vec![
                TriggerKind::Event(EventKind::Visit),
                TriggerKind::Trade(TradeMetric::Turnover)
            ]
        );
        assert_eq!(
            inflections("call for", true),
            ["call for", "calls for", "called for", "calling for"]
        );
        assert_eq!(inflections("ratify", false), ["ratified", "ratifying"]);
        assert_eq!(inflections("impose", true)[2..], ["imposed", "imposing"]);
        assert_eq!(
            CUES.find("The presidents will meet")[0].value,
            CueClass::Planned
        );
    }
}
