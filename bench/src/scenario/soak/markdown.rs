//! The soak report written out as JSON and Markdown.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::{SoakReport, memory::mib};

impl SoakReport {
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let json = dir.join("soak.json");
        std::fs::write(&json, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("writing {}", json.display()))?;
        let markdown = dir.join("soak.md");
        std::fs::write(&markdown, self.markdown())
            .with_context(|| format!("writing {}", markdown.display()))?;
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(
            out,
            "# Soak: {}\n",
            if self.passed { "PASSED" } else { "FAILED" }
        );
        let _ = writeln!(
            out,
            "{} to {}; {:.1} s of load, then {} s of reading only: {} timeline clients, {} watchers, {} documents/s through `IngestDocuments`, {} events/s through `Publish` (after {} preloaded). Machine load (1/5/15 min) {} at the start, {} at the end; other rustc/cargo processes: {} / {}.\n",
            self.started_utc,
            self.finished_utc,
            self.load_seconds,
            s.quiet_seconds,
            s.streams,
            s.watchers,
            s.ingest_rate,
            s.publish_rate,
            self.publish.preload_events,
            self.machine_load_at_start,
            self.machine_load_at_end,
            self.compilers_at_start,
            self.compilers_at_end
        );
        if !self.failures.is_empty() {
            let _ = writeln!(out, "Failures:\n");
            for failure in &self.failures {
                let _ = writeln!(out, "- {failure}");
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "| RPC | calls by status |\n| --- | --- |");
        for (rpc, codes) in &self.calls {
            let codes = codes
                .iter()
                .map(|(code, count)| format!("{code} {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "| {rpc} | {codes} |");
        }
        let _ = writeln!(
            out,
            "\n| timeline call | calls | items | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |"
        );
        for mix in &self.timelines {
            let _ = writeln!(
                out,
                "| {:?} | {} | {} | {:.1} | {:.1} |",
                mix.mix,
                mix.calls,
                mix.items,
                mix.latency.p50_us / 1e3,
                mix.latency.p99_us / 1e3
            );
        }
        let live: u64 = self.watchers.iter().map(|w| w.live).sum();
        let replayed: u64 = self.watchers.iter().map(|w| w.replayed).sum();
        let gap = self
            .watchers
            .iter()
            .map(|w| w.max_live_gap_ms)
            .fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "\nPublished: {} batches, {} events ({:.0}/s) acknowledged. Ingested: {} documents answered ({:.1}/s), {} articles ({} distinct), {} events, {} rejected, {} spooled.\n",
            self.publish.acknowledged_batches,
            self.publish.events,
            self.publish.events_per_second,
            self.ingest.documents_answered,
            self.ingest.documents_per_second,
            self.ingest.articles,
            self.ingest.distinct_articles,
            self.ingest.events,
            self.ingest.rejected,
            self.ingest.spooled
        );
        let e = &self.end_check;
        let _ = writeln!(
            out,
            "Watchers: {} replayed and {} live deliveries in all; longest wait between live events {:.0} ms.\n",
            replayed, live, gap,
        );
        if !e.ran {
            let _ = writeln!(
                out,
                "End check: could not run (the store was not readable; see the problems).\n"
            );
        } else {
            let _ = writeln!(
                out,
                "End check: {} stored events (GetStats {}), the whole timeline read and checked; {} published, {} missing; {} ingested articles read back, {} missing, their {} events, {} missing; {} stored events unexplained; {} of {} watchers saw every stored event.\n",
                e.timeline_events,
                e.stats_events,
                e.published_events,
                e.published_missing,
                e.ingested_articles,
                e.ingested_articles_missing,
                e.ingested_events,
                e.ingested_events_missing,
                e.unexplained_events,
                e.watchers_complete,
                self.watchers.len()
            );
        }
        let _ = writeln!(
            out,
            "| RSS (MiB) | start of load | peak | end of load | change while only read | after the check | store growth (approx_memory_bytes) | allowed growth | bytes per stored event |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for (name, rss) in [
            ("query-service", &self.query_rss),
            ("ingest-service", &self.ingest_rss),
        ] {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {:+.1} | {} | {:.1} | {} | {:.0} |",
                mib(rss.start),
                mib(rss.peak),
                mib(rss.end_of_load),
                rss.quiet_growth as f64 / (1u64 << 20) as f64,
                mib(rss.after_check),
                rss.explained_growth as f64 / (1u64 << 20) as f64,
                mib(rss.allowed_growth),
                rss.growth_per_stored_event
            );
        }
        if !self.problems.examples.is_empty() {
            let _ = writeln!(out, "\nFirst problems:\n");
            for example in &self.problems.examples {
                let _ = writeln!(out, "- {example}");
            }
        }
        out
    }
}
