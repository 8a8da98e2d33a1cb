//! Rank catalog entries against what a user types: a code, a name, or symptom words.
//!
//! Order: the exact code, then codes starting with the typed digits, then fuzzy matches over
//! name, keywords and summary. Ties break by code so results never depend on hash order.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::catalog::{Catalog, Entry};

/// How a hit matched the query.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The query is this code.
    Exact,
    /// The code starts with the typed digits.
    Prefix,
    /// Words of the query matched the name, keywords or summary.
    Fuzzy,
    /// No code matched the digits; this one differs by a typo.
    Nearest,
}

/// Character positions (not bytes) of matched characters in each field, for highlighting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlights {
    pub code: Vec<usize>,
    pub name: Vec<usize>,
    /// Matched positions per keyword, by keyword index.
    pub keywords: Vec<(usize, Vec<usize>)>,
    pub summary: Vec<usize>,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`Catalog::entries`].
    pub index: usize,
    pub code: u32,
    pub kind: MatchKind,
    /// Higher is better; comparable only within one query.
    pub score: i64,
    pub highlights: Highlights,
}

/// A reusable searcher: the matcher is built once.
pub struct Searcher {
    matcher: SkimMatcherV2,
}

impl Default for Searcher {
    fn default() -> Self {
        Searcher::new()
    }
}

/// The query without an `AADSTS` prefix, if what remains is only digits.
fn digits_of(query: &str) -> Option<String> {
    let q = query.trim();
    crate::catalog::parse_code(q).map(|_| {
        let i = q.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
        q[i..].trim().to_string()
    })
}

impl Searcher {
    pub fn new() -> Searcher {
        Searcher {
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }

    /// Rank `catalog` against `query`, best first, at most `limit` hits. An empty query lists
    /// every code in order.
    pub fn search(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<Hit> {
        let query = query.trim();
        if query.is_empty() || query.eq_ignore_ascii_case("aadsts") {
            return catalog
                .entries()
                .iter()
                .enumerate()
                .take(limit)
                .map(|(index, e)| Hit {
                    index,
                    code: e.code,
                    kind: MatchKind::Prefix,
                    score: 0,
                    highlights: Highlights::default(),
                })
                .collect();
        }
        let mut hits = match digits_of(query) {
            Some(digits) => self.by_digits(catalog, &digits),
            None => self.by_words(catalog, query),
        };
        hits.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(b.score.cmp(&a.score))
                .then(a.code.cmp(&b.code))
        });
        hits.truncate(limit);
        hits
    }

    fn by_digits(&self, catalog: &Catalog, digits: &str) -> Vec<Hit> {
        let mut hits: Vec<Hit> = catalog
            .entries()
            .iter()
            .enumerate()
            .filter_map(|(index, e)| {
                let code = e.code.to_string();
                if !code.starts_with(digits) {
                    return None;
                }
                let kind = if code.len() == digits.len() {
                    MatchKind::Exact
                } else {
                    MatchKind::Prefix
                };
                Some(Hit {
                    index,
                    code: e.code,
                    kind,
                    // Shorter codes first among prefixes: 5001 -> 50011 before 500011.
                    score: -(code.len() as i64),
                    highlights: Highlights {
                        code: (0..digits.len()).collect(),
                        ..Highlights::default()
                    },
                })
            })
            .collect();
        if hits.is_empty()
            && let Ok(n) = digits.parse::<u32>()
        {
            hits = catalog
                .nearest(n, 5)
                .into_iter()
                .enumerate()
                .filter_map(|(rank, code)| {
                    Some(Hit {
                        index: catalog.index_of(code)?,
                        code,
                        kind: MatchKind::Nearest,
                        score: -(rank as i64),
                        highlights: Highlights::default(),
                    })
                })
                .collect();
        }
        hits
    }

    fn by_words(&self, catalog: &Catalog, query: &str) -> Vec<Hit> {
        let words: Vec<&str> = query
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        // Every word must match when there are one or two; with more, all but a third.
        let needed = words.len() - words.len() / 3;
        catalog
            .entries()
            .iter()
            .enumerate()
            .filter_map(|(index, e)| {
                let mut highlights = Highlights::default();
                let mut matched = 0;
                let mut score = 0;
                for word in &words {
                    if let Some(s) = self.word_score(e, word, &mut highlights) {
                        matched += 1;
                        score += s;
                    }
                }
                // The whole query as one run over the name (`authfailed`, `InvalidClientSecret`).
                if words.len() > 1
                    && let Some(name) = &e.name
                    && let Some((s, idx)) = self.matcher.fuzzy_indices(name, &words.concat())
                    && is_dense(&idx)
                {
                    score += s;
                    merge(&mut highlights.name, idx);
                }
                (matched >= needed).then(|| {
                    highlights.name.sort_unstable();
                    highlights.name.dedup();
                    Hit {
                        index,
                        code: e.code,
                        kind: MatchKind::Fuzzy,
                        score: score + 1000 * matched as i64,
                        highlights,
                    }
                })
            })
            .collect()
    }

    /// The best score of one query word over the entry's fields, recording what matched.
    fn word_score(&self, e: &Entry, word: &str, hl: &mut Highlights) -> Option<i64> {
        let lower = word.to_lowercase();
        let mut best: Option<i64> = None;
        let mut bump = |s: i64| best = Some(best.map_or(s, |b| b.max(s)));
        if let Some(name) = &e.name
            && let Some((s, idx)) = self.matcher.fuzzy_indices(name, word)
            && is_dense(&idx)
        {
            bump(3 * s);
            merge(&mut hl.name, idx);
        }
        if let Some(former) = &e.former_name
            && let Some((s, idx)) = self.matcher.fuzzy_indices(former, word)
            && is_dense(&idx)
        {
            bump(2 * s);
        }
        for (k, kw) in e.keywords.iter().enumerate() {
            let starts = kw
                .split(|c: char| !c.is_alphanumeric())
                .any(|t| t.starts_with(&lower));
            if starts && let Some((s, idx)) = self.matcher.fuzzy_indices(kw, word) {
                bump(2 * s);
                hl.keywords.push((k, idx));
            }
        }
        // The summary is long prose: only whole-word prefixes count there. ASCII words (nearly
        // all queries) compare in place; others compare against a lowercased copy.
        let at = if lower.is_ascii() {
            ascii_word_prefix_at(&e.summary, &lower).map(|pos| e.summary[..pos].chars().count())
        } else {
            let summary_lower = e.summary.to_lowercase();
            word_prefix_at(&summary_lower, &lower).map(|pos| summary_lower[..pos].chars().count())
        };
        if let Some(start) = at {
            bump(10 * lower.chars().count() as i64);
            merge(
                &mut hl.summary,
                (start..start + lower.chars().count()).collect(),
            );
        }
        best
    }
}

/// A fuzzy match counts only when it falls in few runs (`Auth`+`Failed` for `authfailed`):
/// letters scattered across a long name (`secret` in `MsodsServiceUnretryable…`) are noise.
fn is_dense(indices: &[usize]) -> bool {
    let runs = 1 + indices.windows(2).filter(|w| w[1] != w[0] + 1).count();
    runs <= 1 + indices.len() / 4
}

/// Byte offset of the first word in `text` that starts with `word`.
fn word_prefix_at(text: &str, word: &str) -> Option<usize> {
    let mut offset = 0;
    for token in text.split_inclusive(|c: char| !c.is_alphanumeric()) {
        if token.starts_with(word) {
            return Some(offset);
        }
        offset += token.len();
    }
    None
}

/// Like [`word_prefix_at`] for an ASCII `word` (already lowercase), ignoring ASCII case in
/// `text`, without copying it.
fn ascii_word_prefix_at(text: &str, word: &str) -> Option<usize> {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    let mut at_word_start = true;
    for (i, c) in text.char_indices() {
        if at_word_start && t.len() - i >= w.len() && t[i..i + w.len()].eq_ignore_ascii_case(w) {
            return Some(i);
        }
        at_word_start = !c.is_alphanumeric();
    }
    None
}

fn merge(into: &mut Vec<usize>, more: Vec<usize>) {
    into.extend(more);
    into.sort_unstable();
    into.dedup();
}

/// Search with a fresh [`Searcher`]; build one and reuse it when searching on every keystroke.
pub fn search(catalog: &Catalog, query: &str, limit: usize) -> Vec<Hit> {
    Searcher::new().search(catalog, query, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_word_prefix_agrees_with_the_lowercased_copy() {
        let catalog = crate::embedded::catalog().expect("embedded catalog");
        for e in catalog.entries() {
            let lower = e.summary.to_lowercase();
            for word in [
                "secret", "the", "app", "tenant", "x", "reply", "mfa", "50012",
            ] {
                let copy = word_prefix_at(&lower, word).map(|p| lower[..p].chars().count());
                let in_place =
                    ascii_word_prefix_at(&e.summary, word).map(|p| e.summary[..p].chars().count());
                assert_eq!(copy, in_place, "{} / {word}", e.code);
            }
        }
    }

    const SMALL: &str = "\
- code: 50011
  name: InvalidReplyTo
  summary: The redirect URI sent does not match the app registration.
  category: app-registration
  who_fixes: developer
  transient: false
  keywords: [reply url, redirect uri, mismatch]
- code: 50012
  name: AuthenticationFailed
  summary: The app's credential was rejected; check for an expired secret or bad certificate.
  category: credentials
  who_fixes: developer
  transient: false
  keywords: [expired secret, certificate]
- code: 500011
  name: InvalidResourceServicePrincipalNotFound
  summary: The resource app is not in the tenant.
  category: consent
  who_fixes: admin
  transient: false
- code: 53003
  name: BlockedByConditionalAccess
  summary: A Conditional Access policy blocked the sign-in.
  category: conditional-access
  who_fixes: admin
  transient: false
  keywords: [blocked, conditional access, ca policy]
- code: 7000215
  summary: The app sent something that is not its client secret value.
  category: credentials
  who_fixes: developer
  transient: false
  keywords: [invalid client secret, secret id]
- code: 50126
  name: InvalidUserNameOrPassword
  summary: Wrong user name or password.
  category: credentials
  who_fixes: user
  transient: false
  keywords: [wrong password]
";

    fn codes(q: &str) -> Vec<u32> {
        let cat = Catalog::from_yaml("t.yaml", SMALL).expect("valid fixture");
        search(&cat, q, 10).into_iter().map(|h| h.code).collect()
    }

    #[test]
    fn table() {
        let first = |q: &str| codes(q).first().copied();
        for (query, want) in [
            ("50012", Some(50012)),
            ("AADSTS50012", Some(50012)),
            ("aadsts 50012", Some(50012)),
            ("  aadsts-7000215 ", Some(7000215)),
            ("authfailed", Some(50012)),
            ("AuthenticationFailed", Some(50012)),
            ("expired secret", Some(50012)),
            ("secret expired", Some(50012)),
            ("reply url mismatch", Some(50011)),
            ("blocked conditional access", Some(53003)),
            ("wrong password", Some(50126)),
            ("50216", Some(50126)),
            ("zzzzqqq", None),
        ] {
            assert_eq!(
                first(query),
                want,
                "query {query:?} gave {:?}",
                codes(query)
            );
        }
    }

    #[test]
    fn exact_then_prefix_in_order() {
        assert_eq!(codes("5001"), vec![50011, 50012]);
        assert_eq!(codes("50011"), vec![50011]);
        assert_eq!(codes("50"), vec![50011, 50012, 50126, 500011]);
    }

    #[test]
    fn highlights_point_at_matched_chars() {
        let cat = Catalog::from_yaml("t.yaml", SMALL).expect("valid fixture");
        let hits = search(&cat, "5001", 10);
        assert_eq!(hits[0].highlights.code, vec![0, 1, 2, 3]);
        let hits = search(&cat, "authfailed", 10);
        let name = cat.entries()[hits[0].index]
            .name
            .clone()
            .unwrap_or_default();
        let picked: String = hits[0]
            .highlights
            .name
            .iter()
            .filter_map(|&i| name.chars().nth(i))
            .collect();
        assert_eq!(picked.to_lowercase(), "authfailed");
    }

    #[test]
    fn empty_query_lists_in_code_order_and_limit_holds() {
        let c = codes("");
        let mut sorted = c.clone();
        sorted.sort_unstable();
        assert_eq!(c, sorted);
        let cat = Catalog::from_yaml("t.yaml", SMALL).expect("valid fixture");
        assert_eq!(search(&cat, "", 2).len(), 2);
    }

    #[test]
    fn scattered_letters_do_not_match_names() {
        assert!(is_dense(&[0, 1, 2, 3, 14, 15, 16, 17, 18, 19]));
        assert!(!is_dense(&[5, 6, 10, 14, 20, 25]));
    }

    #[test]
    fn deterministic() {
        assert_eq!(codes("secret"), codes("secret"));
    }
}
