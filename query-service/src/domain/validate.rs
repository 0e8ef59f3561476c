//! The checks a publish batch must pass before the store is touched.

use super::{article::MAX_ARTICLE_BYTES, date::end_before_start, error::DomainError, model::Batch};

const MAX_ROLE: u8 = 5;
const MAX_YEAR_SOURCE: u8 = 5;

/// Checks what can be checked without the store; field names follow the API.
pub fn validate_batch(batch: &Batch) -> Result<(), DomainError> {
    if batch.producer_id.is_empty() {
        return Err(DomainError::invalid("producer_id", "is empty"));
    }
    if batch.sequence == 0 {
        return Err(DomainError::invalid("sequence", "starts at 1"));
    }
    for (i, article) in batch.articles.iter().enumerate() {
        if article.id.is_empty() {
            return Err(DomainError::invalid(
                format!("articles[{i}].id"),
                "is empty",
            ));
        }
        let bytes = [
            &article.id,
            &article.title,
            &article.series,
            &article.source_uri,
            &article.text,
        ]
        .into_iter()
        .chain(&article.authors)
        .map(String::len)
        .sum::<usize>();
        if bytes > MAX_ARTICLE_BYTES {
            return Err(DomainError::invalid(
                format!("articles[{i}]"),
                "holds more than 4 GiB of text",
            ));
        }
        if let Some(j) = article.entity_ids.iter().position(String::is_empty) {
            return Err(DomainError::invalid(
                format!("articles[{i}].entity_ids[{j}]"),
                "is empty",
            ));
        }
    }
    for (i, entity) in batch.entities.iter().enumerate() {
        if entity.id.is_empty() {
            return Err(DomainError::invalid(
                format!("entities[{i}].id"),
                "is empty",
            ));
        }
        if entity.name.is_empty() {
            return Err(DomainError::invalid(
                format!("entities[{i}].name"),
                "is empty",
            ));
        }
    }
    for (i, event) in batch.events.iter().enumerate() {
        if event.article_id.is_empty() {
            return Err(DomainError::invalid(
                format!("events[{i}].article_id"),
                "is empty",
            ));
        }
        if end_before_start(&event.when.start, &event.when.end) {
            return Err(DomainError::invalid(
                format!("events[{i}].when.end"),
                "is before `when.start`",
            ));
        }
        if event.when.year_source > MAX_YEAR_SOURCE {
            return Err(DomainError::invalid(
                format!("events[{i}].when.year_source"),
                "is not a known year source",
            ));
        }
        if event.sentence_end < event.sentence_start {
            return Err(DomainError::invalid(
                format!("events[{i}].sentence_end"),
                "is before `sentence_start`",
            ));
        }
        for (j, participant) in event.participants.iter().enumerate() {
            if participant.entity_id.is_empty() {
                return Err(DomainError::invalid(
                    format!("events[{i}].participants[{j}].entity_id"),
                    "is empty",
                ));
            }
            if participant.role > MAX_ROLE {
                return Err(DomainError::invalid(
                    format!("events[{i}].participants[{j}].role"),
                    "is not a known role",
                ));
            }
        }
    }
    Ok(())
}
