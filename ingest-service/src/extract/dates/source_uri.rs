//! The date a page's address gives: news sites put the publication date in their paths
//! ("/2015/2/13/", "/2023/10/26/", "/n3/2017/0511/", "/20241009/", "…-157693-2024/") or in a
//! `date=` query parameter. A publisher's address is set when the page is published, so it is
//! stronger evidence than a stamp in the page's chrome or the years the text mentions.

use super::super::model::PartialDate;
use super::calendar::valid;

/// Years outside this range in a path are ids or counters, not dates.
const YEARS: std::ops::RangeInclusive<u16> = 1990..=2100;

fn number(segment: &str, lengths: std::ops::RangeInclusive<usize>) -> Option<u16> {
    (lengths.contains(&segment.len()) && segment.bytes().all(|b| b.is_ascii_digit()))
        .then(|| segment.parse().ok())
        .flatten()
}

fn year(segment: &str) -> Option<u16> {
    number(segment, 4..=4).filter(|y| YEARS.contains(y))
}

fn checked(date: PartialDate) -> Option<PartialDate> {
    valid(date).then_some(date)
}

/// "20241009": a whole date in one segment.
fn compact_date(segment: &str) -> Option<PartialDate> {
    if segment.len() != 8 {
        return None;
    }
    let y = year(&segment[..4])?;
    let month = number(&segment[4..6], 2..=2)? as u8;
    let day = number(&segment[6..8], 2..=2)? as u8;
    checked(PartialDate {
        year: y,
        month,
        day,
    })
    .filter(|d| d.month != 0 && d.day != 0)
}

/// The date in the path segments that follow a year segment: "/2", "/2/13", "/0511".
fn after_year(y: u16, rest: &[&str]) -> PartialDate {
    let year_only = PartialDate {
        year: y,
        month: 0,
        day: 0,
    };
    let Some(first) = rest.first() else {
        return year_only;
    };
    if first.len() == 4
        && let Some(md) = number(first, 4..=4)
    {
        return checked(PartialDate {
            year: y,
            month: (md / 100) as u8,
            day: (md % 100) as u8,
        })
        .filter(|d| d.month != 0 && d.day != 0)
        .unwrap_or(year_only);
    }
    let Some(month) = number(first, 1..=2)
        .map(|m| m as u8)
        .filter(|m| (1..=12).contains(m))
    else {
        return year_only;
    };
    let with_month = PartialDate {
        year: y,
        month,
        day: 0,
    };
    rest.get(1)
        .and_then(|d| number(d, 1..=2))
        .and_then(|day| {
            checked(PartialDate {
                day: day as u8,
                ..with_month
            })
            .filter(|d| d.day != 0)
        })
        .unwrap_or(with_month)
}

/// The `date=` query parameter: "2021-03-04", "20210304" or "2021-03".
fn query_date(query: &str) -> Option<PartialDate> {
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("date=")?;
        if let Some(d) = compact_date(value) {
            return Some(d);
        }
        let mut parts = value.split('-');
        let y = year(parts.next()?)?;
        let month = parts.next().map(|m| number(m, 2..=2)).unwrap_or(Some(0))? as u8;
        let day = parts.next().map(|d| number(d, 2..=2)).unwrap_or(Some(0))? as u8;
        checked(PartialDate {
            year: y,
            month,
            day,
        })
    })
}

/// The publication date a page's address gives, at the precision it gives it; `None` for a
/// file path or an address without a date.
pub fn source_uri_date(uri: &str) -> Option<PartialDate> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))?;
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, query),
        None => (rest, ""),
    };
    if let Some(d) = query_date(query) {
        return Some(d);
    }
    // The host is not part of the path.
    let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(d) = compact_date(segment) {
            return Some(d);
        }
        if let Some(y) = year(segment) {
            return Some(after_year(y, &segments[i + 1..]));
        }
    }
    // A slug ending in its year: "…-visits-great-stone-park-157693-2024".
    let last = segments.last()?;
    let last = last.split('.').next().unwrap_or(last);
    let (_, tail) = last.rsplit_once('-')?;
    year(tail).map(|y| PartialDate {
        year: y,
        month: 0,
        day: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> Option<PartialDate> {
        Some(PartialDate { year, month, day })
    }

    #[test]
    fn dates_in_paths_at_the_precision_given() {
        assert_eq!(
            source_uri_date("https://www.pravda.com.ua/eng/news/2024/07/4/7464119/"),
            date(2024, 7, 4)
        );
        assert_eq!(
            source_uri_date("https://example.com/2015/2/13/story"),
            date(2015, 2, 13)
        );
        assert_eq!(
            source_uri_date("https://belarusdigest.com/story/2011/02/"),
            date(2011, 2, 0)
        );
        assert_eq!(
            source_uri_date("http://example.net/n3/2017/0511/c90000-9214079.html"),
            date(2017, 5, 11)
        );
        assert_eq!(
            source_uri_date("https://example.info/en/news/politics/20241009/cis-summit"),
            date(2024, 10, 9)
        );
        assert_eq!(
            source_uri_date("https://eng.example.by/economics/view/park-visit-157693-2024/"),
            date(2024, 0, 0)
        );
        assert_eq!(
            source_uri_date("https://example.org/news?page=2&date=2021-03-04"),
            date(2021, 3, 4)
        );
    }

    #[test]
    fn no_date_where_the_address_has_none() {
        for uri in [
            "seeds/000_b0fa4eb77ff2d830.txt",
            "https://tass.com/world/1116119",
            "https://www.example.org/press-releases?page=251&rows=50",
            "https://example.com/story/tag/ukraine/page/7/",
            "https://example.com/article/eu-extends-sanctions-2/",
            "https://example.com/9999/01/02/",
            "https://example.com/2015/13/40/",
        ] {
            let got = source_uri_date(uri);
            assert!(
                got.is_none() || uri.ends_with("/2015/13/40/"),
                "{uri}: {got:?}"
            );
        }
        // A month that cannot be one leaves the year alone.
        assert_eq!(
            source_uri_date("https://example.com/2015/13/40/"),
            date(2015, 0, 0)
        );
    }
}
