//! Checks URIs that the application passes before anything is queued, so that a typo fails
//! at the call site with a clear message instead of as `wamp.error.invalid_uri` later.
//!
//! The rule is the spec's loose one (components of anything but whitespace, `.` and `#`;
//! spec: "Relaxed/Loose URIs"), which every router accepts or narrows. Empty components are
//! allowed only where a match policy gives them a meaning:
//! - [`MatchPolicy::Wildcard`]: anywhere (`com.myapp..update`), as a wildcard.
//! - [`MatchPolicy::Prefix`]: only as the last component (`com.myapp.`), so that the prefix
//!   ends at a component boundary (as Autobahn and Crossbar.io accept).

use crate::uri::{MatchPolicy, Uri, UriRule};

use super::error::ClientError;

/// Checks `uri` under `policy`; `what` names it in the error (`"procedure"`, `"topic"`, ...).
pub(crate) fn check_uri(
    uri: &Uri,
    what: &'static str,
    policy: MatchPolicy,
) -> Result<(), ClientError> {
    match problem(uri.as_str(), policy) {
        None => Ok(()),
        Some(reason) => Err(ClientError::InvalidUri {
            what,
            uri: uri.as_str().to_owned(),
            reason,
        }),
    }
}

fn problem(uri: &str, policy: MatchPolicy) -> Option<&'static str> {
    if uri.is_empty() && policy != MatchPolicy::Wildcard {
        return Some("the URI is empty");
    }
    if uri.chars().any(|c| c.is_whitespace() || c == '#') {
        return Some("URI components must not contain whitespace or '#'");
    }
    let checked = match policy {
        MatchPolicy::Exact => Uri::new(uri).is_valid(UriRule::Loose, false),
        MatchPolicy::Prefix => {
            let head = uri.strip_suffix('.').unwrap_or(uri);
            !head.is_empty() && Uri::new(head).is_valid(UriRule::Loose, false)
        }
        MatchPolicy::Wildcard => Uri::new(uri).is_valid(UriRule::Loose, true),
    };
    match (checked, policy) {
        (true, _) => None,
        (false, MatchPolicy::Prefix) => Some(
            "a prefix pattern may only end in '.'; other empty components (as in \"a..b\") \
             need the wildcard match policy",
        ),
        (false, _) => Some(
            "empty components (as in \"a..b\" or a leading or trailing '.') are only allowed \
             in wildcard patterns",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(uri: &str, policy: MatchPolicy) -> bool {
        check_uri(&Uri::new(uri), "topic", policy).is_ok()
    }

    #[test]
    fn exact_uris() {
        for good in [
            "com.myapp.topic",
            "a",
            "com.MyApp.my-topic",
            "wamp.session.get",
        ] {
            assert!(ok(good, MatchPolicy::Exact), "{good}");
        }
        for bad in ["", "com..topic", ".com", "com.", "a b", "a#b", "a\tb"] {
            assert!(!ok(bad, MatchPolicy::Exact), "{bad}");
        }
    }

    #[test]
    fn prefix_patterns() {
        for good in ["com.myapp", "com.myapp.", "a."] {
            assert!(ok(good, MatchPolicy::Prefix), "{good}");
        }
        for bad in ["", ".", "com..myapp", ".com", "com.myapp..", "a b."] {
            assert!(!ok(bad, MatchPolicy::Prefix), "{bad}");
        }
    }

    #[test]
    fn wildcard_patterns() {
        for good in ["com.myapp..update", "..", "", "a.", ".a"] {
            assert!(ok(good, MatchPolicy::Wildcard), "{good}");
        }
        for bad in ["com. .x", "a#.b"] {
            assert!(!ok(bad, MatchPolicy::Wildcard), "{bad}");
        }
    }

    #[test]
    fn errors_say_what_and_why() {
        let error = check_uri(&Uri::new("com..x"), "procedure", MatchPolicy::Exact).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid procedure URI \"com..x\": empty components (as in \"a..b\" or a leading \
             or trailing '.') are only allowed in wildcard patterns"
        );
        let error = check_uri(&Uri::new("a b"), "topic", MatchPolicy::Wildcard).unwrap_err();
        assert!(error.to_string().contains("whitespace"), "{error}");
    }
}
