//! The `parse` command as score.py runs it: one JSON object per file on stdout, a readable
//! timeline with `--format text`, a clear error and non-zero exit for a missing file.

use std::process::Command;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ingest-service"))
}

fn seed_path(name: &str) -> String {
    format!("{}/../seeds/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn json_output_is_one_parse_document_response_per_file() {
    let out = binary()
        .args(["parse", "--format", "json"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .arg(seed_path("002_35d08d5ca100e3bb.txt"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(
        first["articles"][0]["title"],
        "Strengthening Links with Autocratic Friends – Belarus Foreign Policy Digest"
    );
    assert_eq!(
        first["articles"][0]["series"],
        "Belarus Foreign Policy Digest"
    );
    assert!(first["entities"].as_array().is_some_and(|e| {
        e.iter()
            .any(|e| e["id"] == "country:BY" && e["kind"] == "ENTITY_KIND_COUNTRY")
    }));
    assert!(
        first["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "noise.spam"))
    );
}

#[test]
fn published_date_sets_the_reference_year() {
    let out = binary()
        .args(["parse", "--published", "2015-12-20"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["articles"][0]["referenceYear"], 2015);
    assert_eq!(
        value["articles"][0]["referenceYearSource"],
        "YEAR_SOURCE_PUBLICATION_DATE"
    );
}

#[test]
fn text_output_lists_titles_and_events() {
    let out = binary()
        .args(["parse", "--format", "text"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("Strengthening Links with Autocratic Friends – Belarus Foreign Policy Digest by Igar Gubarevich"));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("2015-11-18..2015-11-20")),
        "{stdout}"
    );
}

#[test]
fn a_missing_file_is_named_and_the_others_still_parsed() {
    let out = binary()
        .args(["parse", "/nonexistent/page.txt"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/page.txt"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn a_malformed_published_date_is_refused() {
    let out = binary()
        .args(["parse", "--published", "2015-13-01"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--published"));
}

#[test]
fn source_uri_is_recorded_on_the_articles() {
    let uri = "https://example.org/2015/12/20/digest/";
    let out = binary()
        .args(["parse", "--source-uri", uri])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["articles"][0]["sourceUri"], uri);
}

#[test]
fn source_uri_with_several_files_is_refused() {
    let out = binary()
        .args(["parse", "--source-uri", "https://example.org/a"])
        .arg(seed_path("000_b0fa4eb77ff2d830.txt"))
        .arg(seed_path("002_35d08d5ca100e3bb.txt"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--source-uri"), "{stderr}");
}
