//! WAMP URIs: validation (strict and loose rules) and matching (exact, prefix, wildcard).
//!
//! Spec: "URIs" (rfc/text/basic/bp_uris.md) and pattern-based subscriptions / registrations
//! in the advanced profile.

use std::fmt;

/// A URI as it arrived. Decoding does not validate it, because the rule that applies depends
/// on the router's configuration and on the match policy; the router checks it with
/// [`Uri::is_valid`] and answers `wamp.error.invalid_uri`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uri(String);

/// Which URI rule to check against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UriRule {
    /// Components of `[0-9a-z_]` only.
    Strict,
    /// Components of anything but whitespace, `.` and `#`.
    #[default]
    Loose,
}

/// How a subscription or registration matches URIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MatchPolicy {
    /// The URI equals the pattern.
    #[default]
    Exact,
    /// The URI starts with the pattern.
    Prefix,
    /// The URI has as many components as the pattern, and equals it in every non-empty one.
    Wildcard,
}

impl Uri {
    /// A URI, not checked: see [`Uri::is_valid`].
    pub fn new(uri: impl Into<String>) -> Uri {
        Uri(uri.into())
    }

    /// The URI as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URI as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the URI follows `rule` (spec: "Relaxed/Loose URIs" and "Strict URIs").
    ///
    /// A URI is `.`-separated components. Under [`UriRule::Strict`] every component is made
    /// of `[0-9a-z_]`; under [`UriRule::Loose`] of anything but whitespace, `.` and `#`.
    /// Empty components (as in `com..create`, or the empty URI) are allowed only when
    /// `allow_empty_components` is set, which is what wildcard patterns need.
    pub fn is_valid(&self, rule: UriRule, allow_empty_components: bool) -> bool {
        let char_ok = |c: char| match rule {
            UriRule::Strict => c.is_ascii_digit() || c.is_ascii_lowercase() || c == '_',
            UriRule::Loose => !(c.is_whitespace() || c == '#'),
        };
        self.0.split('.').all(|component| {
            if component.is_empty() {
                allow_empty_components
            } else {
                component.chars().all(char_ok)
            }
        })
    }

    /// Whether this URI, used as a pattern with `policy`, matches `uri`. See [`matches()`].
    pub fn is_match(&self, policy: MatchPolicy, uri: &str) -> bool {
        matches(policy, &self.0, uri)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Uri {
    fn from(uri: &str) -> Uri {
        Uri(uri.to_owned())
    }
}

impl From<String> for Uri {
    fn from(uri: String) -> Uri {
        Uri(uri)
    }
}

impl From<Uri> for String {
    fn from(uri: Uri) -> String {
        uri.0
    }
}

impl AsRef<str> for Uri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Uri {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Uri {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Uri {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl MatchPolicy {
    /// The policy named by a SUBSCRIBE's or REGISTER's `match` option: absent or `"exact"`,
    /// `"prefix"`, `"wildcard"`. `None` for any other name (answer `wamp.error.invalid_option`).
    pub fn from_option(name: Option<&str>) -> Option<MatchPolicy> {
        match name {
            None | Some("exact") => Some(MatchPolicy::Exact),
            Some("prefix") => Some(MatchPolicy::Prefix),
            Some("wildcard") => Some(MatchPolicy::Wildcard),
            Some(_) => None,
        }
    }

    /// Whether `uri` matches `pattern` under this policy. See [`matches()`].
    pub fn matches(self, pattern: &str, uri: &str) -> bool {
        matches(self, pattern, uri)
    }

    /// The option value: `"exact"`, `"prefix"` or `"wildcard"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchPolicy::Exact => "exact",
            MatchPolicy::Prefix => "prefix",
            MatchPolicy::Wildcard => "wildcard",
        }
    }
}

impl fmt::Display for MatchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `uri` matches `pattern` under `policy`.
///
/// - [`MatchPolicy::Exact`]: the strings are equal.
/// - [`MatchPolicy::Prefix`]: `uri` starts with `pattern` (as strings: `com.a` matches
///   `com.ab`, as the spec defines it).
/// - [`MatchPolicy::Wildcard`]: both have the same number of `.`-separated components, and
///   every non-empty component of `pattern` equals the one of `uri` at its position.
pub fn matches(policy: MatchPolicy, pattern: &str, uri: &str) -> bool {
    match policy {
        MatchPolicy::Exact => pattern == uri,
        MatchPolicy::Prefix => uri.starts_with(pattern),
        MatchPolicy::Wildcard => {
            let mut pattern_components = pattern.split('.');
            let mut uri_components = uri.split('.');
            loop {
                match (pattern_components.next(), uri_components.next()) {
                    (None, None) => return true,
                    (Some(p), Some(u)) if p.is_empty() || p == u => {}
                    _ => return false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(uri: &str, rule: UriRule, allow_empty: bool) -> bool {
        Uri::new(uri).is_valid(rule, allow_empty)
    }

    #[test]
    fn strict_rule() {
        for ok in [
            "com.myapp.mytopic1",
            "a",
            "wamp.session.on_join",
            "a_1.b_2",
            "0.1",
        ] {
            assert!(valid(ok, UriRule::Strict, false), "{ok}");
        }
        for bad in [
            "",
            "com.MyApp",
            "com.my-app",
            "com..x",
            ".com",
            "com.",
            "a b",
            "a#b",
            "é",
        ] {
            assert!(!valid(bad, UriRule::Strict, false), "{bad}");
        }
    }

    #[test]
    fn loose_rule() {
        for ok in ["com.MyApp.my-topic", "a", "com.ü.é", "x!$%&/()=?"] {
            assert!(valid(ok, UriRule::Loose, false), "{ok}");
        }
        for bad in [
            "", "com..x", ".com", "com.", "a b", "a\tb", "a#b", "a\u{a0}b",
        ] {
            assert!(!valid(bad, UriRule::Loose, false), "{bad}");
        }
    }

    #[test]
    fn empty_components_only_when_allowed() {
        for pattern in ["com..create", ".a", "a.", "..", ""] {
            assert!(valid(pattern, UriRule::Strict, true), "{pattern}");
            assert!(valid(pattern, UriRule::Loose, true), "{pattern}");
            assert!(!valid(pattern, UriRule::Strict, false), "{pattern}");
            assert!(!valid(pattern, UriRule::Loose, false), "{pattern}");
        }
        assert!(!valid("com..Create", UriRule::Strict, true));
        assert!(!valid("com.. x", UriRule::Loose, true));
    }

    #[test]
    fn match_policy_names() {
        assert_eq!(MatchPolicy::from_option(None), Some(MatchPolicy::Exact));
        for policy in [
            MatchPolicy::Exact,
            MatchPolicy::Prefix,
            MatchPolicy::Wildcard,
        ] {
            assert_eq!(
                MatchPolicy::from_option(Some(policy.as_str())),
                Some(policy)
            );
            assert_eq!(policy.to_string(), policy.as_str());
        }
        assert_eq!(MatchPolicy::from_option(Some("Exact")), None);
        assert_eq!(MatchPolicy::from_option(Some("regex")), None);
    }

    #[test]
    fn exact_matching() {
        assert!(matches(MatchPolicy::Exact, "com.a", "com.a"));
        assert!(!matches(MatchPolicy::Exact, "com.a", "com.ab"));
        assert!(!matches(MatchPolicy::Exact, "com.a", "com"));
    }

    #[test]
    fn prefix_matching() {
        assert!(matches(MatchPolicy::Prefix, "com.myapp", "com.myapp"));
        assert!(matches(
            MatchPolicy::Prefix,
            "com.myapp",
            "com.myapp.topic1"
        ));
        assert!(matches(MatchPolicy::Prefix, "com.myapp", "com.myapp2"));
        assert!(!matches(MatchPolicy::Prefix, "com.myapp", "com.other"));
        assert!(!matches(MatchPolicy::Prefix, "com.myapp", "com.my"));
    }

    #[test]
    fn wildcard_matching() {
        let w = |p, u| matches(MatchPolicy::Wildcard, p, u);
        assert!(w("com.myapp..update", "com.myapp.user.update"));
        assert!(w("com.myapp..update", "com.myapp.item.update"));
        assert!(!w("com.myapp..update", "com.myapp.user.create"));
        assert!(!w("com.myapp..update", "com.myapp.user.x.update"));
        assert!(!w("com.myapp..update", "com.myapp.update"));
        assert!(w("..", "a.b.c"));
        assert!(w("..", "a..c"));
        assert!(!w("..", "a.b"));
        assert!(w("a.b", "a.b"));
        assert!(w("", "anything"));
        assert!(!w("", "a.b"));
        assert!(!w("a.", "b.c"));
        assert!(Uri::new("a..c").is_match(MatchPolicy::Wildcard, "a.b.c"));
    }

    #[test]
    fn conversions() {
        let uri = Uri::from("wamp.error.not_authorized");
        assert_eq!(uri.as_str(), "wamp.error.not_authorized");
        assert_eq!(uri.to_string(), "wamp.error.not_authorized");
        assert_eq!(uri, Uri::from(String::from("wamp.error.not_authorized")));
        assert_eq!(uri, "wamp.error.not_authorized");
        let set: std::collections::HashSet<Uri> = [uri.clone()].into();
        assert!(set.contains("wamp.error.not_authorized"));
        assert_eq!(String::from(uri), "wamp.error.not_authorized");
    }
}
