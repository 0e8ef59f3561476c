//! Throughput of the whole parse (decode, clean, split, entities, dates, events) over the seed
//! pages and every corpus text found beside the work tree, reported in bytes per second.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsline_ingest::extract::{DocumentInput, StageTimings, parse_document, parse_document_timed};

fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            text_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "txt") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    text_files(&root.join("seeds"), &mut paths);
    text_files(&root.join("../shared/corpus"), &mut paths);
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p.display().to_string(), b)))
        .collect()
}

fn bench_parse(c: &mut Criterion) {
    let docs = corpus();
    assert!(
        !docs.is_empty(),
        "no seed or corpus texts found to benchmark"
    );
    let total: usize = docs.iter().map(|(_, b)| b.len()).sum();
    print_stage_throughput(&docs, total);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("seeds_and_corpus", |b| {
        b.iter(|| {
            for (uri, bytes) in &docs {
                let input = DocumentInput {
                    bytes,
                    source_uri: uri,
                    published: None,
                };
                std::hint::black_box(parse_document(&input));
            }
        })
    });
    group.finish();
}

/// Where the time goes: each stage's share of the whole parse, as MB/s of input per stage.
fn print_stage_throughput(docs: &[(String, Vec<u8>)], total: usize) {
    const ROUNDS: usize = 20;
    let mut timings = StageTimings::default();
    for _ in 0..ROUNDS {
        for (uri, bytes) in docs {
            let input = DocumentInput {
                bytes,
                source_uri: uri,
                published: None,
            };
            std::hint::black_box(parse_document_timed(&input, &mut timings));
        }
    }
    let megabytes = (total * ROUNDS) as f64 / 1e6;
    for (stage, time) in [
        ("cleaning", timings.cleaning),
        ("splitting", timings.splitting),
        ("entities", timings.entities),
        ("dates", timings.dates),
        ("events", timings.events),
    ] {
        eprintln!(
            "stage {stage:<10} {:>8.2} ms per pass  {:>8.1} MB/s",
            time.as_secs_f64() * 1e3 / ROUNDS as f64,
            megabytes / time.as_secs_f64().max(1e-9)
        );
    }
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
