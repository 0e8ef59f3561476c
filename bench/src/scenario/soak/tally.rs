//! Counts of every call by RPC and status code, and of every failed check.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use tonic::Code;

use super::MAX_EXAMPLES;

/// Counts of every call by RPC and status code, and of every failed check.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) calls: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    pub(super) problems: Mutex<Problems>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Problems {
    /// How many times each kind of problem happened.
    pub counts: BTreeMap<String, u64>,
    /// The first few, with details.
    pub examples: Vec<String>,
}

impl Tally {
    pub(super) fn record(&self, rpc: &str, code: Code) {
        let mut calls = self.calls.lock().expect("tally lock");
        *calls
            .entry(rpc.to_string())
            .or_default()
            .entry(format!("{code:?}"))
            .or_default() += 1;
    }

    pub(super) fn ok(&self, rpc: &str) {
        self.record(rpc, Code::Ok);
    }

    pub(super) fn failed(&self, rpc: &str, status: &tonic::Status) {
        self.record(rpc, status.code());
        self.problem(
            &format!("{rpc} {:?}", status.code()),
            format!("{rpc}: {:?} {}", status.code(), status.message()),
        );
    }

    pub(super) fn problem(&self, kind: &str, detail: String) {
        let mut problems = self.problems.lock().expect("tally lock");
        *problems.counts.entry(kind.to_string()).or_default() += 1;
        if problems.examples.len() < MAX_EXAMPLES {
            problems.examples.push(detail);
        }
    }

    pub(super) fn calls(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.calls.lock().expect("tally lock").clone()
    }

    pub(super) fn problems(&self) -> Problems {
        self.problems.lock().expect("tally lock").clone()
    }
}

/// Calls that did not end OK, over every RPC.
pub(super) fn non_ok(calls: &BTreeMap<String, BTreeMap<String, u64>>) -> u64 {
    calls
        .values()
        .flat_map(|codes| codes.iter())
        .filter(|(code, _)| code.as_str() != "Ok")
        .map(|(_, count)| count)
        .sum()
}
