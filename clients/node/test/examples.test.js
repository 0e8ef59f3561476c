'use strict';
// Runs the example commands against the real services and checks what they print against the API.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const path = require('node:path');
const { startSeededServices, freeLoopbackPort } = require('./services');
const { queryClient, resolveEntity, collect, count, ExitCode } = require('../lib');

const EXAMPLE_ENTITY = process.env.NEWSLINE_EXAMPLE_ENTITY || 'Makei';
const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');
const YEAR_HEADING = /^(?<name>.+), (?<year>\d{4}|year unknown):$/;
const EVENT_LINE = /^ {2}\S/;

let services;
let client;
let example;

function runExample(name, ...args) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(EXAMPLES_DIR, `${name}.js`), ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => resolve({ exitCode: error ? (error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const eventLines = (output) => output.split('\n').filter((line) => EVENT_LINE.test(line));
const outputLines = (output) => output.replace(/\n$/, '').split('\n');

async function timelineOf(entityId) {
  const items = await collect(client.streamTimeline({ filter: { entityIds: [entityId] } }, { deadline: Date.now() + 30_000 }));
  return items.map((item) => item.event);
}

before(async () => {
  services = await startSeededServices();
  client = queryClient(services.query.address);
  example = await resolveEntity(client, EXAMPLE_ENTITY, 30);
});

after(async () => {
  if (client) client.close();
  if (services) await services.stop();
});

test('timeline prints the entity’s events grouped by year', async () => {
  const { entity } = example;
  const events = await timelineOf(entity.id);
  assert.ok(events.length > 0, `the seeds give ${entity.id} no events`);

  const result = await runExample('timeline', EXAMPLE_ENTITY, '--address', services.query.address);
  console.log(result.stdout);
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = outputLines(result.stdout);
  assert.ok(lines[0].startsWith(`${entity.name} (${entity.id}): ${count(example.eventCount, 'event')} in `), lines[0]);
  const headings = lines.map((line) => YEAR_HEADING.exec(line)).filter(Boolean);
  const expectedYears = [];
  for (const event of events) {
    const year = event.when.start.year ? String(event.when.start.year) : 'year unknown';
    if (expectedYears.at(-1) !== year) expectedYears.push(year);
  }
  assert.deepEqual(headings.map((h) => h.groups.year), expectedYears);
  assert.ok(headings.every((h) => h.groups.name === entity.name));
  assert.equal(eventLines(result.stdout).length, events.length);
  assert.equal(lines.at(-1), `${count(events.length, 'event')} shown`);
});

test('watch replays the same events, then stops once caught up', async () => {
  const streamed = await runExample('timeline', example.entity.id, '--address', services.query.address);
  const watched = await runExample('timeline', example.entity.id, '--address', services.query.address, '--watch');
  assert.equal(watched.exitCode, 0, watched.stderr);
  assert.match(watched.stdout, /^-- caught up at revision \d+ --$/m);
  assert.deepEqual(eventLines(watched.stdout).sort(), eventLines(streamed.stdout).sort());
});

test('relations lists the streamed relations, strongest first', async () => {
  const { entity } = example;
  const relations = await collect(client.streamEntityRelations({ entityId: entity.id }, { deadline: Date.now() + 30_000 }));
  assert.ok(relations.length > 0, `the seeds relate ${entity.id} to nothing`);

  const result = await runExample('relations', EXAMPLE_ENTITY, '--address', services.query.address);
  console.log(result.stdout);
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = outputLines(result.stdout);
  assert.equal(lines[0], `${entity.name} (${entity.id}) shares events with:`);
  const rows = lines.slice(1, -1);
  assert.equal(rows.length, relations.length);
  rows.forEach((row, i) => {
    assert.ok(row.includes(`${relations[i].entity.name} (`) && row.includes(`, ${relations[i].entity.id})`), row);
    assert.ok(row.trimStart().startsWith(`${count(relations[i].eventCount, 'event')} `), row);
  });
  assert.equal(lines.at(-1), count(relations.length, 'related entity', 'related entities'));
});

for (const name of ['timeline', 'relations']) {
  test(`${name}: an unknown entity id is reported as NOT_FOUND`, async () => {
    const result = await runExample(name, 'person:nobody-by-this-name', '--address', services.query.address);
    assert.equal(result.exitCode, ExitCode.NOT_FOUND);
    assert.ok(result.stderr.startsWith(`newsline-${name}: not found:`), result.stderr);
    assert.equal(result.stdout, '');
  });
}

test('a name that matches nothing is reported as not found', async () => {
  const result = await runExample('timeline', 'Qxzwv Jjjkq', '--address', services.query.address);
  assert.equal(result.exitCode, ExitCode.NOT_FOUND);
  assert.match(result.stderr, /no entity matches 'Qxzwv Jjjkq'/);
});

test('a range the service rejects (INVALID_ARGUMENT) is a bad request', async () => {
  const result = await runExample('relations', example.entity.id, '--address', services.query.address, '--from', '2017', '--to', '2015');
  assert.equal(result.exitCode, ExitCode.BAD_REQUEST, result.stderr);
  assert.match(result.stderr, /rejected the request/);
  assert.equal(result.stdout, '');
});

test('a malformed flag is a usage error', async () => {
  const result = await runExample('timeline', 'person:anyone', '--address', '127.0.0.1:9', '--from', '2015-13');
  assert.equal(result.exitCode, ExitCode.BAD_REQUEST);
  assert.match(result.stderr, /month or day out of range/);
});

test('an unreachable service is reported as UNAVAILABLE', async () => {
  const address = `127.0.0.1:${await freeLoopbackPort()}`;
  const result = await runExample('timeline', 'person:anyone', '--address', address, '--timeout', '10');
  assert.equal(result.exitCode, ExitCode.SERVICE_PROBLEM);
  assert.ok(result.stderr.includes(`the service at ${address} is unavailable`), result.stderr);
});

test('watch --follow prints an event published after catching up, until interrupted', async () => {
  const { spawn } = require('node:child_process');
  const readline = require('node:readline');
  const { loadNewsline } = require('../lib/proto');
  const grpc = require('@grpc/grpc-js');
  const { entity } = example;
  const sentence = 'On 3 April 2032, the Node client test watched this event arrive live.';
  const child = spawn(process.execPath, [path.join(EXAMPLES_DIR, 'timeline.js'), entity.id, '--address', services.query.address, '--watch', '--follow']);
  // One listener keeps every line: readline emits a chunk's lines at once, so a listener added
  // after an await would miss some.
  const seen = [];
  let next = 0;
  let notify = () => {};
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(line);
    notify();
  });
  const waitFor = (wanted) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such line in 30s; output:\n${seen.join('\n')}`)), 30_000);
      const scan = () => {
        while (next < seen.length) {
          const line = seen[next++];
          if (wanted(line)) {
            clearTimeout(timer);
            notify = () => {};
            resolve(line);
            return;
          }
        }
      };
      notify = scan;
      scan();
    });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    await waitFor((line) => line.startsWith('-- caught up at revision'));
    const { RecordSinkService } = loadNewsline();
    const sink = new RecordSinkService(services.query.address, grpc.credentials.createInsecure());
    const articleId = 'article:c11e47f0110e0002';
    const day = { year: 2032, month: 4, day: 3 };
    const acknowledged = new Promise((resolve, reject) => {
      const call = sink.publish({ deadline: Date.now() + 30_000 });
      call.on('data', resolve);
      call.on('error', reject);
      call.write({
        producerId: 'node-client-test',
        sequence: '1',
        articles: [{ id: articleId, title: 'Node client test', text: sentence, entityIds: [entity.id] }],
        entities: [entity],
        events: [
          {
            id: 'event:c11e47f0110e0002',
            articleId,
            kind: 'EVENT_KIND_STATEMENT',
            when: { start: day, end: day, yearSource: 'YEAR_SOURCE_EXPLICIT', text: 'On 3 April 2032' },
            participants: [{ entityId: entity.id, name: entity.name, role: 'PARTICIPANT_ROLE_SPEAKER' }],
            sentence,
            sentenceEnd: sentence.length,
          },
        ],
      });
      call.end();
    });
    assert.equal((await acknowledged).sequence, '1');
    sink.close();
    await waitFor((line) => line === `${entity.name}, 2032:`);
    assert.match(await waitFor((line) => line.startsWith('  2032-04-03')), /statement/);
    await waitFor((line) => line.includes(sentence));
  } finally {
    child.kill('SIGINT');
  }
  const { code } = await exited;
  assert.equal(code, ExitCode.INTERRUPTED);
});
