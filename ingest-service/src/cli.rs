//! The entry points of the subcommands this crate serves, for a thin `main`: each builds the
//! runtime, sets up logging and returns the process exit code.

use std::process::ExitCode;

use newsline_server::healthcheck;

use crate::config::{HealthcheckArgs, IngestArgs, ServeArgs, ServeConfig};

/// Blocking work besides the parses: the publisher's one spool write or delete at a time and the
/// folder watcher's one listing or file read (the `ingest` command keeps one file per core in
/// progress, so its reads and parses together stay within the parse slots).
const OTHER_BLOCKING_TASKS: usize = 2;

/// The most blocking threads the runtime keeps: one per parse slot and per other blocking task.
fn max_blocking_threads() -> usize {
    crate::ingest::parse_slots() + OTHER_BLOCKING_TASKS
}

/// The runtime's blocking pool is capped at what the service can use at once. Uncapped (tokio
/// allows 512), a stall (a busy machine, a burst of documents) makes `spawn_blocking` start a
/// new thread for every parse handed out before the previous thread is idle again; each new
/// thread that allocates gets its own glibc malloc arena (up to 8 per core), and each arena keeps
/// the freed memory of its parses. In a soak whose ingest process was paused 1.5 s every 10 s it
/// grew from 8 to 23 threads and to 41.5 MiB RSS uncapped, against 9 threads and 32.7 MiB capped,
/// while keeping nothing per document.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(max_blocking_threads())
        .build()
        .map_err(|err| {
            eprintln!("ingest-service: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        })
}

/// `ingest-service serve`: serves until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> ExitCode {
    newsline_server::telemetry::init(args.log.log_format);
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let result = runtime.block_on(async {
        let config = ServeConfig::try_from(&args)?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", args.listen))?;
        crate::server::run(config, listener, newsline_server::shutdown::signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("ingest-service: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `ingest-service ingest PATH...`: 0 only when everything was acknowledged.
pub fn ingest(args: IngestArgs) -> ExitCode {
    newsline_server::telemetry::init(args.log.log_format);
    match runtime() {
        Ok(runtime) => runtime.block_on(crate::ingest_cmd::run(args)),
        Err(code) => code,
    }
}

/// `ingest-service healthcheck`: 0 when the server reports SERVING, 1 otherwise.
pub fn healthcheck(args: HealthcheckArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(healthcheck::run_command(&args, "http://127.0.0.1:50052"))
}

#[cfg(test)]
mod tests {
    use std::{
        collections::HashSet,
        sync::{
            Arc, Mutex,
            atomic::{AtomicUsize, Ordering},
        },
        time::Duration,
    };

    use super::*;

    /// A burst of blocking work (many parses handed out at once) is run on at most
    /// `max_blocking_threads` threads, queued rather than given a thread each.
    #[test]
    fn a_burst_of_blocking_work_does_not_start_more_threads_than_the_cap() {
        let runtime = runtime().expect("runtime");
        let cap = max_blocking_threads();
        let running = Arc::new(AtomicUsize::new(0));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(HashSet::new()));
        let tasks = 4 * cap;
        runtime.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let (running, most_at_once, threads) = (
                        Arc::clone(&running),
                        Arc::clone(&most_at_once),
                        Arc::clone(&threads),
                    );
                    tokio::task::spawn_blocking(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most_at_once.fetch_max(now, Ordering::SeqCst);
                        threads.lock().unwrap().insert(std::thread::current().id());
                        // Busy long enough that every task is handed out before one ends.
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for handle in handles {
                handle.await.expect("blocking task");
            }
        });
        let threads = threads.lock().unwrap().len();
        assert!(
            threads <= cap,
            "{threads} blocking threads for a cap of {cap}"
        );
        assert!(
            most_at_once.load(Ordering::SeqCst) <= cap,
            "{} blocking tasks ran at once for a cap of {cap}",
            most_at_once.load(Ordering::SeqCst)
        );
        assert!(
            cap > crate::ingest::parse_slots(),
            "room for the spool write besides the parses"
        );
    }
}
