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
