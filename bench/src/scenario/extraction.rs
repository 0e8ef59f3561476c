//! Extraction speed on one core: the ingest library's `parse_document_timed` over the seed pages
//! and the corpus texts, in memory, passes repeated until a run's time is up. The stage split
//! comes from the library's own timings, so the pipeline is never copied here.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use newsline_ingest::extract::{DocumentInput, StageTimings, parse_document_timed};
use serde::Serialize;

use crate::stats::Figure;

#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    pub name: String,
    /// The rate this stage alone would allow: bytes parsed per second spent in it.
    pub mb_per_second: Figure,
    /// The stage's part of the whole parse time (median run).
    pub share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExtractionReport {
    pub documents: usize,
    pub bytes: u64,
    pub articles: u64,
    pub events: u64,
    pub mb_per_second: Figure,
    pub articles_per_second: Figure,
    pub stages: Vec<StageReport>,
}

struct Run {
    bytes: u64,
    articles: u64,
    seconds: f64,
    timings: StageTimings,
}

pub fn run(
    pages: &[PathBuf],
    seconds_per_run: f64,
    runs: usize,
) -> anyhow::Result<ExtractionReport> {
    let mut documents = Vec::new();
    for page in pages {
        documents.push(std::fs::read(page).with_context(|| format!("reading {}", page.display()))?);
    }
    let bytes: u64 = documents.iter().map(|d| d.len() as u64).sum();
    // One pass outside the clock loads the gazetteers and warms the caches.
    let (articles, events) = pass(&documents, &mut StageTimings::default());
    let mut measured = Vec::new();
    for _ in 0..runs {
        let mut run = Run {
            bytes: 0,
            articles: 0,
            seconds: 0.0,
            timings: StageTimings::default(),
        };
        let started = Instant::now();
        while started.elapsed().as_secs_f64() < seconds_per_run || run.bytes == 0 {
            let (pass_articles, _) = pass(&documents, &mut run.timings);
            run.articles += pass_articles;
            run.bytes += bytes;
        }
        run.seconds = started.elapsed().as_secs_f64();
        measured.push(run);
    }
    let stage = |name: &str, pick: fn(&StageTimings) -> Duration| -> StageReport {
        let rates: Vec<f64> = measured
            .iter()
            .map(|r| r.bytes as f64 / 1e6 / pick(&r.timings).as_secs_f64().max(1e-12))
            .collect();
        let shares: Vec<f64> = measured
            .iter()
            .map(|r| pick(&r.timings).as_secs_f64() / r.seconds)
            .collect();
        StageReport {
            name: name.to_string(),
            mb_per_second: Figure::of(&rates),
            share: Figure::of(&shares).median,
        }
    };
    Ok(ExtractionReport {
        documents: documents.len(),
        bytes,
        articles,
        events,
        mb_per_second: Figure::of(
            &measured
                .iter()
                .map(|r| r.bytes as f64 / 1e6 / r.seconds)
                .collect::<Vec<_>>(),
        ),
        articles_per_second: Figure::of(
            &measured
                .iter()
                .map(|r| r.articles as f64 / r.seconds)
                .collect::<Vec<_>>(),
        ),
        stages: vec![
            stage("cleaning (decode, normalise, noise)", |t| t.cleaning),
            stage("splitting (articles, sentences)", |t| t.splitting),
            stage("entities", |t| t.entities),
            stage("dates", |t| t.dates),
            stage("events", |t| t.events),
        ],
    })
}

/// Parses every document once; returns the articles and events found.
fn pass(documents: &[Vec<u8>], timings: &mut StageTimings) -> (u64, u64) {
    let mut articles = 0;
    let mut events = 0;
    for bytes in documents {
        let input = DocumentInput {
            bytes,
            source_uri: "",
            published: None,
        };
        let parsed = parse_document_timed(&input, timings);
        articles += parsed.articles.len() as u64;
        events += parsed.events.len() as u64;
    }
    (articles, events)
}
