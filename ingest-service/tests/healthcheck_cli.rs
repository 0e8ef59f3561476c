//! `ingest-service healthcheck` (the container health check): exit 0 for SERVING, otherwise
//! exit 1 and one line on stderr saying what was found. The check itself is
//! `newsline_server::healthcheck`, shared with the query service's binary.

mod support;

use std::process::{Command, Output};

use support::*;

fn healthcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ingest-service"))
        .arg("healthcheck")
        .args(args)
        .env_remove("NEWSLINE_HEALTHCHECK_ADDR")
        .env_remove("NEWSLINE_HEALTHCHECK_CA")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_0_only_for_serving_and_says_why_otherwise() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let ingest = start_ingest(ingest_config(spool.path(), &query.url())).await;
    let addr = ingest.url();

    for service in ["", "newsline.v1.IngestService"] {
        let output = healthcheck(&["--addr", &addr, "--service", service]);
        assert!(output.status.success(), "{service:?}: {}", stderr(&output));
        assert_eq!(stderr(&output), "");
    }

    let unknown = healthcheck(&["--addr", &addr, "--service", "newsline.v1.Nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).starts_with(&format!(
            "unhealthy: health check of `newsline.v1.Nope` at {addr} failed: NotFound"
        )),
        "{}",
        stderr(&unknown)
    );

    let nowhere = format!("http://{}", unused_addr().await);
    let absent = healthcheck(&["--addr", &nowhere, "--timeout-ms", "2000"]);
    assert_eq!(absent.status.code(), Some(1));
    assert!(
        stderr(&absent).starts_with(&format!("unhealthy: cannot connect to {nowhere}: ")),
        "{}",
        stderr(&absent)
    );

    let nonsense = healthcheck(&["--addr", "not an address"]);
    assert_eq!(nonsense.status.code(), Some(1));
    assert!(
        stderr(&nonsense).starts_with("unhealthy: \"not an address\" is not a valid address"),
        "{}",
        stderr(&nonsense)
    );

    let missing_ca = healthcheck(&["--addr", &addr, "--ca", "/nonexistent/ca.pem"]);
    assert_eq!(missing_ca.status.code(), Some(1));
    assert!(
        stderr(&missing_ca).starts_with("unhealthy: "),
        "{}",
        stderr(&missing_ca)
    );

    ingest.stop().await;
    query.stop().await;
}
