//! gRPC health checks, for the `healthcheck` command and for tests waiting on a server.

use std::time::Duration;

use anyhow::{Context, bail};
pub use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Asks the server at `addr` (for example `http://127.0.0.1:50051`) for the status of `service`
/// ("" for the whole server).
pub async fn check(addr: &str, service: &str) -> anyhow::Result<ServingStatus> {
    check_with_tls(addr, service, None).await
}

/// `check` over TLS with `tls` (for an `https://` address).
pub async fn check_with_tls(
    addr: &str,
    service: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
) -> anyhow::Result<ServingStatus> {
    let mut endpoint = tonic::transport::Endpoint::from_shared(addr.to_owned())
        .with_context(|| format!("`{addr}` is not a valid address"))?;
    if let Some(tls) = tls {
        endpoint = endpoint
            .tls_config(tls)
            .context("the TLS settings are not usable")?;
    }
    let channel = endpoint
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let mut client = HealthClient::new(channel);
    let response = client
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .with_context(|| format!("health check of `{service}` at {addr} failed"))?;
    Ok(ServingStatus::try_from(response.into_inner().status).unwrap_or(ServingStatus::Unknown))
}

/// Polls the health service until `service` is SERVING or `timeout` passes.
pub async fn wait_until_serving(
    addr: &str,
    service: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pause = Duration::from_millis(5);
    loop {
        let last = check(addr, service).await;
        if matches!(last, Ok(ServingStatus::Serving)) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            match last {
                Ok(status) => bail!("`{service}` at {addr} is {status:?} after {timeout:?}"),
                Err(error) => return Err(error.context(format!("not serving after {timeout:?}"))),
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
