//! The entry points of the subcommands this crate serves, for a thin `main`: each builds the
//! runtime, sets up logging and returns the process exit code.

use std::process::ExitCode;

use newsline_security::healthcheck;

use crate::config::{HealthcheckArgs, IngestArgs, ServeArgs, ServeConfig};

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("ingest-service: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        })
}

/// `ingest-service serve`: serves until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> ExitCode {
    crate::telemetry::init(args.log.log_format);
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let result = runtime.block_on(async {
        let config = ServeConfig::try_from(&args)?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", args.listen))?;
        crate::server::run(config, listener, crate::shutdown::signal()).await
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
    crate::telemetry::init(args.log.log_format);
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
    let within = std::time::Duration::from_millis(args.timeout_ms.max(1));
    let tls = match &args.ca {
        Some(ca) => match newsline_security::client_tls(ca, None) {
            Ok(tls) => Some(tls),
            Err(err) => {
                eprintln!("unhealthy: {err}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let check = healthcheck::check_with_tls(&args.addr, &args.service, within, tls);
    match runtime.block_on(check) {
        Ok(healthcheck::ServingStatus::Serving) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("unhealthy: {} reports {}", args.addr, status.as_str_name());
            ExitCode::FAILURE
        }
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            ExitCode::FAILURE
        }
    }
}
