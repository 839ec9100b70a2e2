//! Topic and procedure patterns: parsing `options.match`, checking a pattern against the
//! URI rule, and an index from `(pattern, policy)` to a subscription or registration ID.

use std::collections::BTreeMap;

use foldhash::HashMap;

use wamp_proto::uri::{self, MatchPolicy, Uri, UriRule};
use wamp_proto::{Dict, Id, Value};

/// The match policy in `options.match` (absent means exact).
///
/// # Errors
/// An explanation for `wamp.error.invalid_argument` when `match` is not one of `"exact"`,
/// `"prefix"` or `"wildcard"`.
pub(crate) fn match_policy(options: &Dict) -> Result<MatchPolicy, String> {
    let name = match options.get("match") {
        None => None,
        Some(Value::Str(name)) => Some(name.as_str()),
        Some(_) => return Err("option 'match' must be a string".to_owned()),
    };
    MatchPolicy::from_option(name).ok_or_else(|| {
        format!(
            "unknown match policy '{}'; use 'exact', 'prefix' or 'wildcard'",
            name.unwrap_or_default()
        )
    })
}

/// Whether `pattern` is a valid URI for `policy` under `rule`: exact patterns have no empty
/// component; prefix patterns may end with an empty one (`com.myapp.`), or be empty to
/// match everything; wildcard patterns may have empty components anywhere.
pub(crate) fn is_valid_pattern(pattern: &Uri, policy: MatchPolicy, rule: UriRule) -> bool {
    match policy {
        MatchPolicy::Exact => pattern.is_valid(rule, false),
        MatchPolicy::Wildcard => pattern.is_valid(rule, true),
        MatchPolicy::Prefix => {
            let text = pattern.as_str();
            match text.strip_suffix('.') {
                _ if text.is_empty() => true,
                Some(head) => Uri::new(head).is_valid(rule, false),
                None => pattern.is_valid(rule, false),
            }
        }
    }
}

/// The namespaces that are the router's own: the spec's `wamp.` (meta API) and
/// `dev_router.` (the message trace, session stats). Clients may subscribe to them but not
/// register or publish under them.
pub(crate) const RESERVED: &str = "wamp., dev_router.";

/// Whether `uri` is in a [`RESERVED`] namespace.
pub(crate) fn is_reserved(uri: &Uri) -> bool {
    let uri = uri.as_str();
    uri.starts_with("wamp.") || uri.starts_with("dev_router.")
}

/// IDs by `(pattern, policy)`: a hash lookup for exact patterns, ordered lists for prefix and
/// wildcard patterns (ordered, so that iteration and tie-breaking are deterministic).
#[derive(Debug, Default)]
pub(crate) struct PatternIndex {
    exact: HashMap<Uri, Id>,
    prefix: BTreeMap<Uri, Id>,
    wildcard: BTreeMap<Uri, Id>,
}

impl PatternIndex {
    /// The ID for exactly this pattern and policy.
    pub(crate) fn get(&self, pattern: &Uri, policy: MatchPolicy) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.get(pattern),
            MatchPolicy::Prefix => self.prefix.get(pattern),
            MatchPolicy::Wildcard => self.wildcard.get(pattern),
        }
        .copied()
    }

    pub(crate) fn insert(&mut self, pattern: Uri, policy: MatchPolicy, id: Id) {
        match policy {
            MatchPolicy::Exact => self.exact.insert(pattern, id),
            MatchPolicy::Prefix => self.prefix.insert(pattern, id),
            MatchPolicy::Wildcard => self.wildcard.insert(pattern, id),
        };
    }

    pub(crate) fn remove(&mut self, pattern: &Uri, policy: MatchPolicy) {
        match policy {
            MatchPolicy::Exact => self.exact.remove(pattern),
            MatchPolicy::Prefix => self.prefix.remove(pattern),
            MatchPolicy::Wildcard => self.wildcard.remove(pattern),
        };
    }

    /// Every ID whose pattern matches `uri`, with its policy: the exact one first, then
    /// prefix and wildcard patterns in pattern order.
    pub(crate) fn matching<'a>(
        &'a self,
        uri: &'a Uri,
    ) -> impl Iterator<Item = (Id, MatchPolicy)> + 'a {
        let exact = self.exact.get(uri).map(|id| (*id, MatchPolicy::Exact));
        let prefix = Self::matches_in(&self.prefix, MatchPolicy::Prefix, uri);
        let wildcard = Self::matches_in(&self.wildcard, MatchPolicy::Wildcard, uri);
        exact.into_iter().chain(prefix).chain(wildcard)
    }

    /// The one pattern a call to `uri` is routed to (spec: pattern-based registrations,
    /// "Calls matching multiple registrations"): the exact pattern; else the longest
    /// matching prefix; else the wildcard pattern with the longest run of components before
    /// its first wildcard, then before its second, and so on.
    pub(crate) fn best_match(&self, uri: &Uri) -> Option<(Id, MatchPolicy)> {
        if let Some(id) = self.exact.get(uri) {
            return Some((*id, MatchPolicy::Exact));
        }
        let prefix = Self::matching_patterns(&self.prefix, MatchPolicy::Prefix, uri)
            .max_by_key(|(pattern, _)| pattern.as_str().len())
            .map(|(_, id)| (id, MatchPolicy::Prefix));
        if prefix.is_some() {
            return prefix;
        }
        // `max_by` keeps the last of equal keys; equal run lengths that match the same URI
        // mean the same pattern, so ties cannot happen.
        Self::matching_patterns(&self.wildcard, MatchPolicy::Wildcard, uri)
            .max_by_key(|(pattern, _)| wildcard_runs(pattern))
            .map(|(_, id)| (id, MatchPolicy::Wildcard))
    }

    fn matching_patterns<'a>(
        patterns: &'a BTreeMap<Uri, Id>,
        policy: MatchPolicy,
        uri: &'a Uri,
    ) -> impl Iterator<Item = (&'a Uri, Id)> + 'a {
        patterns
            .iter()
            .filter(move |(pattern, _)| uri::matches(policy, pattern.as_str(), uri.as_str()))
            .map(|(p, id)| (p, *id))
    }

    fn matches_in<'a>(
        patterns: &'a BTreeMap<Uri, Id>,
        policy: MatchPolicy,
        uri: &'a Uri,
    ) -> impl Iterator<Item = (Id, MatchPolicy)> + 'a {
        Self::matching_patterns(patterns, policy, uri).map(move |(_, id)| (id, policy))
    }
}

/// The lengths of the runs of non-empty components between wildcards, e.g. `a.b..d` ->
/// `[2, 1]`, `a...d` -> `[1, 0, 1]`; compared lexicographically, larger is more specific.
fn wildcard_runs(pattern: &Uri) -> Vec<usize> {
    let components: Vec<&str> = pattern.as_str().split('.').collect();
    components
        .split(|component| component.is_empty())
        .map(<[_]>::len)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_runs_count_components_between_wildcards() {
        let runs = |p: &str| wildcard_runs(&Uri::new(p));
        assert_eq!(runs("a.b..d"), [2, 1]);
        assert_eq!(runs("a...d"), [1, 0, 1]);
        assert_eq!(runs(".b."), [0, 1, 0]);
        assert_eq!(runs("a.b"), [2]);
        assert!(runs("a.b..d") > runs("a...d"));
    }

    #[test]
    fn match_policy_from_options() {
        let options = |v: Value| Dict::from([("match".to_owned(), v)]);
        assert_eq!(match_policy(&Dict::new()), Ok(MatchPolicy::Exact));
        assert_eq!(
            match_policy(&options("prefix".into())),
            Ok(MatchPolicy::Prefix)
        );
        assert_eq!(
            match_policy(&options("wildcard".into())),
            Ok(MatchPolicy::Wildcard)
        );
        assert!(match_policy(&options("glob".into())).is_err());
        assert!(match_policy(&options(Value::Null)).is_err());
    }

    #[test]
    fn matching_lists_every_policy() {
        let mut index = PatternIndex::default();
        let id = |n| Id::new(n).unwrap();
        index.insert(Uri::new("a.b"), MatchPolicy::Exact, id(1));
        index.insert(Uri::new("a"), MatchPolicy::Prefix, id(2));
        index.insert(Uri::new(".b"), MatchPolicy::Wildcard, id(3));
        index.insert(Uri::new("a.c"), MatchPolicy::Exact, id(4));
        let found: Vec<_> = index.matching(&Uri::new("a.b")).collect();
        assert_eq!(
            found,
            [
                (id(1), MatchPolicy::Exact),
                (id(2), MatchPolicy::Prefix),
                (id(3), MatchPolicy::Wildcard)
            ]
        );
        index.remove(&Uri::new("a"), MatchPolicy::Prefix);
        assert_eq!(index.get(&Uri::new("a"), MatchPolicy::Prefix), None);
        assert_eq!(
            index.best_match(&Uri::new("x.b")),
            Some((id(3), MatchPolicy::Wildcard))
        );
    }
}
