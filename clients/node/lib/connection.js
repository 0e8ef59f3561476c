'use strict';
const grpc = require('@grpc/grpc-js');
const { loadNewsline, HealthClient } = require('./proto');

const DEFAULT_QUERY_ADDRESS = process.env.NEWSLINE_QUERY_ADDR || 'localhost:50051';
const DEFAULT_INGEST_ADDRESS = process.env.NEWSLINE_INGEST_ADDR || 'localhost:50052';

/** Accepts the services' own `http://host:port` flag values as well as `host:port`. */
function bareAddress(address) {
  return address.replace(/^(http|grpc):\/\//, '');
}

function queryClient(address) {
  const { QueryService } = loadNewsline();
  return new QueryService(bareAddress(address), grpc.credentials.createInsecure());
}

function ingestClient(address) {
  const { IngestService } = loadNewsline();
  return new IngestService(bareAddress(address), grpc.credentials.createInsecure());
}

function deadlineIn(seconds) {
  return { deadline: new Date(Date.now() + seconds * 1000) };
}

/** Calls a unary method as a promise. */
function unary(client, method, request, timeoutSeconds) {
  return new Promise((resolve, reject) => {
    client[method](request, deadlineIn(timeoutSeconds), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the standard health service until `service` reports SERVING, for at most `timeoutSeconds`.
 * A server that is not up yet answers UNAVAILABLE, one that is starting NOT_FOUND or NOT_SERVING: all
 * are retried with a short back-off.
 */
async function waitUntilServing(address, service = '', timeoutSeconds = 30) {
  const healthClient = new HealthClient(bareAddress(address), grpc.credentials.createInsecure());
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastProblem = 'no answer yet';
  let delay = 20;
  try {
    while (Date.now() < deadline) {
      const remaining = (deadline - Date.now()) / 1000;
      try {
        const answer = await unary(healthClient, 'check', { service }, Math.min(remaining, 2));
        if (answer.status === 'SERVING' || answer.status === 1) return;
        lastProblem = String(answer.status);
      } catch (error) {
        lastProblem = `${grpc.status[error.code]}: ${error.details}`;
      }
      await sleep(Math.min(delay, Math.max(deadline - Date.now(), 0)));
      delay = Math.min(delay * 2, 250);
    }
  } finally {
    healthClient.close();
  }
  throw new Error(`health of '${service}' not SERVING after ${timeoutSeconds}s: ${lastProblem}`);
}

module.exports = {
  DEFAULT_QUERY_ADDRESS,
  DEFAULT_INGEST_ADDRESS,
  queryClient,
  ingestClient,
  unary,
  deadlineIn,
  waitUntilServing,
};
