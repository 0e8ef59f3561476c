//! `docker-compose.yml` without Docker: runs the two real binaries with exactly the commands,
//! environments, health checks and start order that the compose file gives (service host names
//! mapped to 127.0.0.1, published ports to free ones, volumes to local folders), then checks that
//! the seed documents' events come back from StreamTimeline. If the compose file changes, this
//! test runs the change, so the two cannot drift apart.

mod support;

use std::{
    collections::{BTreeMap, BTreeSet},
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use newsline_proto::v1::ParseDocumentRequest;
use serde_norway::Value;
use support::*;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

static QUERY_SERVICE: OnceLock<PathBuf> = OnceLock::new();

/// The binary named by a compose command: ours, or the query service's, built into the same
/// target folder and profile.
fn binary(name: &str) -> PathBuf {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_ingest-service"));
    match name {
        "ingest-service" => ours,
        "query-service" => QUERY_SERVICE
            .get_or_init(|| {
                let dir = ours.parent().unwrap();
                let mut build = Command::new(env!("CARGO"));
                build.current_dir(workspace_root()).args([
                    "build",
                    "-p",
                    "query-service",
                    "--bin",
                    "query-service",
                ]);
                if dir.ends_with("release") {
                    build.arg("--release");
                }
                let status = build.status().expect("cargo runs");
                assert!(status.success(), "cargo build -p query-service failed");
                dir.join("query-service")
            })
            .clone(),
        other => panic!("docker-compose.yml runs {other:?}, which this test does not know"),
    }
}

fn strings(value: &Value, what: &str) -> Vec<String> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what} is a list"))
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("{what} holds strings"))
                .to_string()
        })
        .collect()
}

struct Service {
    name: String,
    command: Vec<String>,
    environment: BTreeMap<String, String>,
    healthcheck: Vec<String>,
    depends_on_healthy: Vec<String>,
}

/// How container-side names map to this machine.
#[derive(Default)]
struct Mapping {
    /// (text as the compose file writes it, replacement), longest first.
    replacements: Vec<(String, String)>,
}

impl Mapping {
    fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.replacements {
            out = out.replace(from.as_str(), to);
        }
        out
    }
}

/// Kills the processes when the test ends, and shows their logs if it failed.
struct Processes {
    children: Vec<(String, Child, PathBuf)>,
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (name, child, log) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
            if std::thread::panicking() {
                let text = std::fs::read_to_string(&*log).unwrap_or_default();
                eprintln!("---- {name} log ----\n{text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_file_runs_and_serves_the_seed_events() {
    let root = workspace_root();
    let compose: Value =
        serde_norway::from_str(&std::fs::read_to_string(root.join("docker-compose.yml")).unwrap())
            .expect("docker-compose.yml is YAML");
    let scratch = tempfile::tempdir().unwrap();

    let mut mapping = Mapping::default();
    let mut services = Vec::new();
    let mut query_port = None;
    let mut ingest_port = None;
    let mut watched_host_dir = None;
    for (name, spec) in compose["services"].as_mapping().expect("services") {
        let name = name.as_str().unwrap().to_string();
        for port in strings(&spec["ports"], "ports") {
            let container_port = port.rsplit(':').next().unwrap().to_string();
            let free = unused_addr().await.port();
            // The service's host name and its own listening addresses lead to the free port.
            for host in [name.as_str(), "0.0.0.0", "127.0.0.1", "localhost"] {
                mapping.replacements.push((
                    format!("{host}:{container_port}"),
                    format!("127.0.0.1:{free}"),
                ));
            }
            match name.as_str() {
                "query-service" => query_port = Some(free),
                "ingest-service" => ingest_port = Some(free),
                _ => {}
            }
        }
        if let Some(volumes) = spec.get("volumes") {
            for volume in strings(volumes, "volumes") {
                let mut parts = volume.split(':');
                let (source, target) = (parts.next().unwrap(), parts.next().expect("a target"));
                let host = if source.starts_with('.') || source.starts_with('/') {
                    root.join(source)
                } else {
                    assert!(
                        compose["volumes"].get(source).is_some(),
                        "named volume {source} is declared"
                    );
                    scratch.path().join(source)
                };
                std::fs::create_dir_all(&host).unwrap();
                if target == "/seeds" {
                    watched_host_dir = Some(host.clone());
                }
                mapping
                    .replacements
                    .push((target.to_string(), host.display().to_string()));
            }
        }
        // As compose does: the env files first, `environment` over them.
        let mut environment: BTreeMap<String, String> = spec
            .get("env_file")
            .map(|files| strings(files, "env_file"))
            .unwrap_or_default()
            .iter()
            .flat_map(|file| read_env_file(&root.join(file)))
            .collect();
        environment.extend(
            spec["environment"]
                .as_mapping()
                .expect("environment is a map")
                .iter()
                .map(|(key, value)| {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => serde_norway::to_string(other).unwrap().trim().to_string(),
                    };
                    (key.as_str().unwrap().to_string(), value)
                }),
        );
        let healthcheck = strings(&spec["healthcheck"]["test"], "healthcheck.test");
        assert_eq!(
            healthcheck[0], "CMD",
            "health checks run a binary, not a shell"
        );
        let depends_on_healthy = spec
            .get("depends_on")
            .and_then(Value::as_mapping)
            .map(|deps| {
                deps.iter()
                    .map(|(dep, condition)| {
                        assert_eq!(condition["condition"].as_str(), Some("service_healthy"));
                        dep.as_str().unwrap().to_string()
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert!(spec.get("restart").is_some(), "{name} has a restart policy");
        services.push(Service {
            name,
            command: strings(&spec["command"], "command"),
            environment,
            healthcheck: healthcheck[1..].to_vec(),
            depends_on_healthy,
        });
    }
    mapping
        .replacements
        .sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let query_port = query_port.expect("query-service publishes a port");
    let ingest_port = ingest_port.expect("ingest-service publishes a port");
    let watched = watched_host_dir.expect("ingest-service mounts /seeds");
    assert_eq!(watched, root.join("./seeds"));

    // Start in dependency order, each once its dependencies pass their health checks.
    let mut processes = Processes {
        children: Vec::new(),
    };
    let mut healthy = BTreeSet::new();
    while healthy.len() < services.len() {
        let service = services
            .iter()
            .find(|s| {
                !healthy.contains(&s.name)
                    && s.depends_on_healthy.iter().all(|d| healthy.contains(d))
            })
            .expect("the dependencies form no cycle");
        let log = scratch.path().join(format!("{}.log", service.name));
        let mut command = Command::new(binary(&service.command[0]));
        command
            .args(service.command[1..].iter().map(|arg| mapping.apply(arg)))
            .env_clear()
            .envs(
                service
                    .environment
                    .iter()
                    .map(|(key, value)| (key, mapping.apply(value))),
            )
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .stdout(File::create(&log).unwrap())
            .stderr(File::create(&log).unwrap());
        let child = command.spawn().expect("the service starts");
        processes.children.push((service.name.clone(), child, log));

        let check_binary = binary(&service.healthcheck[0]);
        let started = Instant::now();
        loop {
            let passed = Command::new(&check_binary)
                .args(
                    service.healthcheck[1..]
                        .iter()
                        .map(|arg| mapping.apply(arg)),
                )
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            if passed {
                break;
            }
            let (_, child, _) = processes.children.last_mut().unwrap();
            assert!(
                child.try_wait().unwrap().is_none(),
                "{} exited before it was healthy",
                service.name
            );
            assert!(
                started.elapsed() < PATIENCE,
                "{} never passed its health check",
                service.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        healthy.insert(service.name.clone());
    }

    let ingest_addr = format!("127.0.0.1:{ingest_port}").parse().unwrap();
    let query_addr = format!("127.0.0.1:{query_port}").parse().unwrap();
    let ingest_token = services
        .iter()
        .find(|s| s.name == "ingest-service")
        .and_then(|s| s.environment.get("NEWSLINE_TOKEN"))
        .cloned();
    // Writes need the token the env file gives: without it the ingest service refuses.
    if let Some(token) = &ingest_token {
        let refused = ingest_client(ingest_addr)
            .await
            .parse_document(ParseDocumentRequest {
                text: "Minsk, 1 May 2015.".into(),
                ..Default::default()
            })
            .await
            .expect_err("a call without the token is refused");
        assert_eq!(refused.code(), tonic::Code::Unauthenticated);
        assert!(!token.is_empty());
    }
    let mut expected = BTreeSet::new();
    for (_, bytes) in seeds() {
        expected.extend(parsed_event_ids(ingest_addr, ingest_token.as_deref(), &bytes).await);
    }
    assert!(!expected.is_empty());
    let events = wait_for_events(query_addr, &expected).await;
    assert_no_duplicates(&events);

    // The health check fails (exit 1) where nothing serves.
    let nobody = unused_addr().await;
    let status = Command::new(binary("ingest-service"))
        .args(["healthcheck", "--addr", &format!("http://{nobody}")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    drop(processes);
}

/// `KEY=value` lines of a compose env file; blank lines and `#` comments skipped.
fn read_env_file(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the env file {} is readable: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').expect("KEY=value");
            (key.trim().to_string(), value.trim().to_string())
        })
        .collect()
}

/// The event ids a dry run of the document yields, asked with the token when there is one.
async fn parsed_event_ids(
    ingest: std::net::SocketAddr,
    token: Option<&str>,
    text: &[u8],
) -> BTreeSet<String> {
    let token = token.map(|t| newsline_server::Token::parse(t, "the env file").unwrap());
    let mut client =
        newsline_proto::v1::ingest_service_client::IngestServiceClient::with_interceptor(
            channel(ingest).await,
            newsline_server::BearerInterceptor::new(token),
        );
    let parsed = client
        .parse_document(ParseDocumentRequest {
            raw: text.to_vec(),
            ..Default::default()
        })
        .await
        .expect("ParseDocument answers")
        .into_inner();
    parsed.events.into_iter().map(|e| e.id).collect()
}
