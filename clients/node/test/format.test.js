'use strict';
// The formatting rules that do not need a server: dates of every precision and sentence shortening.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { formatDate, formatRange, shorten } = require('../lib/format');

test('dates print only their known parts', () => {
  assert.equal(formatDate({ year: 2015, month: 11, day: 18 }), '2015-11-18');
  assert.equal(formatDate({ year: 2015, month: 11, day: 0 }), '2015-11');
  assert.equal(formatDate({ year: 2015, month: 0, day: 0 }), '2015');
  assert.equal(formatDate({ year: 0, month: 11, day: 18 }), '18 Nov (year unknown)');
  assert.equal(formatDate(null), 'undated');
});

test('a range prints once when both ends are equal', () => {
  const day = { year: 2015, month: 11, day: 18 };
  assert.equal(formatRange({ start: day, end: day }), '2015-11-18');
  assert.equal(formatRange({ start: day, end: { year: 2015, month: 11, day: 20 } }), '2015-11-18 – 2015-11-20');
});

test('shorten keeps whole words and marks the cut', () => {
  assert.equal(shorten('a  b\n c', 10), 'a b c');
  assert.equal(shorten('alpha beta gamma delta', 14), 'alpha beta …');
});
