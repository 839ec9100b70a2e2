//! WAMP Challenge-Response Authentication (`"wampcra"`).
//!
//! Client and router share a secret that never travels. The router sends
//! `[CHALLENGE, "wampcra", {"challenge": json}]`, where `json` is a JSON object naming the
//! session to be (see [`Challenge`]); the client answers `[AUTHENTICATE, signature, {}]` with
//! `signature = base64(HMAC-SHA256(key, json))`.
//!
//! With a salted secret the `CHALLENGE` extra also carries `salt`, `iterations` and
//! `keylen`, and the key is not the secret itself but [`derive_key`]'s output: the *base64
//! text* of PBKDF2-HMAC-SHA256(secret, salt), used as HMAC key byte for byte. That is what
//! Autobahn and Crossbar.io do, so a router may store only the derived key.
//!
//! ```
//! use wamp_proto::auth::cra;
//! use wamp_proto::SessionId;
//!
//! // Router: the nonce, the time and the random bits come from outside this crate.
//! let (nonce, now, random_bits) = ("LHRTC9zeOIrt_9U3", "2014-06-22T16:36:25.448Z", 0x5eed);
//! let challenge = cra::Challenge {
//!     authid: "peter",
//!     authrole: "user",
//!     authprovider: "userdb",
//!     nonce,
//!     timestamp: now,
//!     session: SessionId::from_random(random_bits),
//! }
//! .to_json();
//! let extra = cra::challenge_extra(&challenge, None);
//!
//! // Client: answer the CHALLENGE.
//! let signature = cra::respond(b"secret", &extra)?;
//!
//! // Router: check the AUTHENTICATE.
//! assert!(cra::verify(b"secret", &challenge, &signature));
//! # Ok::<(), wamp_proto::auth::AuthError>(())
//! ```
//!
//! Spec: "Challenge Response Authentication" (`ap_authentication_cra.md`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{AuthError, optional_str, required_str};
use crate::id::SessionId;
use crate::value::{Dict, Value};

/// The method name in `HELLO.Details.authmethods` and `CHALLENGE.AuthMethod`.
pub const METHOD: &str = "wampcra";

/// PBKDF2 iterations when a salted `CHALLENGE` omits `iterations`.
pub const DEFAULT_ITERATIONS: u32 = 1000;

/// Derived key length in bytes when a salted `CHALLENGE` omits `keylen`.
pub const DEFAULT_KEY_LENGTH: usize = 32;

/// The largest derived key length accepted, in bytes: a bound on what a peer can make us
/// allocate. Real deployments use 32 or 64.
pub const MAX_KEY_LENGTH: usize = 1024;

const ITERATIONS_RANGE: &str = "an integer in 1..=4294967295";
const KEY_LENGTH_RANGE: &str = "an integer in 1..=1024";

/// What a WAMP-CRA challenge says about the session to be; [`Challenge::to_json`] is the
/// `CHALLENGE.Extra.challenge` string the client signs.
///
/// The router picks each field: `nonce` random (16 or more characters), `timestamp` the UTC
/// time in ISO 8601 (`2014-06-22T16:51:41.643Z`), `session` the ID that `WELCOME` will carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// The authentication ID the client will have.
    pub authid: &'a str,
    /// The role the client will have.
    pub authrole: &'a str,
    /// Who vouches for the secret, e.g. `"static"` or `"userdb"`.
    pub authprovider: &'a str,
    /// A random value, against replay.
    pub nonce: &'a str,
    /// When authentication started, UTC, ISO 8601.
    pub timestamp: &'a str,
    /// The session's ID once welcomed.
    pub session: SessionId,
}

impl Challenge<'_> {
    /// The challenge as compact JSON, keys in alphabetical order, with
    /// `"authmethod": "wampcra"`.
    pub fn to_json(&self) -> String {
        // Keys written in alphabetical order, so the text is the same whether serde_json
        // keeps maps sorted or (with `preserve_order`) in insertion order.
        serde_json::json!({
            "authid": self.authid,
            "authmethod": METHOD,
            "authprovider": self.authprovider,
            "authrole": self.authrole,
            "nonce": self.nonce,
            "session": self.session.get(),
            "timestamp": self.timestamp,
        })
        .to_string()
    }
}

/// The PBKDF2 parameters of a salted secret: the `salt`, `iterations` and `keylen` of a
/// `CHALLENGE` extra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDerivation {
    /// The salt, used as its UTF-8 bytes.
    pub salt: String,
    /// PBKDF2 iterations, at least 1.
    pub iterations: u32,
    /// Derived key length in bytes, in `1..=MAX_KEY_LENGTH`.
    pub key_length: usize,
}

impl KeyDerivation {
    /// The parameters in a `CHALLENGE` extra: `None` if it has no `salt` (the secret is
    /// used as is); [`DEFAULT_ITERATIONS`] and [`DEFAULT_KEY_LENGTH`] for absent fields.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidField`] if `salt` is not a string, or `iterations` or `keylen`
    /// is not an integer in its range.
    pub fn from_extra(extra: &Dict) -> Result<Option<KeyDerivation>, AuthError> {
        let Some(salt) = optional_str(extra, "salt")? else {
            return Ok(None);
        };
        let iterations = match extra.get("iterations") {
            None | Some(Value::Null) => DEFAULT_ITERATIONS,
            Some(value) => value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n >= 1)
                .ok_or(AuthError::InvalidField {
                    field: "iterations",
                    expected: ITERATIONS_RANGE,
                })?,
        };
        let key_length = match extra.get("keylen") {
            None | Some(Value::Null) => DEFAULT_KEY_LENGTH,
            Some(value) => value
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| (1..=MAX_KEY_LENGTH).contains(n))
                .ok_or(AuthError::InvalidField {
                    field: "keylen",
                    expected: KEY_LENGTH_RANGE,
                })?,
        };
        Ok(Some(KeyDerivation {
            salt: salt.to_owned(),
            iterations,
            key_length,
        }))
    }

    /// Adds `salt`, `iterations` and `keylen` to a `CHALLENGE` extra.
    pub fn write_extra(&self, extra: &mut Dict) {
        extra.insert("salt".into(), self.salt.as_str().into());
        extra.insert("iterations".into(), self.iterations.into());
        extra.insert("keylen".into(), (self.key_length as u64).into());
    }

    /// The derived key for `secret`: see [`derive_key`].
    ///
    /// # Errors
    ///
    /// As [`derive_key`].
    pub fn derive_key(&self, secret: &[u8]) -> Result<String, AuthError> {
        derive_key(
            secret,
            self.salt.as_bytes(),
            self.iterations,
            self.key_length,
        )
    }
}

/// The salted WAMP-CRA key: base64 (standard, padded) of
/// PBKDF2-HMAC-SHA256(`secret`, `salt`, `iterations`, `key_length` bytes).
///
/// Use the returned text's bytes as the key for [`sign`] and [`verify`]. The cost grows
/// linearly with `iterations`.
///
/// # Errors
///
/// [`AuthError::InvalidField`] if `iterations` is 0 or `key_length` is not in
/// `1..=MAX_KEY_LENGTH`.
pub fn derive_key(
    secret: &[u8],
    salt: &[u8],
    iterations: u32,
    key_length: usize,
) -> Result<String, AuthError> {
    if iterations == 0 {
        return Err(AuthError::InvalidField {
            field: "iterations",
            expected: ITERATIONS_RANGE,
        });
    }
    if !(1..=MAX_KEY_LENGTH).contains(&key_length) {
        return Err(AuthError::InvalidField {
            field: "keylen",
            expected: KEY_LENGTH_RANGE,
        });
    }
    let mut key = vec![0; key_length];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret, salt, iterations, &mut key);
    Ok(BASE64.encode(key))
}

/// The WAMP-CRA signature: base64 (standard, padded) of HMAC-SHA256(`key`, `challenge`).
///
/// `key` is the shared secret, or for a salted secret the bytes of [`derive_key`]'s text.
pub fn sign(key: &[u8], challenge: &str) -> String {
    let mut mac = hmac_sha256(key);
    mac.update(challenge.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is the WAMP-CRA signature of `challenge` under `key` (router side).
///
/// Compares in constant time. Returns `false` for a wrong signature and for one that is not
/// base64 of 32 bytes.
pub fn verify(key: &[u8], challenge: &str, signature: &str) -> bool {
    let Ok(presented) = BASE64.decode(signature) else {
        return false;
    };
    let mut mac = hmac_sha256(key);
    mac.update(challenge.as_bytes());
    mac.verify_slice(&presented).is_ok()
}

/// The `CHALLENGE` extra for `challenge` (router side), with the salt parameters if the
/// secret is salted.
pub fn challenge_extra(challenge: &str, derivation: Option<&KeyDerivation>) -> Dict {
    let mut extra = Dict::new();
    extra.insert("challenge".into(), challenge.into());
    if let Some(derivation) = derivation {
        derivation.write_extra(&mut extra);
    }
    extra
}

/// The `AUTHENTICATE` signature answering a `CHALLENGE` with this `extra` (client side).
///
/// Signs `extra.challenge` with `secret`, or with the key derived from it when `extra`
/// carries a `salt` (see [`KeyDerivation::from_extra`] for the defaults).
///
/// # Errors
///
/// [`AuthError::MissingField`] if `challenge` is absent, [`AuthError::InvalidField`] if a
/// field has the wrong type or range.
pub fn respond(secret: &[u8], extra: &Dict) -> Result<String, AuthError> {
    let challenge = required_str(extra, "challenge")?;
    match KeyDerivation::from_extra(extra)? {
        None => Ok(sign(secret, challenge)),
        Some(derivation) => {
            let key = derivation.derive_key(secret)?;
            Ok(sign(key.as_bytes(), challenge))
        }
    }
}

#[allow(
    clippy::expect_used,
    reason = "HMAC takes keys of any length: new_from_slice cannot fail"
)]
fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use proptest::prelude::*;

    // Expected values below were computed independently with Python's hashlib, hmac and
    // base64, and agree with autobahn.wamp.auth.derive_key / compute_wcs.
    const CHALLENGE: &str = r#"{"authid":"peter","authmethod":"wampcra","authprovider":"userdb","authrole":"user","nonce":"LHRTC9zeOIrt_9U3","session":3251278072152162,"timestamp":"2014-06-22T16:36:25.448Z"}"#;

    fn spec_challenge() -> Challenge<'static> {
        Challenge {
            authid: "peter",
            authrole: "user",
            authprovider: "userdb",
            nonce: "LHRTC9zeOIrt_9U3",
            timestamp: "2014-06-22T16:36:25.448Z",
            session: Id::new(3251278072152162).unwrap(),
        }
    }

    fn extra(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn challenge_json_has_every_spec_field() {
        let json = spec_challenge().to_json();
        assert_eq!(json, CHALLENGE);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["authmethod"], "wampcra");
        assert_eq!(parsed["session"], 3251278072152162_u64);
    }

    #[test]
    fn challenge_json_escapes_its_strings() {
        let challenge = Challenge {
            authid: "a\"b\\c\n",
            ..spec_challenge()
        };
        let parsed: serde_json::Value = serde_json::from_str(&challenge.to_json()).unwrap();
        assert_eq!(parsed["authid"], "a\"b\\c\n");
    }

    #[test]
    fn derive_key_known_answers() {
        assert_eq!(
            derive_key(b"secret", b"salt123", 100, 16).unwrap(),
            "EX1Y3Q9BMM2oGLxsGqDgFQ=="
        );
        assert_eq!(
            derive_key(b"secret", b"salt123", 1000, 32).unwrap(),
            "MDS8Yxpu4J/vkHJ8dNEgqECYsI0uRDh2oZ5eN0vYPvo="
        );
        assert_eq!(
            derive_key(b"L3L1YUE8Txlw", b"salt123", 1000, 32).unwrap(),
            "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y="
        );
    }

    #[test]
    fn derive_key_rejects_degenerate_parameters() {
        let iterations = Err(AuthError::InvalidField {
            field: "iterations",
            expected: ITERATIONS_RANGE,
        });
        let keylen = Err(AuthError::InvalidField {
            field: "keylen",
            expected: KEY_LENGTH_RANGE,
        });
        assert_eq!(derive_key(b"s", b"salt", 0, 32), iterations);
        assert_eq!(derive_key(b"s", b"salt", 1, 0), keylen);
        assert_eq!(derive_key(b"s", b"salt", 1, MAX_KEY_LENGTH + 1), keylen);
        assert!(derive_key(b"s", b"salt", 1, MAX_KEY_LENGTH).is_ok());
    }

    #[test]
    fn sign_known_answers() {
        assert_eq!(
            sign(b"secret", CHALLENGE),
            "XRvr33Eb4NmRPWINpoaGnzvGqWKDlyHtj8li8J06qgM="
        );
        // Salted: the base64 text of the derived key is the HMAC key.
        let key = derive_key(b"secret", b"salt123", 1000, 32).unwrap();
        assert_eq!(
            sign(key.as_bytes(), CHALLENGE),
            "x7ScwAPVQL34uVVwv4276bw9UyB8HwSBjs5MW+k+kKg="
        );
        assert_eq!(
            sign(b"", ""),
            "thNnmggU2ex3L5XXeMNfxf8Wl8STcVZTxscSFEKSxa0="
        );
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
        );
    }

    #[test]
    fn verify_accepts_the_signature_and_nothing_else() {
        let signature = sign(b"secret", CHALLENGE);
        assert!(verify(b"secret", CHALLENGE, &signature));
        assert!(!verify(b"Secret", CHALLENGE, &signature));
        assert!(!verify(
            b"secret",
            &CHALLENGE.replace("peter", "petra"),
            &signature
        ));

        let mut tampered = signature.into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(!verify(b"secret", CHALLENGE, &tampered));
    }

    #[test]
    fn verify_rejects_malformed_signatures() {
        let signature = sign(b"secret", CHALLENGE);
        assert!(!verify(b"secret", CHALLENGE, ""));
        assert!(!verify(b"secret", CHALLENGE, "not base64!"));
        assert!(!verify(
            b"secret",
            CHALLENGE,
            signature.trim_end_matches('=')
        ));
        assert!(!verify(b"secret", CHALLENGE, &signature[..20]));
        // A 16-byte prefix of the right MAC is not accepted.
        let mac = BASE64.decode(&signature).unwrap();
        assert!(!verify(b"secret", CHALLENGE, &BASE64.encode(&mac[..16])));
    }

    #[test]
    fn respond_signs_plain_challenges_with_the_secret() {
        let signature = respond(b"secret", &extra(&[("challenge", CHALLENGE.into())])).unwrap();
        assert_eq!(signature, "XRvr33Eb4NmRPWINpoaGnzvGqWKDlyHtj8li8J06qgM=");
        let with_null_salt = extra(&[("challenge", CHALLENGE.into()), ("salt", Value::Null)]);
        assert_eq!(respond(b"secret", &with_null_salt).unwrap(), signature);
    }

    #[test]
    fn respond_derives_the_key_for_salted_challenges() {
        let derivation = KeyDerivation {
            salt: "salt123".into(),
            iterations: 1000,
            key_length: 32,
        };
        let challenge_extra = challenge_extra(CHALLENGE, Some(&derivation));
        assert_eq!(
            challenge_extra,
            extra(&[
                ("challenge", CHALLENGE.into()),
                ("salt", "salt123".into()),
                ("iterations", 1000.into()),
                ("keylen", 32.into()),
            ])
        );
        let signature = respond(b"secret", &challenge_extra).unwrap();
        assert_eq!(signature, "x7ScwAPVQL34uVVwv4276bw9UyB8HwSBjs5MW+k+kKg=");

        // The router may keep only the derived key.
        let key = derivation.derive_key(b"secret").unwrap();
        assert!(verify(key.as_bytes(), CHALLENGE, &signature));
        assert!(!verify(b"secret", CHALLENGE, &signature));
    }

    #[test]
    fn respond_defaults_iterations_and_keylen() {
        let salted = extra(&[("challenge", CHALLENGE.into()), ("salt", "salt123".into())]);
        assert_eq!(
            KeyDerivation::from_extra(&salted).unwrap(),
            Some(KeyDerivation {
                salt: "salt123".into(),
                iterations: DEFAULT_ITERATIONS,
                key_length: DEFAULT_KEY_LENGTH,
            })
        );
        assert_eq!(
            respond(b"secret", &salted).unwrap(),
            "x7ScwAPVQL34uVVwv4276bw9UyB8HwSBjs5MW+k+kKg="
        );
    }

    #[test]
    fn respond_reports_malformed_extras() {
        assert_eq!(
            respond(b"secret", &Dict::new()),
            Err(AuthError::MissingField { field: "challenge" })
        );
        assert_eq!(
            respond(b"secret", &extra(&[("challenge", 7.into())])),
            Err(AuthError::InvalidField {
                field: "challenge",
                expected: "a string"
            })
        );
        let with = |field: &str, value: Value| {
            let mut e = extra(&[("challenge", CHALLENGE.into()), ("salt", "s".into())]);
            e.insert(field.into(), value);
            respond(b"secret", &e)
        };
        let bad_iterations = Err(AuthError::InvalidField {
            field: "iterations",
            expected: ITERATIONS_RANGE,
        });
        let bad_keylen = Err(AuthError::InvalidField {
            field: "keylen",
            expected: KEY_LENGTH_RANGE,
        });
        assert_eq!(
            with("salt", Value::Bytes(b"s".to_vec())),
            Err(AuthError::InvalidField {
                field: "salt",
                expected: "a string"
            })
        );
        assert_eq!(with("iterations", 0.into()), bad_iterations);
        assert_eq!(with("iterations", (-1).into()), bad_iterations);
        assert_eq!(with("iterations", (1_u64 << 32).into()), bad_iterations);
        assert_eq!(with("iterations", 1000.0.into()), bad_iterations);
        assert_eq!(with("iterations", "1000".into()), bad_iterations);
        assert_eq!(with("keylen", 0.into()), bad_keylen);
        assert_eq!(with("keylen", u64::MAX.into()), bad_keylen);
        assert_eq!(with("keylen", "32".into()), bad_keylen);
        assert!(with("iterations", 1.into()).is_ok());
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Int),
            (0_i64..2000).prop_map(Value::Int),
            any::<f64>().prop_map(Value::Float),
            ".{0,20}".prop_map(Value::Str),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
        ]
    }

    proptest! {
        #[test]
        fn verify_never_panics(key in ".{0,40}", challenge in ".{0,80}", signature in ".{0,60}") {
            let _ = verify(key.as_bytes(), &challenge, &signature);
        }

        #[test]
        fn verify_takes_what_sign_gives(key in ".{0,40}", challenge in ".{0,80}") {
            prop_assert!(verify(key.as_bytes(), &challenge, &sign(key.as_bytes(), &challenge)));
        }

        #[test]
        fn respond_never_panics(
            challenge in value(),
            salt in value(),
            iterations in value(),
            keylen in value(),
        ) {
            let mut e = Dict::new();
            e.insert("challenge".into(), challenge);
            e.insert("salt".into(), salt);
            e.insert("iterations".into(), iterations);
            e.insert("keylen".into(), keylen);
            let _ = respond(b"secret", &e);
        }
    }
}
