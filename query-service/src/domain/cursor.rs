//! Opaque timeline cursors: a position in timeline order and the store revision it was issued at.
//!
//! Positions, not sessions: a cursor stays valid forever, also when the event it came from is
//! replaced or removed, because resuming only compares keys.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::error::DomainError;

/// An event's place in timeline order: start date, end date, then event id, packed so that integer
/// order is timeline order (see [`super::date`]).
pub type TimeKey = u128;

pub fn time_key(start: u32, end: u32, id: u64) -> TimeKey {
    (u128::from(start) << 96) | (u128::from(end) << 64) | u128::from(id)
}

pub fn key_event_id(key: TimeKey) -> u64 {
    key as u64
}

pub fn key_start(key: TimeKey) -> u32 {
    (key >> 96) as u32
}

const VERSION: u8 = 1;
const ENCODED_LEN: usize = 1 + 1 + 16 + 8;

/// Where a timeline or watch stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The last position delivered; `None` is before the first event.
    pub position: Option<TimeKey>,
    /// Every event stored at or before this revision and placed at or before `position` has been
    /// delivered (or lay before the position the reader started from).
    pub revision: u64,
}

/// Length of a cursor's text: base64 of its bytes, unpadded.
pub const TEXT_LEN: usize = (ENCODED_LEN * 4).div_ceil(3);

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.to_bytes())
    }

    /// The text of [`Self::encode`] as ASCII bytes, without allocating.
    pub fn encode_ascii(&self) -> [u8; TEXT_LEN] {
        let mut text = [0u8; TEXT_LEN];
        // The buffer has exactly the length the encoding needs, so this cannot fail.
        let _ = URL_SAFE_NO_PAD.encode_slice(self.to_bytes(), &mut text);
        text
    }

    fn to_bytes(self) -> [u8; ENCODED_LEN] {
        let mut bytes = [0u8; ENCODED_LEN];
        bytes[0] = VERSION;
        bytes[1] = u8::from(self.position.is_some());
        bytes[2..18].copy_from_slice(&self.position.unwrap_or(0).to_be_bytes());
        bytes[18..26].copy_from_slice(&self.revision.to_be_bytes());
        bytes
    }

    /// Parses a cursor; an empty string is the start of the timeline.
    pub fn decode(text: &str, field: &str) -> Result<Self, DomainError> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        let malformed = || DomainError::invalid(field, "is not a cursor this service issued");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| malformed())?;
        if bytes.len() != ENCODED_LEN || bytes[0] != VERSION || bytes[1] > 1 {
            return Err(malformed());
        }
        let key = TimeKey::from_be_bytes(bytes[2..18].try_into().map_err(|_| malformed())?);
        let revision = u64::from_be_bytes(bytes[18..26].try_into().map_err(|_| malformed())?);
        if bytes[1] == 0 && key != 0 {
            return Err(malformed());
        }
        Ok(Self {
            position: (bytes[1] == 1).then_some(key),
            revision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for cursor in [
            Cursor::default(),
            Cursor {
                position: Some(0),
                revision: 0,
            },
            Cursor {
                position: Some(time_key(u32::MAX, 7, u64::MAX)),
                revision: u64::MAX,
            },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode(), "cursor").unwrap(), cursor);
            assert_eq!(cursor.encode_ascii().as_slice(), cursor.encode().as_bytes());
        }
        assert_eq!(Cursor::decode("", "cursor").unwrap(), Cursor::default());
    }

    #[test]
    fn malformed_cursors_name_the_field() {
        for text in ["x", "not base64!", "AAAA", &"A".repeat(40)] {
            let err = Cursor::decode(text, "cursor").unwrap_err();
            assert!(err.to_string().contains("`cursor`"), "{text}: {err}");
        }
    }

    #[test]
    fn keys_order_by_start_then_end_then_id() {
        assert!(time_key(1, 9, 9) < time_key(2, 0, 0));
        assert!(time_key(2, 1, 9) < time_key(2, 2, 0));
        assert!(time_key(2, 2, 1) < time_key(2, 2, 2));
        let key = time_key(5, 6, 7);
        assert_eq!((key_start(key), key_event_id(key)), (5, 7));
    }
}
