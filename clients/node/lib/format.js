'use strict';
// Plain-text rendering shared by the example commands; it matches the Python and Go clients' output.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, width) => String(n).padStart(width, '0');

/** `2015-11-18`, `2015-11`, `2015`, or `18 Nov (year unknown)`: only the parts that are known. */
function formatDate(date) {
  const { year = 0, month = 0, day = 0 } = date || {};
  if (year === 0) {
    if (month === 0) return 'undated';
    return `${day ? `${day} ` : ''}${MONTHS[month - 1]} (year unknown)`;
  }
  if (month === 0) return pad(year, 4);
  if (day === 0) return `${pad(year, 4)}-${pad(month, 2)}`;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function formatRange(when) {
  const start = formatDate(when.start);
  if (!when.end) return start;
  const end = formatDate(when.end);
  return start === end ? start : `${start} – ${end}`;
}

const shortName = (enumName, prefix) => String(enumName).replace(prefix, '').toLowerCase();
const kindName = (kind) => shortName(kind, 'EVENT_KIND_');
const entityKindName = (kind) => shortName(kind, 'ENTITY_KIND_');
const roleName = (role) => shortName(role, 'PARTICIPANT_ROLE_');

/** `1 event`, `2 events`. */
function count(number, singular, plural = `${singular}s`) {
  return `${number} ${number === 1 ? singular : plural}`;
}

function yearHeading(entityName, date) {
  return date && date.year ? `${entityName}, ${date.year}:` : `${entityName}, year unknown:`;
}

/** Collapses whitespace and cuts at a word boundary so the result, with " …", fits in `width`. */
function shorten(text, width) {
  const words = text.split(/\s+/).filter(Boolean);
  const whole = words.join(' ');
  if (whole.length <= width) return whole;
  const placeholder = ' …';
  let kept = '';
  for (const word of words) {
    const next = kept ? `${kept} ${word}` : word;
    if (next.length + placeholder.length > width) break;
    kept = next;
  }
  return kept ? kept + placeholder : placeholder.trim();
}

/** Two lines: the date, kind, other participants and place, then the sentence it came from. */
function formatEvent(event, focusEntityId) {
  const others = event.participants
    .filter((p) => p.entityId !== focusEntityId)
    .map((p) => (p.role === 'PARTICIPANT_ROLE_UNSPECIFIED' ? p.name : `${p.name} (${roleName(p.role)})`));
  const summary = [formatRange(event.when).padEnd(24), kindName(event.kind).padEnd(10)];
  if (others.length) summary.push(`with ${others.join(', ')}`);
  if (event.locationName && event.locationId !== focusEntityId) summary.push(`in ${event.locationName}`);
  if (event.planned) summary.push('(planned)');
  return `  ${summary.join(' ').trimEnd()}\n      “${shorten(event.sentence, 140)}”`;
}

module.exports = { count, formatDate, formatRange, formatEvent, kindName, entityKindName, yearHeading, shorten };
