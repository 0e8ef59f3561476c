//! Money amounts in a sentence, normalised: "$245m" is 245,000,000 USD, "2.9 trillion rubles" is
//! 2.9e12 RUB. Percentages and bare numbers are not amounts.

use std::sync::LazyLock;

use regex::Regex;

use super::model::{Amount, TradeMetric};

/// An amount and where it stands in the sentence (byte offsets).
#[derive(Clone, Debug, PartialEq)]
pub struct FoundAmount {
    pub start: usize,
    pub end: usize,
    pub amount: Amount,
    /// Inside parentheses right after another amount: a conversion ("2.9 trillion rubles ($29.5
    /// bln)") or an aside ("(up to $50 bln according to …)"), not a figure of its own.
    pub aside: bool,
}

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?: (?P<sym>US\$|[$€£¥₽]) [\x20\u{a0}]?
          | (?-u:\b)(?P<code>USD|EUR|RUB|BYN|CNY|GBP)[\x20\u{a0}]? )?
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?: [\x20\u{a0}]?[-–][\x20\u{a0}]?(?P<num2>\d+(?:\.\d+)?) )?
        (?: [\x20\u{a0}]?\[?(?P<scale>trillion|billion|million|thousand|bln|bn|mln|mn|tn|m|k)\]?(?-u:\b) )?
        (?: [\x20\u{a0}](?P<word>(?:US\x20)?dollars|euros?|(?:Belarusian\x20|Russian\x20)?r[ou]{1,2}bles?|yuan|USD|EUR|RUB|BYN|CNY|GBP) (?-u:\b))?",
    )
    .expect("the amount pattern is valid")
});

fn scale(word: &str) -> f64 {
    match word {
        "trillion" | "tn" => 1e12,
        "billion" | "bln" | "bn" => 1e9,
        "million" | "mln" | "mn" | "m" => 1e6,
        "thousand" | "k" => 1e3,
        _ => 1.0,
    }
}

fn currency(sym: Option<&str>, code: Option<&str>, word: Option<&str>) -> Option<&'static str> {
    if let Some(code) = code {
        return Some(match code {
            "USD" => "USD",
            "EUR" => "EUR",
            "RUB" => "RUB",
            "BYN" => "BYN",
            "CNY" => "CNY",
            _ => "GBP",
        });
    }
    if let Some(sym) = sym {
        return Some(match sym {
            "€" => "EUR",
            "£" => "GBP",
            "¥" => "CNY",
            "₽" => "RUB",
            _ => "USD",
        });
    }
    let word = word?;
    // A code after the number ("108.5 million USD") names the currency as one before it does.
    if word.len() == 3 && word.bytes().all(|b| b.is_ascii_uppercase()) {
        return currency(None, Some(word), None);
    }
    Some(if word.contains("dollar") {
        "USD"
    } else if word.starts_with("euro") {
        "EUR"
    } else if word.starts_with("Belarusian") {
        "BYN"
    } else if word.starts_with('r') || word.starts_with("Russian") {
        "RUB"
    } else {
        "CNY"
    })
}

/// Every money amount of `sentence`, in order. The value of a range ("$22-23 billion") is its
/// lower bound; the text keeps the whole range.
pub fn find_amounts(sentence: &str) -> Vec<FoundAmount> {
    // Most sentences name no money: a cheap look for a currency first.
    let currency_hint = sentence.contains(['$', '€', '£', '¥', '₽'])
        || [
            "USD", "EUR", "RUB", "BYN", "CNY", "GBP", "dollar", "euro", "uble", "yuan",
        ]
        .iter()
        .any(|hint| sentence.contains(hint));
    if !currency_hint {
        return Vec::new();
    }
    let mut found: Vec<FoundAmount> = Vec::new();
    for caps in AMOUNT.captures_iter(sentence) {
        let whole = caps.get(0).expect("group 0 always matches");
        let (sym, code, word) = (
            caps.name("sym").map(|m| m.as_str()),
            caps.name("code").map(|m| m.as_str()),
            caps.name("word").map(|m| m.as_str()),
        );
        let Some(currency) = currency(sym, code, word) else {
            continue;
        };
        let num = caps
            .name("num")
            .expect("num always matches")
            .as_str()
            .replace(',', "");
        let Ok(value) = num.parse::<f64>() else {
            continue;
        };
        let value = value * caps.name("scale").map_or(1.0, |m| scale(m.as_str()));
        if !value.is_finite() {
            continue;
        }
        let start = whole.start();
        let before = &sentence[..start];
        let aside = before.trim_end().ends_with('(')
            && found
                .last()
                .is_some_and(|prev| before[prev.end..].trim() == "(")
            || before.rfind('(').is_some_and(|open| {
                !before[open..].contains(')') && found.last().is_some_and(|prev| prev.end <= open)
            });
        found.push(FoundAmount {
            start,
            end: whole.end(),
            amount: Amount {
                value,
                currency: currency.to_string(),
                metric: TradeMetric::Unspecified,
                period: None,
                text: whole.as_str().trim().to_string(),
            },
            aside,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(sentence: &str) -> Vec<(f64, String, String)> {
        find_amounts(sentence)
            .into_iter()
            .map(|f| (f.amount.value, f.amount.currency, f.amount.text))
            .collect()
    }

    #[test]
    fn seed_amounts() {
        assert_eq!(
            values("Trade has been growing steadily since 2009 and reached $245m in 2014."),
            vec![(245e6, "USD".into(), "$245m".into())]
        );
        let two = values(
            "In 2014, Belarusian exports to Azerbaijan were worth $318m and its imports from Azerbaijan a mere $8.7m.",
        );
        assert_eq!(
            two,
            vec![
                (318e6, "USD".into(), "$318m".into()),
                (8.7e6, "USD".into(), "$8.7m".into())
            ]
        );
        assert_eq!(values("Austria is the fifth largest investor in Belarus ($400 m in January – September 2014).")[0].0, 400e6);
        assert_eq!(
            values("The construction at an estimated cost of $3.5bn.")[0].0,
            3.5e9
        );
    }

    #[test]
    fn currencies_words_and_ranges() {
        assert_eq!(
            values("the trade turnover approached $ 30 billion last year")[0].0,
            30e9
        );
        assert_eq!(values("exports will be about $22-23 billion")[0].0, 22e9);
        assert_eq!(
            values("Now we have $18 [billion] over the ten months")[0].0,
            18e9
        );
        assert_eq!(
            values("Trade turnover rose by 5% to 3.9 trillion rubles.")[0],
            (3.9e12, "RUB".into(), "3.9 trillion rubles".into())
        );
        assert_eq!(values("USD 1.2 billion")[0].0, 1.2e9);
        assert_eq!(
            values("exports reached 108.5 million USD in 2020")[0],
            (108.5e6, "USD".into(), "108.5 million USD".into())
        );
        assert_eq!(values("1.5 billion euros")[0].1, "EUR");
        assert_eq!(values("€1.2bn")[0].0, 1.2e9);
        assert_eq!(
            values("3.4 billion dollars")[0],
            (3.4e9, "USD".into(), "3.4 billion dollars".into())
        );
        assert_eq!(
            values("€15 million")[0],
            (15e6, "EUR".into(), "€15 million".into())
        );
        assert_eq!(values("BY_Help provided almost $1.5mln")[0].0, 1.5e6);
    }

    #[test]
    fn percentages_and_counts_are_not_amounts() {
        assert!(
            values("The volume was increased by 15% and 16 journalists were arrested in 2014.")
                .is_empty()
        );
    }

    #[test]
    fn conversions_in_parentheses_are_asides() {
        let found = find_amounts(
            "Trade rose by 6% in the first eight months of this year to 2.9 trillion rubles ($29.5 bln), he said.",
        );
        assert_eq!(found.len(), 2);
        assert!(!found[0].aside);
        assert!(found[1].aside);
        let found = find_amounts(
            "In 2022, bilateral trade turnover increased by 12% to $45 bln (up to $50 bln according to Belarusian statistics).",
        );
        assert!(found[1].aside);
        let found = find_amounts(
            "The bilateral trade remains modest ($6.7m in 2015); prospects are bleak.",
        );
        assert!(!found[0].aside);
    }
}
