//! Decoding never panics: arbitrary bytes, and valid encodings with damage.

use proptest::collection::vec;
use proptest::prelude::*;
use wamp_proto::Serializer;

use crate::strategies::message;

/// One change to an encoding.
#[derive(Debug, Clone)]
enum Damage {
    Flip { at: usize, bits: u8 },
    Set { at: usize, byte: u8 },
    Truncate { at: usize },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1..=u8::MAX).prop_map(|(at, bits)| Damage::Flip { at, bits }),
        (at, any::<u8>()).prop_map(|(at, byte)| Damage::Set { at, byte }),
        at.prop_map(|at| Damage::Truncate { at }),
        (at, any::<u8>()).prop_map(|(at, byte)| Damage::Insert { at, byte }),
        at.prop_map(|at| Damage::Remove { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    if bytes.is_empty() {
        return;
    }
    let index = |at: usize| at % bytes.len();
    match *damage {
        Damage::Flip { at, bits } => {
            let i = index(at);
            bytes[i] ^= bits;
        }
        Damage::Set { at, byte } => {
            let i = index(at);
            bytes[i] = byte;
        }
        Damage::Truncate { at } => bytes.truncate(index(at)),
        Damage::Insert { at, byte } => bytes.insert(index(at), byte),
        Damage::Remove { at } => {
            bytes.remove(index(at));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        for serializer in Serializer::ALL {
            let _ = serializer.decode(&bytes);
        }
    }

    #[test]
    fn damaged_encodings_never_panic(m in message(), damages in vec(damage(), 1..4)) {
        for serializer in Serializer::ALL {
            let mut bytes = serializer.encode(&m);
            for d in &damages {
                apply(&mut bytes, d);
            }
            if let Ok(decoded) = serializer.decode(&bytes) {
                // Whatever decodes must survive another round trip. Compared as bytes, since
                // damage can make a NaN, which is not equal to itself.
                let again = serializer.encode(&decoded);
                let decoded_again = serializer.decode(&again);
                prop_assert!(decoded_again.is_ok(), "{decoded:?} -> {decoded_again:?}");
                prop_assert_eq!(serializer.encode(&decoded_again.unwrap()), again);
            }
        }
    }
}
