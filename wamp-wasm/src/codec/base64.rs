//! Standard, padded base64 (RFC 4648 §4), for binary values in JSON (`"\u0000" + base64`).
//!
//! Small on purpose: the `base64` crate's general-purpose engine is several kilobytes of
//! WebAssembly. Decoding is as strict as that engine's `STANDARD`: padding required,
//! canonical trailing bits, no whitespace.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends `bytes` in base64 to `out`.
pub(super) fn encode(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = byte(0) << 16 | byte(1) << 8 | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = (group >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[sextet as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

/// The bytes `text` encodes, or `None` if it is not canonical, padded base64.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let groups = text.len() / 4;
    let mut out = Vec::with_capacity(groups * 3);
    for (index, chunk) in text.chunks_exact(4).enumerate() {
        let padding = if index + 1 == groups {
            chunk.iter().rev().take_while(|&&c| c == b'=').count()
        } else {
            0
        };
        if padding > 2 {
            return None;
        }
        let mut group = 0u32;
        for &c in &chunk[..4 - padding] {
            group = group << 6 | u32::from(sextet(c)?);
        }
        group <<= 6 * padding;
        // The bits after the last encoded byte must be zero.
        if group & ((1 << (8 * padding)) - 1) != 0 {
            return None;
        }
        for i in 0..3 - padding {
            out.push((group >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn encodes_like_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut text = String::new();
            super::encode(&bytes, &mut text);
            prop_assert_eq!(&text, &STANDARD.encode(&bytes));
            prop_assert_eq!(super::decode(&text), Some(bytes));
        }

        #[test]
        fn decodes_like_the_base64_crate(text in "[A-Da-d0-3+/=!]{0,12}") {
            prop_assert_eq!(super::decode(&text), STANDARD.decode(&text).ok());
        }
    }

    #[test]
    fn rejects_what_is_not_canonical() {
        for text in [
            "A", "AB=", "AB=C", "A===", "====", "AB==AB==", "AR==", "ABF=", " AB=",
        ] {
            assert_eq!(super::decode(text), None, "{text}");
        }
        assert_eq!(super::decode(""), Some(vec![]));
        assert_eq!(super::decode("AAE="), Some(vec![0, 1]));
    }
}
