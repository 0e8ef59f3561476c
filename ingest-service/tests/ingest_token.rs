//! `ingest-service ingest` against a query service that wants a write token, as a user runs it
//! (the real binary, the real query service with a token): a missing or wrong token stops the
//! load at once with a message naming the settings, exits non-zero and keeps the batches in the
//! spool; the token both services share (`NEWSLINE_TOKEN`) is sent as `serve` sends it.

mod support;

use std::{
    path::Path,
    process::{Command, Output},
    time::{Duration, Instant},
};

use newsline_server::Token;
use support::*;

const WRITE_TOKEN: &str = "query-write-0123456789";

/// The token settings the command reads, removed from the test's own environment.
const TOKEN_VARIABLES: [&str; 4] = [
    "NEWSLINE_TOKEN",
    "NEWSLINE_TOKEN_FILE",
    "NEWSLINE_QUERY_TOKEN",
    "NEWSLINE_QUERY_TOKEN_FILE",
];

/// A refused load must end well within this, not after the 120 s deadline.
const PROMPTLY: Duration = Duration::from_secs(5);

async fn start_guarded_query() -> Running {
    let config = newsline_query::Config {
        write_token: Some(Token::parse(WRITE_TOKEN, "a test").unwrap()),
        ..Default::default()
    };
    start_query_with(config).await
}

/// Runs `ingest` of the seeds into `query` with the spool in `spool` and `env` set; returns the
/// output and how long it took.
async fn ingest(query: &Running, spool: &Path, env: &[(&str, &str)]) -> (Output, Duration) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ingest-service"));
    command
        .arg("ingest")
        .arg(seeds_dir())
        .args(["--query-addr", &query.url(), "--spool-dir"])
        .arg(spool)
        .env_remove("NEWSLINE_QUERY_ADDR")
        .env_remove("NEWSLINE_INGEST_DEADLINE_SECS");
    for name in TOKEN_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let run = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output = command.output().expect("the binary runs");
        (output, started.elapsed())
    });
    tokio::time::timeout(PATIENCE, run)
        .await
        .expect("the command ends within the bound")
        .unwrap()
}

fn assert_refused_promptly(output: &Output, took: Duration, spool: &Path) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stderr}");
    assert!(took < PROMPTLY, "took {took:?}: {stderr}");
    for setting in [
        "NEWSLINE_QUERY_TOKEN",
        "--query-token-file",
        "NEWSLINE_TOKEN",
    ] {
        assert!(stderr.contains(setting), "names {setting}: {stderr}");
    }
    assert!(
        stderr.contains(&spool.display().to_string()),
        "says where the batches are kept: {stderr}"
    );
    assert!(spooled_batches(spool) >= 1, "the spool keeps the batches");
    assert_eq!(
        std::fs::read_dir(spool.join("rejected")).map_or(0, |entries| entries.count()),
        0,
        "nothing is set aside as invalid"
    );
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_stops_the_load_at_once_and_keeps_the_spool() {
    let query = start_guarded_query().await;
    let spool = tempfile::tempdir().unwrap();
    let (output, took) = ingest(&query, spool.path(), &[]).await;
    let stderr = assert_refused_promptly(&output, took, spool.path());
    assert!(stderr.contains("none is set"), "{stderr}");
    assert!(timeline(query.addr).await.is_empty());

    // The kept spool is delivered by the next load that has the token.
    let (output, _) = ingest(
        &query,
        spool.path(),
        &[("NEWSLINE_QUERY_TOKEN", WRITE_TOKEN)],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(spooled_batches(spool.path()), 0);
    assert!(!timeline(query.addr).await.is_empty());
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_stops_the_load_at_once_naming_where_it_came_from() {
    let query = start_guarded_query().await;
    for (variable, origin) in [
        (
            "NEWSLINE_QUERY_TOKEN",
            "the token from NEWSLINE_QUERY_TOKEN",
        ),
        ("NEWSLINE_TOKEN", "the token from NEWSLINE_TOKEN"),
    ] {
        let spool = tempfile::tempdir().unwrap();
        let (output, took) =
            ingest(&query, spool.path(), &[(variable, "not-the-write-token")]).await;
        let stderr = assert_refused_promptly(&output, took, spool.path());
        assert!(stderr.contains(origin), "{variable}: {stderr}");
    }
    assert!(timeline(query.addr).await.is_empty());
    query.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_sends_the_shared_token_as_serve_does() {
    let query = start_guarded_query().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{WRITE_TOKEN}\n")).unwrap();
    let token_file = token_file.display().to_string();
    for env in [
        [("NEWSLINE_TOKEN", WRITE_TOKEN)],
        [("NEWSLINE_TOKEN_FILE", token_file.as_str())],
    ] {
        let spool = tempfile::tempdir().unwrap();
        let (output, _) = ingest(&query, spool.path(), &env).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{env:?}: {stdout}\n{stderr}");
        assert!(stdout.contains("all acknowledged"), "{stdout}");
        assert_eq!(spooled_batches(spool.path()), 0);
    }
    // The query token wins over the shared one, as for `serve`.
    let spool = tempfile::tempdir().unwrap();
    let (output, _) = ingest(
        &query,
        spool.path(),
        &[
            ("NEWSLINE_TOKEN", "not-the-write-token"),
            ("NEWSLINE_QUERY_TOKEN", WRITE_TOKEN),
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    query.stop().await;
}
