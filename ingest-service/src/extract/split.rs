//! Splitting a cleaned page into articles: title (and series suffix), authors, sections under
//! sub-headings, paragraphs. Pages paste several articles one after another; a new one starts at
//! a title with a series suffix, after a listing dateline, or where the heading style changes.

use super::model::{PartialDate, Section};
use super::noise::{NoiseMark, is_dateline, is_heading_like, is_series_word};

/// An article as found on the page, before entities and dates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitArticle {
    pub title: String,
    pub series: String,
    pub authors: Vec<String>,
    pub sections: Vec<Section>,
    /// A date printed on the page just before the title (listing pages).
    pub published: Option<PartialDate>,
    /// 1-based line of the title (or of the first paragraph when there is no title).
    pub first_line: u32,
}

impl SplitArticle {
    fn paragraph_count(&self) -> usize {
        self.sections.iter().map(|s| s.paragraphs.len()).sum()
    }

    fn headings(&self) -> impl Iterator<Item = &str> {
        self.sections
            .iter()
            .map(|s| s.heading.as_str())
            .filter(|h| !h.is_empty())
    }
}

/// Function words left lower case in Title Case.
const MINOR_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "from", "by",
    "with", "into", "over", "as", "vs", "via", "per", "than", "up", "out", "off", "about",
];

/// Whether a heading is written in Title Case ("Dealing with Slavery and Human Trafficking in
/// Belarus") rather than sentence case ("Serbia: trading political support for investment").
pub fn is_title_case(heading: &str) -> bool {
    let words: Vec<&str> = heading
        .split_whitespace()
        .skip(1)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().next().is_some_and(char::is_alphabetic))
        .filter(|w| !MINOR_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    if words.len() < 2 {
        return false;
    }
    let capitalised = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    capitalised * 4 >= words.len() * 3
}

/// Splits "Title – Series Digest" into title and series; the series is empty when the suffix
/// does not name one.
pub fn split_series(title: &str) -> (String, String) {
    for sep in [" – ", " | "] {
        if let Some(pos) = title.rfind(sep) {
            let (head, tail) = (&title[..pos], &title[pos + sep.len()..]);
            let words: Vec<&str> = tail.split_whitespace().collect();
            let names_series = !head.trim().is_empty()
                && (1..=6).contains(&words.len())
                && words
                    .iter()
                    .any(|w| is_series_word(w.trim_matches(|c: char| !c.is_alphanumeric())));
            if names_series {
                return (head.trim().to_string(), tail.trim().to_string());
            }
        }
    }
    (title.trim().to_string(), String::new())
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The date of a dateline such as "4 August 2012", "Monday, 27 May 2024", "21 April 2024, 09:57",
/// "April 21, 2024" or "2019-12-13".
pub fn parse_dateline(line: &str) -> Option<PartialDate> {
    let lower = line.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let mut day = 0u8;
    let mut month = 0u8;
    let mut year = 0u16;
    for t in &tokens {
        if let Some(m) = MONTHS.iter().position(|m| m == t) {
            month = m as u8 + 1;
        } else if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            year = t.parse().ok()?;
        } else if t.len() <= 2 && t.chars().all(|c| c.is_ascii_digit()) {
            day = t.parse().ok()?;
        } else if t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
            year = t[..4].parse().ok()?;
            month = t[5..7].parse().ok()?;
            day = t[8..10].parse().ok()?;
        }
    }
    let valid =
        (1000..=2999).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then_some(PartialDate { year, month, day })
}

/// Splits the page's lines into articles. `marks[i]` is the noise mark of `lines[i]`; noise lines
/// are skipped except that author lines name the current article's author and a dateline right
/// before a title dates that article.
pub fn split_articles(lines: &[String], marks: &[Option<NoiseMark>]) -> Vec<SplitArticle> {
    let mut articles: Vec<SplitArticle> = Vec::new();
    let mut current: Option<SplitArticle> = None;
    // A dateline is kept as a paragraph of the article it dates: the next one when a title
    // follows it (listing pages), else the current one.
    let mut pending_dateline: Option<(usize, Option<PartialDate>)> = None;
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(mark) = &marks[i] {
            if is_dateline(Some(mark)) {
                if let Some((j, _)) = pending_dateline.take() {
                    push_paragraph(&mut current, &lines[j], j);
                }
                pending_dateline = Some((i, parse_dateline(line)));
            } else if mark.code == "author"
                && let Some(a) = current.as_mut()
                && !a.authors.iter().any(|x| x == line)
            {
                a.authors.push(line.clone());
            }
            continue;
        }
        let heading = is_heading_like(line);
        let dateline = pending_dateline.take();
        let starts_article = match &current {
            None => true,
            Some(a) => heading && starts_new_article(line, a, dateline.is_some()),
        };
        if !starts_article {
            if let Some((j, _)) = dateline {
                push_paragraph(&mut current, &lines[j], j);
            }
        } else {
            if let Some(done) = current.take() {
                articles.push(done);
            }
            let mut article = SplitArticle {
                published: dateline.and_then(|(_, d)| d),
                first_line: dateline.map_or(i, |(j, _)| j) as u32 + 1,
                ..SplitArticle::default()
            };
            if let Some((j, _)) = dateline {
                article.sections.push(Section {
                    heading: String::new(),
                    paragraphs: vec![lines[j].clone()],
                });
            }
            if heading {
                // The title stays as printed (readers and the gold annotations quote it whole);
                // the series its suffix names is kept apart for filtering.
                article.title = line.trim().to_string();
                article.series = split_series(line).1;
            } else {
                if article.sections.is_empty() {
                    article.sections.push(Section::default());
                }
                if let Some(section) = article.sections.last_mut() {
                    section.paragraphs.push(line.clone());
                }
            }
            current = Some(article);
            continue;
        }
        let Some(article) = current.as_mut() else {
            continue;
        };
        if heading {
            article.sections.push(Section {
                heading: line.clone(),
                paragraphs: Vec::new(),
            });
        } else {
            push_paragraph(&mut current, line, i);
        }
    }
    if let Some((j, _)) = pending_dateline.take() {
        push_paragraph(&mut current, &lines[j], j);
    }
    if let Some(done) = current.take() {
        articles.push(done);
    }
    articles
}

fn push_paragraph(current: &mut Option<SplitArticle>, line: &str, index: usize) {
    let article = current.get_or_insert_with(|| SplitArticle {
        first_line: index as u32 + 1,
        ..SplitArticle::default()
    });
    if article.sections.is_empty() {
        article.sections.push(Section::default());
    }
    if let Some(section) = article.sections.last_mut() {
        section.paragraphs.push(line.to_string());
    }
}

fn starts_new_article(heading: &str, current: &SplitArticle, after_dateline: bool) -> bool {
    if current.paragraph_count() == 0 {
        return false;
    }
    if after_dateline || !split_series(heading).1.is_empty() {
        return true;
    }
    // A Title Case heading after sentence-case sub-headings is another article's title.
    let mut headings = current.headings().peekable();
    headings.peek().is_some()
        && is_title_case(heading)
        && heading.split_whitespace().count() >= 4
        && current.headings().all(|h| !is_title_case(h))
        && current.paragraph_count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::noise::classify;
    use crate::extract::normalize::normalize_line;

    fn split(text: &str) -> Vec<SplitArticle> {
        let lines: Vec<String> = text.lines().map(normalize_line).collect();
        let marks = classify(&lines);
        split_articles(&lines, &marks)
    }

    #[test]
    fn series_suffix_is_split_off() {
        assert_eq!(
            split_series(
                "Strengthening Links with Autocratic Friends – Belarus Foreign Policy Digest"
            ),
            (
                "Strengthening Links with Autocratic Friends".into(),
                "Belarus Foreign Policy Digest".into()
            )
        );
        assert_eq!(split_series("Minsk – Moscow relations").1, "");
    }

    #[test]
    fn pasted_articles_are_split() {
        let text = "Are Relations With Europe Back to Normal? – Belarus Foreign Policy Digest\n\nThe Belarusian government's crackdown failed.\n\nExploiting international forums\n\nOn 8 June, Minsk hosted a high-level meeting.\n\nOn 22 June, senior diplomats gathered in Minsk.\n\nOn 5-9 July, the OSCE Parliamentary Assembly held its annual session in Minsk.\n\nDealing with Slavery and Human Trafficking in Belarus\n\nOn 6 February a Belarusian businessman received 5 years in prison.\n\nA Slaveholder from Belarus\n\nBelarus has not seen slavery for almost two centuries.\n\nIgar Gubarevich\nIgar Gubarevich is a senior analyst.";
        let articles = split(text);
        assert_eq!(articles.len(), 2);
        assert_eq!(
            articles[0].title,
            "Are Relations With Europe Back to Normal? – Belarus Foreign Policy Digest"
        );
        assert_eq!(articles[0].series, "Belarus Foreign Policy Digest");
        assert_eq!(
            articles[0].sections[1].heading,
            "Exploiting international forums"
        );
        assert_eq!(
            articles[1].title,
            "Dealing with Slavery and Human Trafficking in Belarus"
        );
        assert_eq!(
            articles[1].sections[1].heading,
            "A Slaveholder from Belarus"
        );
        assert_eq!(articles[1].authors, vec!["Igar Gubarevich".to_string()]);
    }

    #[test]
    fn listing_dates_start_and_date_articles() {
        let text = "4 August 2012\nWhy Europe's Policy Fails in Belarus\n\nOn Friday, Belarusian Foreign Ministry declared something.\n\n29 May 2012\nHow to Make Foreign Aid More Effective – Digest of Belarusian Analytics\n\nBelarusian analytical reports focused on foreign aid.";
        let articles = split(text);
        assert_eq!(articles.len(), 2);
        assert_eq!(
            articles[0].published,
            Some(PartialDate {
                year: 2012,
                month: 8,
                day: 4
            })
        );
        assert_eq!(
            articles[1].title,
            "How to Make Foreign Aid More Effective – Digest of Belarusian Analytics"
        );
        assert_eq!(articles[1].series, "Digest of Belarusian Analytics");
    }
}
