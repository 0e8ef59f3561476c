//! Command-line settings of the harness, with the quick and full profiles.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "newsline-bench",
    about = "Benchmarks newsline against Redis, a tonic ceiling and spaCy"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the benchmarks and writes results.json and results.md.
    Run(Box<RunArgs>),
    /// The soak test: continuous ingest and publishing, concurrent timelines and watchers
    /// against the real services; writes soak.json and soak.md and fails on any error.
    Soak(SoakArgs),
    /// The ceiling server (started by `run` as a child process).
    #[command(hide = true)]
    CeilingServe(CeilingArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Small sizes, one short run each: under two minutes, for CI.
    Quick,
    /// 100k, 1M and 10M events, five runs: the figures of BENCHMARKS.md.
    Full,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum, serde::Serialize)]
pub enum Section {
    Extraction,
    Ingest,
    Watch,
    /// Last, and its sizes smallest first, so that the longest part cannot keep the others from
    /// being measured.
    Timeline,
}

#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// Sizes, runs and durations to use; the flags below override single settings.
    #[arg(long, value_enum, default_value = "quick")]
    pub profile: Profile,
    /// Which parts to run (repeatable); all by default.
    #[arg(long = "only", value_enum)]
    pub only: Vec<Section>,
    /// Store sizes in events, e.g. `--sizes 100000,1000000`.
    #[arg(long, value_delimiter = ',')]
    pub sizes: Option<Vec<u64>>,
    /// Runs per figure (medians and ranges are taken over them).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Runs per figure for stores of 5M events and more.
    #[arg(long)]
    pub large_runs: Option<usize>,
    /// Seconds per latency run.
    #[arg(long)]
    pub latency_seconds: Option<f64>,
    /// Concurrent clients of the filtered-timeline latency test.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Watch loads as WATCHERSxEVENTS_PER_SECOND, the target load first, e.g.
    /// `--watch-loads 100x10000,10x10000`.
    #[arg(long, value_delimiter = ',', value_parser = parse_watch_load)]
    pub watch_loads: Option<Vec<WatchLoad>>,
    /// Seconds of publishing per watch run.
    #[arg(long)]
    pub watch_seconds: Option<f64>,
    /// Seconds of parsing per extraction run.
    #[arg(long)]
    pub extraction_seconds: Option<f64>,
    /// Documents sent per ingest run (corpus pages, made distinct per copy).
    #[arg(long)]
    pub ingest_documents: Option<usize>,
    /// Events per publish batch when loading a store.
    #[arg(long, default_value_t = 1_000)]
    pub batch_events: usize,
    /// Most messages the ceiling server builds up front (it cycles through them).
    #[arg(long, default_value_t = 1_000_000)]
    pub ceiling_prebuilt: u64,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 20_151_118)]
    pub seed: u64,
    /// Where `query-service` and `ingest-service` are; by default beside this binary.
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// The gold corpus (folders of NNN.txt + NNN.json).
    #[arg(long, default_value = "../shared/corpus")]
    pub corpus_dir: PathBuf,
    /// The seed pages.
    #[arg(long, default_value = "../shared/seeds")]
    pub seeds_dir: PathBuf,
    /// The extraction's gazetteers (countries, cities, organisations, names).
    #[arg(long, default_value = "ingest-service/data")]
    pub gazetteer_dir: PathBuf,
    /// Where results and child logs go.
    #[arg(long, default_value = "target/bench")]
    pub out_dir: PathBuf,
    /// Replace the results block of this Markdown file (between the results markers).
    #[arg(long)]
    pub update_doc: Option<PathBuf>,
}

/// Every setting resolved from the profile and the flags.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Settings {
    pub profile: String,
    pub sections: Vec<Section>,
    pub sizes: Vec<u64>,
    pub runs: usize,
    pub large_runs: usize,
    pub latency_seconds: f64,
    pub clients: usize,
    pub watch_loads: Vec<WatchLoad>,
    pub watch_seconds: f64,
    pub extraction_seconds: f64,
    pub ingest_documents: usize,
    pub batch_events: usize,
    pub ceiling_prebuilt: u64,
    pub seed: u64,
    pub bin_dir: PathBuf,
    pub corpus_dir: PathBuf,
    pub seeds_dir: PathBuf,
    pub gazetteer_dir: PathBuf,
    pub out_dir: PathBuf,
    #[serde(skip)]
    pub update_doc: Option<PathBuf>,
}

impl RunArgs {
    pub fn settings(self) -> anyhow::Result<Settings> {
        let quick = self.profile == Profile::Quick;
        let bin_dir = match self.bin_dir {
            Some(dir) => dir,
            None => std::env::current_exe()?
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default(),
        };
        let mut sections = if self.only.is_empty() {
            vec![
                Section::Extraction,
                Section::Ingest,
                Section::Watch,
                Section::Timeline,
            ]
        } else {
            self.only
        };
        sections.sort();
        sections.dedup();
        Ok(Settings {
            profile: format!("{:?}", self.profile).to_lowercase(),
            sections,
            sizes: {
                let mut sizes = self.sizes.unwrap_or_else(|| {
                    if quick {
                        vec![10_000, 50_000]
                    } else {
                        vec![100_000, 1_000_000, 10_000_000]
                    }
                });
                sizes.sort_unstable();
                sizes.dedup();
                sizes
            },
            runs: self.runs.unwrap_or(if quick { 1 } else { 5 }).max(1),
            large_runs: self
                .large_runs
                .or(self.runs)
                .unwrap_or(if quick { 1 } else { 3 })
                .max(1),
            latency_seconds: self
                .latency_seconds
                .unwrap_or(if quick { 0.5 } else { 3.0 }),
            clients: self.clients.max(1),
            watch_loads: self.watch_loads.unwrap_or_else(|| {
                if quick {
                    vec![WatchLoad {
                        watchers: 10,
                        rate: 1_000,
                    }]
                } else {
                    vec![
                        WatchLoad {
                            watchers: 100,
                            rate: 10_000,
                        },
                        WatchLoad {
                            watchers: 100,
                            rate: 1_000,
                        },
                        WatchLoad {
                            watchers: 10,
                            rate: 10_000,
                        },
                    ]
                }
            }),
            watch_seconds: self.watch_seconds.unwrap_or(if quick { 1.0 } else { 5.0 }),
            extraction_seconds: self
                .extraction_seconds
                .unwrap_or(if quick { 0.5 } else { 3.0 }),
            ingest_documents: self
                .ingest_documents
                .unwrap_or(if quick { 100 } else { 2_000 }),
            batch_events: self.batch_events.max(1),
            ceiling_prebuilt: self.ceiling_prebuilt.max(1),
            seed: self.seed,
            bin_dir,
            corpus_dir: self.corpus_dir,
            seeds_dir: self.seeds_dir,
            gazetteer_dir: self.gazetteer_dir,
            out_dir: self.out_dir,
            update_doc: self.update_doc,
        })
    }
}

/// Watchers and the rate events are published at while they watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WatchLoad {
    pub watchers: usize,
    pub rate: u64,
}

fn parse_watch_load(text: &str) -> Result<WatchLoad, String> {
    let (watchers, rate) = text
        .split_once('x')
        .ok_or_else(|| format!("{text:?} is not WATCHERSxRATE, e.g. 100x10000"))?;
    let watchers: usize = watchers
        .parse()
        .map_err(|_| format!("bad watcher count in {text:?}"))?;
    let rate: u64 = rate.parse().map_err(|_| format!("bad rate in {text:?}"))?;
    if watchers == 0 || rate == 0 {
        return Err(format!("{text:?}: watchers and rate must be above 0"));
    }
    Ok(WatchLoad { watchers, rate })
}

impl Settings {
    /// Runs per figure for a store of `events` events.
    pub fn runs_for(&self, events: u64) -> usize {
        if events >= 5_000_000 {
            self.large_runs
        } else {
            self.runs
        }
    }
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct SoakArgs {
    /// Seconds of load.
    #[arg(long, default_value_t = 60.0, value_parser = parse_positive_seconds)]
    pub seconds: f64,
    /// Concurrent `StreamTimeline` clients, each in a closed loop on its own connection.
    #[arg(long, default_value_t = 200)]
    pub streams: usize,
    /// `WatchTimeline` watchers connected for the whole run.
    #[arg(long, default_value_t = 20)]
    pub watchers: usize,
    /// Documents per second sent through `IngestDocuments` (0: no ingest).
    #[arg(long, default_value_t = 50.0)]
    pub ingest_rate: f64,
    /// Synthetic events per second published directly through `RecordSinkService/Publish`
    /// (0: none).
    #[arg(long, default_value_t = 2_000)]
    pub publish_rate: u64,
    /// Seconds of reading only after the load (timelines and watchers, no writes): memory must
    /// not grow while the store does not (0: none).
    #[arg(long, default_value_t = 10.0)]
    pub quiet_seconds: f64,
    /// Synthetic events published before the watchers connect, so that they replay some.
    #[arg(long, default_value_t = 5_000)]
    pub preload: u64,
    /// Seed of the synthetic data and of the clients' choices.
    #[arg(long, default_value_t = 20_151_118)]
    pub seed: u64,
    /// Where `query-service` and `ingest-service` are; by default beside this binary.
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// The gold corpus (folders of NNN.txt + NNN.json).
    #[arg(long, default_value = "../shared/corpus")]
    pub corpus_dir: PathBuf,
    /// The seed pages.
    #[arg(long, default_value = "../shared/seeds")]
    pub seeds_dir: PathBuf,
    /// The extraction's gazetteers.
    #[arg(long, default_value = "ingest-service/data")]
    pub gazetteer_dir: PathBuf,
    /// Where soak.json, soak.md and the child logs go.
    #[arg(long, default_value = "target/bench/soak")]
    pub out_dir: PathBuf,
}

impl SoakArgs {
    /// Fills in the binaries' folder (beside this binary unless given).
    pub fn resolved(mut self) -> anyhow::Result<SoakArgs> {
        if self.bin_dir.is_none() {
            self.bin_dir = std::env::current_exe()?.parent().map(PathBuf::from);
        }
        if !self.quiet_seconds.is_finite() || self.quiet_seconds < 0.0 {
            anyhow::bail!("--quiet-seconds must be 0 or more");
        }
        if !self.ingest_rate.is_finite() || self.ingest_rate < 0.0 {
            anyhow::bail!("--ingest-rate must be 0 or more documents per second");
        }
        if self.streams == 0 && self.watchers == 0 {
            anyhow::bail!("--streams and --watchers are both 0: nothing would read");
        }
        Ok(self)
    }

    pub fn bin_dir(&self) -> PathBuf {
        self.bin_dir.clone().unwrap_or_default()
    }
}

fn parse_positive_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("{text:?}: seconds must be above 0"));
    }
    Ok(seconds)
}

#[derive(Clone, Debug, Args)]
pub struct CeilingArgs {
    #[arg(long)]
    pub listen: SocketAddr,
    /// Items per stream.
    #[arg(long)]
    pub events: u64,
    /// Messages built up front.
    #[arg(long)]
    pub prebuilt: u64,
    /// Length of each item's cursor.
    #[arg(long)]
    pub cursor_len: usize,
    #[arg(long)]
    pub seed: u64,
    /// Entities of the universe (as for the store of `events` events).
    #[arg(long)]
    pub entities: usize,
    #[arg(long)]
    pub corpus_dir: PathBuf,
    #[arg(long)]
    pub seeds_dir: PathBuf,
    #[arg(long)]
    pub gazetteer_dir: PathBuf,
    /// Encode the messages once and stream their bytes.
    #[arg(long)]
    pub pre_encoded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_loads_parse_and_bad_ones_say_why() {
        assert_eq!(
            parse_watch_load("100x10000"),
            Ok(WatchLoad {
                watchers: 100,
                rate: 10_000
            })
        );
        assert!(
            parse_watch_load("100")
                .unwrap_err()
                .contains("WATCHERSxRATE")
        );
        assert!(parse_watch_load("0x5").is_err());
        assert!(
            parse_watch_load("ax5")
                .unwrap_err()
                .contains("watcher count")
        );
    }

    #[test]
    fn soak_defaults_are_the_issue_s_load_and_bad_durations_say_why() {
        let cli = Cli::try_parse_from(["newsline-bench", "soak"]).expect("valid flags");
        let Command::Soak(args) = cli.command else {
            panic!("expected soak");
        };
        assert_eq!((args.seconds, args.streams, args.watchers), (60.0, 200, 20));
        let error = Cli::try_parse_from(["newsline-bench", "soak", "--seconds", "0"])
            .expect_err("zero seconds")
            .to_string();
        assert!(error.contains("above 0"), "{error}");
        let args = SoakArgs {
            ingest_rate: -1.0,
            ..args
        };
        assert!(
            args.resolved()
                .unwrap_err()
                .to_string()
                .contains("--ingest-rate")
        );
    }

    #[test]
    fn sizes_are_sorted_and_large_stores_get_their_own_run_count() {
        let cli = Cli::try_parse_from([
            "newsline-bench",
            "run",
            "--profile",
            "full",
            "--sizes",
            "10000000,100000,100000",
        ])
        .expect("valid flags");
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        let settings = (*args).settings().expect("settings");
        assert_eq!(settings.sizes, vec![100_000, 10_000_000]);
        assert_eq!(settings.runs_for(100_000), 5);
        assert_eq!(settings.runs_for(10_000_000), 3);
        assert_eq!(settings.sections.last(), Some(&Section::Timeline));
    }
}
