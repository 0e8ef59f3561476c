//! Any text as a cursor is either refused or decodes to a cursor that encodes back to exactly the
//! same text (cursors are canonical: no two texts name one position).
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsline_query::domain::cursor::Cursor;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cursor) = Cursor::decode(text, "cursor") {
        if !text.is_empty() {
            assert_eq!(cursor.encode(), text);
        }
        assert_eq!(
            Cursor::decode(&cursor.encode(), "cursor").ok(),
            Some(cursor)
        );
    }
});
