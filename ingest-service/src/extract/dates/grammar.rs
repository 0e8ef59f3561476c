//! Recognises date expressions in a token stream, before any year or anchor is known.

use super::lexicon::{
    AnaphorMode, LEXICON, Part, Unit, WordClass, month_in, number_in, ordinal_in, part_in,
    season_in, unit_in, weekday_in,
};
use super::tokens::Token;

/// A calendar date as written; parts the text leaves out are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ymd {
    pub year: Option<u16>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raw {
    /// Calendar dates as written; a missing year comes from the article.
    Absolute {
        start: Ymd,
        end: Ymd,
    },
    Season {
        first_month: u8,
        part: Option<Part>,
        year: Option<u16>,
        year_offset: i32,
    },
    /// "On Friday": the latest such day on or before the article's date (`offset` weeks from it).
    Weekday {
        weekday: u8,
        offset: i32,
    },
    /// "two weeks later" (+), "ten days earlier" (-), "two years ago" (`from_now`).
    Shift {
        amount: i32,
        unit: Unit,
        vague: bool,
        from_now: bool,
        after_phrase: bool,
    },
    /// "this time around", "after the visit", "meanwhile".
    Anaphor(AnaphorMode),
    /// "on his third day in Ashgabat".
    NthDay(u32),
    /// "last September" (-1), "this June" (0), "next March" (+1): the month named, in the
    /// year the article's date puts it.
    MonthOfNow {
        month: u8,
        offset: i32,
    },
    /// "today" (0), "yesterday" (-1), "tomorrow" (+1).
    RelativeDay(i32),
    /// "the next day" (+1), "the day before" (-1): from the previous date, else from today.
    AdjacentDay(i32),
    RelativeYear(i32),
    RelativeMonth(i32),
    RelativeWeek(i32),
    /// "in the last two months".
    LastMonths(u32),
    /// "the first eight months of 2024", "the ten months" (of the article's year).
    FirstMonths {
        months: u32,
        year: Option<u16>,
        year_offset: i32,
    },
    /// "the last weekend of October".
    Weekend {
        last: bool,
        month: u8,
        year: Option<u16>,
    },
}

/// The preposition that governs a date, which tells whether the date is when something happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DateCue {
    #[default]
    Plain,
    Since,
    Until,
    By,
    Before,
    After,
    /// A comparison base: "up by 10% over 2015".
    Compare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub raw: Raw,
    pub cue: DateCue,
    /// Byte range of the whole expression, leading preposition and qualifiers included.
    pub start: usize,
    pub end: usize,
    /// Byte offset where the date proper starts (after "On", "in early", …).
    pub core_start: usize,
    /// The year comes from a relative phrase after the date ("on 26 April this year").
    pub relative_year: bool,
}

const MAX_YEAR: u32 = 2199;
const MIN_YEAR: u32 = 1800;

fn day(t: Option<&Token>) -> Option<u8> {
    let (v, digits) = t?.number()?;
    (digits <= 2 && (1..=31).contains(&v)).then_some(v as u8)
}

fn year(t: Option<&Token>) -> Option<u16> {
    let (v, digits) = t?.number()?;
    (digits == 4 && (MIN_YEAR..=MAX_YEAR).contains(&v)).then_some(v as u16)
}

/// A month name: full names anywhere when capitalised; abbreviations only capitalised too.
fn month(t: Option<&Token>) -> Option<u8> {
    let t = t?;
    if !t.is_capitalized() {
        return None;
    }
    month_in(t.classes)
}

fn is_range_joiner(t: Option<&Token>) -> bool {
    t.is_some_and(|t| {
        t.is_dash()
            || t.is_word("to")
            || t.is_word("and")
            || t.is_word("until")
            || t.is_word("through")
    })
}

fn number_word(t: Option<&Token>) -> Option<u32> {
    let t = t?;
    if let Some((v, digits)) = t.number() {
        return (digits <= 3).then_some(v);
    }
    number_in(t.classes)
}

struct Matcher<'a> {
    tokens: &'a [Token],
}

impl<'a> Matcher<'a> {
    fn at(&self, i: usize) -> Option<&'a Token> {
        self.tokens.get(i)
    }

    fn word(&self, i: usize) -> Option<&'a str> {
        self.at(i).and_then(Token::word)
    }

    /// Skips an optional comma and an abbreviation's full stop after a month ("Sept.").
    fn skip_comma(&self, i: usize) -> usize {
        if self.at(i).is_some_and(|t| t.is_punct(',')) {
            i + 1
        } else {
            i
        }
    }

    fn optional_year(&self, i: usize) -> (Option<u16>, usize) {
        let j = self.skip_comma(i);
        match year(self.at(j)) {
            Some(y) => (Some(y), j + 1),
            None => (None, i),
        }
    }

    /// Number-led: "18 – 20 November", "4 and 5 December", "28 February to 2 March", "18 November
    /// 2015", "2002–2014", "2014".
    fn number_led(&self, i: usize) -> Option<(Raw, usize)> {
        if let Some(d1) = day(self.at(i)) {
            if is_range_joiner(self.at(i + 1))
                && let (Some(d2), Some(m)) = (day(self.at(i + 2)), month(self.at(i + 3)))
            {
                let (y, end) = self.optional_year(i + 4);
                let start = Ymd {
                    year: y,
                    month: Some(m),
                    day: Some(d1),
                };
                let finish = Ymd {
                    year: y,
                    month: Some(m),
                    day: Some(d2),
                };
                return Some((Raw::Absolute { start, end: finish }, end));
            }
            if let Some(m1) = month(self.at(i + 1)) {
                let after_month = i
                    + 2
                    + usize::from(
                        self.at(i + 2).is_some_and(|t| t.is_punct('.'))
                            && self.word(i + 1).is_some_and(|w| w.len() <= 4),
                    );
                if is_range_joiner(self.at(after_month))
                    && let (Some(d2), Some(m2)) = (
                        day(self.at(after_month + 1)),
                        month(self.at(after_month + 2)),
                    )
                {
                    let (y, end) = self.optional_year(after_month + 3);
                    let start = Ymd {
                        year: y,
                        month: Some(m1),
                        day: Some(d1),
                    };
                    let finish = Ymd {
                        year: y,
                        month: Some(m2),
                        day: Some(d2),
                    };
                    return Some((Raw::Absolute { start, end: finish }, end));
                }
                let (y, end) = self.optional_year(i + 2);
                let date = Ymd {
                    year: y,
                    month: Some(m1),
                    day: Some(d1),
                };
                return Some((
                    Raw::Absolute {
                        start: date,
                        end: date,
                    },
                    end,
                ));
            }
        }
        if let Some(y1) = year(self.at(i)) {
            if self.at(i + 1).is_some_and(Token::is_dash)
                && let Some(y2) = year(self.at(i + 2))
                && y2 > y1
                && y2 - y1 <= 100
            {
                let start = Ymd {
                    year: Some(y1),
                    ..Ymd::default()
                };
                let end = Ymd {
                    year: Some(y2),
                    ..Ymd::default()
                };
                return Some((Raw::Absolute { start, end }, i + 3));
            }
            let date = Ymd {
                year: Some(y1),
                ..Ymd::default()
            };
            return Some((
                Raw::Absolute {
                    start: date,
                    end: date,
                },
                i + 1,
            ));
        }
        None
    }

    /// Month-led: "July 19-20", "February 28 to March 2", "October 22, 2018", "June-July",
    /// "January – September 2015", "August 2018", and a month alone after "in", "since", ….
    fn month_led(&self, i: usize) -> Option<(Raw, usize)> {
        let m1 = month(self.at(i))?;
        let mut next = i + 1;
        if self.at(next).is_some_and(|t| t.is_punct('.'))
            && self.word(i).is_some_and(|w| w.len() <= 4)
        {
            next += 1;
        }
        if let Some(d1) = day(self.at(next)) {
            if is_range_joiner(self.at(next + 1)) {
                if let Some(d2) = day(self.at(next + 2)) {
                    let (y, end) = self.optional_year(next + 3);
                    let start = Ymd {
                        year: y,
                        month: Some(m1),
                        day: Some(d1),
                    };
                    let finish = Ymd {
                        year: y,
                        month: Some(m1),
                        day: Some(d2),
                    };
                    return Some((Raw::Absolute { start, end: finish }, end));
                }
                if let (Some(m2), Some(d2)) = (month(self.at(next + 2)), day(self.at(next + 3))) {
                    let (y, end) = self.optional_year(next + 4);
                    let start = Ymd {
                        year: y,
                        month: Some(m1),
                        day: Some(d1),
                    };
                    let finish = Ymd {
                        year: y,
                        month: Some(m2),
                        day: Some(d2),
                    };
                    return Some((Raw::Absolute { start, end: finish }, end));
                }
            }
            let (y, end) = self.optional_year(next + 1);
            let date = Ymd {
                year: y,
                month: Some(m1),
                day: Some(d1),
            };
            return Some((
                Raw::Absolute {
                    start: date,
                    end: date,
                },
                end,
            ));
        }
        if is_range_joiner(self.at(next))
            && let Some(m2) = month(self.at(next + 1))
        {
            let (y, end) = self.optional_year(next + 2);
            let start = Ymd {
                year: y,
                month: Some(m1),
                day: None,
            };
            let finish = Ymd {
                year: y,
                month: Some(m2),
                day: None,
            };
            return Some((Raw::Absolute { start, end: finish }, end));
        }
        if let Some(y) = year(self.at(next)) {
            let date = Ymd {
                year: Some(y),
                month: Some(m1),
                day: None,
            };
            return Some((
                Raw::Absolute {
                    start: date,
                    end: date,
                },
                next + 1,
            ));
        }
        // A month alone must be governed by a preposition or qualifier ("May" is also a verb).
        let licensed = i > 0
            && self.word(i - 1).is_some_and(|w| {
                matches!(
                    w,
                    "in" | "of"
                        | "for"
                        | "since"
                        | "until"
                        | "till"
                        | "by"
                        | "during"
                        | "from"
                        | "before"
                        | "after"
                        | "through"
                        | "throughout"
                        | "early"
                        | "mid"
                        | "late"
                        | "last"
                        | "next"
                        | "this"
                )
            });
        let licensed = licensed
            || (i > 1
                && self.at(i - 1).is_some_and(Token::is_dash)
                && self.word(i - 2) == Some("mid"));
        if licensed {
            let date = Ymd {
                year: None,
                month: Some(m1),
                day: None,
            };
            return Some((
                Raw::Absolute {
                    start: date,
                    end: date,
                },
                next,
            ));
        }
        None
    }

    /// Relative and descriptive forms, starting with a word.
    fn word_led(&self, i: usize) -> Option<(Raw, usize)> {
        // Every relative date starts with a word of the date vocabulary: skip the others fast.
        if self.at(i)?.classes.is_empty() {
            return None;
        }
        let w = self.word(i)?;
        let t = self.at(i)?;
        if t.is_capitalized()
            && let Some(weekday) = weekday_in(t.classes)
        {
            let offset = match self.word(i.wrapping_sub(1)) {
                Some("next") => 1,
                Some("last") => -1,
                _ => 0,
            };
            return Some((Raw::Weekday { weekday, offset }, i + 1));
        }
        if let Some(found) = self.anaphor(i) {
            return Some(found);
        }
        match w {
            "today" | "yesterday" | "tomorrow" => {
                let possessive = self
                    .at(i + 1)
                    .is_some_and(|t| t.is_punct('\'') || t.is_punct('’'))
                    && self.word(i + 2) == Some("s");
                if possessive {
                    return None;
                }
                let offset = match w {
                    "yesterday" => -1,
                    "tomorrow" => 1,
                    _ => 0,
                };
                return Some((Raw::RelativeDay(offset), i + 1));
            }
            "next" | "following" if self.word(i + 1) == Some("day") => {
                return Some((Raw::AdjacentDay(1), i + 2));
            }
            "previous" if self.word(i + 1) == Some("day") => {
                return Some((Raw::AdjacentDay(-1), i + 2));
            }
            "day"
                if self.word(i.wrapping_sub(1)) == Some("the")
                    && matches!(self.word(i + 1), Some("before") | Some("after"))
                    && !self
                        .word(i + 2)
                        .is_some_and(|n| n == "the" || n == "his" || n == "her") =>
            {
                let offset = if self.word(i + 1) == Some("before") {
                    -1
                } else {
                    1
                };
                return Some((Raw::AdjacentDay(offset), i + 2));
            }
            "this" | "last" | "next" | "outgoing" | "current" | "previous" => {
                let offset = match w {
                    "last" | "previous" => -1,
                    "next" => 1,
                    _ => 0,
                };
                // "last September", "this June": not "last 5 May" or "this May 2020".
                if matches!(w, "this" | "last" | "next")
                    && let Some(m) = month(self.at(i + 1))
                    && day(self.at(i + 2)).is_none()
                    && year(self.at(i + 2)).is_none()
                {
                    return Some((Raw::MonthOfNow { month: m, offset }, i + 2));
                }
                match self.word(i + 1) {
                    Some("year") => return Some((Raw::RelativeYear(offset), i + 2)),
                    // "this morning", "last night": parts of the article's day, or the day before.
                    Some("morning" | "afternoon" | "evening") if w == "this" => {
                        return Some((Raw::RelativeDay(0), i + 2));
                    }
                    Some("night") if w == "last" => return Some((Raw::RelativeDay(-1), i + 2)),
                    Some("month") if w != "outgoing" => {
                        return Some((Raw::RelativeMonth(offset), i + 2));
                    }
                    Some("week") if w != "outgoing" => {
                        return Some((Raw::RelativeWeek(offset), i + 2));
                    }
                    _ => {}
                }
                if w == "last"
                    && let (Some(n), Some(Unit::Month)) = (
                        number_word(self.at(i + 1)),
                        self.at(i + 2).and_then(|u| unit_in(u.classes)),
                    )
                    && n > 1
                    && n <= 12
                    && self.word(i.wrapping_sub(1)) == Some("the")
                {
                    return Some((Raw::LastMonths(n), i + 3));
                }
                if w == "last"
                    && let Some(found) = self.weekend(i)
                {
                    return Some(found);
                }
            }
            "past" => {
                if let (Some(n), Some(Unit::Month)) = (
                    number_word(self.at(i + 1)),
                    self.at(i + 2).and_then(|u| unit_in(u.classes)),
                ) && n > 1
                    && n <= 12
                    && self.word(i.wrapping_sub(1)) == Some("the")
                {
                    return Some((Raw::LastMonths(n), i + 3));
                }
            }
            "first" => {
                if let Some(found) = self.weekend(i) {
                    return Some(found);
                }
                if let Some(found) = self.first_months(i + 1) {
                    return Some(found);
                }
            }
            "the" => {
                if matches!(self.word(i + 1), Some("year"))
                    && i > 0
                    && self.word(i - 1) == Some("of")
                {
                    // "the beginning of the year", "the end of the year".
                    let qualified =
                        i > 1 && self.at(i - 2).is_some_and(|q| part_in(q.classes).is_some());
                    if qualified {
                        return Some((Raw::RelativeYear(0), i + 2));
                    }
                }
                if let Some(n) = number_word(self.at(i + 1))
                    && (2..=11).contains(&n)
                    && self.word(i + 2) == Some("months")
                    && !matches!(
                        self.word(i + 3),
                        Some("later")
                            | Some("earlier")
                            | Some("ago")
                            | Some("after")
                            | Some("before")
                    )
                {
                    return self.first_months(i + 1).or(Some((
                        Raw::FirstMonths {
                            months: n,
                            year: None,
                            year_offset: 0,
                        },
                        i + 3,
                    )));
                }
            }
            _ => {}
        }
        if let Some(found) = self.season(i) {
            return Some(found);
        }
        if let Some(found) = self.nth_day(i) {
            return Some(found);
        }
        self.shift(i)
    }

    /// "first eight months of this year", "first eight months of 2024" at the count word.
    fn first_months(&self, i: usize) -> Option<(Raw, usize)> {
        let n = number_word(self.at(i))?;
        if !(1..=11).contains(&n) || self.word(i + 1) != Some("months") {
            return None;
        }
        if self.word(i + 2) == Some("of") {
            if let Some(y) = year(self.at(i + 3)) {
                return Some((
                    Raw::FirstMonths {
                        months: n,
                        year: Some(y),
                        year_offset: 0,
                    },
                    i + 4,
                ));
            }
            let offset = match (self.word(i + 3), self.word(i + 4)) {
                (Some("this" | "the"), Some("year")) => Some(0),
                (Some("last"), Some("year")) => Some(-1),
                _ => None,
            };
            if let Some(offset) = offset {
                return Some((
                    Raw::FirstMonths {
                        months: n,
                        year: None,
                        year_offset: offset,
                    },
                    i + 5,
                ));
            }
        }
        Some((
            Raw::FirstMonths {
                months: n,
                year: None,
                year_offset: 0,
            },
            i + 2,
        ))
    }

    /// "last weekend of October [2016]" at "last"/"first".
    fn weekend(&self, i: usize) -> Option<(Raw, usize)> {
        let last = match self.word(i)? {
            "last" => true,
            "first" => false,
            _ => return None,
        };
        if self.word(i + 1) != Some("weekend") || self.word(i + 2) != Some("of") {
            return None;
        }
        let m = month(self.at(i + 3))?;
        let (y, end) = self.optional_year(i + 4);
        Some((
            Raw::Weekend {
                last,
                month: m,
                year: y,
            },
            end,
        ))
    }

    /// "early spring", "this autumn", "summer 2015", "the fall of 2014".
    fn season(&self, i: usize) -> Option<(Raw, usize)> {
        let first_month = season_in(self.at(i)?.classes)?;
        let before = self.word(i.wrapping_sub(1));
        let part = i
            .checked_sub(1)
            .and_then(|b| self.at(b))
            .and_then(|t| part_in(t.classes));
        let relative_word = if part.is_some() {
            self.word(i.wrapping_sub(2))
        } else {
            before
        };
        let year_offset = match relative_word {
            Some("this") => Some(0),
            Some("last") => Some(-1),
            Some("next") => Some(1),
            _ => None,
        };
        let mut next = i + 1;
        if self.word(next) == Some("of") && year(self.at(next + 1)).is_some() {
            next += 1;
        }
        let y = year(self.at(next));
        let end = if y.is_some() { next + 1 } else { i + 1 };
        let governed = matches!(
            before,
            Some("in") | Some("during") | Some("since") | Some("until") | Some("by")
        );
        let is_fall = first_month == 9 && self.word(i) == Some("fall");
        let licensed =
            y.is_some() || year_offset.is_some() || part.is_some() || (governed && !is_fall);
        if !licensed {
            return None;
        }
        Some((
            Raw::Season {
                first_month,
                part,
                year: y,
                year_offset: year_offset.unwrap_or(0),
            },
            end,
        ))
    }

    /// "on his third day in Ashgabat" at the possessive.
    fn nth_day(&self, i: usize) -> Option<(Raw, usize)> {
        if !matches!(self.word(i)?, "his" | "her" | "their" | "its") {
            return None;
        }
        let n = ordinal_in(self.at(i + 1)?.classes)?;
        (self.word(i + 2) == Some("day") && n >= 2).then_some((Raw::NthDay(n), i + 3))
    }

    /// "ten days earlier", "two weeks later", "exactly two years ago", "a few days after".
    fn shift(&self, i: usize) -> Option<(Raw, usize)> {
        let (amount, vague, unit_at) = match (self.word(i), self.word(i + 1)) {
            (Some("a"), Some("few")) | (Some("several"), _) | (Some("few"), _) => (
                1,
                true,
                if self.word(i) == Some("a") {
                    i + 2
                } else {
                    i + 1
                },
            ),
            (Some("a"), Some("couple")) if self.word(i + 2) == Some("of") => (2, false, i + 3),
            _ => (number_word(self.at(i))? as i32, false, i + 1),
        };
        let unit = unit_in(self.at(unit_at)?.classes)?;
        let direction = self.word(unit_at + 1)?;
        let (sign, from_now, after_phrase) = match direction {
            "later" | "afterwards" => (1, false, false),
            "after" => {
                let followed_by_phrase = self.word(unit_at + 2).is_some_and(|w| w != "that");
                (1, false, followed_by_phrase)
            }
            "earlier" | "before" | "prior" => (-1, false, false),
            "ago" => (-1, true, false),
            _ => return None,
        };
        if amount == 0 || amount > 100 {
            return None;
        }
        Some((
            Raw::Shift {
                amount: sign * amount,
                unit,
                vague,
                from_now,
                after_phrase,
            },
            unit_at + 2,
        ))
    }

    fn anaphor(&self, i: usize) -> Option<(Raw, usize)> {
        if !self.at(i)?.classes.contains(&WordClass::AnaphorStart) {
            return None;
        }
        let first = self.word(i);
        'patterns: for (words, mode) in &LEXICON.anaphora {
            // Most start words ("the", "on", "after") begin few patterns: skip the others at once.
            if let Some(Some(w)) = words.first()
                && first != Some(w.as_str())
            {
                continue;
            }
            let mut j = i;
            let mut k = 0;
            while k < words.len() {
                match &words[k] {
                    Some(w) => {
                        if self.word(j) != Some(w.as_str()) {
                            continue 'patterns;
                        }
                        j += 1;
                    }
                    None => {
                        // Up to four words, then the rest of the pattern must follow.
                        let rest = &words[k + 1..];
                        let Some(Some(next_word)) = rest.first() else {
                            continue 'patterns;
                        };
                        let found = (j..j + 5).find(|&x| {
                            self.word(x) == Some(next_word.as_str())
                                && (j..x).all(|y| self.word(y).is_some())
                        });
                        let Some(x) = found else { continue 'patterns };
                        j = x;
                    }
                }
                k += 1;
            }
            return Some((Raw::Anaphor(*mode), j));
        }
        None
    }

    fn match_at(&self, i: usize) -> Option<(Raw, usize)> {
        self.number_led(i)
            .or_else(|| self.month_led(i))
            .or_else(|| self.word_led(i))
            // "10 days later": a shift counted in digits.
            .or_else(|| self.at(i)?.number().and_then(|_| self.shift(i)))
    }

    /// Walks back over prepositions and qualifiers ("on", "in early", "at the end of", "Earlier
    /// in", "mid-") to find where the expression starts and which preposition governs it.
    fn prefix(&self, i: usize) -> (usize, DateCue) {
        let mut j = i;
        let mut cue = None;
        while j > 0 {
            let t = &self.tokens[j - 1];
            let Some(w) = t.word() else {
                if t.is_dash() && j >= 2 && self.word(j - 2) == Some("mid") {
                    j -= 1;
                    continue;
                }
                break;
            };
            let c = match w {
                "since" => Some(DateCue::Since),
                "until" | "till" | "through" => Some(DateCue::Until),
                "up" if self.word(j) == Some("to") => Some(DateCue::Until),
                "by" => Some(DateCue::By),
                "before" => Some(DateCue::Before),
                "after" => Some(DateCue::After),
                "over" | "than" | "compared" | "against" if j == i => Some(DateCue::Compare),
                "on" | "in" | "from" | "during" | "of" | "for" | "at" | "between"
                | "throughout" | "the" | "earlier" | "later" | "exactly" | "only"
                | "originally" => Some(DateCue::Plain),
                _ if part_in(t.classes).is_some() => Some(DateCue::Plain),
                "to" if self.word(j.wrapping_sub(2)) == Some("up") => None,
                _ => break,
            };
            if let Some(c) = c {
                if cue.is_none() && c != DateCue::Plain {
                    cue = Some(c);
                }
                if cue.is_none()
                    && matches!(
                        w,
                        "on" | "in" | "from" | "during" | "for" | "at" | "between"
                    )
                {
                    cue = Some(DateCue::Plain);
                }
            }
            j -= 1;
            // "the end of", "in early": keep walking only through words that can chain.
        }
        (j, cue.unwrap_or_default())
    }
}

/// Every date expression in `text`, in order, not overlapping.
pub fn find(text: &str, tokens: &[Token]) -> Vec<Found> {
    let _ = text;
    let matcher = Matcher { tokens };
    let mut found = Vec::new();
    let mut i = 0;
    let mut last_end = 0;
    while i < tokens.len() {
        if let Some((raw, end)) = matcher.match_at(i) {
            let end = end.max(i + 1).min(tokens.len());
            let (prefix_start, cue) = matcher.prefix(i);
            let prefix_start = prefix_start.max(last_end);
            found.push(Found {
                raw,
                cue,
                start: tokens[prefix_start].start,
                end: tokens[end - 1].end,
                core_start: tokens[i].start,
                relative_year: false,
            });
            last_end = end;
            i = end;
        } else {
            i += 1;
        }
    }
    found
}
