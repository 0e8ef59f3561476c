//! Throughput of the whole parse (decode, clean, split, entities, dates, events) over the seed
//! pages and every corpus text found beside the work tree, reported in bytes per second.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsline_ingest::extract::{DocumentInput, parse_document};

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

criterion_group!(benches, bench_parse);
criterion_main!(benches);
