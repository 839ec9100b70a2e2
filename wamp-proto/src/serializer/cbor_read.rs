//! A direct CBOR reader for [`Value`]: the fast path of [`super::cbor::decode_value`].
//!
//! The same contract as [`super::json_read`]: it reads the common subset of CBOR (RFC 8949)
//! that WAMP peers write (definite lengths, integers in the 64-bit range, text and byte
//! strings, arrays, maps with text keys, `false`/`true`/`null`/`undefined`, single and
//! double floats) into the same [`Value`] that ciborium makes of it, and gives up
//! ([`Unsupported`]) on everything else (tags, indefinite lengths, half floats, other simple
//! values, errors), so that ciborium decides those.

use super::value_serde::MAX_DEPTH;
use crate::value::{Dict, List, Value};

/// The reader gave up: let ciborium decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported;

type Read<T> = Result<T, Unsupported>;

/// Reads exactly one CBOR data item from `bytes`.
pub(super) fn read_value(bytes: &[u8]) -> Read<Value> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    if reader.at != bytes.len() {
        return Err(Unsupported);
    }
    Ok(value)
}

/// What never to preallocate beyond, whatever a length says.
const MAX_PREALLOCATION: usize = 1024;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, count: usize) -> Read<&[u8]> {
        let end = self.at.checked_add(count).ok_or(Unsupported)?;
        let taken = self.bytes.get(self.at..end).ok_or(Unsupported)?;
        self.at = end;
        Ok(taken)
    }

    /// The initial byte's major type and its argument (definite only).
    fn head(&mut self) -> Read<(u8, u64)> {
        let initial = *self.take(1)?.first().ok_or(Unsupported)?;
        let major = initial >> 5;
        let argument = match initial & 0x1f {
            small @ 0..=23 => u64::from(small),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes(
                self.take(2)?.try_into().map_err(|_| Unsupported)?,
            )),
            26 => u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().map_err(|_| Unsupported)?,
            )),
            27 => u64::from_be_bytes(self.take(8)?.try_into().map_err(|_| Unsupported)?),
            // Reserved, or indefinite length.
            _ => return Err(Unsupported),
        };
        Ok((major, argument))
    }

    fn length(argument: u64) -> Read<usize> {
        usize::try_from(argument).map_err(|_| Unsupported)
    }

    fn value(&mut self, depth: usize) -> Read<Value> {
        let start = self.at;
        let (major, argument) = self.head()?;
        match major {
            0 => Ok(Value::from(argument)),
            1 => {
                // -1 - argument, only when it fits in i64 (beyond, ciborium refuses).
                let magnitude = i64::try_from(argument).map_err(|_| Unsupported)?;
                Ok(Value::Int(-1 - magnitude))
            }
            2 => {
                let length = Self::length(argument)?;
                Ok(Value::Bytes(self.take(length)?.to_vec()))
            }
            3 => {
                let length = Self::length(argument)?;
                let text = std::str::from_utf8(self.take(length)?).map_err(|_| Unsupported)?;
                Ok(Value::Str(text.to_owned()))
            }
            4 => {
                if depth >= MAX_DEPTH {
                    return Err(Unsupported);
                }
                let length = Self::length(argument)?;
                let mut list = List::with_capacity(length.min(MAX_PREALLOCATION));
                for _ in 0..length {
                    list.push(self.value(depth + 1)?);
                }
                Ok(Value::List(list))
            }
            5 => {
                if depth >= MAX_DEPTH {
                    return Err(Unsupported);
                }
                let length = Self::length(argument)?;
                let mut dict = Dict::new();
                for _ in 0..length {
                    let (key_major, key_length) = self.head()?;
                    if key_major != 3 {
                        return Err(Unsupported);
                    }
                    let key_length = Self::length(key_length)?;
                    let key = std::str::from_utf8(self.take(key_length)?)
                        .map_err(|_| Unsupported)?
                        .to_owned();
                    let value = self.value(depth + 1)?;
                    dict.insert(key, value);
                }
                Ok(Value::Dict(dict))
            }
            7 => match self.bytes[start] & 0x1f {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 | 23 => Ok(Value::Null),
                // Half, single and double floats; the argument holds their bits.
                25 => half(u16::try_from(argument).map_err(|_| Unsupported)?).map(Value::Float),
                26 => {
                    let bits = u32::try_from(argument).map_err(|_| Unsupported)?;
                    Ok(Value::Float(f64::from(f32::from_bits(bits))))
                }
                27 => Ok(Value::Float(f64::from_bits(argument))),
                // Other simple values.
                _ => Err(Unsupported),
            },
            // Tags (6).
            _ => Err(Unsupported),
        }
    }
}

/// A half float's value (exact: every half float is a double). NaNs are left to ciborium,
/// whose payload bits are its own business.
fn half(bits: u16) -> Read<f64> {
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let mantissa = f64::from(bits & 0x3ff);
    match exponent {
        0 => Ok(sign * mantissa * 2f64.powi(-24)),
        31 if mantissa == 0.0 => Ok(sign * f64::INFINITY),
        31 => Err(Unsupported),
        _ => Ok(sign * (1.0 + mantissa / 1024.0) * 2f64.powi(exponent - 15)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What ciborium (through the serializer's own path) makes of `bytes`.
    fn by_ciborium(bytes: &[u8]) -> Option<Value> {
        super::super::cbor::decode_value_with_ciborium(bytes).ok()
    }

    /// `==`, except that floats must have the same bits.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::List(x), Value::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            (Value::Dict(x), Value::Dict(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k, a), (l, b))| k == l && same(a, b))
            }
            _ => a == b,
        }
    }

    fn agrees(bytes: &[u8]) {
        let ours = read_value(bytes).unwrap_or_else(|_| panic!("gave up on {bytes:02x?}"));
        let theirs = by_ciborium(bytes).unwrap_or_else(|| panic!("ciborium refuses {bytes:02x?}"));
        assert!(
            same(&ours, &theirs),
            "{bytes:02x?}: {ours:?} against {theirs:?}"
        );
    }

    #[test]
    fn reads_what_ciborium_reads() {
        let mut dict = Dict::new();
        dict.insert(
            "k".into(),
            Value::List(vec![Value::Null, Value::Bool(true)]),
        );
        dict.insert("é".into(), Value::Bytes(vec![0, 1, 2]));
        for value in [
            Value::Null,
            Value::Bool(false),
            Value::Int(0),
            Value::Int(23),
            Value::Int(24),
            Value::Int(-1),
            Value::Int(-24),
            Value::Int(-25),
            Value::Int(i64::MAX),
            Value::Int(i64::MIN),
            Value::UInt(u64::MAX),
            Value::Float(1.5),
            Value::Float(-0.0),
            Value::Float(1e300),
            Value::Float(f64::INFINITY),
            Value::Str(String::new()),
            Value::Str("text with ünïcode".into()),
            Value::Bytes(vec![7; 300]),
            Value::List(vec![
                Value::Int(1),
                Value::List(vec![]),
                Value::Dict(Dict::new()),
            ]),
            Value::Dict(dict),
        ] {
            agrees(&super::super::cbor::encode_value(&value));
        }
        // Single floats, undefined, a repeated key, 1-byte-argument lengths.
        agrees(&[0xfa, 0x3f, 0xc0, 0x00, 0x00]);
        for bits in (0..=u16::MAX).filter(|bits| bits & 0x7c00 != 0x7c00 || bits & 0x3ff == 0) {
            let [high, low] = bits.to_be_bytes();
            agrees(&[0xf9, high, low]);
        }
        agrees(&[0xf7]);
        agrees(&[0xa2, 0x61, b'a', 0x01, 0x61, b'a', 0x02]);
        agrees(&[0x78, 0x01, b'x']);
    }

    #[test]
    fn gives_up_on_what_it_does_not_know() {
        for bytes in [
            &[][..],
            &[0x18],                                                 // truncated argument
            &[0x1c],                                                 // reserved
            &[0x9f, 0x01, 0xff],                                     // indefinite array
            &[0x5f, 0x41, 0x00, 0xff],                               // indefinite bytes
            &[0xc2, 0x41, 0x01],                                     // tag 2 (bignum)
            &[0xc1, 0x01],                                           // tag 1
            &[0xf9, 0x7e, 0x00],                                     // half NaN
            &[0xf0],                                                 // simple value 16
            &[0xf8, 0x20],                                           // simple value 32
            &[0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0],                      // below i64::MIN
            &[0xa1, 0x01, 0x02],                                     // integer key
            &[0xa1, 0x41, b'a', 0x02],                               // byte-string key
            &[0x62, 0xff, 0xfe],                                     // invalid UTF-8
            &[0x82, 0x01],                                           // truncated array
            &[0x01, 0x02],                                           // trailing bytes
            &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // huge length
        ] {
            assert_eq!(read_value(bytes), Err(Unsupported), "{bytes:02x?}");
        }
        let deep = [vec![0x81; MAX_DEPTH + 1], vec![0x80]].concat();
        assert_eq!(read_value(&deep), Err(Unsupported));
        assert!(by_ciborium(&deep).is_none());
        let at_limit = [vec![0x81; MAX_DEPTH - 1], vec![0x80]].concat();
        agrees(&at_limit);
    }

    proptest::proptest! {
        /// On arbitrary bytes: whatever the reader accepts, ciborium reads the same.
        #[test]
        fn never_accepts_differently(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..24)) {
            if let Ok(ours) = read_value(&bytes) {
                let theirs = by_ciborium(&bytes);
                proptest::prop_assert!(
                    theirs.as_ref().is_some_and(|theirs| same(&ours, theirs)),
                    "{:02x?}: reader {:?}, ciborium {:?}", bytes, ours, theirs
                );
            }
        }
    }
}

/// Reader against ciborium on a small and a 1 KB CALL, best of 300 rounds each (robust to
/// a busy machine): `cargo test --release -p wamp-proto --lib cbor_read_cost -- --ignored
/// --nocapture`.
#[cfg(test)]
mod cost {
    use super::*;
    use crate::{Id, Message, Payload, Serializer, Uri};

    #[test]
    #[ignore = "a measurement; run it in release mode"]
    fn cbor_read_cost() {
        let mut kwargs = Dict::new();
        for field in 0..36 {
            let value = match field % 4 {
                0 => Value::from(format!("value number {field} of the record")),
                1 => Value::Int(1_000_000 + field),
                2 => Value::Float(field as f64 * 1.5),
                _ => Value::List(vec![Value::Bool(true), Value::Null, Value::from("x")]),
            };
            kwargs.insert(format!("field_{field:02}"), value);
        }
        let small = Payload::args(vec![Value::Int(42), Value::from("hello")]);
        let large = Payload {
            args: vec![Value::from("com.example.record")],
            kwargs,
        };
        for payload in [small, large] {
            let call = Message::Call {
                request: Id::new(7_814_135).unwrap(),
                options: Dict::new(),
                procedure: Uri::new("com.myapp.echo"),
                payload,
            };
            let bytes = Serializer::Cbor.encode(&call);
            assert!(read_value(&bytes).is_ok());
            let (mut fast, mut slow) = (u128::MAX, u128::MAX);
            for _ in 0..300 {
                let rounds = 2000;
                let started = std::time::Instant::now();
                for _ in 0..rounds {
                    std::hint::black_box(read_value(std::hint::black_box(&bytes)).unwrap());
                }
                fast = fast.min(started.elapsed().as_nanos() / rounds);
                let started = std::time::Instant::now();
                for _ in 0..rounds {
                    let value = super::super::cbor::decode_value_with_ciborium(
                        std::hint::black_box(&bytes),
                    );
                    std::hint::black_box(value.unwrap());
                }
                slow = slow.min(started.elapsed().as_nanos() / rounds);
            }
            println!(
                "{} bytes: reader {fast} ns, ciborium {slow} ns",
                bytes.len()
            );
        }
    }
}
