//! Test-only fault injection: makes applying a batch of a chosen producer panic, so tests can
//! check that a server fault is answered as one (INTERNAL, nothing applied, nothing logged).
//!
//! Compiled only with the `fault-injection` feature, which only this crate's dev-dependency on
//! itself enables: integration tests get it, release builds and other crates never see it. A
//! test-only constructor would not do, because the fault must reach the store of a real server
//! that the test starts through the public `run_with`. Keyed by producer id, so tests running in
//! parallel in one binary do not trip each other's faults.

use std::sync::{Mutex, PoisonError};

static PANICKING_PRODUCERS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Applying a batch of `producer_id` panics until the returned guard is dropped.
#[must_use = "the fault is cleared when the guard is dropped"]
pub fn panic_when_applying(producer_id: &str) -> Armed {
    producers().push(producer_id.to_owned());
    Armed(producer_id.to_owned())
}

/// Clears its fault when dropped.
pub struct Armed(String);

impl Drop for Armed {
    fn drop(&mut self) {
        let mut producers = producers();
        if let Some(at) = producers.iter().position(|p| *p == self.0) {
            producers.swap_remove(at);
        }
    }
}

/// Called where applying a batch begins to change the store (after every check passed).
pub(crate) fn before_apply(producer_id: &str) {
    if producers().iter().any(|p| p == producer_id) {
        panic!("injected fault: applying a batch of `{producer_id}`");
    }
}

fn producers() -> std::sync::MutexGuard<'static, Vec<String>> {
    PANICKING_PRODUCERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}
