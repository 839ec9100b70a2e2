//! `wamp.2.msgpack`: `bin` for binary, `str` for strings.
//!
//! Encoding goes through `rmp-serde`. Decoding is our own, small reader of the MessagePack
//! spec, because `rmp-serde` quietly turns a `str` with invalid UTF-8 into bytes and has no
//! way to report trailing bytes; here both, and every `ext` type, are errors.

use super::value_serde::{MAX_DEPTH, MessageRef};
use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::{Dict, List, Value};

fn malformed(reason: impl std::fmt::Display) -> ProtocolError {
    ProtocolError::Malformed {
        serializer: "MessagePack",
        reason: reason.to_string(),
    }
}

pub(super) fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Cannot fail: the writer is a Vec and every length is known.
    let _ = rmp_serde::encode::write(&mut out, &MessageRef::<false>(message));
    out
}

pub(super) fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    // Cannot fail: as in `encode`.
    let _ = rmp_serde::encode::write(&mut out, value);
    out
}

pub(super) fn decode_value(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut reader = Reader { rest: bytes };
    let value = reader.value(0)?;
    if !reader.rest.is_empty() {
        return Err(malformed(format_args!(
            "{} bytes after the value",
            reader.rest.len()
        )));
    }
    Ok(value)
}

/// The not yet decoded input.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], ProtocolError> {
        if len > self.rest.len() {
            return Err(malformed("unexpected end of input"));
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ProtocolError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u8(&mut self) -> Result<u8, ProtocolError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, ProtocolError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, ProtocolError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, ProtocolError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn str(&mut self, len: usize) -> Result<Value, ProtocolError> {
        let bytes = self.take(len)?;
        let text = std::str::from_utf8(bytes).map_err(malformed)?;
        Ok(Value::Str(text.to_owned()))
    }

    fn bin(&mut self, len: usize) -> Result<Value, ProtocolError> {
        Ok(Value::Bytes(self.take(len)?.to_vec()))
    }

    /// A list of `len` elements; `depth` is the nesting of the list itself.
    fn list(&mut self, len: usize, depth: usize) -> Result<Value, ProtocolError> {
        check_depth(depth)?;
        // Every element takes at least one byte: never allocate for more than what is left.
        let mut list = List::with_capacity(len.min(self.rest.len()));
        for _ in 0..len {
            list.push(self.value(depth + 1)?);
        }
        Ok(Value::List(list))
    }

    fn dict(&mut self, len: usize, depth: usize) -> Result<Value, ProtocolError> {
        check_depth(depth)?;
        let mut dict = Dict::new();
        for _ in 0..len {
            let key = match self.value(depth + 1)? {
                Value::Str(key) => key,
                _ => return Err(malformed("a map key is not a string")),
            };
            let value = self.value(depth + 1)?;
            dict.insert(key, value);
        }
        Ok(Value::Dict(dict))
    }

    /// One value; `depth` is how many lists and maps enclose it.
    fn value(&mut self, depth: usize) -> Result<Value, ProtocolError> {
        let marker = self.u8()?;
        let len8 = |r: &mut Self| r.u8().map(usize::from);
        let len16 = |r: &mut Self| r.u16().map(usize::from);
        let len32 = |r: &mut Self| r.u32().map(|n| n as usize);
        match marker {
            0x00..=0x7f => Ok(Value::Int(i64::from(marker))),
            0x80..=0x8f => self.dict(usize::from(marker & 0x0f), depth),
            0x90..=0x9f => self.list(usize::from(marker & 0x0f), depth),
            0xa0..=0xbf => self.str(usize::from(marker & 0x1f)),
            0xc0 => Ok(Value::Null),
            0xc2 => Ok(Value::Bool(false)),
            0xc3 => Ok(Value::Bool(true)),
            0xc4 => {
                let len = len8(self)?;
                self.bin(len)
            }
            0xc5 => {
                let len = len16(self)?;
                self.bin(len)
            }
            0xc6 => {
                let len = len32(self)?;
                self.bin(len)
            }
            0xca => Ok(Value::Float(f64::from(f32::from_bits(self.u32()?)))),
            0xcb => Ok(Value::Float(f64::from_bits(self.u64()?))),
            0xcc => Ok(Value::Int(i64::from(self.u8()?))),
            0xcd => Ok(Value::Int(i64::from(self.u16()?))),
            0xce => Ok(Value::Int(i64::from(self.u32()?))),
            0xcf => Ok(Value::from(self.u64()?)),
            0xd0 => Ok(Value::Int(i64::from(i8::from_be_bytes(self.array()?)))),
            0xd1 => Ok(Value::Int(i64::from(i16::from_be_bytes(self.array()?)))),
            0xd2 => Ok(Value::Int(i64::from(i32::from_be_bytes(self.array()?)))),
            0xd3 => Ok(Value::Int(i64::from_be_bytes(self.array()?))),
            0xd9 => {
                let len = len8(self)?;
                self.str(len)
            }
            0xda => {
                let len = len16(self)?;
                self.str(len)
            }
            0xdb => {
                let len = len32(self)?;
                self.str(len)
            }
            0xdc => {
                let len = len16(self)?;
                self.list(len, depth)
            }
            0xdd => {
                let len = len32(self)?;
                self.list(len, depth)
            }
            0xde => {
                let len = len16(self)?;
                self.dict(len, depth)
            }
            0xdf => {
                let len = len32(self)?;
                self.dict(len, depth)
            }
            0xe0..=0xff => Ok(Value::Int(i64::from(i8::from_be_bytes([marker])))),
            0xc7..=0xc9 | 0xd4..=0xd8 => Err(malformed("ext types are not WAMP values")),
            0xc1 => Err(malformed("0xc1 is never used")),
        }
    }
}

fn check_depth(depth: usize) -> Result<(), ProtocolError> {
    if depth >= MAX_DEPTH {
        return Err(malformed(format_args!("nesting deeper than {MAX_DEPTH}")));
    }
    Ok(())
}
