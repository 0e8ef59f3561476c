//! Extraction of articles, entities and dated events from raw scraped text. No gRPC types here.
//!
//! The pipeline: decode (lossy UTF-8, with a diagnostic) -> normalise -> drop noise lines (a
//! diagnostic each) -> split into articles -> sentences -> entity mentions and resolution ->
//! reference year -> events -> document-level merge (entities by id, events in timeline order).

pub mod amounts;
pub mod dates;
pub mod entities;
pub mod events;
pub mod fold;
pub mod gazetteer;
pub mod model;
pub mod noise;
pub mod normalize;
pub mod sentences;
pub mod split;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use entities::DocumentEntities;
use model::{
    AnalyzedArticle, Article, Diagnostic, Entity, Event, ParsedDocument, PartialDate, Severity,
};

/// One document to parse.
pub struct DocumentInput<'a> {
    pub bytes: &'a [u8],
    /// Where the document came from (URL or path); recorded on its articles.
    pub source_uri: &'a str,
    /// The publication date given with the input, if any.
    pub published: Option<PartialDate>,
}

/// Wall time spent in each stage of `parse_document`, summed over the document's articles.
/// Date parsing inside event extraction counts under `events`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimings {
    /// Decode, normalise and drop noise.
    pub cleaning: Duration,
    /// Split into articles and sentences.
    pub splitting: Duration,
    /// Mentions, resolution and the document-level merge of entities.
    pub entities: Duration,
    /// `reference_year`.
    pub dates: Duration,
    /// `extract_events` and the timeline sort.
    pub events: Duration,
}

/// How many characters of a line a diagnostic quotes.
const DIAGNOSTIC_TEXT_CHARS: usize = 200;

fn clip(text: &str) -> String {
    text.chars().take(DIAGNOSTIC_TEXT_CHARS).collect()
}

/// `article:` and 16 hex digits of a SHA-256 of the normalised title and body.
fn article_id(title: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(title.as_bytes());
    hasher.update([0u8]);
    hasher.update(text.as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("article:{hex}")
}

/// Parses one document: articles, entities and events, deterministically.
pub fn parse_document(input: &DocumentInput<'_>) -> ParsedDocument {
    parse_document_timed(input, &mut StageTimings::default())
}

/// `parse_document`, also adding the time spent per stage into `timings`.
pub fn parse_document_timed(
    input: &DocumentInput<'_>,
    timings: &mut StageTimings,
) -> ParsedDocument {
    let mut diagnostics = Vec::new();
    // A date in the page's address is the publisher's own: it stands in for a publication date
    // not given with the input.
    let published = input
        .published
        .or_else(|| dates::source_uri_date(input.source_uri));

    let clock = Instant::now();
    let decoded = normalize::decode(input.bytes);
    if decoded.had_invalid_utf8 {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            code: "input.invalid_utf8".into(),
            message: "the input is not valid UTF-8; invalid bytes were replaced with U+FFFD".into(),
            line: 0,
            text: String::new(),
        });
    }
    let lines: Vec<String> = decoded
        .text
        .lines()
        .map(normalize::normalize_line)
        .collect();
    let marks = noise::classify(&lines);
    for (i, mark) in marks.iter().enumerate() {
        if let Some(mark) = mark
            && !noise::is_dateline(Some(mark))
        {
            diagnostics.push(Diagnostic {
                severity: Severity::Info,
                code: format!("noise.{}", mark.code),
                message: format!("dropped: {}", noise::reason(&mark.code)),
                line: i as u32 + 1,
                text: clip(&lines[i]),
            });
        }
    }
    timings.cleaning += clock.elapsed();

    let clock = Instant::now();
    let split = split::split_articles(&lines, &marks);
    let mut seen_ids = HashSet::new();
    let mut articles: Vec<(Article, Vec<model::Span>)> = Vec::new();
    for raw in split {
        let mut parts: Vec<&str> = Vec::new();
        for section in &raw.sections {
            if !section.heading.is_empty() {
                parts.push(&section.heading);
            }
            parts.extend(section.paragraphs.iter().map(String::as_str));
        }
        let text = parts.join("\n\n");
        if text.is_empty() && raw.title.is_empty() {
            continue;
        }
        let id = article_id(&raw.title, &text);
        if !seen_ids.insert(id.clone()) {
            diagnostics.push(Diagnostic {
                severity: Severity::Info,
                code: "article.duplicate".into(),
                message: format!(
                    "the article at line {} repeats an earlier one ({id})",
                    raw.first_line
                ),
                line: raw.first_line,
                text: clip(&raw.title),
            });
            continue;
        }
        let sentences = sentences::split_sentences(&text);
        articles.push((
            Article {
                id,
                title: raw.title,
                series: raw.series,
                authors: raw.authors,
                sections: raw.sections,
                published: published.or(raw.published),
                reference_year: None,
                reference_year_source: model::YearSource::Unknown,
                source_uri: input.source_uri.to_string(),
                text,
                entity_ids: Vec::new(),
            },
            sentences,
        ));
    }
    if articles.is_empty() {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            code: "input.no_content".into(),
            message: "the document holds no article text after cleaning".into(),
            line: 0,
            text: String::new(),
        });
    }
    timings.splitting += clock.elapsed();

    let clock = Instant::now();
    let mut document_entities = DocumentEntities::new();
    for (article, _) in &articles {
        document_entities.add_article(&article.title, &article.text);
    }
    let dropped: Vec<&str> = lines
        .iter()
        .zip(&marks)
        .filter(|(_, mark)| mark.is_some())
        .map(|(line, _)| line.as_str())
        .collect();
    document_entities.add_dropped_lines(&dropped.join("\n"));
    let resolved = document_entities.resolve();
    let entities: BTreeMap<String, Entity> = resolved.entities;
    let analyzed: Vec<AnalyzedArticle> = articles
        .into_iter()
        .zip(resolved.mentions)
        .zip(resolved.entity_ids)
        .map(|(((mut article, sentences), mentions), ids)| {
            article.entity_ids = ids;
            AnalyzedArticle {
                article,
                sentences,
                mentions,
            }
        })
        .collect();
    timings.entities += clock.elapsed();

    let mut out_articles = Vec::with_capacity(analyzed.len());
    let mut events: Vec<Event> = Vec::new();
    for mut analyzed_article in analyzed {
        let clock = Instant::now();
        let (year, source) = dates::document_year(
            &analyzed_article.article.title,
            &analyzed_article.article.text,
            published,
        );
        analyzed_article.article.reference_year = year;
        analyzed_article.article.reference_year_source = source;
        timings.dates += clock.elapsed();

        let clock = Instant::now();
        events.extend(extract_article_events(
            &analyzed_article,
            &entities,
            published,
        ));
        timings.events += clock.elapsed();
        out_articles.push(analyzed_article.article);
    }
    let clock = Instant::now();
    events
        .sort_by(|a, b| (a.when.start, a.when.end, &a.id).cmp(&(b.when.start, b.when.end, &b.id)));
    timings.events += clock.elapsed();

    ParsedDocument {
        articles: out_articles,
        entities: entities.into_values().collect(),
        events,
        diagnostics,
    }
}

fn extract_article_events(
    article: &AnalyzedArticle,
    entities: &BTreeMap<String, Entity>,
    published: Option<PartialDate>,
) -> Vec<Event> {
    events::extract_events_in_year(
        article,
        entities,
        published,
        article.article.reference_year,
        article.article.reference_year_source,
    )
}
