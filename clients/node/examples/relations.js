#!/usr/bin/env node
'use strict';
// Prints the entities that share events with one entity, strongest first (StreamEntityRelations).
const { queryClient, deadlineIn } = require('../lib/connection');
const { resolveEntity } = require('../lib/entities');
const { count, formatDate, kindName, entityKindName } = require('../lib/format');
const { enumValue, parseCommandLine, runCommand } = require('../lib/cli');

const PROGRAM = 'newsline-relations';
const USAGE = `usage: ${PROGRAM} ENTITY [--address HOST:PORT] [--from DATE] [--to DATE] [--kind KIND]... [--limit N]
                          [--timeout SECONDS]
ENTITY is an id such as person:vladimir-makei or a name such as Makei; KIND is person, country,
organization or city; DATE is 2015, 2015-11 or 2015-11-18.
`;
const ENTITY_KINDS = ['ENTITY_KIND_PERSON', 'ENTITY_KIND_COUNTRY', 'ENTITY_KIND_ORGANIZATION', 'ENTITY_KIND_CITY'];

async function printRelations(options) {
  const client = queryClient(options.address);
  try {
    const { entity } = await resolveEntity(client, options.entity, options.timeout);
    const request = { entityId: entity.id, kinds: options.kinds, maxResults: options.limit };
    if (options.from) request.from = options.from;
    if (options.to) request.to = options.to;
    const header = `${entity.name} (${entity.id}) shares events with:\n`;
    let shown = 0;
    for await (const relation of client.streamEntityRelations(request, deadlineIn(options.timeout))) {
      // The header waits for the first answer, so a rejected request prints only its error.
      if (shown === 0) process.stdout.write(header);
      const related = relation.entity;
      let span = formatDate(relation.firstDate);
      if (formatDate(relation.lastDate) !== span) span += ` … ${formatDate(relation.lastDate)}`;
      const kinds = relation.kindCounts.map((k) => `${kindName(k.kind)} ${k.count}`).join(', ');
      process.stdout.write(
        `  ${String(relation.eventCount).padStart(3)} ${(relation.eventCount === 1 ? 'event' : 'events').padEnd(6)}  ${span.padEnd(25)} ${related.name} ` +
          `(${entityKindName(related.kind)}, ${related.id})  [${kinds}]\n`,
      );
      shown += 1;
    }
    if (shown === 0) process.stdout.write(header);
    process.stdout.write(`${count(shown, 'related entity', 'related entities')}\n`);
  } finally {
    client.close();
  }
}

async function main(argv) {
  return runCommand(PROGRAM, USAGE, async (reportAddress) => {
    const options = parseCommandLine(argv, {}, USAGE);
    reportAddress(options.address);
    options.kinds = options.values.kind.map((k) => enumValue(k, 'ENTITY_KIND_', '--kind', ENTITY_KINDS));
    await printRelations(options);
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { main };
