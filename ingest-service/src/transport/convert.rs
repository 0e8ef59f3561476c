//! Conversions between `newsline.v1` messages and the ingest domain.

use newsline_proto::v1::{
    CalendarDate, IngestDocumentRequest, IngestDocumentResponse, IngestDocumentsRequest,
    ParseDocumentRequest,
};

use crate::{
    extract::model::PartialDate,
    ingest::{Content, Document, IngestError, Outcome},
};

fn document(
    text: String,
    raw: Vec<u8>,
    source_uri: String,
    published: Option<CalendarDate>,
) -> Result<Document, IngestError> {
    let published = match published {
        Some(date) => partial_date("published", &date)?,
        None => None,
    };
    let content = if text.is_empty() && !raw.is_empty() {
        Content::Raw(raw)
    } else {
        Content::Text(text)
    };
    Ok(Document {
        content,
        source_uri,
        published,
    })
}

impl TryFrom<IngestDocumentRequest> for Document {
    type Error = IngestError;
    fn try_from(request: IngestDocumentRequest) -> Result<Self, Self::Error> {
        document(
            request.text,
            request.raw,
            request.source_uri,
            request.published,
        )
    }
}

impl TryFrom<IngestDocumentsRequest> for Document {
    type Error = IngestError;
    fn try_from(request: IngestDocumentsRequest) -> Result<Self, Self::Error> {
        document(
            request.text,
            request.raw,
            request.source_uri,
            request.published,
        )
    }
}

impl TryFrom<ParseDocumentRequest> for Document {
    type Error = IngestError;
    fn try_from(request: ParseDocumentRequest) -> Result<Self, Self::Error> {
        document(
            request.text,
            request.raw,
            request.source_uri,
            request.published,
        )
    }
}

/// A `CalendarDate` as a `PartialDate`; all parts 0 means no date. A part may be unknown (0), but
/// a day needs its month, and a known day must exist in its month (and year, when known).
pub fn partial_date(field: &str, date: &CalendarDate) -> Result<Option<PartialDate>, IngestError> {
    let invalid = |reason: String| IngestError::InvalidField {
        field: field.to_string(),
        reason,
    };
    let CalendarDate { year, month, day } = *date;
    if (year, month, day) == (0, 0, 0) {
        return Ok(None);
    }
    let year = u16::try_from(year)
        .ok()
        .filter(|y| *y <= 9999)
        .ok_or_else(|| invalid(format!("year {year} is outside 1 to 9999 (0 = unknown)")))?;
    if !(0..=12).contains(&month) {
        return Err(invalid(format!(
            "month {month} is outside 1 to 12 (0 = unknown)"
        )));
    }
    if day != 0 {
        if month == 0 {
            return Err(invalid(format!("day {day} is set without a month")));
        }
        let last = days_in_month(year, month as u8);
        if !(1..=i32::from(last)).contains(&day) {
            return Err(invalid(format!(
                "day {day} does not exist in month {month}{}",
                if year == 0 {
                    String::new()
                } else {
                    format!(" of {year}")
                }
            )));
        }
    }
    Ok(Some(PartialDate {
        year,
        month: month as u8,
        day: day as u8,
    }))
}

/// Days in a month; with the year unknown (0), February may have 29.
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year == 0
            || (year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400))) =>
        {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl From<Outcome> for IngestDocumentResponse {
    fn from(outcome: Outcome) -> Self {
        IngestDocumentResponse {
            document_id: outcome.document_id,
            article_ids: outcome.article_ids,
            article_count: outcome.article_count,
            entity_count: outcome.entity_count,
            event_count: outcome.event_count,
            diagnostics: outcome.diagnostics,
            spooled: outcome.spooled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: i32, day: i32) -> CalendarDate {
        CalendarDate { year, month, day }
    }

    #[test]
    fn partial_dates_accept_unknown_parts_and_refuse_impossible_ones() {
        assert_eq!(partial_date("published", &date(0, 0, 0)).unwrap(), None);
        assert_eq!(
            partial_date("published", &date(2015, 11, 0)).unwrap(),
            Some(PartialDate {
                year: 2015,
                month: 11,
                day: 0
            })
        );
        assert!(partial_date("published", &date(0, 2, 29)).is_ok());
        assert!(partial_date("published", &date(2016, 2, 29)).is_ok());
        for bad in [
            date(2015, 2, 29),
            date(2015, 13, 1),
            date(2015, 0, 5),
            date(-1, 1, 1),
            date(2015, 4, 31),
            date(10000, 1, 1),
        ] {
            let err = partial_date("published", &bad).unwrap_err();
            assert!(err.to_string().contains("`published`"), "{err}");
        }
    }

    #[test]
    fn raw_bytes_are_used_only_when_text_is_empty() {
        let request = IngestDocumentRequest {
            text: "Minsk".into(),
            raw: b"ignored".to_vec(),
            ..Default::default()
        };
        let document = Document::try_from(request).unwrap();
        assert!(matches!(document.content, Content::Text(ref t) if t == "Minsk"));
        let request = IngestDocumentRequest {
            raw: vec![0xff, b'a'],
            ..Default::default()
        };
        let document = Document::try_from(request).unwrap();
        assert!(matches!(document.content, Content::Raw(ref r) if r == &[0xff, b'a']));
    }
}
