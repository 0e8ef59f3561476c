//! The extraction peer: spaCy's `en_core_web_sm` over the same raw texts, run by
//! `bench/peers/spacy_bench.py` in one Python process (one core).

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::stats::Figure;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/spacy_bench.py");

#[derive(Debug, Deserialize)]
struct ScriptOutput {
    spacy: String,
    model: String,
    bytes: u64,
    docs: u64,
    seconds: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpacyReport {
    pub version: String,
    pub model: String,
    pub bytes: u64,
    pub documents: u64,
    pub mb_per_second: Figure,
}

/// Runs the peer, or says why it was skipped.
pub fn run(files: &[PathBuf], runs: usize) -> anyhow::Result<Result<SpacyReport, String>> {
    let output = match Command::new("python3")
        .arg(SCRIPT)
        .arg("--runs")
        .arg(runs.to_string())
        .args(files)
        .output()
    {
        Ok(output) => output,
        Err(error) => return Ok(Err(format!("python3 is not available ({error})"))),
    };
    if output.status.code() == Some(3) {
        return Ok(Err(String::from_utf8_lossy(&output.stderr)
            .trim()
            .to_string()));
    }
    if !output.status.success() {
        anyhow::bail!(
            "the spaCy peer failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .context("the spaCy peer printed nothing")?;
    let parsed: ScriptOutput =
        serde_json::from_str(line).context("parsing the spaCy peer's output")?;
    let rates: Vec<f64> = parsed
        .seconds
        .iter()
        .map(|s| parsed.bytes as f64 / 1e6 / s)
        .collect();
    Ok(Ok(SpacyReport {
        version: parsed.spacy,
        model: parsed.model,
        bytes: parsed.bytes,
        documents: parsed.docs,
        mb_per_second: Figure::of(&rates),
    }))
}
