'use strict';
const grpc = require('@grpc/grpc-js');

/** The example commands' exit codes, the same in every client. */
const ExitCode = Object.freeze({
  OK: 0,
  // The request was fine but names something that does not exist (unknown id, no search match).
  NOT_FOUND: 1,
  // The request itself is wrong: a bad flag or a field the service rejected.
  BAD_REQUEST: 2,
  // The service could not be reached or failed.
  SERVICE_PROBLEM: 3,
  // Interrupted with Ctrl-C (SIGINT), as a shell reports it.
  INTERRUPTED: 130,
});

class EntityNotFound extends Error {}

class UsageError extends Error {}

/** The user interrupted a command that runs until interrupted (--follow); not a failure. */
class Interrupted extends Error {}

/** Turns a failed call into a message a person can act on and the exit code to end with. */
function explainRpcError(error, address) {
  const details = error.details || 'no details';
  switch (error.code) {
    case grpc.status.NOT_FOUND:
      return [`not found: ${details}`, ExitCode.NOT_FOUND];
    case grpc.status.INVALID_ARGUMENT:
      return [`the query service rejected the request: ${details}`, ExitCode.BAD_REQUEST];
    case grpc.status.UNAVAILABLE:
      return [`the service at ${address} is unavailable (${details}); is it running?`, ExitCode.SERVICE_PROBLEM];
    case grpc.status.DEADLINE_EXCEEDED:
      return [`the service at ${address} did not answer in time`, ExitCode.SERVICE_PROBLEM];
    case grpc.status.RESOURCE_EXHAUSTED:
      return [`the service at ${address} refused the request as too large or too slow: ${details}`, ExitCode.SERVICE_PROBLEM];
    default:
      return [`the service at ${address} failed with ${grpc.status[error.code] ?? error.code}: ${details}`, ExitCode.SERVICE_PROBLEM];
  }
}

module.exports = { ExitCode, EntityNotFound, UsageError, Interrupted, explainRpcError };
