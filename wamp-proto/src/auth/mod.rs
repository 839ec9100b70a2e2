//! Authentication math for WAMP, shared by clients and routers.
//!
//! Sans-IO like the rest of the crate: no clock, no randomness, no storage. Nonces,
//! timestamps, session IDs and random challenge bytes are parameters; what to accept for
//! which `authid` is the caller's business.
//!
//! Each method has its module, with the client side (answer a `CHALLENGE`) and the router
//! side (build a `CHALLENGE`, verify an `AUTHENTICATE`):
//! - [`ticket`]: the client presents a shared ticket; the router compares in constant time.
//! - [`cra`]: WAMP-CRA, an HMAC-SHA256 over a JSON challenge, optionally with a PBKDF2-salted
//!   secret.
//! - [`cryptosign`]: an Ed25519 signature over 32 random bytes.
//!
//! [`Credential`] ties them together for a client: what to put in `HELLO.Details.authextra`
//! and how to answer a `CHALLENGE`.
//!
//! Spec: "Authentication Methods" in the WAMP advanced profile
//! (`rfc/text/advanced/ap_authentication_*.md` in wamp-proto/wamp-proto).

pub mod cra;
pub mod cryptosign;
pub mod ticket;

use std::fmt;

use crate::value::{Dict, Value};

/// Why authentication input is malformed.
///
/// Verification failures are not errors: the `verify` functions return `false` for a wrong
/// signature and for malformed input alike, so a router learns nothing it must hide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A field that the method requires is absent (or `null`).
    #[error("missing field `{field}`")]
    MissingField {
        /// The field's name, e.g. `"challenge"`.
        field: &'static str,
    },
    /// A field or parameter has the wrong type or an out-of-range value.
    #[error("`{field}` must be {expected}")]
    InvalidField {
        /// The field's or parameter's name, e.g. `"iterations"`.
        field: &'static str,
        /// What it must be, e.g. `"an integer in 1..=4294967295"`.
        expected: &'static str,
    },
    /// A field is not a hex string.
    #[error("`{field}` is not valid hex")]
    InvalidHex {
        /// The field's name.
        field: &'static str,
    },
    /// A field is not standard, padded base64.
    #[error("`{field}` is not valid base64")]
    InvalidBase64 {
        /// The field's name.
        field: &'static str,
    },
    /// A decoded field has the wrong number of bytes.
    #[error("`{field}` must be {expected} bytes, found {found}")]
    InvalidLength {
        /// The field's name.
        field: &'static str,
        /// The required length in bytes.
        expected: usize,
        /// The decoded length in bytes.
        found: usize,
    },
    /// 32 bytes that are not an Ed25519 public key (not a point on the curve).
    #[error("not an Ed25519 public key")]
    InvalidPublicKey,
    /// The router asked for TLS channel binding, which this side cannot provide.
    #[error("channel binding `{0}` is not supported")]
    UnsupportedChannelBinding(String),
    /// A `CHALLENGE` names another method than the credential's.
    #[error("challenged for `{found}`, but the credential is for `{expected}`")]
    UnexpectedMethod {
        /// The credential's method.
        expected: &'static str,
        /// The method in the `CHALLENGE`.
        found: String,
    },
}

/// What a client authenticates with, one variant per method.
///
/// `Debug` never shows a secret.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credential {
    /// A ticket (a password or token), sent as is: use it only over TLS.
    Ticket(String),
    /// A WAMP-CRA secret, shared with the router; it never travels.
    WampCra(String),
    /// A WAMP-Cryptosign private key.
    Cryptosign(cryptosign::PrivateKey),
}

impl Credential {
    /// The method name for `HELLO.Details.authmethods`: `"ticket"`, `"wampcra"` or
    /// `"cryptosign"`.
    pub fn auth_method(&self) -> &'static str {
        match self {
            Credential::Ticket(_) => ticket::METHOD,
            Credential::WampCra(_) => cra::METHOD,
            Credential::Cryptosign(_) => cryptosign::METHOD,
        }
    }

    /// What the method needs in `HELLO.Details.authextra`: the public key for cryptosign,
    /// nothing for the others.
    pub fn hello_authextra(&self) -> Dict {
        match self {
            Credential::Ticket(_) | Credential::WampCra(_) => Dict::new(),
            Credential::Cryptosign(key) => key.public_key().to_authextra(),
        }
    }

    /// The `AUTHENTICATE.Signature` answering `[CHALLENGE, auth_method, extra]`.
    ///
    /// # Errors
    ///
    /// [`AuthError::UnexpectedMethod`] if `auth_method` is not this credential's method, and
    /// the method's own errors for a malformed `extra` (see [`cra::respond`] and
    /// [`cryptosign::PrivateKey::respond`]).
    pub fn respond(&self, auth_method: &str, extra: &Dict) -> Result<String, AuthError> {
        if auth_method != self.auth_method() {
            return Err(AuthError::UnexpectedMethod {
                expected: self.auth_method(),
                found: auth_method.to_owned(),
            });
        }
        match self {
            Credential::Ticket(ticket) => Ok(ticket.clone()),
            Credential::WampCra(secret) => cra::respond(secret.as_bytes(), extra),
            Credential::Cryptosign(key) => key.respond(extra),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Ticket(_) => f.write_str("Ticket(..)"),
            Credential::WampCra(_) => f.write_str("WampCra(..)"),
            Credential::Cryptosign(key) => f.debug_tuple("Cryptosign").field(key).finish(),
        }
    }
}

/// The string in `dict[field]`; `None` if absent or `null`.
fn optional_str<'a>(dict: &'a Dict, field: &'static str) -> Result<Option<&'a str>, AuthError> {
    match dict.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(AuthError::InvalidField {
            field,
            expected: "a string",
        }),
    }
}

/// The string in `dict[field]`, which must be present.
fn required_str<'a>(dict: &'a Dict, field: &'static str) -> Result<&'a str, AuthError> {
    optional_str(dict, field)?.ok_or(AuthError::MissingField { field })
}

/// Exactly `N` bytes from a hex string (either case).
///
/// Decodes in place, so that a private key's bytes are not left behind on the heap.
fn decode_hex_array<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], AuthError> {
    let mut bytes = [0; N];
    match hex::decode_to_slice(text, &mut bytes) {
        Ok(()) => Ok(bytes),
        Err(hex::FromHexError::InvalidStringLength)
            if text.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Err(AuthError::InvalidLength {
                field,
                expected: N,
                found: text.len() / 2,
            })
        }
        Err(_) => Err(AuthError::InvalidHex { field }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extra(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn credentials_name_their_method() {
        let key = cryptosign::PrivateKey::from_seed([7; 32]);
        assert_eq!(Credential::Ticket("t".into()).auth_method(), "ticket");
        assert_eq!(Credential::WampCra("s".into()).auth_method(), "wampcra");
        assert_eq!(Credential::Cryptosign(key).auth_method(), "cryptosign");
    }

    #[test]
    fn ticket_credential_answers_with_the_ticket() {
        let credential = Credential::Ticket("secret!!!".into());
        assert!(credential.hello_authextra().is_empty());
        let signature = credential.respond("ticket", &Dict::new()).unwrap();
        assert_eq!(signature, "secret!!!");
        assert!(ticket::verify("secret!!!", &signature));
    }

    #[test]
    fn wampcra_credential_answers_plain_and_salted_challenges() {
        let credential = Credential::WampCra("secret".into());
        let challenge = "{\"nonce\":\"abc\"}";
        let plain = extra(&[("challenge", challenge.into())]);
        let signature = credential.respond("wampcra", &plain).unwrap();
        assert!(cra::verify(b"secret", challenge, &signature));

        let salted = extra(&[
            ("challenge", challenge.into()),
            ("salt", "salt123".into()),
            ("iterations", 100.into()),
            ("keylen", 16.into()),
        ]);
        let signature = credential.respond("wampcra", &salted).unwrap();
        let key = cra::derive_key(b"secret", b"salt123", 100, 16).unwrap();
        assert!(cra::verify(key.as_bytes(), challenge, &signature));
    }

    #[test]
    fn cryptosign_credential_announces_its_key_and_signs() {
        let key = cryptosign::PrivateKey::from_seed([7; 32]);
        let public = key.public_key();
        let credential = Credential::Cryptosign(key);
        let authextra = credential.hello_authextra();
        assert_eq!(
            cryptosign::PublicKey::from_authextra(&authextra).unwrap(),
            public
        );

        let challenge = cryptosign::challenge([9; 32]);
        let signature = credential
            .respond("cryptosign", &cryptosign::challenge_extra(&challenge))
            .unwrap();
        assert!(cryptosign::verify(&public.to_hex(), &challenge, &signature));
    }

    #[test]
    fn a_challenge_for_another_method_is_refused() {
        let credential = Credential::WampCra("secret".into());
        assert_eq!(
            credential.respond("ticket", &Dict::new()),
            Err(AuthError::UnexpectedMethod {
                expected: "wampcra",
                found: "ticket".into()
            })
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!(
            "{:?} {:?} {:?}",
            Credential::Ticket("hunter2".into()),
            Credential::WampCra("hunter2".into()),
            Credential::Cryptosign(cryptosign::PrivateKey::from_seed([0x42; 32])),
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains(&"42".repeat(32)), "{shown}");
    }

    #[test]
    fn hex_arrays_check_characters_and_length() {
        assert_eq!(decode_hex_array::<2>("0aFF", "x"), Ok([0x0a, 0xff]));
        assert_eq!(
            decode_hex_array::<2>("0a", "x"),
            Err(AuthError::InvalidLength {
                field: "x",
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            decode_hex_array::<2>("0g00", "x"),
            Err(AuthError::InvalidHex { field: "x" })
        );
        assert_eq!(
            decode_hex_array::<2>("0a0", "x"),
            Err(AuthError::InvalidHex { field: "x" })
        );
    }
}
