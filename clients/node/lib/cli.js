'use strict';
const { parseArgs } = require('node:util');
const { DEFAULT_QUERY_ADDRESS } = require('./connection');
const { ExitCode, EntityNotFound, UsageError, Interrupted, explainRpcError } = require('./errors');

const DATE = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/;

/** Parses `2015`, `2015-11` or `2015-11-18` into a CalendarDate. */
function calendarDate(text, flag) {
  const match = DATE.exec(text);
  if (!match) throw new UsageError(`${flag}: '${text}' is not a date like 2015, 2015-11 or 2015-11-18`);
  const [year, month, day] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  if (month > 12 || (match[2] !== undefined && month === 0) || day > 31 || (match[3] !== undefined && day === 0)) {
    throw new UsageError(`${flag}: '${text}' has a month or day out of range`);
  }
  return { year, month, day };
}

function enumValue(text, prefix, flag, allowed) {
  const name = `${prefix}${text.toUpperCase()}`;
  if (!allowed.includes(name)) {
    const choices = allowed.map((a) => a.replace(prefix, '').toLowerCase()).join(', ');
    throw new UsageError(`${flag}: '${text}' is not one of ${choices}`);
  }
  return name;
}

function nonNegativeInteger(text, flag) {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: '${text}' is not a whole number`);
  return Number(text);
}

const COMMON_OPTIONS = {
  address: { type: 'string', default: DEFAULT_QUERY_ADDRESS },
  from: { type: 'string' },
  to: { type: 'string' },
  timeout: { type: 'string', default: '30' },
  kind: { type: 'string', multiple: true, default: [] },
  limit: { type: 'string', default: '0' },
  help: { type: 'boolean', short: 'h', default: false },
};

/** Parses argv into { entity, values }; throws UsageError for anything malformed. */
function parseCommandLine(argv, extraOptions, usage) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...extraOptions }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (parsed.values.help) {
    process.stdout.write(usage);
    process.exit(ExitCode.OK);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one entity id or name');
  const timeout = Number(parsed.values.timeout);
  if (!(timeout > 0)) throw new UsageError(`--timeout: '${parsed.values.timeout}' is not a positive number of seconds`);
  return {
    entity: parsed.positionals[0],
    values: parsed.values,
    address: parsed.values.address,
    timeout,
    limit: nonNegativeInteger(parsed.values.limit, '--limit'),
    from: parsed.values.from === undefined ? null : calendarDate(parsed.values.from, '--from'),
    to: parsed.values.to === undefined ? null : calendarDate(parsed.values.to, '--to'),
  };
}

/**
 * Runs an example command: prints failures on stderr as `<program>: <message>` and exits with the
 * code for the gRPC status (see ExitCode).
 */
async function runCommand(program, usage, body) {
  let address = DEFAULT_QUERY_ADDRESS;
  try {
    await body((parsedAddress) => {
      address = parsedAddress;
    });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${program}: ${error.message}\n${usage}`);
      return ExitCode.BAD_REQUEST;
    }
    if (error instanceof Interrupted) {
      return ExitCode.INTERRUPTED;
    }
    if (error instanceof EntityNotFound) {
      process.stderr.write(`${program}: ${error.message}\n`);
      return ExitCode.NOT_FOUND;
    }
    if (typeof error.code === 'number' && 'details' in error) {
      const [message, code] = explainRpcError(error, address);
      process.stderr.write(`${program}: ${message}\n`);
      return code;
    }
    throw error;
  }
}

module.exports = { calendarDate, enumValue, parseCommandLine, runCommand };
