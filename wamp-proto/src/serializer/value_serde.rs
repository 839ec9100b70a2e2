//! serde glue: [`Value`] and messages to and from serde data models.
//!
//! One implementation for every serde format; `JSON` selects the spec's JSON convention for
//! binary (a string `"\u0000" + base64`) instead of the format's native byte string.
//! Messages are written straight from [`wire::fields`], with no intermediate [`Value`] tree.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::message::Message;
use crate::value::{Dict, List, Value};
use crate::wire::{self, Field};

/// The deepest nesting of lists and dictionaries a decoder accepts, counting the message's own
/// list. Deeper input is an error rather than a stack overflow; it is below `serde_json`'s own
/// limit (128) so that every format fails at the same depth.
pub const MAX_DEPTH: usize = 100;

/// A value, serialized with the JSON convention for binary when `JSON` is set.
pub(super) struct ValueRef<'a, const JSON: bool>(pub(super) &'a Value);

/// A whole message as its list form.
pub(super) struct MessageRef<'a, const JSON: bool>(pub(super) &'a Message);

struct ListRef<'a, const JSON: bool>(&'a List);

struct DictRef<'a, const JSON: bool>(&'a Dict);

struct FieldRef<'a, const JSON: bool>(Field<'a>);

impl<const JSON: bool> Serialize for ValueRef<'_, JSON> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::UInt(u) => serializer.serialize_u64(*u),
            // JSON has no NaN or infinity: they travel as null.
            Value::Float(f) if JSON && !f.is_finite() => serializer.serialize_unit(),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) if JSON => {
                let mut text = String::with_capacity(1 + b.len().div_ceil(3) * 4);
                text.push('\0');
                BASE64.encode_string(b, &mut text);
                serializer.serialize_str(&text)
            }
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(l) => ListRef::<JSON>(l).serialize(serializer),
            Value::Dict(d) => DictRef::<JSON>(d).serialize(serializer),
        }
    }
}

impl<const JSON: bool> Serialize for ListRef<'_, JSON> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ValueRef::<JSON>))
    }
}

impl<const JSON: bool> Serialize for DictRef<'_, JSON> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, ValueRef::<JSON>(v))))
    }
}

impl<const JSON: bool> Serialize for FieldRef<'_, JSON> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Field::UInt(u) => serializer.serialize_u64(u),
            Field::Str(s) => serializer.serialize_str(s),
            Field::Dict(d) => DictRef::<JSON>(d).serialize(serializer),
            Field::List(l) => ListRef::<JSON>(l).serialize(serializer),
        }
    }
}

impl<const JSON: bool> Serialize for MessageRef<'_, JSON> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = wire::fields(self.0);
        let fields = fields.as_slice();
        let mut seq = serializer.serialize_seq(Some(fields.len()))?;
        for field in fields {
            seq.serialize_element(&FieldRef::<JSON>(*field))?;
        }
        seq.end()
    }
}

/// Binary formats' convention: [`Value::Bytes`] is the format's byte string.
///
/// For JSON with the WAMP binary convention, use [`crate::Serializer::Json`] instead.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ValueRef::<false>(self).serialize(serializer)
    }
}

/// Binary formats' convention: byte strings become [`Value::Bytes`]; integers are canonical;
/// nesting deeper than the decoders' limit is an error.
///
/// For JSON with the WAMP binary convention, use [`crate::Serializer::Json`] instead.
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ValueSeed::<false>::top().deserialize(deserializer)
    }
}

/// Deserializes one value at a given nesting depth.
#[derive(Debug, Clone, Copy)]
pub(super) struct ValueSeed<const JSON: bool> {
    /// How many lists and dictionaries enclose this value.
    depth: usize,
}

impl<const JSON: bool> ValueSeed<JSON> {
    /// The seed for a whole message or value.
    pub(super) fn top() -> Self {
        ValueSeed { depth: 0 }
    }

    /// The seed for this container's elements, or an error if it is nested too deep.
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format_args!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(ValueSeed {
            depth: self.depth + 1,
        })
    }
}

/// A container's first allocation: never trust a declared length further than this.
const MAX_PREALLOCATION: usize = 1024;

impl<'de, const JSON: bool> DeserializeSeed<'de> for ValueSeed<JSON> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, const JSON: bool> Visitor<'de> for ValueSeed<JSON> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a WAMP value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        if let Ok(i) = i64::try_from(v) {
            Ok(Value::Int(i))
        } else if let Ok(u) = u64::try_from(v) {
            Ok(Value::UInt(u))
        } else {
            Err(E::custom("integer outside the 64-bit range"))
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::from)
            .map_err(|_| E::custom("integer outside the 64-bit range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        match v.strip_prefix('\0') {
            Some(encoded) if JSON => decode_base64(encoded),
            _ => Ok(Value::Str(v.to_owned())),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        match v.strip_prefix('\0') {
            Some(encoded) if JSON => decode_base64(encoded),
            _ => Ok(Value::Str(v)),
        }
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let element = self.enter()?;
        let mut list = List::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOCATION));
        while let Some(value) = seq.next_element_seed(element)? {
            list.push(value);
        }
        Ok(Value::List(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let element = self.enter()?;
        let mut dict = Dict::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(element)?;
            dict.insert(key, value);
        }
        Ok(Value::Dict(dict))
    }
}

fn decode_base64<E: de::Error>(encoded: &str) -> Result<Value, E> {
    BASE64
        .decode(encoded)
        .map(Value::Bytes)
        .map_err(|e| E::custom(format_args!("invalid base64 after \\u0000: {e}")))
}

/// A dictionary key: strings only.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}
