//! The date vocabulary, loaded once from `data/dates_lexicon.tsv` and `data/dates_forward_cues.txt`.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Early,
    Mid,
    Late,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordClass {
    Month(u8),
    Weekday(u8),
    Number(u32),
    Ordinal(u32),
    Unit(Unit),
    Season(u8),
    Part(Part),
    /// The first word of an anaphoric phrase ("this time around").
    AnaphorStart,
    /// A word that can start a relative date ("today", "the next day").
    Keyword,
}

/// How an anaphoric phrase ("this time around", "after the visit") takes the previous date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnaphorMode {
    Same,
    End,
    Month,
}

/// One anaphoric phrase: lower-case words, `None` standing for up to four other words.
pub type AnaphorPattern = (Vec<Option<String>>, AnaphorMode);

pub struct Lexicon {
    /// Looked up for every word of every sentence, most of them absent: a cheap hash beats a
    /// binary search of string comparisons.
    words: FxHashMap<String, Vec<WordClass>>,
    pub forward_cues: Vec<String>,
    pub anaphora: Vec<AnaphorPattern>,
}

macro_rules! class_of {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub fn $name(classes: &[WordClass]) -> Option<$ty> {
            classes.iter().find_map(|c| match c {
                WordClass::$variant(v) => Some(*v),
                _ => None,
            })
        }
    };
}

class_of!(month_in, Month, u8);
class_of!(weekday_in, Weekday, u8);
class_of!(number_in, Number, u32);
class_of!(ordinal_in, Ordinal, u32);
class_of!(unit_in, Unit, Unit);
class_of!(season_in, Season, u8);
class_of!(part_in, Part, Part);

impl Lexicon {
    pub fn classes(&self, word: &str) -> &[WordClass] {
        self.words.get(word).map_or(&[], Vec::as_slice)
    }

    pub fn weekday(&self, word: &str) -> Option<u8> {
        weekday_in(self.classes(word))
    }
}

fn parse_class(class: &str, value: &str) -> Option<WordClass> {
    let number = || value.parse::<u32>().ok();
    Some(match class {
        "month" => WordClass::Month(
            u8::try_from(number()?)
                .ok()
                .filter(|m| (1..=12).contains(m))?,
        ),
        "weekday" => WordClass::Weekday(u8::try_from(number()?).ok().filter(|d| *d < 7)?),
        "number" => WordClass::Number(number()?),
        "ordinal" => WordClass::Ordinal(number()?),
        "keyword" => WordClass::Keyword,
        "season" => WordClass::Season(
            u8::try_from(number()?)
                .ok()
                .filter(|m| (1..=12).contains(m))?,
        ),
        "unit" => WordClass::Unit(match value {
            "d" => Unit::Day,
            "w" => Unit::Week,
            "m" => Unit::Month,
            "y" => Unit::Year,
            _ => return None,
        }),
        "part" => WordClass::Part(match value {
            "e" => Part::Early,
            "m" => Part::Mid,
            "l" => Part::Late,
            _ => return None,
        }),
        _ => return None,
    })
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

pub fn parse_lexicon(tsv: &str, forward: &str, anaphora: &str) -> Lexicon {
    let mut words: FxHashMap<String, Vec<WordClass>> = FxHashMap::default();
    for line in data_lines(tsv) {
        let mut fields = line.split('\t');
        let (Some(word), Some(class), Some(value)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("data/dates_lexicon.tsv: malformed line {line:?}");
        };
        let class = parse_class(class, value)
            .unwrap_or_else(|| panic!("data/dates_lexicon.tsv: bad class or value in {line:?}"));
        words.entry(word.to_lowercase()).or_default().push(class);
    }
    let forward_cues = data_lines(forward).map(str::to_lowercase).collect();
    let anaphora: Vec<AnaphorPattern> = data_lines(anaphora)
        .map(|line| {
            let (phrase, mode) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("data/dates_anaphora.tsv: malformed line {line:?}"));
            let mode = match mode.trim() {
                "same" => AnaphorMode::Same,
                "end" => AnaphorMode::End,
                "month" => AnaphorMode::Month,
                other => panic!("data/dates_anaphora.tsv: unknown mode {other:?}"),
            };
            let words = phrase
                .split_whitespace()
                .map(|w| (w != "*").then(|| w.to_lowercase()))
                .collect();
            (words, mode)
        })
        .collect();
    for (pattern, _) in &anaphora {
        if let Some(Some(first)) = pattern.first() {
            let classes = words.entry(first.clone()).or_default();
            if !classes.contains(&WordClass::AnaphorStart) {
                classes.push(WordClass::AnaphorStart);
            }
        }
    }
    Lexicon {
        words,
        forward_cues,
        anaphora,
    }
}

/// Built into the binary, so a malformed file fails the first test rather than a user's run.
pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    parse_lexicon(
        include_str!("../../../data/dates_lexicon.tsv"),
        include_str!("../../../data/dates_forward_cues.txt"),
        include_str!("../../../data/dates_anaphora.tsv"),
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lexicon_loads() {
        assert_eq!(month_in(LEXICON.classes("sept")), Some(9));
        assert_eq!(LEXICON.weekday("friday"), Some(4));
        assert_eq!(number_in(LEXICON.classes("ten")), Some(10));
        assert_eq!(unit_in(LEXICON.classes("weeks")), Some(Unit::Week));
        assert_eq!(part_in(LEXICON.classes("late")), Some(Part::Late));
        assert!(LEXICON.forward_cues.iter().any(|c| c == "will"));
        assert!(
            LEXICON
                .anaphora
                .iter()
                .any(|(_, mode)| *mode == AnaphorMode::Month)
        );
    }
}
