//! `ingest-service parse FILE...`: parses documents without any server and prints, per file,
//! one line of proto3 JSON (`ParseDocumentResponse`) or a readable timeline.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use newsline_proto::v1 as pb;

use crate::extract::model::PartialDate;
use crate::parse::parse_to_proto;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line of proto3 JSON of a ParseDocumentResponse per file.
    #[default]
    Json,
    /// A readable timeline per file.
    Text,
}

#[derive(Args, Debug, Clone)]
pub struct ParseArgs {
    /// The raw text files to parse.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
    /// The publication date of the documents (YYYY-MM-DD, YYYY-MM or YYYY): the year of dates
    /// written without one.
    #[arg(long, value_parser = parse_published, value_name = "DATE")]
    pub published: Option<PartialDate>,
    /// Where the document came from (its page URL), recorded on its articles; a date in it stands
    /// in for --published. Only with a single FILE; without it the file's path is recorded.
    #[arg(long, value_name = "URI")]
    pub source_uri: Option<String>,
}

/// Parses "YYYY-MM-DD", "YYYY-MM" or "YYYY" into a date of that precision.
pub fn parse_published(text: &str) -> Result<PartialDate, String> {
    let bad = || format!("invalid --published date {text:?}: expected YYYY-MM-DD, YYYY-MM or YYYY");
    let parts: Vec<&str> = text.split('-').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(bad());
    }
    let number = |s: &str, len: usize| -> Result<u32, String> {
        if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u32>().map_err(|_| bad())
    };
    let year = number(parts[0], 4)?;
    let month = parts.get(1).map(|m| number(m, 2)).transpose()?.unwrap_or(0);
    let day = parts.get(2).map(|d| number(d, 2)).transpose()?.unwrap_or(0);
    if year == 0
        || month > 12
        || (parts.len() > 1 && month == 0)
        || (parts.len() > 2 && !(1..=days_in_month(year, month)).contains(&day))
    {
        return Err(bad());
    }
    Ok(PartialDate {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Parses every file; a file that cannot be read is reported on stderr and the others are still
/// parsed. Fails (non-zero exit) when any file could not be read.
pub fn run(args: ParseArgs) -> anyhow::Result<()> {
    if args.source_uri.is_some() && args.files.len() > 1 {
        bail!(
            "--source-uri names one document's address, but {} files were given",
            args.files.len()
        );
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = Vec::new();
    for path in &args.files {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("ingest-service parse: cannot read {}: {e}", path.display());
                failed.push(path.display().to_string());
                continue;
            }
        };
        let source_uri = match &args.source_uri {
            Some(uri) => uri.clone(),
            None => path.display().to_string(),
        };
        let response = parse_to_proto(&bytes, &source_uri, args.published);
        match args.format {
            OutputFormat::Json => {
                let line =
                    serde_json::to_string(&response).context("serialising the parse result")?;
                writeln!(out, "{line}")?;
            }
            OutputFormat::Text => write_timeline(&mut out, &path.display().to_string(), &response)?,
        }
        out.flush()?;
    }
    if !failed.is_empty() {
        bail!(
            "could not read {} of {} files: {}",
            failed.len(),
            args.files.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

fn format_date(d: Option<&pb::CalendarDate>) -> String {
    let Some(d) = d else {
        return "?".into();
    };
    let year = if d.year == 0 {
        "????".to_string()
    } else {
        format!("{:04}", d.year)
    };
    match (d.month, d.day) {
        (0, _) => year,
        (m, 0) => format!("{year}-{m:02}"),
        (m, day) => format!("{year}-{m:02}-{day:02}"),
    }
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

fn write_timeline(
    out: &mut impl Write,
    path: &str,
    r: &pb::ParseDocumentResponse,
) -> anyhow::Result<()> {
    writeln!(out, "== {path}")?;
    for a in &r.articles {
        // The printed title usually names its series already; say it only when it does not.
        let series = if a.series.is_empty() || a.title.ends_with(&a.series) {
            String::new()
        } else {
            format!(" [{}]", a.series)
        };
        let authors = if a.authors.is_empty() {
            String::new()
        } else {
            format!(" by {}", a.authors.join(", "))
        };
        writeln!(out, "article {}: {}{series}{authors}", a.id, a.title)?;
    }
    writeln!(
        out,
        "{} entities, {} events, {} diagnostics",
        r.entities.len(),
        r.events.len(),
        r.diagnostics.len()
    )?;
    for e in &r.events {
        let when = e.when.as_ref();
        let (start, end) = (
            format_date(when.and_then(|w| w.start.as_ref())),
            format_date(when.and_then(|w| w.end.as_ref())),
        );
        let date = if start == end {
            start
        } else {
            format!("{start}..{end}")
        };
        let kind = pb::EventKind::try_from(e.kind)
            .map(|k| {
                k.as_str_name()
                    .trim_start_matches("EVENT_KIND_")
                    .to_lowercase()
            })
            .unwrap_or_else(|_| "?".into());
        let who: Vec<&str> = e.participants.iter().map(|p| p.name.as_str()).collect();
        let place = if e.location_name.is_empty() {
            String::new()
        } else {
            format!(" @ {}", e.location_name)
        };
        let planned = if e.planned { " (planned)" } else { "" };
        writeln!(
            out,
            "{date:<23} {kind:<10} {}{place}{planned} | {}",
            who.join(", "),
            excerpt(&e.sentence, 100)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_dates_of_each_precision() {
        assert_eq!(
            parse_published("2015-11-18"),
            Ok(PartialDate {
                year: 2015,
                month: 11,
                day: 18
            })
        );
        assert_eq!(
            parse_published("2015-11"),
            Ok(PartialDate {
                year: 2015,
                month: 11,
                day: 0
            })
        );
        assert_eq!(
            parse_published("2015"),
            Ok(PartialDate {
                year: 2015,
                month: 0,
                day: 0
            })
        );
        for bad in [
            "",
            "15",
            "2015-13",
            "2015-02-30",
            "2015-1-1",
            "x",
            "2015-11-18-1",
        ] {
            assert!(parse_published(bad).is_err(), "{bad}");
        }
    }
}
