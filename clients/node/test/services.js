'use strict';
// Starts the real newsline binaries on free loopback ports for the tests, and stops them.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { waitUntilServing, ingestClient, unary } = require('../lib/connection');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN_DIR = process.env.NEWSLINE_BIN_DIR || path.join(REPO_ROOT, 'target', 'debug');
const SEEDS_DIR = process.env.NEWSLINE_SEEDS_DIR || path.join(REPO_ROOT, 'seeds');
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Should the test process die without stopping a server, the server goes too (util-linux's setpriv). */
function dyingWithThisProcess(command) {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => fs.existsSync(candidate));
  return setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...command] : command;
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopProcess(child) {
  if (exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
}

/**
 * Starts `<name> serve --listen 127.0.0.1:<free port> ...args` and waits until the health service
 * reports `healthService` SERVING. The port is found by binding port 0 and releasing it, so another
 * process may take it first: a server that exits during startup is started again, twice at most.
 */
async function startService(name, args, healthService, workDir) {
  const executable = path.join(BIN_DIR, name);
  if (!fs.existsSync(executable)) {
    throw new Error(`${executable} is missing: run \`cargo build -p ${name}\` or set NEWSLINE_BIN_DIR`);
  }
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const address = `127.0.0.1:${await freeLoopbackPort()}`;
    const logPath = path.join(workDir, `${name}-${attempt}.log`);
    const log = fs.openSync(logPath, 'w');
    const [program, ...programArgs] = dyingWithThisProcess([executable, 'serve', '--listen', address, ...args]);
    const child = spawn(program, programArgs, {
      cwd: workDir,
      stdio: ['ignore', log, log],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' },
    });
    fs.closeSync(log);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!exited(child) && Date.now() < deadline) {
      try {
        await waitUntilServing(address, healthService, Math.min(1, (deadline - Date.now()) / 1000));
        return { name, address, child, logPath, stop: () => stopProcess(child) };
      } catch {
        // not serving yet: poll again unless the process died or the deadline passed
      }
    }
    lastLog = fs.readFileSync(logPath, 'utf8').slice(-4000);
    await stopProcess(child);
    if (Date.now() >= deadline) break;
  }
  throw new Error(`${name} did not become SERVING; its log:\n${lastLog}`);
}

/** Starts both services and publishes the repository's seeds through IngestService.IngestDocument. */
async function startSeededServices() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsline-node-test-'));
  let query;
  let ingest;
  try {
    query = await startService('query-service', [], 'newsline.v1.QueryService', workDir);
    ingest = await startService(
      'ingest-service',
      ['--query-addr', `http://${query.address}`],
      'newsline.v1.IngestService',
      workDir,
    );
    const client = ingestClient(ingest.address);
    try {
      const seeds = fs.readdirSync(SEEDS_DIR).filter((f) => f.endsWith('.txt')).sort();
      if (seeds.length === 0) throw new Error(`no seeds in ${SEEDS_DIR}`);
      for (const seed of seeds) {
        const file = path.join(SEEDS_DIR, seed);
        const answer = await unary(client, 'ingestDocument', { text: fs.readFileSync(file, 'utf8'), sourceUri: file }, 60);
        if (answer.eventCount === 0 || answer.spooled) {
          throw new Error(`${seed} was not published with events: ${JSON.stringify(answer)}`);
        }
      }
    } finally {
      client.close();
    }
  } catch (error) {
    if (ingest) await ingest.stop();
    if (query) await query.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    query,
    ingest,
    stop: async () => {
      // Ingest first: it publishes into the query service.
      await ingest.stop();
      await query.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startSeededServices, freeLoopbackPort, REPO_ROOT };
