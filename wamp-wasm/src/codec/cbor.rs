//! CBOR (RFC 8949): shortest-form integers and lengths, floats as 64-bit, byte strings for
//! binary. Decoding accepts every float width, indefinite lengths, and bignums (tags 2 and
//! 3) within 64 bits; other tags, undefined-width simple values and trailing bytes are errors.

use wamp_proto::{Dict, List, ProtocolError, Value};

use super::{check_depth, integer, malformed};

const NAME: &str = "CBOR";

pub(super) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write(&mut out, value);
    out
}

/// A head: major type and argument, in the shortest form.
fn head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    if argument < 24 {
        out.push(major | argument as u8);
    } else if argument <= 0xff {
        out.extend_from_slice(&[major | 24, argument as u8]);
    } else if argument <= 0xffff {
        out.push(major | 25);
        out.extend_from_slice(&(argument as u16).to_be_bytes());
    } else if argument <= 0xffff_ffff {
        out.push(major | 26);
        out.extend_from_slice(&(argument as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&argument.to_be_bytes());
    }
}

fn write(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Int(i) if *i >= 0 => head(out, 0, *i as u64),
        // -1 - n: `!i` as unsigned is n.
        Value::Int(i) => head(out, 1, !*i as u64),
        Value::UInt(u) => head(out, 0, *u),
        Value::Float(f) => {
            out.push(0xfb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => {
            head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bytes(bytes) => {
            head(out, 2, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
        Value::List(list) => {
            head(out, 4, list.len() as u64);
            for item in list {
                write(out, item);
            }
        }
        Value::Dict(dict) => {
            head(out, 5, dict.len() as u64);
            for (key, item) in dict {
                head(out, 3, key.len() as u64);
                out.extend_from_slice(key.as_bytes());
                write(out, item);
            }
        }
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut reader = Reader { rest: bytes };
    let value = reader.value(0)?;
    if !reader.rest.is_empty() {
        return Err(malformed(
            NAME,
            format!("{} bytes after the value", reader.rest.len()),
        ));
    }
    Ok(value)
}

/// An item's head: major type and argument, `None` for an indefinite length.
struct Head {
    major: u8,
    info: u8,
    argument: Option<u64>,
}

const BREAK: u8 = 0xff;

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: u64) -> Result<&'a [u8], ProtocolError> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > self.rest.len() {
            return Err(malformed(NAME, "unexpected end of input"));
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    fn number(&mut self, len: u64) -> Result<u64, ProtocolError> {
        Ok(self
            .take(len)?
            .iter()
            .fold(0, |n, byte| (n << 8) | u64::from(*byte)))
    }

    fn head(&mut self) -> Result<Head, ProtocolError> {
        let initial = self.take(1)?[0];
        let (major, info) = (initial >> 5, initial & 0x1f);
        let argument = match info {
            0..=23 => Some(u64::from(info)),
            24..=27 => Some(self.number(1 << (info - 24))?),
            31 if matches!(major, 2..=5 | 7) => None,
            _ => {
                return Err(malformed(
                    NAME,
                    format!("invalid initial byte 0x{initial:02x}"),
                ));
            }
        };
        Ok(Head {
            major,
            info,
            argument,
        })
    }

    /// Whether the next byte ends an indefinite-length item (and consumes it).
    fn at_break(&mut self) -> Result<bool, ProtocolError> {
        match self.rest.first() {
            None => Err(malformed(NAME, "unexpected end of input")),
            Some(&BREAK) => {
                self.rest = &self.rest[1..];
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// The bytes of a byte or text string (major type `major`), also in chunks.
    fn string(&mut self, major: u8, argument: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        if let Some(len) = argument {
            return Ok(self.take(len)?.to_vec());
        }
        let mut bytes = Vec::new();
        while !self.at_break()? {
            let chunk = self.head()?;
            match chunk.argument {
                Some(len) if chunk.major == major => bytes.extend_from_slice(self.take(len)?),
                _ => {
                    return Err(malformed(
                        NAME,
                        "invalid chunk in an indefinite-length string",
                    ));
                }
            }
        }
        Ok(bytes)
    }

    fn text(&mut self, argument: Option<u64>) -> Result<String, ProtocolError> {
        String::from_utf8(self.string(3, argument)?)
            .map_err(|_| malformed(NAME, "a text string is not valid UTF-8"))
    }

    fn value(&mut self, depth: usize) -> Result<Value, ProtocolError> {
        let Head {
            major,
            info,
            argument,
        } = self.head()?;
        match (major, argument) {
            (0, Some(n)) => Ok(Value::from(n)),
            (1, Some(n)) => integer(-1 - i128::from(n))
                .ok_or_else(|| malformed(NAME, "integer outside the 64-bit range")),
            (2, _) => Ok(Value::Bytes(self.string(2, argument)?)),
            (3, _) => Ok(Value::Str(self.text(argument)?)),
            (4, _) => {
                check_depth(NAME, depth)?;
                let mut list = List::new();
                loop {
                    let more = match argument {
                        Some(len) => (list.len() as u64) < len,
                        None => !self.at_break()?,
                    };
                    if !more {
                        break;
                    }
                    list.push(self.value(depth + 1)?);
                }
                Ok(Value::List(list))
            }
            (5, _) => {
                check_depth(NAME, depth)?;
                let mut dict = Dict::new();
                let mut count = 0u64;
                loop {
                    let more = match argument {
                        Some(len) => count < len,
                        None => !self.at_break()?,
                    };
                    if !more {
                        break;
                    }
                    count += 1;
                    let key = self.head()?;
                    if key.major != 3 {
                        return Err(malformed(NAME, "a map key is not a text string"));
                    }
                    let key = self.text(key.argument)?;
                    let value = self.value(depth + 1)?;
                    dict.insert(key, value);
                }
                Ok(Value::Dict(dict))
            }
            (6, Some(tag @ (2 | 3))) => {
                let content = self.head()?;
                if content.major != 2 {
                    return Err(malformed(NAME, "a bignum's content is not a byte string"));
                }
                let bytes = self.string(2, content.argument)?;
                let leading = bytes.iter().take_while(|b| **b == 0).count();
                let significant = &bytes[leading..];
                if significant.len() > 8 {
                    return Err(malformed(NAME, "integer outside the 64-bit range"));
                }
                let n = significant
                    .iter()
                    .fold(0u64, |n, b| (n << 8) | u64::from(*b));
                let n = if tag == 2 {
                    i128::from(n)
                } else {
                    -1 - i128::from(n)
                };
                integer(n).ok_or_else(|| malformed(NAME, "integer outside the 64-bit range"))
            }
            (6, _) => Err(malformed(
                NAME,
                "tags other than bignums are not WAMP values",
            )),
            (7, _) => match (info, argument) {
                (20, _) => Ok(Value::Bool(false)),
                (21, _) => Ok(Value::Bool(true)),
                (22 | 23, _) => Ok(Value::Null),
                (25, Some(bits)) => Ok(Value::Float(half(bits as u16))),
                (26, Some(bits)) => Ok(Value::Float(f64::from(f32::from_bits(bits as u32)))),
                (27, Some(bits)) => Ok(Value::Float(f64::from_bits(bits))),
                _ => Err(malformed(NAME, "a simple value that is not a WAMP value")),
            },
            _ => Err(malformed(NAME, "invalid item")),
        }
    }
}

/// An IEEE 754 half-precision float.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    sign * match exponent {
        0 => fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + fraction / 1024.0) * 2f64.powi(exponent - 15),
    }
}
