//! `healthcheck`: one gRPC health check, for container health checks in images without a shell.

use std::time::Duration;

use tonic::transport::{ClientTlsConfig, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Asks `addr` whether `service` ("" for the whole server) is serving, within `within`.
/// `Ok(())` only for SERVING; otherwise a message saying what was found.
pub async fn check(addr: &str, service: &str, within: Duration) -> Result<(), String> {
    check_with_tls(addr, service, within, None).await
}

/// `check` over TLS with `tls` (for an `https://` address).
pub async fn check_with_tls(
    addr: &str,
    service: &str,
    within: Duration,
    tls: Option<ClientTlsConfig>,
) -> Result<(), String> {
    let mut endpoint = Endpoint::from_shared(addr.to_string())
        .map_err(|err| format!("{addr:?} is not a valid address: {err}"))?;
    if let Some(tls) = tls {
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|err| format!("the TLS settings are not usable: {}", error_chain(&err)))?;
    }
    let endpoint = endpoint.connect_timeout(within).timeout(within);
    let attempt = async {
        let channel = endpoint
            .connect()
            .await
            .map_err(|err| format!("cannot connect to {addr}: {}", error_chain(&err)))?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_string(),
            })
            .await
            .map_err(|status| {
                format!(
                    "health check of {addr} failed: {:?}: {}",
                    status.code(),
                    status.message()
                )
            })?;
        let status = response.into_inner().status();
        if status == ServingStatus::Serving {
            Ok(())
        } else {
            Err(format!("{addr} reports {}", status.as_str_name()))
        }
    };
    tokio::time::timeout(within, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from {addr} within {within:?}")))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
