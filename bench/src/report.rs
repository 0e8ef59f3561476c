//! The results of one harness run: JSON for machines, Markdown for BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::config::{Settings, WatchLoad};
use crate::peer::redis::RedisLoad;
use crate::peer::spacy::SpacyReport;
use crate::scenario::extraction::ExtractionReport;
use crate::scenario::ingest::IngestReport;
use crate::scenario::store::LoadReport;
use crate::scenario::watch::WatchReport;
use crate::stats::Figure;

pub const BEGIN_MARKER: &str = "<!-- results:begin -->";
pub const END_MARKER: &str = "<!-- results:end -->";

#[derive(Clone, Debug, Default, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    pub load_at_start: String,
    pub load_at_end: String,
    /// rustc / cargo processes of other people seen at the start and at the end.
    pub compilers_at_start: usize,
    pub compilers_at_end: usize,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        Machine {
            cpu,
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_gib: memory_kib / 1024.0 / 1024.0,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            rustc: command_line("rustc", &["--version"]),
            load_at_start: load_average(),
            load_at_end: String::new(),
            compilers_at_start: compilers_running(),
            compilers_at_end: 0,
        }
    }
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many rustc or cargo processes are running now (other engineers building).
pub fn compilers_running() -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .filter(|comm| matches!(comm.trim(), "rustc" | "cargo"))
        .count()
}

pub fn command_line(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

#[derive(Clone, Debug, Serialize)]
pub struct LatencyReport {
    pub name: String,
    pub clients: usize,
    pub p50_ms: Figure,
    pub p99_ms: Figure,
    pub samples: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RedisReport {
    pub version: String,
    pub load: RedisLoad,
    pub xrange_entries_per_second: Figure,
}

#[derive(Clone, Debug, Serialize)]
pub struct SizeReport {
    pub events: u64,
    pub entities: usize,
    /// Runs per figure at this size.
    pub runs: usize,
    pub load: LoadReport,
    /// The same articles and entities without events, in a fresh store.
    pub baseline: LoadReport,
    pub unfiltered_events_per_second: Figure,
    pub filtered_events_per_second: Figure,
    pub filter_entity: String,
    pub filter_entity_events: u64,
    /// Mean number of events returned by the filtered timelines of the latency test.
    pub latency_timeline_mean_events: f64,
    pub cursor_len: usize,
    pub latency: Vec<LatencyReport>,
    pub redis: Option<RedisReport>,
    pub ceiling_events_per_second: Option<Figure>,
    /// The filtered-timeline latency test against the ceiling, with 1 and with N clients.
    pub ceiling_latency: Vec<LatencyReport>,
    /// The ceiling streaming events encoded once, as stored bytes.
    pub ceiling_pre_encoded_events_per_second: Option<Figure>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WatchSummary {
    pub load: WatchLoad,
    pub runs: Vec<WatchReport>,
    pub p50_ms: Figure,
    pub p99_ms: Figure,
    pub delivered_fraction: Figure,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub started_utc: String,
    pub finished_utc: String,
    pub machine: Machine,
    pub settings: Settings,
    pub extraction: Option<ExtractionReport>,
    pub spacy: Option<SpacyReport>,
    pub ingest: Option<IngestReport>,
    pub sizes: Vec<SizeReport>,
    /// One summary per watch load, the target load first.
    pub watch: Vec<WatchSummary>,
    /// Skipped peers and other things a reader must know.
    pub notes: Vec<String>,
}

impl Report {
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(
            dir.join("results.json"),
            serde_json::to_string_pretty(self)?,
        )?;
        std::fs::write(dir.join("results.md"), self.markdown())?;
        Ok(())
    }

    /// Replaces what stands between the results markers of `doc` with this report.
    pub fn update_doc(&self, doc: &Path) -> anyhow::Result<()> {
        let text =
            std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
        let (Some(begin), Some(end)) = (text.find(BEGIN_MARKER), text.find(END_MARKER)) else {
            anyhow::bail!(
                "{} has no {BEGIN_MARKER} ... {END_MARKER} block",
                doc.display()
            );
        };
        let updated = format!(
            "{}{BEGIN_MARKER}\n{}\n{}",
            &text[..begin],
            self.markdown(),
            &text[end..]
        );
        std::fs::write(doc, updated)?;
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(
            md,
            "Run `{}` profile, {} to {}. Machine: {} × {}, {:.1} GiB, Linux {}, {}. Load average at start {}, at end {}; \
             other rustc/cargo processes at start {}, at end {}.\n",
            self.settings.profile,
            self.started_utc,
            self.finished_utc,
            m.cores,
            m.cpu,
            m.memory_gib,
            m.kernel,
            m.rustc,
            m.load_at_start,
            m.load_at_end,
            m.compilers_at_start,
            m.compilers_at_end
        );
        let _ = writeln!(
            md,
            "Every figure is the median of {} run(s) ({} for stores of 5M events and more) with the [min – max] range; \
             latency figures are medians of up to 3 runs of {} s each; memory and load figures come from one load per size.\n",
            self.settings.runs, self.settings.large_runs, self.settings.latency_seconds
        );
        self.targets(&mut md);
        self.extraction_md(&mut md);
        self.ingest_md(&mut md);
        self.timeline_md(&mut md);
        self.watch_md(&mut md);
        if !self.notes.is_empty() {
            let _ = writeln!(md, "### Notes\n");
            for note in &self.notes {
                let _ = writeln!(md, "- {note}");
            }
            md.push('\n');
        }
        md
    }

    fn size(&self, events: u64) -> Option<&SizeReport> {
        self.sizes.iter().find(|s| s.events == events)
    }

    fn targets(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "### Targets\n\n| target | measured | met? |\n|---|---|---|"
        );
        for size in &self.sizes {
            if let Some(redis) = &size.redis {
                let ratio = size.unfiltered_events_per_second.median
                    / redis.xrange_entries_per_second.median;
                row(
                    md,
                    &format!(
                        "one timeline stream ≥ Redis XRANGE ({} events)",
                        count(size.events)
                    ),
                    &format!("{ratio:.2}×"),
                    ratio >= 1.0,
                );
            }
        }
        let reference = self.size(1_000_000).or(self.sizes.last());
        if let Some(size) = reference
            && let Some(filtered) = size
                .latency
                .iter()
                .find(|l| l.name == "filtered timeline" && l.clients == self.settings.clients)
        {
            row(
                md,
                &format!(
                    "filtered timeline p99 ≤ 5 ms ({} events, {} clients)",
                    count(size.events),
                    filtered.clients
                ),
                &format!("{:.2} ms", filtered.p99_ms.median),
                filtered.p99_ms.median <= 5.0,
            );
        }
        for size in &self.sizes {
            if size.events >= 1_000_000 || self.sizes.len() == 1 || Some(size) == reference {
                let per_event = size.event_rss_per_event();
                row(
                    md,
                    &format!(
                        "≤ 200 bytes per event with indexes ({} events; RSS of the store less its articles-only baseline; {:.0} B with articles)",
                        count(size.events),
                        size.load.rss_per_event()
                    ),
                    &format!("{per_event:.0} B"),
                    per_event <= 200.0,
                );
            }
        }
        if let Some(extraction) = &self.extraction {
            row(
                md,
                "extraction ≥ 10 MB/s per core",
                &format!("{:.2} MB/s", extraction.mb_per_second.median),
                extraction.mb_per_second.median >= 10.0,
            );
        }
        if let Some(ingest) = &self.ingest {
            row(
                md,
                "ingest ≥ 3,000 articles/s end to end",
                &format!("{:.0} articles/s", ingest.articles_per_second.median),
                ingest.articles_per_second.median >= 3_000.0,
            );
        }
        if let Some(watch) = self.watch.first() {
            row(
                md,
                &format!(
                    "watch p99 ≤ 2 ms ({} watchers, {} events/s)",
                    watch.load.watchers, watch.load.rate
                ),
                &format!("{:.2} ms", watch.p99_ms.median),
                watch.p99_ms.median <= 2.0,
            );
        }
        md.push('\n');
    }

    fn extraction_md(&self, md: &mut String) {
        let Some(extraction) = &self.extraction else {
            return;
        };
        let _ = writeln!(
            md,
            "### Extraction (one core)\n\n{} documents, {} bytes, {} articles per pass.\n\n| stage | MB/s | share of parse time |\n|---|---|---|",
            extraction.documents, extraction.bytes, extraction.articles
        );
        let _ = writeln!(
            md,
            "| whole parse | {} | 100% |",
            fig(&extraction.mb_per_second, 2)
        );
        for stage in &extraction.stages {
            let _ = writeln!(
                md,
                "| {} | {} | {:.0}% |",
                stage.name,
                fig(&stage.mb_per_second, 1),
                stage.share * 100.0
            );
        }
        let _ = writeln!(
            md,
            "\nArticles per second: {}.",
            fig(&extraction.articles_per_second, 0)
        );
        if let Some(spacy) = &self.spacy {
            let ratio = extraction.mb_per_second.median / spacy.mb_per_second.median;
            let _ = writeln!(
                md,
                "\nspaCy {} `{}` (tagger, parser, NER) over the same {} documents: {} MB/s; newsline / spaCy = **{ratio:.0}×**.",
                spacy.version,
                spacy.model,
                spacy.documents,
                fig(&spacy.mb_per_second, 3)
            );
        }
        md.push('\n');
    }

    fn ingest_md(&self, md: &mut String) {
        let Some(ingest) = &self.ingest else {
            return;
        };
        let first = ingest.runs.first();
        let _ = writeln!(
            md,
            "### Ingest end to end\n\n{} documents ({} bytes) per run through `IngestDocuments`, {} articles and {} events published per run, {} rejected, {} spooled.\n\n\
             | figure | median [range] |\n|---|---|\n| articles/s | {} |\n| documents/s | {} |\n| MB/s | {} |\n",
            first.map_or(0, |r| r.documents),
            first.map_or(0, |r| r.bytes),
            first.map_or(0, |r| r.articles),
            first.map_or(0, |r| r.events),
            first.map_or(0, |r| r.rejected),
            first.map_or(0, |r| r.spooled),
            fig(&ingest.articles_per_second, 0),
            fig(&ingest.documents_per_second, 0),
            fig(&ingest.mb_per_second, 2)
        );
    }

    fn timeline_md(&self, md: &mut String) {
        if self.sizes.is_empty() {
            return;
        }
        let header: Vec<String> = self.sizes.iter().map(|s| count(s.events)).collect();
        let _ = writeln!(
            md,
            "### Timeline, memory and scaling\n\n| figure | {} |\n|---|{}",
            header.join(" | "),
            "---|".repeat(header.len())
        );
        let mut line = |name: &str, cell: &dyn Fn(&SizeReport) -> String| {
            let cells: Vec<String> = self.sizes.iter().map(cell).collect();
            let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
        };
        line("entities", &|s| count(s.entities as u64));
        line("StreamTimeline, unfiltered (events/s)", &|s| {
            fig(&s.unfiltered_events_per_second, 0)
        });
        line("StreamTimeline, one entity (events/s)", &|s| {
            format!(
                "{} ({} events of `{}`)",
                fig(&s.filtered_events_per_second, 0),
                count(s.filter_entity_events),
                s.filter_entity
            )
        });
        line("Redis XRANGE, pages of 1,000 (entries/s)", &|s| {
            s.redis
                .as_ref()
                .map_or("skipped".into(), |r| fig(&r.xrange_entries_per_second, 0))
        });
        line("newsline / Redis", &|s| {
            s.redis.as_ref().map_or("–".into(), |r| {
                format!(
                    "**{:.2}×**",
                    s.unfiltered_events_per_second.median / r.xrange_entries_per_second.median
                )
            })
        });
        line("ceiling: tonic streaming a Vec (events/s)", &|s| {
            s.ceiling_events_per_second
                .as_ref()
                .map_or("skipped".into(), |c| fig(c, 0))
        });
        line("newsline / ceiling", &|s| {
            s.ceiling_events_per_second
                .as_ref()
                .map_or("–".into(), |c| {
                    format!(
                        "**{:.0}%**",
                        100.0 * s.unfiltered_events_per_second.median / c.median
                    )
                })
        });
        line(
            "ceiling with events encoded once, streaming stored bytes (events/s)",
            &|s| {
                s.ceiling_pre_encoded_events_per_second
                    .as_ref()
                    .map_or("skipped".into(), |c| fig(c, 0))
            },
        );
        line("newsline / pre-encoded ceiling", &|s| {
            s.ceiling_pre_encoded_events_per_second
                .as_ref()
                .map_or("–".into(), |c| {
                    format!(
                        "**{:.0}%**",
                        100.0 * s.unfiltered_events_per_second.median / c.median
                    )
                })
        });
        for (index, latency) in self.sizes[0].latency.iter().enumerate() {
            let name = format!(
                "{}, {} client(s): p50 / p99 (ms)",
                latency.name, latency.clients
            );
            line(&name, &|s| {
                s.latency.get(index).map_or("–".into(), |l| {
                    format!("{} / {}", fig(&l.p50_ms, 3), fig(&l.p99_ms, 3))
                })
            });
        }
        line(
            "events per filtered timeline in the latency test (mean)",
            &|s| format!("{:.0}", s.latency_timeline_mean_events),
        );
        for index in 0..self.sizes[0].ceiling_latency.len() {
            let clients = self.sizes[0].ceiling_latency[index].clients;
            let name = format!(
                "ceiling serving timelines of the same lengths, {clients} client(s): p50 / p99 (ms)"
            );
            line(&name, &|s| {
                s.ceiling_latency.get(index).map_or("–".into(), |l| {
                    format!("{} / {}", fig(&l.p50_ms, 3), fig(&l.p99_ms, 3))
                })
            });
        }
        line("newsline RSS per event, events and indexes (bytes)", &|s| {
            format!("**{:.0}**", s.event_rss_per_event())
        });
        line(
            "newsline approx_memory_bytes per event, events and indexes",
            &|s| format!("{:.0}", s.event_approx_per_event()),
        );
        line(
            "newsline RSS per event, with articles and entities (bytes)",
            &|s| format!("{:.0}", s.load.rss_per_event()),
        );
        line(
            "newsline approx_memory_bytes per event, with articles and entities",
            &|s| format!("{:.0}", s.load.approx_per_event()),
        );
        line(
            "articles-and-entities-only store: RSS per event (bytes)",
            &|s| format!("{:.0}", s.baseline.rss_per_event()),
        );
        line("article text published per event (bytes)", &|s| {
            format!("{:.0}", s.load.text_per_event())
        });
        line("event as protobuf (bytes, mean)", &|s| {
            format!(
                "{:.0}",
                s.load.encoded_event_bytes as f64 / s.events.max(1) as f64
            )
        });
        line("Redis used_memory per entry (bytes)", &|s| {
            s.redis.as_ref().map_or("skipped".into(), |r| {
                format!("{:.0}", r.load.used_memory_per_entry())
            })
        });
        line("Redis RSS per entry (bytes)", &|s| {
            s.redis.as_ref().map_or("skipped".into(), |r| {
                format!("{:.0}", r.load.rss_per_entry())
            })
        });
        line("newsline bulk publish (events/s, one run)", &|s| {
            format!("{:.0}", s.load.events_per_second)
        });
        line("Redis pipelined XADD (entries/s, one run)", &|s| {
            s.redis.as_ref().map_or("skipped".into(), |r| {
                format!("{:.0}", r.load.events as f64 / r.load.seconds)
            })
        });
        md.push('\n');
    }

    fn watch_md(&self, md: &mut String) {
        if self.watch.is_empty() {
            return;
        }
        let _ = writeln!(
            md,
            "### Watch\n\nPublish-to-client latency, {} s of publishing per run, every watcher on its own connection.\n\n\
             | watchers × events/s | deliveries/s asked | publish rate reached | p50 (ms) | p99 (ms) | deliveries received | how watchers ended (first run) |\n|---|---|---|---|---|---|---|",
            self.settings.watch_seconds
        );
        for watch in &self.watch {
            let endings = watch.runs.first().map_or(String::new(), |r| {
                r.endings
                    .iter()
                    .map(|(how, n)| format!("{n} {how}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            let reached = Figure::of(
                &watch
                    .runs
                    .iter()
                    .map(|r| r.achieved_rate)
                    .collect::<Vec<_>>(),
            );
            let _ = writeln!(
                md,
                "| {} × {} | {} | {} | {} | {} | {} | {} |",
                watch.load.watchers,
                number(watch.load.rate as f64, 0),
                number((watch.load.watchers as u64 * watch.load.rate) as f64, 0),
                fig(&reached, 0),
                fig(&watch.p50_ms, 3),
                fig(&watch.p99_ms, 3),
                fig_percent(&watch.delivered_fraction),
                endings
            );
        }
        md.push('\n');
    }
}

fn row(md: &mut String, target: &str, measured: &str, met: bool) {
    let _ = writeln!(
        md,
        "| {target} | {measured} | {} |",
        if met { "met" } else { "**missed**" }
    );
}

/// A figure as "median [min – max]" with `decimals` decimals and thousands separators.
pub fn fig(figure: &Figure, decimals: usize) -> String {
    if figure.runs == 0 {
        return "–".to_string();
    }
    if figure.runs == 1 {
        return number(figure.median, decimals);
    }
    format!(
        "{} [{} – {}]",
        number(figure.median, decimals),
        number(figure.min, decimals),
        number(figure.max, decimals)
    )
}

fn fig_percent(figure: &Figure) -> String {
    let scaled = Figure {
        median: figure.median * 100.0,
        min: figure.min * 100.0,
        max: figure.max * 100.0,
        runs: figure.runs,
    };
    format!("{} %", fig(&scaled, 2))
}

pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (integer, fraction) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (text.clone(), String::new()),
    };
    let (sign, digits) = match integer.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", integer),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{fraction}")
}

/// 10000 -> "10k", 1000000 -> "1M".
pub fn count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => number(n as f64, 0),
    }
}

impl SizeReport {
    /// RSS per event of events and their indexes: the full store less the articles-only store.
    pub fn event_rss_per_event(&self) -> f64 {
        let full = self.load.rss_after.saturating_sub(self.load.rss_before) as f64;
        let articles = self
            .baseline
            .rss_after
            .saturating_sub(self.baseline.rss_before) as f64;
        (full - articles) / self.events.max(1) as f64
    }

    /// The same from the store's own estimate (GetStats `approx_memory_bytes`).
    pub fn event_approx_per_event(&self) -> f64 {
        (self.load.approx_memory_bytes as f64 - self.baseline.approx_memory_bytes as f64)
            / self.events.max(1) as f64
    }
}

impl PartialEq for SizeReport {
    fn eq(&self, other: &Self) -> bool {
        self.events == other.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_and_sizes_read_short() {
        assert_eq!(number(1234567.891, 1), "1,234,567.9");
        assert_eq!(number(-1000.0, 0), "-1,000");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(count(10_000_000), "10M");
        assert_eq!(count(100_000), "100k");
        assert_eq!(count(12_345), "12,345");
        assert_eq!(fig(&Figure::of(&[1.0, 2.0, 3.0]), 1), "2.0 [1.0 – 3.0]");
    }
}
