//! Articles as stored: every string of an article in one allocation.
//!
//! A news article carries only a few events, so what an article costs beyond its text weighs on
//! each of them: one buffer with end offsets replaces a dozen separately allocated strings.

use super::{date::PartialDate, model::Article};

#[derive(Clone, Debug, PartialEq)]
pub struct CompactArticle {
    /// The id, title, series, source URI, text, then each author, one after another.
    strings: Box<str>,
    /// Where each of those ends in `strings`.
    ends: Box<[u32]>,
    published: Option<PartialDate>,
    reference_year: i32,
    reference_year_source: u8,
}

const ID: usize = 0;
const TITLE: usize = 1;
const SERIES: usize = 2;
const SOURCE_URI: usize = 3;
const TEXT: usize = 4;
const AUTHORS: usize = 5;

/// The most bytes of strings one article may hold.
pub const MAX_ARTICLE_BYTES: usize = u32::MAX as usize;

impl CompactArticle {
    /// Packs an article, leaving out its sections and entity ids (the store keeps those its own
    /// way). Publishing refuses articles over 4 GiB, which offsets could not address.
    pub fn new(article: &Article) -> Self {
        let parts = [
            &article.id,
            &article.title,
            &article.series,
            &article.source_uri,
            &article.text,
        ]
        .into_iter()
        .chain(&article.authors);
        let mut strings = String::new();
        let mut ends = Vec::with_capacity(AUTHORS + article.authors.len());
        for part in parts {
            strings.push_str(part);
            ends.push(u32::try_from(strings.len()).unwrap_or(u32::MAX));
        }
        Self {
            strings: strings.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            published: article.published,
            reference_year: article.reference_year,
            reference_year_source: article.reference_year_source,
        }
    }

    fn part(&self, index: usize) -> &str {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        self.strings
            .get(start..self.ends[index] as usize)
            .unwrap_or("")
    }

    pub fn id(&self) -> &str {
        self.part(ID)
    }

    pub fn series(&self) -> &str {
        self.part(SERIES)
    }

    pub fn text(&self) -> &str {
        self.part(TEXT)
    }

    /// Where the text starts in [`Self::strings`].
    pub fn text_offset(&self) -> usize {
        self.ends[TEXT - 1] as usize
    }

    /// Every string of the article, one after another; events address their sentences in it
    /// directly, which spares a timeline read one memory access per event.
    pub fn strings(&self) -> &str {
        &self.strings
    }

    pub fn authors(&self) -> impl Iterator<Item = &str> {
        (AUTHORS..self.ends.len()).map(|i| self.part(i))
    }

    pub fn published(&self) -> Option<PartialDate> {
        self.published
    }

    pub fn reference_year(&self) -> i32 {
        self.reference_year
    }

    /// The article without sections and entity ids.
    pub fn to_article(&self) -> Article {
        Article {
            id: self.id().to_owned(),
            title: self.part(TITLE).to_owned(),
            series: self.series().to_owned(),
            authors: self.authors().map(str::to_owned).collect(),
            sections: Vec::new(),
            published: self.published,
            reference_year: self.reference_year,
            reference_year_source: self.reference_year_source,
            source_uri: self.part(SOURCE_URI).to_owned(),
            text: self.text().to_owned(),
            entity_ids: Vec::new(),
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.strings.len() + self.ends.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_pack_and_unpack() {
        let article = Article {
            id: "article:0123456789abcdef".into(),
            title: "Strengthening Links".into(),
            series: "Digest".into(),
            authors: vec!["A. Author".into(), String::new(), "Третий".into()],
            published: Some(PartialDate::new(2015, 11, 0, "p").unwrap()),
            reference_year: 2015,
            reference_year_source: 2,
            source_uri: "https://example.org/a".into(),
            text: "Body.".into(),
            ..Article::default()
        };
        let compact = CompactArticle::new(&article);
        assert_eq!(compact.to_article(), article);
        assert_eq!(compact.id(), article.id);
        assert_eq!(compact.text(), "Body.");
        let offset = compact.text_offset();
        assert_eq!(&compact.strings()[offset..offset + 5], "Body.");
        assert_eq!(compact.authors().count(), 3);
        let empty = CompactArticle::new(&Article::default());
        assert_eq!(empty.to_article(), Article::default());
    }
}
