//! Any bytes, with or without a publication date (valid or not), must parse without a panic or a
//! hang, into articles that all have an id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsline_ingest::extract::{DocumentInput, model::PartialDate, parse_document};

fuzz_target!(|data: &[u8]| {
    // The first byte chooses whether the next four are a publication date (any values, invalid
    // ones included: the parser must cope with what a client sends).
    let (published, bytes) = match data.split_first() {
        Some((&flag, rest)) if flag & 1 == 1 && rest.len() >= 4 => (
            Some(PartialDate {
                year: u16::from_le_bytes([rest[0], rest[1]]),
                month: rest[2],
                day: rest[3],
            }),
            &rest[4..],
        ),
        Some((_, rest)) => (None, rest),
        None => (None, data),
    };
    let input = DocumentInput {
        bytes,
        source_uri: "fuzz://input",
        published,
    };
    let first = parse_document(&input);
    for article in &first.articles {
        assert!(!article.id.is_empty());
    }
});
