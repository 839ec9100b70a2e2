//! WAMP-Cryptosign (`"cryptosign"`): Ed25519 signatures (RFC 8032).
//!
//! The client announces its public key in `HELLO.Details.authextra.pubkey` (hex, 32 bytes).
//! The router answers `[CHALLENGE, "cryptosign", {"challenge": hex}]` with 32 random bytes;
//! the client signs those bytes with its private key and answers `[AUTHENTICATE, hex, {}]`
//! where `hex` is the 64-byte signature followed by the 32 signed bytes (96 bytes in all, as
//! Autobahn and Crossbar.io send it).
//!
//! TLS channel binding (`tls-unique`, `tls-exporter`) signs `challenge XOR channel_id`
//! instead. Browsers cannot read a TLS channel ID, so [`PrivateKey::respond`] refuses a
//! `CHALLENGE` that asks for it; [`PrivateKey::sign_challenge`] and
//! [`PublicKey::verify_challenge`] take the channel ID for peers that have one. Router
//! authentication (a client's own `challenge` in `HELLO`), trustroots and certificates are
//! not implemented.
//!
//! ```
//! use wamp_proto::auth::cryptosign::{self, PrivateKey, PublicKey};
//!
//! // Client: the seed comes from the caller (stored, or fresh from a CSPRNG).
//! let key = PrivateKey::from_seed([7; 32]);
//! let authextra = key.public_key().to_authextra();
//!
//! // Router: look up the announced key, send 32 random bytes.
//! let public_key = PublicKey::from_authextra(&authextra)?;
//! let challenge = cryptosign::challenge([42; 32]);
//! let extra = cryptosign::challenge_extra(&challenge);
//!
//! // Client: answer the CHALLENGE. Router: check the AUTHENTICATE.
//! let signature = key.respond(&extra)?;
//! assert!(public_key.verify_challenge(&challenge, &signature, None));
//! # Ok::<(), wamp_proto::auth::AuthError>(())
//! ```
//!
//! Spec: "Cryptosign-based Authentication" (`ap_35_authentication_cryptosign.md`).

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::{AuthError, decode_hex_array, optional_str, required_str};
use crate::value::Dict;

/// The method name in `HELLO.Details.authmethods` and `CHALLENGE.AuthMethod`.
pub const METHOD: &str = "cryptosign";

/// The length of a challenge and of a channel ID, in bytes.
pub const CHALLENGE_LENGTH: usize = 32;

/// The length of an Ed25519 signature, in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// A WAMP-Cryptosign private key: an Ed25519 key from its 32-byte seed.
///
/// The seed is what Autobahn calls the private key (`PrivateKey.from_bytes`, or the hex in
/// a `.priv` file); libsodium's 64-byte "secret key" is this seed followed by the public
/// key. The key is wiped from memory when dropped. `Debug` shows only the public key.
///
/// Boxed, so that a `Credential` holding one stays as small as its other variants.
#[derive(Clone)]
pub struct PrivateKey(Box<SigningKey>);

impl PrivateKey {
    /// The key for a 32-byte seed. To make a new key, pass 32 bytes from a CSPRNG (in a
    /// browser, `crypto.getRandomValues`); this crate has no randomness of its own.
    pub fn from_seed(seed: [u8; 32]) -> PrivateKey {
        PrivateKey(Box::new(SigningKey::from_bytes(&seed)))
    }

    /// The key for a seed written as 64 hex digits.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidHex`] or [`AuthError::InvalidLength`] if `seed_hex` is not 32
    /// bytes of hex.
    pub fn from_hex(seed_hex: &str) -> Result<PrivateKey, AuthError> {
        decode_hex_array(seed_hex, "private_key").map(PrivateKey::from_seed)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The `AUTHENTICATE` signature for a hex challenge: hex of the Ed25519 signature over
    /// the challenge bytes, followed by those bytes (96 bytes, 192 hex digits).
    ///
    /// With `channel_id` (TLS channel binding), the signed bytes are
    /// `challenge XOR channel_id`, and those are what follows the signature.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidHex`] or [`AuthError::InvalidLength`] if `challenge_hex` is not
    /// 32 bytes of hex.
    pub fn sign_challenge(
        &self,
        challenge_hex: &str,
        channel_id: Option<&[u8; CHALLENGE_LENGTH]>,
    ) -> Result<String, AuthError> {
        let message = signed_message(decode_hex_array(challenge_hex, "challenge")?, channel_id);
        let signature = self.0.sign(&message).to_bytes();
        let mut signed = Vec::with_capacity(SIGNATURE_LENGTH + CHALLENGE_LENGTH);
        signed.extend_from_slice(&signature);
        signed.extend_from_slice(&message);
        Ok(hex::encode(signed))
    }

    /// The `AUTHENTICATE` signature answering a `CHALLENGE` with this `extra` (client
    /// side), without channel binding.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingField`] if `challenge` is absent, [`AuthError::InvalidField`] if
    /// it is not a string, [`AuthError::InvalidHex`] or [`AuthError::InvalidLength`] if it
    /// is not 32 bytes of hex, and [`AuthError::UnsupportedChannelBinding`] if the router
    /// asks for channel binding.
    pub fn respond(&self, extra: &Dict) -> Result<String, AuthError> {
        let challenge = required_str(extra, "challenge")?;
        if let Some(binding) = optional_str(extra, "channel_binding")? {
            return Err(AuthError::UnsupportedChannelBinding(binding.to_owned()));
        }
        self.sign_challenge(challenge, None)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// A WAMP-Cryptosign public key: a valid Ed25519 point, 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// The key for 32 bytes.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidPublicKey`] if the bytes are not an Ed25519 point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, AuthError> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| AuthError::InvalidPublicKey)
    }

    /// The key for 64 hex digits, as in `HELLO.Details.authextra.pubkey`.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidHex`] or [`AuthError::InvalidLength`] if `hex` is not 32 bytes of
    /// hex, [`AuthError::InvalidPublicKey`] if they are not an Ed25519 point.
    pub fn from_hex(hex: &str) -> Result<PublicKey, AuthError> {
        PublicKey::from_bytes(&decode_hex_array(hex, "pubkey")?)
    }

    /// The key a client announces in `HELLO.Details.authextra` (router side).
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingField`] if `pubkey` is absent, [`AuthError::InvalidField`] if it
    /// is not a string, and [`PublicKey::from_hex`]'s errors.
    pub fn from_authextra(authextra: &Dict) -> Result<PublicKey, AuthError> {
        PublicKey::from_hex(required_str(authextra, "pubkey")?)
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The 32 bytes as 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// `HELLO.Details.authextra` announcing this key: `{"pubkey": hex}` (client side).
    pub fn to_authextra(&self) -> Dict {
        let mut authextra = Dict::new();
        authextra.insert("pubkey".into(), self.to_hex().into());
        authextra
    }

    /// Whether `signature_hex` answers `challenge_hex` under this key (router side).
    ///
    /// Accepts the 96-byte form (signature followed by the signed bytes, which must be the
    /// challenge, XOR `channel_id` if given) and a bare 64-byte signature. Verification is
    /// strict (RFC 8032 with canonical encodings and no weak keys, like libsodium). Returns
    /// `false` for malformed input.
    pub fn verify_challenge(
        &self,
        challenge_hex: &str,
        signature_hex: &str,
        channel_id: Option<&[u8; CHALLENGE_LENGTH]>,
    ) -> bool {
        let Ok(challenge) = decode_hex_array(challenge_hex, "challenge") else {
            return false;
        };
        let message = signed_message(challenge, channel_id);
        let Ok(signed) = hex::decode(signature_hex) else {
            return false;
        };
        let Some((signature, rest)) = signed.split_first_chunk::<SIGNATURE_LENGTH>() else {
            return false;
        };
        if !rest.is_empty() && rest != message {
            return false;
        }
        self.verify_message(&message, signature)
    }

    fn verify_message(&self, message: &[u8], signature: &[u8; SIGNATURE_LENGTH]) -> bool {
        self.0
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Display for PublicKey {
    /// The key as hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// A challenge for `CHALLENGE.Extra.challenge`: the caller's 32 random bytes, as hex
/// (router side). Draw them from a CSPRNG, fresh for every authentication.
pub fn challenge(random: [u8; CHALLENGE_LENGTH]) -> String {
    hex::encode(random)
}

/// The `CHALLENGE` extra for a hex challenge: `{"challenge": hex}` (router side, no channel
/// binding).
pub fn challenge_extra(challenge_hex: &str) -> Dict {
    let mut extra = Dict::new();
    extra.insert("challenge".into(), challenge_hex.into());
    extra
}

/// Whether `signature_hex` answers `challenge_hex` under the public key `public_key_hex`,
/// without channel binding: [`PublicKey::from_hex`] then [`PublicKey::verify_challenge`].
///
/// Returns `false` for malformed input of any kind.
pub fn verify(public_key_hex: &str, challenge_hex: &str, signature_hex: &str) -> bool {
    PublicKey::from_hex(public_key_hex)
        .is_ok_and(|key| key.verify_challenge(challenge_hex, signature_hex, None))
}

/// What is signed: the challenge, XOR the channel ID under channel binding.
fn signed_message(
    mut challenge: [u8; CHALLENGE_LENGTH],
    channel_id: Option<&[u8; CHALLENGE_LENGTH]>,
) -> [u8; CHALLENGE_LENGTH] {
    if let Some(channel_id) = channel_id {
        for (byte, id) in challenge.iter_mut().zip(channel_id) {
            *byte ^= id;
        }
    }
    challenge
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The spec's test vectors ("Test Vectors" in the cryptosign section):
    /// (channel_id, private key, challenge, signature).
    const SPEC_VECTORS: &[(Option<&str>, &str, &str, &str)] = &[
        (
            None,
            "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ),
        (
            None,
            "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
            "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
            "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
        ),
        (
            None,
            "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
            "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
            "7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d3d5658fc84a76196b0fa8d1ebc92ef9f30bb05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec93f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd80d00",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
            "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
            "305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c652333920223844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cbdc9282",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
            "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
            "ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e31602a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2902d",
        ),
    ];

    // RFC 8032, section 7.1, test 1 (empty message).
    const RFC8032_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC8032_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const RFC8032_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn channel_id(hex: Option<&str>) -> Option<[u8; 32]> {
        hex.map(|h| decode_hex_array(h, "channel_id").unwrap())
    }

    #[test]
    fn rfc8032_test_1() {
        let key = PrivateKey::from_hex(RFC8032_SECRET).unwrap();
        assert_eq!(key.public_key().to_hex(), RFC8032_PUBLIC);
        assert_eq!(hex::encode(key.0.sign(b"").to_bytes()), RFC8032_SIGNATURE);

        let public = PublicKey::from_hex(RFC8032_PUBLIC).unwrap();
        let signature = decode_hex_array(RFC8032_SIGNATURE, "signature").unwrap();
        assert!(public.verify_message(b"", &signature));
        assert!(!public.verify_message(b"x", &signature));
    }

    #[test]
    fn spec_vectors_sign() {
        for &(channel, private, challenge, expected) in SPEC_VECTORS {
            let key = PrivateKey::from_hex(private).unwrap();
            let signature = key
                .sign_challenge(challenge, channel_id(channel).as_ref())
                .unwrap();
            assert_eq!(signature, expected, "private key {private}");
        }
    }

    #[test]
    fn spec_vectors_verify() {
        for &(channel, private, challenge, signature) in SPEC_VECTORS {
            let public = PrivateKey::from_hex(private).unwrap().public_key();
            let channel = channel_id(channel);
            assert!(public.verify_challenge(challenge, signature, channel.as_ref()));
            // The bare 64-byte signature is accepted too.
            assert!(public.verify_challenge(challenge, &signature[..128], channel.as_ref()));
            // With channel binding, the same signature without the channel ID fails, and
            // the other way round.
            let other = match channel {
                Some(_) => None,
                None => Some([0x5a; 32]),
            };
            assert!(!public.verify_challenge(challenge, signature, other.as_ref()));
        }
    }

    #[test]
    fn spec_hello_pubkey_parses() {
        let authextra: Dict = [(
            "pubkey".to_owned(),
            Value::from("545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122"),
        )]
        .into_iter()
        .collect();
        let key = PublicKey::from_authextra(&authextra).unwrap();
        assert_eq!(key.to_authextra(), authextra);
        assert_eq!(
            key.to_string(),
            "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122"
        );
    }

    #[test]
    fn round_trip_through_challenge_and_respond() {
        let key = PrivateKey::from_seed([1; 32]);
        let public = key.public_key();
        let challenge = challenge([0xab; 32]);
        assert_eq!(challenge, "ab".repeat(32));

        let signature = key.respond(&challenge_extra(&challenge)).unwrap();
        assert_eq!(signature.len(), 192);
        assert!(signature.ends_with(&challenge));
        assert!(verify(&public.to_hex(), &challenge, &signature));
        // Upper-case hex is hex too.
        assert!(verify(
            &public.to_hex().to_uppercase(),
            &challenge.to_uppercase(),
            &signature.to_uppercase()
        ));
    }

    #[test]
    fn wrong_key_challenge_or_signature_fails() {
        let key = PrivateKey::from_seed([1; 32]);
        let public = key.public_key().to_hex();
        let other = PrivateKey::from_seed([2; 32]).public_key().to_hex();
        let challenge = challenge([3; 32]);
        let signature = key.sign_challenge(&challenge, None).unwrap();

        assert!(verify(&public, &challenge, &signature));
        assert!(!verify(&other, &challenge, &signature));
        assert!(!verify(&public, &self::challenge([4; 32]), &signature));

        // Flip one bit anywhere in the signature part: rejected.
        let mut bytes = hex::decode(&signature).unwrap();
        for i in [0, 31, 32, 63] {
            bytes[i] ^= 1;
            assert!(
                !verify(&public, &challenge, &hex::encode(&bytes)),
                "byte {i}"
            );
            bytes[i] ^= 1;
        }
        // A valid signature followed by some other message: rejected.
        bytes[64] ^= 1;
        assert!(!verify(&public, &challenge, &hex::encode(&bytes)));
    }

    #[test]
    fn malformed_inputs_fail_verification() {
        let key = PrivateKey::from_seed([1; 32]);
        let public = key.public_key().to_hex();
        let challenge = challenge([3; 32]);
        let signature = key.sign_challenge(&challenge, None).unwrap();

        assert!(!verify("", &challenge, &signature));
        assert!(!verify(&public[..62], &challenge, &signature));
        assert!(!verify(&public, "", &signature));
        assert!(!verify(&public, &challenge[..62], &signature));
        assert!(!verify(&public, &format!("{challenge}00"), &signature));
        assert!(!verify(&public, &challenge, ""));
        assert!(!verify(&public, &challenge, &signature[..126]));
        assert!(!verify(&public, &challenge, &signature[..191]));
        assert!(!verify(&public, &challenge, &format!("{signature}00")));
        assert!(!verify(&public, &challenge, &signature.replace('a', "g")));
    }

    #[test]
    fn malformed_keys_are_errors() {
        assert_eq!(
            PrivateKey::from_hex("00").unwrap_err(),
            AuthError::InvalidLength {
                field: "private_key",
                expected: 32,
                found: 1
            }
        );
        assert_eq!(
            PrivateKey::from_hex(&"zz".repeat(32)).unwrap_err(),
            AuthError::InvalidHex {
                field: "private_key"
            }
        );
        assert_eq!(
            PublicKey::from_hex(&"0".repeat(63)).unwrap_err(),
            AuthError::InvalidHex { field: "pubkey" }
        );
        // y = 2 is not on the curve.
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(&not_a_point),
            Err(AuthError::InvalidPublicKey)
        );
        assert_eq!(
            PublicKey::from_authextra(&Dict::new()),
            Err(AuthError::MissingField { field: "pubkey" })
        );
    }

    #[test]
    fn a_small_order_key_verifies_nothing() {
        // The identity point: every signature with R = identity and S = 0 would pass a
        // lax verifier.
        let mut identity = [0; 32];
        identity[0] = 1;
        let public = PublicKey::from_bytes(&identity).unwrap();
        let mut forged = [0; 64];
        forged[0] = 1;
        let challenge = challenge([3; 32]);
        assert!(!public.verify_challenge(&challenge, &hex::encode(forged), None));
    }

    #[test]
    fn respond_reports_malformed_extras() {
        let key = PrivateKey::from_seed([1; 32]);
        assert_eq!(
            key.respond(&Dict::new()),
            Err(AuthError::MissingField { field: "challenge" })
        );
        let mut extra = challenge_extra("abcd");
        assert_eq!(
            key.respond(&extra),
            Err(AuthError::InvalidLength {
                field: "challenge",
                expected: 32,
                found: 2
            })
        );
        extra.insert("challenge".into(), Value::Bytes(vec![0; 32]));
        assert_eq!(
            key.respond(&extra),
            Err(AuthError::InvalidField {
                field: "challenge",
                expected: "a string"
            })
        );
        let mut extra = challenge_extra(&challenge([3; 32]));
        extra.insert("channel_binding".into(), Value::Null);
        assert!(key.respond(&extra).is_ok());
        extra.insert("channel_binding".into(), "tls-unique".into());
        assert_eq!(
            key.respond(&extra),
            Err(AuthError::UnsupportedChannelBinding("tls-unique".into()))
        );
    }

    #[test]
    fn debug_shows_only_the_public_key() {
        let key = PrivateKey::from_hex(RFC8032_SECRET).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(RFC8032_PUBLIC), "{shown}");
        assert!(!shown.contains(RFC8032_SECRET), "{shown}");
    }

    static KEY: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::from_seed([1; 32]));

    proptest! {
        #[test]
        fn verify_never_panics(
            public in "[0-9a-fA-F]{0,70}|.{0,70}",
            challenge in "[0-9a-f]{0,70}|.{0,70}",
            signature in "[0-9a-f]{0,200}|.{0,200}",
        ) {
            let _ = verify(&public, &challenge, &signature);
            let _ = PublicKey::from_hex(&public);
            let _ = PrivateKey::from_hex(&public);
        }

        #[test]
        fn respond_never_panics(challenge in "[0-9a-f]{0,70}|.{0,70}") {
            let _ = KEY.respond(&challenge_extra(&challenge));
        }
    }

    proptest! {
        // Ed25519 is slow in unoptimised test builds: a few dozen keys are plenty here.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn verify_takes_what_sign_gives(seed in any::<[u8; 32]>(), random in any::<[u8; 32]>()) {
            let key = PrivateKey::from_seed(seed);
            let challenge = challenge(random);
            let signature = key.sign_challenge(&challenge, None).unwrap();
            prop_assert!(verify(&key.public_key().to_hex(), &challenge, &signature));
        }

        #[test]
        fn random_signatures_fail(signature in any::<[u8; 64]>(), append in any::<bool>()) {
            let challenge = challenge([3; 32]);
            let mut signature = hex::encode(signature);
            if append {
                signature.push_str(&challenge);
            }
            prop_assert!(!KEY.public_key().verify_challenge(&challenge, &signature, None));
        }
    }
}
