//! Child processes the harness measures: the real `query-service` and `ingest-service` binaries,
//! `redis-server`, and the harness's own ceiling server. Each runs on a loopback port, is polled
//! for readiness (never a fixed sleep), and is killed when its handle drops.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A running child process, killed on drop.
pub struct Process {
    pub name: String,
    pub addr: SocketAddr,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `program args...` with its output going to `<log_dir>/<name>.log`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        envs: &[(&str, &str)],
        addr: SocketAddr,
        log_dir: &Path,
    ) -> anyhow::Result<Process> {
        std::fs::create_dir_all(log_dir)
            .with_context(|| format!("creating {}", log_dir.display()))?;
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {} ({})", name, program.display()))?;
        Ok(Process {
            name: name.to_string(),
            addr,
            child,
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Fails with the end of the log when the process has exited.
    pub fn ensure_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited early ({status}); the end of {}:\n{}",
                self.name,
                self.log.display(),
                log_tail(&self.log)
            );
        }
        Ok(())
    }

    /// Polls the gRPC health service until `service` is SERVING.
    pub async fn wait_healthy(&mut self, service: &str) -> anyhow::Result<Channel> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            self.ensure_running()?;
            if let Ok(channel) = connect(&self.url()).await {
                let mut health = HealthClient::new(channel.clone());
                let request = HealthCheckRequest {
                    service: service.to_string(),
                };
                if let Ok(answer) = health.check(request).await
                    && answer.into_inner().status == ServingStatus::Serving as i32
                {
                    return Ok(channel);
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not become healthy within {READY_TIMEOUT:?}",
                    self.name
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Resident memory of the process now, from `/proc/PID/status`.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        rss_bytes(self.pid())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .context("no VmRSS line in /proc/PID/status")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .context("malformed VmRSS line")?
        .parse()
        .context("malformed VmRSS value")?;
    Ok(kib * 1024)
}

/// A loopback address with a port the OS just handed out (and that is free again).
pub fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a probe port")?;
    Ok(listener.local_addr()?)
}

pub async fn connect(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect()
        .await?)
}

/// Starts `query-service serve` on a free loopback port and waits until it is healthy.
pub async fn start_query_service(
    bin_dir: &Path,
    log_dir: &Path,
) -> anyhow::Result<(Process, Channel)> {
    let program = binary(bin_dir, "query-service")?;
    let addr = free_loopback_addr()?;
    let args = vec![
        "serve".to_string(),
        "--listen".to_string(),
        addr.to_string(),
    ];
    let mut process = Process::spawn(
        "query-service",
        &program,
        &args,
        &[("RUST_LOG", "warn")],
        addr,
        log_dir,
    )?;
    let channel = process.wait_healthy("").await?;
    Ok((process, channel))
}

/// Starts `ingest-service serve` publishing to `query_url`, and waits until it is healthy.
pub async fn start_ingest_service(
    bin_dir: &Path,
    log_dir: &Path,
    query_url: &str,
    spool_dir: &Path,
) -> anyhow::Result<(Process, Channel)> {
    let program = binary(bin_dir, "ingest-service")?;
    let addr = free_loopback_addr()?;
    let args = vec![
        "serve".to_string(),
        "--listen".to_string(),
        addr.to_string(),
        "--query-addr".to_string(),
        query_url.to_string(),
        "--spool-dir".to_string(),
        spool_dir.display().to_string(),
    ];
    let mut process = Process::spawn(
        "ingest-service",
        &program,
        &args,
        &[("RUST_LOG", "warn")],
        addr,
        log_dir,
    )?;
    let channel = process.wait_healthy("").await?;
    Ok((process, channel))
}

/// The path of a workspace binary built beside the harness, or a message saying how to build it.
pub fn binary(bin_dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = bin_dir.join(name);
    if !path.is_file() {
        bail!(
            "{} not found; build it first: cargo build --release -p {name} (or pass --bin-dir)",
            path.display()
        );
    }
    Ok(path)
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
