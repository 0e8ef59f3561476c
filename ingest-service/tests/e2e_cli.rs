//! `ingest-service ingest PATH...` as a user runs it: the real binary against the real query
//! service; exit 0 only when everything was acknowledged.

mod support;

use std::{
    collections::BTreeSet,
    process::{Command, Output},
};

use support::*;

async fn run_cli(args: Vec<String>) -> Output {
    let run = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ingest-service"))
            .args(args)
            .env_remove("NEWSLINE_QUERY_ADDR")
            .output()
            .expect("the binary runs")
    });
    tokio::time::timeout(PATIENCE, run)
        .await
        .expect("the command ends within the bound")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_is_loaded_summarised_and_acknowledged() {
    let query = start_query().await;
    let output = run_cli(vec![
        "ingest".into(),
        seeds_dir().display().to_string(),
        "--query-addr".into(),
        query.url(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let documents = seeds().len();
    assert!(
        stdout.starts_with(&format!("{documents} documents, ")),
        "{stdout}"
    );
    assert!(stdout.contains("all acknowledged"), "{stdout}");
    // Not on a terminal: plain log lines, one per document.
    assert!(stderr.contains("events"), "{stderr}");

    // A dry run of each seed tells which events must now be stored (the query service is the
    // judge: the command already said everything was acknowledged).
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let mut expected = BTreeSet::new();
    for (_, bytes) in seeds() {
        expected.extend(expected_event_ids(ingest.addr, &bytes).await);
    }
    let stored: BTreeSet<_> = timeline(query.addr)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert!(expected.is_subset(&stored));
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_query_service_fails_the_load_and_keeps_the_batches() {
    let nobody = unused_addr().await;
    let spool = tempfile::tempdir().unwrap();
    let output = run_cli(vec![
        "ingest".into(),
        seeds_dir().display().to_string(),
        "--query-addr".into(),
        format!("http://{nobody}"),
        "--deadline-secs".into(),
        "1".into(),
        "--spool-dir".into(),
        spool.path().display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not acknowledge"), "{stderr}");
    assert_eq!(spooled_batches(spool.path()), seeds().len());

    // The kept spool is delivered by a server started on it once the query service is there.
    let query = start_query_on(listener(&nobody.to_string()).await).await;
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let mut expected = BTreeSet::new();
    for (_, bytes) in seeds() {
        expected.extend(expected_event_ids(ingest.addr, &bytes).await);
    }
    wait_for_events(query.addr, &expected).await;
    ingest.stop().await;
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_path_is_a_clear_error() {
    let output = run_cli(vec!["ingest".into(), "/no/such/folder".into()]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/no/such/folder"), "{stderr}");
}
