//! MessagePack: the most compact form of every value (as `rmp-serde` writes it); `bin` for
//! binary, `str` for strings.

use wamp_proto::{Dict, List, ProtocolError, Value};

use super::{check_depth, malformed};

pub(super) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write(&mut out, value);
    out
}

fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u <= 0xff {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i as u64);
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i64::from(i8::MIN) {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// A length with its marker: `fix` (with the length in its low bits) below `fix_limit`,
/// else the 8-bit form (if any), 16-bit, 32-bit.
fn write_length(out: &mut Vec<u8>, len: usize, fix: u8, fix_limit: usize, markers: [u8; 3]) {
    if len < fix_limit {
        out.push(fix | len as u8);
    } else if len <= 0xff && markers[0] != 0 {
        out.extend_from_slice(&[markers[0], len as u8]);
    } else if len <= 0xffff {
        out.push(markers[1]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(markers[2]);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    write_length(out, s.len(), 0xa0, 32, [0xd9, 0xda, 0xdb]);
    out.extend_from_slice(s.as_bytes());
}

fn write(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Int(i) => write_int(out, *i),
        Value::UInt(u) => write_uint(out, *u),
        Value::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => write_str(out, s),
        Value::Bytes(bytes) => {
            // bin has no fix form.
            write_length(out, bytes.len(), 0xc4, 0, [0xc4, 0xc5, 0xc6]);
            out.extend_from_slice(bytes);
        }
        Value::List(list) => {
            write_length(out, list.len(), 0x90, 16, [0, 0xdc, 0xdd]);
            for item in list {
                write(out, item);
            }
        }
        Value::Dict(dict) => {
            write_length(out, dict.len(), 0x80, 16, [0, 0xde, 0xdf]);
            for (key, item) in dict {
                write_str(out, key);
                write(out, item);
            }
        }
    }
}

/// Decodes one value, as `wamp-proto` does: `str` must be UTF-8, map keys strings, `ext`
/// types and trailing bytes are errors.
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

const NAME: &str = "MessagePack";

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], ProtocolError> {
        if len > self.rest.len() {
            return Err(malformed(NAME, "unexpected end of input"));
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    /// A big-endian unsigned number of `len` bytes.
    fn number(&mut self, len: usize) -> Result<u64, ProtocolError> {
        Ok(self
            .take(len)?
            .iter()
            .fold(0, |n, byte| (n << 8) | u64::from(*byte)))
    }

    fn value(&mut self, depth: usize) -> Result<Value, ProtocolError> {
        let marker = self.take(1)?[0];
        let sized = |width: u8| 1usize << width;
        match marker {
            0x00..=0x7f => Ok(Value::Int(i64::from(marker))),
            0x80..=0x8f => self.dict(usize::from(marker & 0x0f), depth),
            0x90..=0x9f => self.list(usize::from(marker & 0x0f), depth),
            0xa0..=0xbf => self.str(usize::from(marker & 0x1f)),
            0xc0 => Ok(Value::Null),
            0xc2 => Ok(Value::Bool(false)),
            0xc3 => Ok(Value::Bool(true)),
            0xc4..=0xc6 => {
                let len = self.number(sized(marker - 0xc4))? as usize;
                Ok(Value::Bytes(self.take(len)?.to_vec()))
            }
            0xca => Ok(Value::Float(f64::from(f32::from_bits(
                self.number(4)? as u32
            )))),
            0xcb => Ok(Value::Float(f64::from_bits(self.number(8)?))),
            0xcc..=0xcf => Ok(Value::from(self.number(sized(marker - 0xcc))?)),
            0xd0..=0xd3 => {
                let width = sized(marker - 0xd0);
                let raw = self.number(width)?;
                // Sign-extend from `width` bytes.
                let shift = 64 - 8 * width as u32;
                Ok(Value::Int(((raw << shift) as i64) >> shift))
            }
            0xd9..=0xdb => {
                let len = self.number(sized(marker - 0xd9))? as usize;
                self.str(len)
            }
            0xdc | 0xdd => {
                let len = self.number(sized(marker - 0xdc + 1))? as usize;
                self.list(len, depth)
            }
            0xde | 0xdf => {
                let len = self.number(sized(marker - 0xde + 1))? as usize;
                self.dict(len, depth)
            }
            0xe0..=0xff => Ok(Value::Int(i64::from(marker as i8))),
            0xc7..=0xc9 | 0xd4..=0xd8 => Err(malformed(NAME, "ext types are not WAMP values")),
            0xc1 => Err(malformed(NAME, "0xc1 is never used")),
        }
    }

    fn str(&mut self, len: usize) -> Result<Value, ProtocolError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(|text| Value::Str(text.to_owned()))
            .map_err(|_| malformed(NAME, "a str is not valid UTF-8"))
    }

    fn list(&mut self, len: usize, depth: usize) -> Result<Value, ProtocolError> {
        check_depth(NAME, depth)?;
        // Every element takes at least one byte: never allocate for more than what is left.
        let mut list = List::with_capacity(len.min(self.rest.len()));
        for _ in 0..len {
            list.push(self.value(depth + 1)?);
        }
        Ok(Value::List(list))
    }

    fn dict(&mut self, len: usize, depth: usize) -> Result<Value, ProtocolError> {
        check_depth(NAME, depth)?;
        let mut dict = Dict::new();
        for _ in 0..len {
            let Value::Str(key) = self.value(depth + 1)? else {
                return Err(malformed(NAME, "a map key is not a string"));
            };
            let value = self.value(depth + 1)?;
            dict.insert(key, value);
        }
        Ok(Value::Dict(dict))
    }
}
