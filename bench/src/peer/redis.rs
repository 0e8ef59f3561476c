//! The peer: Redis 7 from Debian, started on a loopback port, holding the same events as one
//! stream (`XADD events * e <protobuf Event>`), read back with `XRANGE` in pages of 1,000. The
//! client decodes every entry's Event, as a newsline client decodes every streamed item.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use newsline_proto::v1 as pb;
use prost::Message;
use redis::Value;
use serde::Serialize;

use crate::procs::{Process, free_loopback_addr};
use crate::synth::{Generator, IdScheme, Universe};

const STREAM_KEY: &str = "events";
const PAGE: usize = 1_000;

/// `redis-server` on the PATH, if installed.
pub fn find_server() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|path| path.is_file())
    })
}

pub struct Redis {
    process: Process,
    client: redis::Client,
}

#[derive(Clone, Debug, Serialize)]
pub struct RedisLoad {
    pub events: u64,
    pub seconds: f64,
    pub used_memory_before: u64,
    pub used_memory_after: u64,
    pub rss_before: u64,
    pub rss_after: u64,
}

impl RedisLoad {
    pub fn used_memory_per_entry(&self) -> f64 {
        self.used_memory_after
            .saturating_sub(self.used_memory_before) as f64
            / self.events.max(1) as f64
    }

    pub fn rss_per_entry(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.events.max(1) as f64
    }
}

impl Redis {
    /// Starts a throw-away server with persistence off, and waits until it answers PING.
    pub fn start(server: &Path, log_dir: &Path) -> anyhow::Result<Redis> {
        let addr = free_loopback_addr()?;
        let args: Vec<String> = [
            "--port",
            &addr.port().to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut process = Process::spawn("redis-server", server, &args, &[], addr, log_dir)?;
        let client = redis::Client::open(format!("redis://{addr}/"))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            process.ensure_running()?;
            if let Ok(mut connection) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut connection).is_ok()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("redis-server did not answer PING within 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Redis { process, client })
    }

    pub fn version(&self) -> anyhow::Result<String> {
        let info = self.info("server")?;
        Ok(info_field(&info, "redis_version").unwrap_or_else(|| "unknown".to_string()))
    }

    fn info(&self, section: &str) -> anyhow::Result<String> {
        let mut connection = self.client.get_connection()?;
        Ok(redis::cmd("INFO")
            .arg(section)
            .query::<String>(&mut connection)?)
    }

    fn used_memory(&self) -> anyhow::Result<u64> {
        let info = self.info("memory")?;
        info_field(&info, "used_memory")
            .and_then(|v| v.parse().ok())
            .context("INFO memory has no used_memory")
    }

    /// Adds the same events the store got (same universe, seed and count), pipelined per batch.
    pub fn load(
        &self,
        universe: Arc<Universe>,
        seed: u64,
        events: u64,
        batch_events: usize,
    ) -> anyhow::Result<RedisLoad> {
        let mut connection = self.client.get_connection()?;
        redis::cmd("DEL")
            .arg(STREAM_KEY)
            .query::<()>(&mut connection)?;
        let used_memory_before = self.used_memory()?;
        let rss_before = self.process.rss_bytes()?;
        let started = Instant::now();
        let mut generator = Generator::new(universe, seed, IdScheme::Hashed);
        loop {
            let batch = generator.next_batch(batch_events, events);
            if batch.events.is_empty() {
                break;
            }
            let mut pipe = redis::pipe();
            for event in &batch.events {
                pipe.cmd("XADD")
                    .arg(STREAM_KEY)
                    .arg("*")
                    .arg("e")
                    .arg(event.encode_to_vec())
                    .ignore();
            }
            pipe.query::<()>(&mut connection)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let stored: u64 = redis::cmd("XLEN").arg(STREAM_KEY).query(&mut connection)?;
        if stored != events {
            bail!("added {events} entries to Redis but XLEN says {stored}");
        }
        Ok(RedisLoad {
            events,
            seconds,
            used_memory_before,
            used_memory_after: self.used_memory()?,
            rss_before,
            rss_after: self.process.rss_bytes()?,
        })
    }

    /// Reads the whole stream with `XRANGE` pages of 1,000, decoding each entry's Event.
    /// Returns (entries, seconds).
    pub fn xrange_all(&self) -> anyhow::Result<(u64, f64)> {
        let mut connection = self.client.get_connection()?;
        let started = Instant::now();
        let mut start = "-".to_string();
        let mut entries = 0u64;
        loop {
            let page: Value = redis::cmd("XRANGE")
                .arg(STREAM_KEY)
                .arg(&start)
                .arg("+")
                .arg("COUNT")
                .arg(PAGE)
                .query(&mut connection)?;
            let Value::Array(items) = page else {
                bail!("XRANGE answered {page:?}");
            };
            let count = items.len();
            let mut last_id = None;
            for item in items {
                let (id, payload) = entry(item)?;
                pb::Event::decode(payload.as_slice()).context("decoding an Event from Redis")?;
                last_id = Some(id);
                entries += 1;
            }
            match last_id {
                Some(id) if count == PAGE => start = format!("({id}"),
                _ => break,
            }
        }
        Ok((entries, started.elapsed().as_secs_f64()))
    }
}

/// Splits one XRANGE entry `[id, [field, value]]` into its id and the value.
fn entry(item: Value) -> anyhow::Result<(String, Vec<u8>)> {
    let Value::Array(mut parts) = item else {
        bail!("an XRANGE entry that is not an array");
    };
    if parts.len() != 2 {
        bail!("an XRANGE entry with {} parts", parts.len());
    }
    let fields = parts.pop().expect("two parts");
    let id = match parts.pop().expect("two parts") {
        Value::BulkString(bytes) => String::from_utf8(bytes)?,
        other => bail!("an XRANGE entry id {other:?}"),
    };
    let Value::Array(mut fields) = fields else {
        bail!("XRANGE entry fields that are not an array");
    };
    match fields.pop() {
        Some(Value::BulkString(payload)) => Ok((id, payload)),
        other => bail!("an XRANGE entry value {other:?}"),
    }
}

fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(|value| value.trim().to_string())
}
