'use strict';
const { unary } = require('./connection');
const { EntityNotFound } = require('./errors');

const ENTITY_ID = /^(person|country|organization|city):.+$/;

/** Resolves every item of a server stream into an array, rejecting with the stream's error. */
async function collect(call) {
  const items = [];
  for await (const item of call) items.push(item);
  return items;
}

/**
 * Returns GetEntity's answer for `text` taken as an id, or else for the best SearchEntities match of
 * `text` taken as a name. An unknown id rejects with the service's NOT_FOUND; a name that matches
 * nothing rejects with EntityNotFound.
 */
async function resolveEntity(client, text, timeoutSeconds) {
  if (ENTITY_ID.test(text)) {
    return unary(client, 'getEntity', { id: text }, timeoutSeconds);
  }
  const deadline = { deadline: new Date(Date.now() + timeoutSeconds * 1000) };
  const [best] = await collect(client.searchEntities({ query: text, maxResults: 1 }, deadline));
  if (!best) throw new EntityNotFound(`no entity matches '${text}'`);
  return unary(client, 'getEntity', { id: best.entity.id }, timeoutSeconds);
}

module.exports = { resolveEntity, collect };
