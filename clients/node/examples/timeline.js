#!/usr/bin/env node
'use strict';
// Prints the timeline of one entity, grouped by year ("Vladimir Makei, 2016: …"): from StreamTimeline,
// or with --watch from WatchTimeline, stopping once it has caught up (--follow keeps printing live
// events until interrupted).
const { queryClient, deadlineIn } = require('../lib/connection');
const { resolveEntity } = require('../lib/entities');
const { count, formatDate, formatEvent, yearHeading } = require('../lib/format');
const { enumValue, parseCommandLine, runCommand } = require('../lib/cli');
const { loadNewsline } = require('../lib/proto');
const { Interrupted } = require('../lib/errors');

const PROGRAM = 'newsline-timeline';
const USAGE = `usage: ${PROGRAM} ENTITY [--address HOST:PORT] [--from DATE] [--to DATE] [--kind KIND]...
                         [--limit N] [--descending] [--watch [--follow]] [--timeout SECONDS]
ENTITY is an id such as person:vladimir-makei or a name such as Makei; DATE is 2015, 2015-11 or 2015-11-18.
`;

function eventKinds() {
  return loadNewsline().EventKind.type.value.map((v) => v.name).filter((n) => n !== 'EVENT_KIND_UNSPECIFIED');
}

async function* streamedEvents(client, options, filter) {
  const request = {
    filter,
    maxResults: options.limit,
    order: options.values.descending ? 'SORT_ORDER_DESCENDING' : 'SORT_ORDER_ASCENDING',
  };
  for await (const item of client.streamTimeline(request, deadlineIn(options.timeout))) {
    yield item.event;
  }
}

async function* watchedEvents(client, options, filter) {
  // A watch never ends on its own, so only the replay is bounded by --timeout; --follow is unbounded.
  const call = client.watchTimeline({ filter }, options.values.follow ? {} : deadlineIn(options.timeout));
  // Ctrl-C is how a follow ends: cancel the call so the server sees the client go, then exit 130.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    call.cancel();
  };
  process.once('SIGINT', onInterrupt);
  try {
    for await (const update of call) {
      if (update.update === 'event') {
        yield update.event.event;
      } else if (update.update === 'caughtUp') {
        process.stdout.write(`-- caught up at revision ${update.caughtUp.revision} --\n`);
        if (!options.values.follow) return;
      }
    }
  } catch (error) {
    if (interrupted) throw new Interrupted();
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    call.cancel();
  }
}

async function printTimeline(options) {
  const client = queryClient(options.address);
  try {
    const found = await resolveEntity(client, options.entity, options.timeout);
    const { entity } = found;
    const span = found.firstDate ? `, ${formatDate(found.firstDate)} … ${formatDate(found.lastDate)}` : '';
    process.stdout.write(`${entity.name} (${entity.id}): ${count(found.eventCount, 'event')} in ${count(found.articleCount, 'article')}${span}\n`);
    const filter = { entityIds: [entity.id], kinds: options.kinds };
    if (options.from) filter.from = options.from;
    if (options.to) filter.to = options.to;
    const source = options.values.watch ? watchedEvents : streamedEvents;
    let heading = null;
    let shown = 0;
    for await (const event of source(client, options, filter)) {
      const thisHeading = yearHeading(entity.name, event.when.start);
      if (thisHeading !== heading) {
        process.stdout.write(`${thisHeading}\n`);
        heading = thisHeading;
      }
      process.stdout.write(`${formatEvent(event, entity.id)}\n`);
      shown += 1;
    }
    process.stdout.write(`${count(shown, 'event')} shown\n`);
  } finally {
    client.close();
  }
}

async function main(argv) {
  return runCommand(PROGRAM, USAGE, async (reportAddress) => {
    const options = parseCommandLine(
      argv,
      {
        descending: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
        follow: { type: 'boolean', default: false },
      },
      USAGE,
    );
    reportAddress(options.address);
    if (options.values.follow && !options.values.watch) {
      const { UsageError } = require('../lib/errors');
      throw new UsageError('--follow needs --watch');
    }
    options.kinds = options.values.kind.map((k) => enumValue(k, 'EVENT_KIND_', '--kind', eventKinds()));
    await printTimeline(options);
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { main };
