//! JSON (RFC 8259) with the WAMP conventions: binary as `"\u0000" + base64`, NaN and the
//! infinities as `null`, integers exact over the whole 64-bit range.
//!
//! Floats are written and read by JavaScript (`String(n)`, `parseFloat`) in WebAssembly,
//! which keeps Rust's float formatting and parsing out of the module; natively (in tests),
//! by Rust. Both round-trip every finite `f64` exactly.

use wamp_proto::{Dict, List, ProtocolError, Value};

use super::{check_depth, integer, malformed};

const NAME: &str = "JSON";

pub(super) fn encode(value: &Value) -> Vec<u8> {
    let mut out = String::with_capacity(128);
    write(&mut out, value);
    out.into_bytes()
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => write_integer(out, i.unsigned_abs(), *i < 0),
        Value::UInt(u) => write_integer(out, *u, false),
        Value::Float(f) if !f.is_finite() => out.push_str("null"),
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => write_str(out, s),
        Value::Bytes(bytes) => {
            let mut text = String::with_capacity(1 + bytes.len().div_ceil(3) * 4);
            text.push('\0');
            super::base64::encode(bytes, &mut text);
            write_str(out, &text);
        }
        Value::List(list) => {
            out.push('[');
            for (index, item) in list.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Dict(dict) => {
            out.push('{');
            for (index, (key, item)) in dict.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

fn write_integer(out: &mut String, mut magnitude: u64, negative: bool) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    for digit in &digits[start..] {
        out.push(char::from(*digit));
    }
}

#[cfg(target_arch = "wasm32")]
fn write_float(out: &mut String, f: f64) {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = String)]
        fn js_string(number: f64) -> String;
    }
    let text = js_string(f);
    out.push_str(&text);
    // A float stays a float for the peer: `1e21` and `0.5` are, `3` is not.
    if !text.contains(['.', 'e']) {
        out.push_str(".0");
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn write_float(out: &mut String, f: f64) {
    use std::fmt::Write as _;
    let _ = write!(out, "{f:?}");
}

fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let byte = c as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn decode(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at < bytes.len() {
        return Err(reader.error("trailing characters"));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, problem: &str) -> ProtocolError {
        malformed(NAME, format!("{problem} at byte {}", self.at))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Consumes `literal` or fails.
    fn expect(&mut self, literal: &str) -> Result<(), ProtocolError> {
        if self.bytes[self.at..].starts_with(literal.as_bytes()) {
            self.at += literal.len();
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ProtocolError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'n') => self.expect("null").map(|()| Value::Null),
            Some(b't') => self.expect("true").map(|()| Value::Bool(true)),
            Some(b'f') => self.expect("false").map(|()| Value::Bool(false)),
            Some(b'"') => {
                let text = self.string()?;
                match text.strip_prefix('\0') {
                    Some(encoded) => super::base64::decode(encoded)
                        .map(Value::Bytes)
                        .ok_or_else(|| self.error("invalid base64 after \\u0000")),
                    None => Ok(Value::Str(text)),
                }
            }
            Some(b'[') => {
                check_depth(NAME, depth)?;
                self.at += 1;
                let mut list = List::new();
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Value::List(list));
                }
                loop {
                    list.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Value::List(list));
                        }
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                check_depth(NAME, depth)?;
                self.at += 1;
                let mut dict = Dict::new();
                self.skip_whitespace();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Value::Dict(dict));
                }
                loop {
                    self.skip_whitespace();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("expected a string key"));
                    }
                    let key = self.string()?;
                    self.skip_whitespace();
                    if self.peek() != Some(b':') {
                        return Err(self.error("expected ':'"));
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    dict.insert(key, value);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Value::Dict(dict));
                        }
                        _ => return Err(self.error("expected ',' or '}'")),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, ProtocolError> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let integer_start = self.at;
        let integer_digits = self.digits();
        if integer_digits == 0 || (integer_digits > 1 && self.bytes[integer_start] == b'0') {
            return Err(self.error("invalid number"));
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
            float = true;
        }
        // The grammar above admits only ASCII.
        let text = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or_default();
        if !float {
            let magnitude = self.bytes[integer_start..self.at]
                .iter()
                .try_fold(0u64, |n, d| {
                    n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                });
            let exact = magnitude.and_then(|m| {
                let m = i128::from(m);
                integer(if negative { -m } else { m })
            });
            if let Some(value) = exact {
                return Ok(value);
            }
            // Beyond 64 bits: a float, as serde_json reads it.
        }
        Ok(Value::Float(parse_float(text)))
    }

    /// A string; the reader is at its opening quote.
    fn string(&mut self) -> Result<String, ProtocolError> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.at += 1;
                    let simple = match escape {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.error("invalid escape")),
                    };
                    if let Some(simple) = simple {
                        out.push(simple);
                        continue;
                    }
                    let c = self.unicode_escape()?;
                    let mut buffer = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => out.push(byte),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    fn hex4(&mut self) -> Result<u32, ProtocolError> {
        let Some(digits) = self.bytes.get(self.at..self.at + 4) else {
            return Err(self.error("invalid \\u escape"));
        };
        let mut n = 0;
        for digit in digits {
            let value = char::from(*digit)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            n = n * 16 + value;
        }
        self.at += 4;
        Ok(n)
    }

    /// The character of a `\u` escape (the reader is after the `u`), with surrogate pairs.
    fn unicode_escape(&mut self) -> Result<char, ProtocolError> {
        let first = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&first) {
            if !self.bytes[self.at..].starts_with(b"\\u") {
                return Err(self.error("lone surrogate in a \\u escape"));
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xdc00..0xe000).contains(&second) {
                return Err(self.error("invalid surrogate pair"));
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("lone surrogate in a \\u escape"))
    }
}

#[cfg(target_arch = "wasm32")]
fn parse_float(text: &str) -> f64 {
    js_sys::parse_float(text)
}

#[cfg(not(target_arch = "wasm32"))]
fn parse_float(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}
