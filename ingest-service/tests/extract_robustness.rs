//! Any bytes in, never a panic or a hang: invalid UTF-8, empty input, only noise, a 10 MB line,
//! deeply repeated punctuation, binary junk; and the same input gives byte-identical output.

use newsline_ingest::extract::model::ParsedDocument;
use newsline_ingest::extract::{DocumentInput, parse_document};
use newsline_ingest::parse::parse_to_proto;

fn parse(bytes: &[u8]) -> ParsedDocument {
    parse_document(&DocumentInput {
        bytes,
        source_uri: "test://robustness",
        published: None,
    })
}

fn seed(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../seeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_diagnostic() {
    let mut bytes = b"Lukashenka visited Hanoi.\n\nOn 9 December \xff\xfe Alexander Lukashenka met leaders in Hanoi.".to_vec();
    bytes.extend_from_slice(b"\xc3\x28 end");
    let doc = parse(&bytes);
    assert!(
        doc.diagnostics
            .iter()
            .any(|d| d.code == "input.invalid_utf8")
    );
    assert!(doc.articles.iter().any(|a| a.text.contains('\u{FFFD}')));
    assert!(doc.entities.iter().any(|e| e.id == "city:hanoi"));
}

#[test]
fn empty_input_gives_nothing_and_says_so() {
    let doc = parse(b"");
    assert!(doc.articles.is_empty() && doc.entities.is_empty() && doc.events.is_empty());
    assert!(doc.diagnostics.iter().any(|d| d.code == "input.no_content"));
}

#[test]
fn a_page_of_only_noise_has_no_articles_and_reports_each_line() {
    let doc = parse(b"Loading...\nRSS\nWhy Support Belarus Digest?\n348 reads\nphoto.jpg\n");
    assert!(doc.articles.is_empty(), "{:?}", doc.articles);
    let noise = doc
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("noise."))
        .count();
    assert_eq!(noise, 5, "{:?}", doc.diagnostics);
    assert!(
        doc.diagnostics
            .iter()
            .all(|d| d.text.chars().count() <= 200)
    );
}

#[test]
fn a_ten_megabyte_line_is_parsed() {
    let sentence = "On 18 – 20 November, Serbian president Tomislav Nikolic visited Minsk and met Lukashenka. ";
    let mut line = String::with_capacity(10 * 1024 * 1024 + sentence.len());
    while line.len() < 10 * 1024 * 1024 {
        line.push_str(sentence);
    }
    let doc = parse(line.as_bytes());
    assert_eq!(doc.articles.len(), 1);
    assert!(
        doc.entities
            .iter()
            .any(|e| e.id == "person:tomislav-nikolic")
    );
}

#[test]
fn deeply_repeated_punctuation_and_binary_junk_do_not_hang_or_panic() {
    let mut inputs: Vec<Vec<u8>> = vec![
        "!".repeat(1_000_000).into_bytes(),
        ".".repeat(1_000_000).into_bytes(),
        "–".repeat(200_000).into_bytes(),
        "(((((".repeat(100_000).into_bytes(),
        "'s ".repeat(200_000).into_bytes(),
        "A. ".repeat(200_000).into_bytes(),
        "\n".repeat(500_000).into_bytes(),
        "Minsk ".repeat(200_000).into_bytes(),
    ];
    // Deterministic pseudo-random binary junk.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let junk: Vec<u8> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    inputs.push(junk);
    for input in &inputs {
        let doc = parse(input);
        assert!(doc.entities.windows(2).all(|w| w[0].id < w[1].id));
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for name in ["000_b0fa4eb77ff2d830.txt", "002_35d08d5ca100e3bb.txt"] {
        let bytes = seed(name);
        let first = serde_json::to_string(&parse_to_proto(&bytes, name, None)).expect("serialises");
        let second =
            serde_json::to_string(&parse_to_proto(&bytes, name, None)).expect("serialises");
        assert_eq!(first, second, "{name}");
    }
}

#[test]
fn the_same_article_on_two_pages_has_the_same_id() {
    let single = parse(&seed("000_b0fa4eb77ff2d830.txt"));
    let page = parse(&seed("002_35d08d5ca100e3bb.txt"));
    assert_eq!(single.articles.len(), 1);
    assert_eq!(
        single.articles[0].authors,
        vec!["Igar Gubarevich".to_string()]
    );
    assert_eq!(page.articles.len(), 5);
    let same = page
        .articles
        .iter()
        .find(|a| a.title == single.articles[0].title)
        .expect("article in page");
    assert_eq!(same.id, single.articles[0].id);
    assert_eq!(same.series, "Belarus Foreign Policy Digest");
}

#[test]
fn seed_noise_lines_are_dropped_and_reported() {
    let doc = parse(&seed("000_b0fa4eb77ff2d830.txt"));
    let lines: Vec<u32> = doc
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("noise."))
        .map(|d| d.line)
        .collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 8, 10, 12, 14, 72, 73, 74, 75, 76]);
    let article = &doc.articles[0];
    assert!(!article.text.contains("escort"));
    assert!(!article.text.contains("348 reads"));
}
