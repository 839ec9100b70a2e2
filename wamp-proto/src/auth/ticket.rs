//! Ticket-based authentication (`"ticket"`).
//!
//! The router sends `[CHALLENGE, "ticket", {}]`; the client answers
//! `[AUTHENTICATE, ticket, {}]`: the signature *is* the ticket, so there is nothing to
//! compute on the client side ([`super::Credential::Ticket`] does it). The ticket travels in
//! clear: use this method only over TLS or on localhost.
//!
//! Spec: "Ticket-based Authentication" (`ap_authentication_ticket.md`).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The method name in `HELLO.Details.authmethods` and `CHALLENGE.AuthMethod`.
pub const METHOD: &str = "ticket";

/// Whether the ticket a client presented is the expected one (router side).
///
/// Runs in time independent of where the two differ and of their lengths: both are hashed
/// with SHA-256 first and the digests compared in constant time.
pub fn verify(expected: &str, presented: &str) -> bool {
    let expected = Sha256::digest(expected.as_bytes());
    let presented = Sha256::digest(presented.as_bytes());
    expected.ct_eq(&presented).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_right_ticket_passes() {
        assert!(verify("secret!!!", "secret!!!"));
        assert!(verify("", ""));
    }

    #[test]
    fn any_other_ticket_fails() {
        assert!(!verify("secret!!!", "secret!!"));
        assert!(!verify("secret!!!", "secret!!!!"));
        assert!(!verify("secret!!!", "Secret!!!"));
        assert!(!verify("secret!!!", ""));
        assert!(!verify("", "secret!!!"));
    }

    proptest! {
        #[test]
        fn verify_is_string_equality(expected in ".{0,40}", presented in ".{0,40}") {
            prop_assert_eq!(verify(&expected, &presented), expected == presented);
        }
    }
}
