//! Protobuf wire bytes written straight from borrowed event views: a streamed event is never
//! rebuilt as a prost `Event` (allocations and string copies per event), its strings are copied
//! once, into the page's buffer.
//!
//! Field numbers are those of `newsline/v1/event.proto`, `date.proto` and `query_service.proto`;
//! the proto3 rules are prost's: scalars and strings at their default are left out, a set
//! sub-message is written even when empty. `tests` decodes the output with prost and compares it
//! with the conversion path's messages.

use prost::{
    bytes::{BufMut, Bytes, BytesMut},
    encoding::{self, WireType, encode_key, encode_varint, encoded_len_varint, key_len},
};

use crate::domain::{
    cursor::{self, Cursor},
    date::PartialDate,
    stream::{TimelineEncoder, WatchEncoder},
    view::{AmountView, EventView, ParticipantView, SpanView},
};

pub use newsline_proto::Encoded;

/// `event:` and 16 hex digits.
const EVENT_ID_LEN: usize = 22;

fn str_len(tag: u32, text: &str) -> usize {
    bytes_len(tag, text.len())
}

fn bytes_len(tag: u32, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        key_len(tag) + encoded_len_varint(len as u64) + len
    }
}

fn put_str(tag: u32, text: &str, buf: &mut impl BufMut) {
    put_bytes(tag, text.as_bytes(), buf);
}

fn put_bytes(tag: u32, bytes: &[u8], buf: &mut impl BufMut) {
    if !bytes.is_empty() {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(bytes.len() as u64, buf);
        buf.put_slice(bytes);
    }
}

/// A set sub-message of `body` bytes, its key and length prefix included.
fn nested_len(tag: u32, body: usize) -> usize {
    key_len(tag) + encoded_len_varint(body as u64) + body
}

fn put_nested_header(tag: u32, body: usize, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(body as u64, buf);
}

fn int32_len(tag: u32, value: i32) -> usize {
    if value == 0 {
        0
    } else {
        encoding::int32::encoded_len(tag, &value)
    }
}

fn put_int32(tag: u32, value: i32, buf: &mut impl BufMut) {
    if value != 0 {
        encoding::int32::encode(tag, &value, buf);
    }
}

fn uint32_len(tag: u32, value: u32) -> usize {
    if value == 0 {
        0
    } else {
        encoding::uint32::encoded_len(tag, &value)
    }
}

fn put_uint32(tag: u32, value: u32, buf: &mut impl BufMut) {
    if value != 0 {
        encoding::uint32::encode(tag, &value, buf);
    }
}

fn bool_len(tag: u32, value: bool) -> usize {
    if value { key_len(tag) + 1 } else { 0 }
}

fn put_bool(tag: u32, value: bool, buf: &mut impl BufMut) {
    if value {
        encoding::bool::encode(tag, &value, buf);
    }
}

fn double_len(tag: u32, value: f64) -> usize {
    // prost's rule: written unless it compares equal to 0.0 (so -0.0 is left out, NaN is not).
    if value == 0.0 { 0 } else { key_len(tag) + 8 }
}

fn put_double(tag: u32, value: f64, buf: &mut impl BufMut) {
    if value != 0.0 {
        encoding::double::encode(tag, &value, buf);
    }
}

/// `newsline.v1.CalendarDate`.
fn date_len(date: PartialDate) -> usize {
    int32_len(1, date.year)
        + int32_len(2, i32::from(date.month))
        + int32_len(3, i32::from(date.day))
}

fn put_date(tag: u32, date: PartialDate, buf: &mut impl BufMut) {
    put_nested_header(tag, date_len(date), buf);
    put_int32(1, date.year, buf);
    put_int32(2, i32::from(date.month), buf);
    put_int32(3, i32::from(date.day), buf);
}

/// `newsline.v1.DateRange`: start and end are always set.
fn span_len(span: &SpanView<'_>) -> usize {
    nested_len(1, date_len(span.start))
        + nested_len(2, date_len(span.end))
        + bool_len(3, span.year_inferred)
        + int32_len(4, i32::from(span.year_source))
        + str_len(5, span.text)
}

fn put_span(tag: u32, span: &SpanView<'_>, buf: &mut impl BufMut) {
    put_nested_header(tag, span_len(span), buf);
    put_date(1, span.start, buf);
    put_date(2, span.end, buf);
    put_bool(3, span.year_inferred, buf);
    put_int32(4, i32::from(span.year_source), buf);
    put_str(5, span.text, buf);
}

/// `newsline.v1.Participant`.
fn participant_len(participant: &ParticipantView<'_>) -> usize {
    str_len(1, participant.entity_id)
        + str_len(2, participant.name)
        + int32_len(3, i32::from(participant.role))
}

fn put_participant(tag: u32, participant: &ParticipantView<'_>, buf: &mut impl BufMut) {
    put_nested_header(tag, participant_len(participant), buf);
    put_str(1, participant.entity_id, buf);
    put_str(2, participant.name, buf);
    put_int32(3, i32::from(participant.role), buf);
}

/// `newsline.v1.Amount`.
fn amount_len(amount: &AmountView<'_>) -> usize {
    double_len(1, amount.value)
        + str_len(2, amount.currency)
        + int32_len(3, amount.metric)
        + amount
            .period
            .as_ref()
            .map_or(0, |period| nested_len(4, span_len(period)))
        + str_len(5, amount.text)
}

fn put_amount(tag: u32, amount: &AmountView<'_>, buf: &mut impl BufMut) {
    put_nested_header(tag, amount_len(amount), buf);
    put_double(1, amount.value, buf);
    put_str(2, amount.currency, buf);
    put_int32(3, amount.metric, buf);
    if let Some(period) = &amount.period {
        put_span(4, period, buf);
    }
    put_str(5, amount.text, buf);
}

/// `newsline.v1.Event`.
fn event_len(event: &EventView<'_>) -> usize {
    bytes_len(1, EVENT_ID_LEN)
        + str_len(2, event.article_id)
        + int32_len(3, event.kind as i32)
        + nested_len(4, span_len(&event.when))
        + event
            .participants
            .iter()
            .map(|p| nested_len(5, participant_len(&p)))
            .sum::<usize>()
        + str_len(6, event.location_id)
        + str_len(7, event.sentence)
        + uint32_len(8, event.sentence_start)
        + uint32_len(9, event.sentence_end)
        + event
            .amounts
            .iter()
            .map(|a| nested_len(10, amount_len(&a)))
            .sum::<usize>()
        + bool_len(11, event.planned)
        + str_len(12, event.location_name)
}

fn event_id_text(id: u64) -> [u8; EVENT_ID_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = *b"event:0000000000000000";
    for (i, digit) in text[6..].iter_mut().enumerate() {
        *digit = HEX[((id >> ((15 - i) * 4)) & 0xF) as usize];
    }
    text
}

fn put_event(tag: u32, event: &EventView<'_>, len: usize, buf: &mut impl BufMut) {
    put_nested_header(tag, len, buf);
    put_bytes(1, &event_id_text(event.id), buf);
    put_str(2, event.article_id, buf);
    put_int32(3, event.kind as i32, buf);
    put_span(4, &event.when, buf);
    for participant in event.participants.iter() {
        put_participant(5, &participant, buf);
    }
    put_str(6, event.location_id, buf);
    put_str(7, event.sentence, buf);
    put_uint32(8, event.sentence_start, buf);
    put_uint32(9, event.sentence_end, buf);
    for amount in event.amounts.iter() {
        put_amount(10, &amount, buf);
    }
    put_bool(11, event.planned, buf);
    put_str(12, event.location_name, buf);
}

/// Appends one `StreamTimelineResponse` (without a length prefix) to `buf`.
pub fn put_timeline_response(cursor: &Cursor, event: &EventView<'_>, buf: &mut BytesMut) {
    let cursor = cursor.encode_ascii();
    let event_len = event_len(event);
    buf.reserve(nested_len(1, event_len) + bytes_len(2, cursor::TEXT_LEN));
    put_event(1, event, event_len, buf);
    put_bytes(2, &cursor, buf);
}

/// Bytes a timeline page buffer starts with: a page of `stream::PAGE_SIZE` corpus-like events
/// takes about this much, so most pages allocate once.
const PAGE_BUFFER: usize = 256 * 1024;

/// Encodes a timeline's pages into one buffer per page, each response a slice of it.
pub struct TimelineWire {
    buf: BytesMut,
    ends: Vec<usize>,
}

impl Default for TimelineWire {
    fn default() -> Self {
        Self {
            buf: BytesMut::with_capacity(PAGE_BUFFER),
            ends: Vec::new(),
        }
    }
}

impl TimelineEncoder for TimelineWire {
    type Item = Encoded;

    fn push(&mut self, cursor: Cursor, event: &EventView<'_>) {
        put_timeline_response(&cursor, event, &mut self.buf);
        self.ends.push(self.buf.len());
    }

    fn finish_page(&mut self) -> Vec<Encoded> {
        let page = self.buf.split().freeze();
        if self.buf.capacity() < PAGE_BUFFER / 4 {
            self.buf.reserve(PAGE_BUFFER);
        }
        let mut start = 0;
        self.ends
            .drain(..)
            .map(|end| {
                let item = Encoded(page.slice(start..end));
                start = end;
                item
            })
            .collect()
    }
}

/// `newsline.v1.WatchTimelineResponse` with a `WatchedEvent`.
pub fn watched_event(
    event: &EventView<'_>,
    cursor: &Cursor,
    backdated: bool,
    replayed: bool,
) -> Encoded {
    let cursor = cursor.encode_ascii();
    let event_len = event_len(event);
    let watched_len = nested_len(1, event_len)
        + bytes_len(2, cursor::TEXT_LEN)
        + bool_len(3, backdated)
        + bool_len(4, replayed);
    let mut buf = Vec::with_capacity(nested_len(1, watched_len));
    put_nested_header(1, watched_len, &mut buf);
    put_event(1, event, event_len, &mut buf);
    put_bytes(2, &cursor, &mut buf);
    put_bool(3, backdated, &mut buf);
    put_bool(4, replayed, &mut buf);
    Encoded(Bytes::from(buf))
}

/// `newsline.v1.WatchTimelineResponse` with a `CaughtUp` (`tag` 2) or `Heartbeat` (`tag` 3):
/// both are a cursor and its revision.
fn watch_mark(tag: u32, cursor: &Cursor) -> Encoded {
    let text = cursor.encode_ascii();
    let body = bytes_len(1, cursor::TEXT_LEN) + uint64_len(2, cursor.revision);
    let mut buf = Vec::with_capacity(nested_len(tag, body));
    put_nested_header(tag, body, &mut buf);
    put_bytes(1, &text, &mut buf);
    if cursor.revision != 0 {
        encoding::uint64::encode(2, &cursor.revision, &mut buf);
    }
    Encoded(Bytes::from(buf))
}

fn uint64_len(tag: u32, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        encoding::uint64::encoded_len(tag, &value)
    }
}

/// Encodes a watch's messages; each event is encoded once for this watcher, straight from the
/// store.
#[derive(Default)]
pub struct WatchWire;

impl WatchEncoder for WatchWire {
    type Item = Encoded;

    fn event(
        &mut self,
        event: &EventView<'_>,
        cursor: &Cursor,
        backdated: bool,
        replayed: bool,
    ) -> Encoded {
        watched_event(event, cursor, backdated, replayed)
    }

    fn caught_up(&mut self, cursor: &Cursor) -> Encoded {
        watch_mark(2, cursor)
    }

    fn heartbeat(&mut self, cursor: &Cursor) -> Encoded {
        watch_mark(3, cursor)
    }
}
