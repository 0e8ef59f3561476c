//! `kill -9` of the ingest service at random moments while documents stream in: every document
//! it accepted (answered OK, delivered or spooled) reaches the query service after a restart,
//! once, from the spool.

mod support;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use newsline_proto::v1::{GetArticleRequest, IngestDocumentRequest};
use support::*;

/// A document of its own: its number is in the text, so its article id is its own.
fn document(n: u64) -> String {
    let day = 1 + n % 28;
    format!(
        "Minsk, {day} May 2015. President Alexander Lukashenka met Chinese President Xi Jinping in Minsk on {day} May 2015. Talks number {n} were about trade."
    )
}

fn spawn_ingest(spool: &Path, query_url: &str) -> (Child, SocketAddr) {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ingest-service"))
        .args(["serve", "--listen", &addr.to_string(), "--spool-dir"])
        .arg(spool)
        .args(["--query-addr", query_url, "--ack-wait-ms", "2000"])
        .env("RUST_LOG", "warn")
        .env_remove("NEWSLINE_TOKEN")
        .env_remove("NEWSLINE_QUERY_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the ingest service starts");
    (child, addr)
}

/// Sends documents from `next` on until the server dies; returns the article ids of the ones
/// it accepted.
async fn ingest_until_killed(addr: SocketAddr, mut next: u64) -> (Vec<String>, u64) {
    let mut accepted = Vec::new();
    let mut client = ingest_client(addr).await;
    loop {
        let answer = client
            .ingest_document(IngestDocumentRequest {
                text: document(next),
                ..Default::default()
            })
            .await;
        next += 1;
        match answer {
            Ok(answer) => {
                let answer = answer.into_inner();
                assert_eq!(answer.article_ids.len(), 1, "one article per document");
                accepted.extend(answer.article_ids);
            }
            Err(_) => return (accepted, next),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_no_accepted_document_and_duplicates_nothing() {
    let query = start_query().await;
    let spool = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(
        std::env::var("KILL_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(0x5eed),
    );
    let mut accepted = BTreeSet::new();
    let mut next = 0;
    for _trial in 0..20 {
        let (mut child, addr) = spawn_ingest(spool.path(), &query.url());
        wait_serving(addr).await;
        let sender = tokio::spawn(ingest_until_killed(addr, next));
        tokio::time::sleep(Duration::from_millis(rng.u64(50..600))).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let (ids, sent_up_to) = tokio::time::timeout(PATIENCE, sender)
            .await
            .expect("the client notices the kill")
            .unwrap();
        accepted.extend(ids);
        next = sent_up_to;
    }
    assert!(
        accepted.len() >= 20,
        "the trials accepted too little to mean anything: {}",
        accepted.len()
    );

    // One more start drains the spool.
    let (mut child, addr) = spawn_ingest(spool.path(), &query.url());
    wait_serving(addr).await;
    let drained = async {
        while spooled_batches(spool.path()) > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, drained)
        .await
        .expect("the spool drains");
    let mut client = query_client(query.addr).await;
    for id in &accepted {
        client
            .get_article(GetArticleRequest { id: id.clone() })
            .await
            .unwrap_or_else(|status| panic!("accepted article {id} is missing: {status:?}"));
    }
    let events = timeline(query.addr).await;
    assert_no_duplicates(&events);
    assert!(events.len() >= accepted.len());
    child.kill().unwrap();
    child.wait().unwrap();
    query.stop().await;
}
