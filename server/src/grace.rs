//! Serving with a shutdown grace period.
//!
//! tonic's graceful shutdown waits for every open connection to finish. A client that keeps a
//! connection open (an idle HTTP/2 channel, a stream that ignores cancellation) would then hold
//! the process forever, and a container runtime would end it with SIGKILL after its own timeout.
//! So once shutdown has begun, the server gets `grace` to drain and is then dropped.

use std::{future::Future, time::Duration};

/// Runs `serve` to completion, or stops waiting for it `grace` after `stopping` completes.
///
/// `stopping` completes when shutdown has begun (the server's shutdown future has fired); if it
/// never does, `serve` alone decides. Returns `serve`'s result, or `Ok(())` when the grace period
/// ran out (logged as a warning: connections were still open).
pub async fn serve_with_grace<E>(
    serve: impl Future<Output = Result<(), E>>,
    stopping: impl Future<Output = ()>,
    grace: Duration,
) -> Result<(), E> {
    let deadline = async move {
        stopping.await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = serve => served,
        () = deadline => {
            tracing::warn!(?grace, "connections still open after the shutdown grace period; stopping anyway");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_server_that_never_drains_is_dropped_after_the_grace_period() {
        let never_drains = std::future::pending::<Result<(), ()>>();
        let started = tokio::time::Instant::now();
        let result = serve_with_grace(never_drains, async {}, Duration::from_secs(3)).await;
        assert_eq!(result, Ok(()));
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_drains_returns_its_own_result_before_the_deadline() {
        let drains = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err::<(), _>("bind failed")
        };
        let result = serve_with_grace(drains, async {}, Duration::from_secs(3)).await;
        assert_eq!(result, Err("bind failed"));
    }

    #[tokio::test(start_paused = true)]
    async fn without_shutdown_the_grace_period_never_starts() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<(), ()>(())
        };
        let started = tokio::time::Instant::now();
        let result = serve_with_grace(slow, std::future::pending(), Duration::from_secs(1)).await;
        assert_eq!(result, Ok(()));
        assert_eq!(started.elapsed(), Duration::from_secs(3600));
    }
}
