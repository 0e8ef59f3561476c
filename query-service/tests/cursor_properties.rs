//! Property tests of timeline cursors: every cursor survives encoding, any text decodes to a
//! cursor that encodes back to exactly that text or is refused naming the field, and cursor order
//! is timeline order.

use newsline_query::domain::cursor::{Cursor, key_event_id, key_start, time_key};
use proptest::prelude::*;

fn any_cursor() -> impl Strategy<Value = Cursor> {
    (proptest::option::of(any::<u128>()), any::<u64>())
        .prop_map(|(position, revision)| Cursor { position, revision })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_cursor_round_trips(cursor in any_cursor()) {
        let text = cursor.encode();
        prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(Cursor::decode(&text, "cursor"), Ok(cursor));
    }

    #[test]
    fn any_text_is_refused_by_name_or_is_canonical(text in "\\PC{0,48}|[A-Za-z0-9_-]{30,40}") {
        match Cursor::decode(&text, "watch.cursor") {
            Ok(cursor) if text.is_empty() => prop_assert_eq!(cursor, Cursor::default()),
            Ok(cursor) => prop_assert_eq!(cursor.encode(), text),
            Err(error) => prop_assert!(error.to_string().contains("`watch.cursor`"), "{}", error),
        }
    }

    #[test]
    fn a_changed_character_never_yields_a_different_valid_cursor(
        cursor in any_cursor(),
        index in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9_-]",
    ) {
        let text = cursor.encode();
        let at = index.index(text.len());
        let mut changed = text.clone();
        changed.replace_range(at..at + 1, &replacement);
        if let Ok(other) = Cursor::decode(&changed, "cursor") {
            // Only a canonical text decodes, so a different text is a different cursor.
            prop_assert_eq!(other.encode(), changed.clone());
            prop_assert_eq!(other == cursor, changed == text);
        }
    }

    #[test]
    fn key_order_is_timeline_order(
        a in (any::<u32>(), any::<u32>(), any::<u64>()),
        b in (any::<u32>(), any::<u32>(), any::<u64>()),
    ) {
        let (ka, kb) = (time_key(a.0, a.1, a.2), time_key(b.0, b.1, b.2));
        prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
        prop_assert_eq!(key_start(ka), a.0);
        prop_assert_eq!(key_event_id(ka), a.2);
    }
}
