//! `decode(encode(m)) == m` for every message type in every serializer, written once.

use proptest::prelude::*;
use wamp_proto::{Serializer, wire};

use crate::strategies::{message, value};

macro_rules! roundtrip_tests {
    ($($name:ident => $serializer:expr;)*) => {$(
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(256))]

                #[test]
                fn message_roundtrip(m in message()) {
                    let bytes = $serializer.encode(&m);
                    prop_assert_eq!($serializer.decode(&bytes), Ok(m.clone()));
                    // The serializer writes the same list as the wire form.
                    prop_assert_eq!($serializer.decode_value(&bytes), Ok(wire::to_value(&m)));
                }

                #[test]
                fn value_roundtrip(v in value()) {
                    let bytes = $serializer.encode_value(&v);
                    prop_assert_eq!($serializer.decode_value(&bytes), Ok(v));
                }
            }
        }
    )*};
}

roundtrip_tests! {
    json => Serializer::Json;
    msgpack => Serializer::MsgPack;
    cbor => Serializer::Cbor;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The list form is also lossless by itself.
    #[test]
    fn wire_roundtrip(m in message()) {
        prop_assert_eq!(wire::from_value(wire::to_value(&m)), Ok(m));
    }
}
