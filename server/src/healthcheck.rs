//! One gRPC health check, optionally over TLS: what both binaries' `healthcheck` commands run
//! (container health checks in images without a shell), and what tests poll while a server
//! starts.

use std::time::Duration;

use tonic::{
    Code,
    transport::{ClientTlsConfig, Endpoint},
};
pub use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// How long [`check`] waits for a connection and for the answer.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);

/// Why a health check got no status.
#[derive(Debug, thiserror::Error)]
pub enum HealthcheckError {
    #[error("{addr:?} is not a valid address: {reason}")]
    InvalidAddress { addr: String, reason: String },
    #[error("the TLS settings are not usable: {reason}")]
    Tls { reason: String },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    /// The server answered the check with an error status (NOT_FOUND for a service it does not
    /// know).
    #[error("health check of `{service}` at {addr} failed: {code:?}: {message}")]
    Refused {
        addr: String,
        service: String,
        code: Code,
        message: String,
    },
    #[error("no answer from {addr} within {within:?}")]
    Timeout { addr: String, within: Duration },
    #[error("`{service}` at {addr} is {status:?} after {waited:?}")]
    NotServing {
        addr: String,
        service: String,
        status: ServingStatus,
        waited: Duration,
    },
}

/// Asks the server at `addr` (for example `http://127.0.0.1:50051`) for the status of `service`
/// ("" for the whole server), within [`DEFAULT_WITHIN`].
pub async fn check(addr: &str, service: &str) -> Result<ServingStatus, HealthcheckError> {
    check_with_tls(addr, service, DEFAULT_WITHIN, None).await
}

/// [`check`] within `within` (connecting and answering together), over TLS with `tls` for an
/// `https://` address.
pub async fn check_with_tls(
    addr: &str,
    service: &str,
    within: Duration,
    tls: Option<ClientTlsConfig>,
) -> Result<ServingStatus, HealthcheckError> {
    let mut endpoint =
        Endpoint::from_shared(addr.to_owned()).map_err(|err| HealthcheckError::InvalidAddress {
            addr: addr.to_owned(),
            reason: err.to_string(),
        })?;
    if let Some(tls) = tls {
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|err| HealthcheckError::Tls {
                reason: crate::error_chain(&err),
            })?;
    }
    let endpoint = endpoint.connect_timeout(within).timeout(within);
    let attempt = async {
        let channel = endpoint
            .connect()
            .await
            .map_err(|err| HealthcheckError::Connect {
                addr: addr.to_owned(),
                reason: crate::error_chain(&err),
            })?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .map_err(|status| HealthcheckError::Refused {
                addr: addr.to_owned(),
                service: service.to_owned(),
                code: status.code(),
                message: status.message().to_owned(),
            })?;
        Ok(ServingStatus::try_from(response.into_inner().status).unwrap_or(ServingStatus::Unknown))
    };
    tokio::time::timeout(within, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(HealthcheckError::Timeout {
                addr: addr.to_owned(),
                within,
            })
        })
}

/// Polls the health service until `service` is SERVING; after `timeout`, the last error or
/// status.
pub async fn wait_until_serving(
    addr: &str,
    service: &str,
    timeout: Duration,
) -> Result<(), HealthcheckError> {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let last = check(addr, service).await;
        let status = match last {
            Ok(ServingStatus::Serving) => return Ok(()),
            Ok(status) => status,
            Err(error) if started.elapsed() >= timeout => return Err(error),
            Err(_) => ServingStatus::Unknown,
        };
        if started.elapsed() >= timeout {
            return Err(HealthcheckError::NotServing {
                addr: addr.to_owned(),
                service: service.to_owned(),
                status,
                waited: timeout,
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bad_address_and_an_absent_server_say_what_is_wrong() {
        let error = check("not an address", "").await.unwrap_err();
        assert!(
            matches!(error, HealthcheckError::InvalidAddress { .. }),
            "{error}"
        );
        assert!(error.to_string().starts_with("\"not an address\""));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = check_with_tls(&addr, "", Duration::from_secs(2), None)
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot connect to {addr}: ")),
            "{error}"
        );
        let waited = wait_until_serving(&addr, "", Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(
            matches!(waited, HealthcheckError::Connect { .. }),
            "{waited}"
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_reported_not_waited_on() {
        // Accepts TCP connections (the kernel does) but never speaks HTTP/2.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let check = check_with_tls(&addr, "", Duration::from_millis(200), None);
        let error = tokio::time::timeout(Duration::from_secs(30), check)
            .await
            .expect("the check ends by its own bound")
            .unwrap_err();
        // Which gives up first, the request's deadline or the check's, is a race.
        assert!(
            matches!(
                &error,
                HealthcheckError::Timeout { .. }
                    | HealthcheckError::Connect { .. }
                    | HealthcheckError::Refused {
                        code: Code::Cancelled | Code::DeadlineExceeded | Code::Unavailable,
                        ..
                    }
            ),
            "{error}"
        );
        drop(listener);
    }
}

/// The `healthcheck` subcommand both binaries have (the container health check: images without
/// a shell run it as `CMD`).
#[derive(clap::Args, Clone, Debug)]
pub struct HealthcheckArgs {
    /// The gRPC server to check; the binary's own default port on 127.0.0.1 when not given.
    #[arg(long, env = "NEWSLINE_HEALTHCHECK_ADDR")]
    pub addr: Option<String>,
    /// The service name to check; empty for the server as a whole.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Deadline for the whole check (connecting and answering), in milliseconds.
    #[arg(long, default_value_t = DEFAULT_WITHIN.as_millis() as u64)]
    pub timeout_ms: u64,
    /// The certificate authority (PEM) to trust when --addr is an https:// address.
    #[arg(long, env = "NEWSLINE_HEALTHCHECK_CA")]
    pub ca: Option<std::path::PathBuf>,
}

/// Runs `healthcheck`: exit 0 when the server reports SERVING, otherwise exit 1 with one line on
/// stderr saying what was found (`unhealthy: …`). `default_addr` is the binary's own address.
pub async fn run_command(args: &HealthcheckArgs, default_addr: &str) -> std::process::ExitCode {
    let addr = args.addr.as_deref().unwrap_or(default_addr);
    let within = Duration::from_millis(args.timeout_ms.max(1));
    let tls = match &args.ca {
        Some(ca) => match crate::client_tls(ca, None) {
            Ok(tls) => Some(tls),
            Err(error) => {
                eprintln!("unhealthy: {error}");
                return std::process::ExitCode::FAILURE;
            }
        },
        None => None,
    };
    match check_with_tls(addr, &args.service, within, tls).await {
        Ok(ServingStatus::Serving) => std::process::ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("unhealthy: {addr} reports {}", status.as_str_name());
            std::process::ExitCode::FAILURE
        }
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            std::process::ExitCode::FAILURE
        }
    }
}
