//! A direct JSON reader for [`Value`]: the fast path of [`super::json::decode_value`].
//!
//! It reads the same grammar as `serde_json` and produces the same [`Value`] under the
//! conventions of [`super`] (canonical integers, `"\u0000" + base64` as bytes, the depth
//! limit, a repeated key keeping its last value), without serde's visitor calls and their
//! moves of every value. It never decides what is *wrong*: on anything it does not accept
//! (malformed input, a lone surrogate escape, a number out of range, bad base64) it gives
//! up with [`Unsupported`], and the caller decodes the input again with `serde_json`, whose
//! error (or value) is then the answer. So the reader only has to be right about what it
//! accepts; the tests below hold it to `serde_json` on both.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::value_serde::MAX_DEPTH;
use crate::value::{Dict, List, Value};

/// The reader gave up: let `serde_json` decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported;

type Read<T> = Result<T, Unsupported>;

/// Reads exactly one JSON value from `bytes` (whitespace around it allowed).
pub(super) fn read_value(bytes: &[u8]) -> Read<Value> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at != bytes.len() {
        return Err(Unsupported);
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The value at the cursor, after optional whitespace; `depth` lists and dictionaries
    /// enclose it.
    fn value(&mut self, depth: usize) -> Read<Value> {
        self.skip_whitespace();
        match self.peek().ok_or(Unsupported)? {
            b'"' => {
                self.at += 1;
                let text = self.string()?;
                match text.strip_prefix('\0') {
                    Some(encoded) => BASE64
                        .decode(encoded)
                        .map(Value::Bytes)
                        .map_err(|_| Unsupported),
                    None => Ok(Value::Str(text)),
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(Unsupported);
                }
                self.at += 1;
                self.list(depth + 1).map(Value::List)
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(Unsupported);
                }
                self.at += 1;
                self.dict(depth + 1).map(Value::Dict)
            }
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Unsupported),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Read<Value> {
        let end = self.at + word.len();
        if self.bytes.get(self.at..end) != Some(word) {
            return Err(Unsupported);
        }
        self.at = end;
        Ok(value)
    }

    /// The elements after `[`, through `]`.
    fn list(&mut self, depth: usize) -> Read<List> {
        let mut list = List::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(list);
        }
        loop {
            list.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(list);
                }
                _ => return Err(Unsupported),
            }
        }
    }

    /// The members after `{`, through `}`.
    fn dict(&mut self, depth: usize) -> Read<Dict> {
        let mut dict = Dict::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(dict);
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(Unsupported);
            }
            self.at += 1;
            // Keys are plain strings, even when they start with NUL.
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(Unsupported);
            }
            self.at += 1;
            let value = self.value(depth)?;
            dict.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(dict);
                }
                _ => return Err(Unsupported),
            }
        }
    }

    /// The rest of a string after its opening quote, through the closing one.
    fn string(&mut self) -> Read<String> {
        let start = self.at;
        // The common case: no escapes, so the text is the input's bytes.
        loop {
            match self.peek().ok_or(Unsupported)? {
                b'"' => {
                    let raw = &self.bytes[start..self.at];
                    self.at += 1;
                    return std::str::from_utf8(raw)
                        .map(str::to_owned)
                        .map_err(|_| Unsupported);
                }
                b'\\' => break,
                0..=0x1f => return Err(Unsupported),
                _ => self.at += 1,
            }
        }
        let mut text = Vec::with_capacity(self.at - start + 16);
        text.extend_from_slice(&self.bytes[start..self.at]);
        loop {
            match self.peek().ok_or(Unsupported)? {
                b'"' => {
                    self.at += 1;
                    return String::from_utf8(text).map_err(|_| Unsupported);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = self.peek().ok_or(Unsupported)?;
                    self.at += 1;
                    let byte = match escaped {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut buffer = [0u8; 4];
                            text.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                            continue;
                        }
                        _ => return Err(Unsupported),
                    };
                    text.push(byte);
                }
                0..=0x1f => return Err(Unsupported),
                byte => {
                    text.push(byte);
                    self.at += 1;
                }
            }
        }
    }

    /// The character of a `\uXXXX` escape (the `\u` read), with its low surrogate if it is
    /// a high one. Lone surrogates are left to `serde_json`.
    fn unicode_escape(&mut self) -> Read<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(Unsupported);
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Unsupported);
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(Unsupported),
            other => u32::from(other),
        };
        char::from_u32(code).ok_or(Unsupported)
    }

    fn hex4(&mut self) -> Read<u16> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(Unsupported)?;
        let mut code = 0u16;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(Unsupported),
            };
            code = code << 4 | u16::from(nibble);
        }
        self.at += 4;
        Ok(code)
    }

    /// A number, as `serde_json` reads it: an integer without fraction or exponent that
    /// fits is an integer (canonical); anything else is a float, `-0` included.
    fn number(&mut self) -> Read<Value> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits_start = self.at;
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                // One leading zero only.
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(Unsupported);
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(Unsupported),
        }
        let digits_end = self.at;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.at += 1;
            if !self.skip_digits_at_least_one() {
                return Err(Unsupported);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !self.skip_digits_at_least_one() {
                return Err(Unsupported);
            }
        }
        if integer && let Some(value) = self.integer(negative, digits_start, digits_end) {
            return Ok(value);
        }
        // ASCII by construction.
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| Unsupported)?;
        match text.parse::<f64>() {
            Ok(float) if float.is_finite() => Ok(Value::Float(float)),
            _ => Err(Unsupported),
        }
    }

    /// The integer of the digits in `start..end`, if it has an integer form: `None` for
    /// `-0` and for values beyond `u64` (or below `i64::MIN`), which are floats.
    fn integer(&self, negative: bool, start: usize, end: usize) -> Option<Value> {
        let mut significand: u64 = 0;
        for &digit in &self.bytes[start..end] {
            significand = significand
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
        }
        if !negative {
            return Some(Value::from(significand));
        }
        // As serde_json: the negation must come out negative (so not -0, and not beyond
        // i64::MIN).
        let negated = (significand as i64).wrapping_neg();
        (negated < 0).then_some(Value::Int(negated))
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn skip_digits_at_least_one(&mut self) -> bool {
        let start = self.at;
        self.skip_digits();
        self.at > start
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;

    use super::super::value_serde::ValueSeed;
    use super::*;

    /// What `serde_json` makes of `text`: the value, or `None` for an error.
    fn by_serde(text: &[u8]) -> Option<Value> {
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        let value = ValueSeed::<true>::top()
            .deserialize(&mut deserializer)
            .ok()?;
        deserializer.end().ok()?;
        Some(value)
    }

    /// The reader accepts `text` and agrees with serde_json, bit for bit on floats.
    fn agrees(text: &str) {
        let ours = read_value(text.as_bytes());
        let theirs = by_serde(text.as_bytes());
        match (&ours, &theirs) {
            (Ok(ours), Some(theirs)) => assert!(
                same(ours, theirs),
                "{text:?}: reader {ours:?}, serde_json {theirs:?}"
            ),
            (Err(_), _) => panic!("{text:?}: the reader gave up; serde_json: {theirs:?}"),
            (Ok(ours), None) => panic!("{text:?}: the reader accepts ({ours:?}), serde_json not"),
        }
    }

    /// `==`, except that floats must have the same bits (so `-0.0` is not `0.0`).
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

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            "null",
            " true ",
            "false\n",
            "0",
            "-1",
            "42",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "-0",
            "0.0",
            "-0.0",
            "1.5",
            "1e3",
            "1E+3",
            "2.5e-3",
            "123456789012345678901234567890",
            "0.1",
            "1.7976931348623157e308",
            "5e-324",
            "4.9406564584124654e-324",
            "\"\"",
            "\"plain\"",
            "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
            "\"\\u00e9\\u4e2d \\ud83d\\ude00 \\u0041\"",
            "\"é中😀\"",
            "\"\\u0000AQID\"",
            "\"\\u0000\"",
            "[]",
            "[ ]",
            "{}",
            "{ }",
            "[1,\"a\",[2,[3,{}]],{\"k\":[null]}]",
            " [ 1 , 2 ] ",
            "{\"a\":1,\"b\":{\"c\":[true,false]},\"a\":2}",
            "{\"\\u0000key\":\"v\"}",
            "[48,1,{},\"com.example.add\",[2,3],{\"x\":1.25}]",
        ] {
            agrees(text);
        }
    }

    proptest::proptest! {
        /// On text made of JSON's own characters, mostly malformed: whatever the reader
        /// accepts, serde_json reads the same.
        #[test]
        fn never_accepts_differently(text in "[\\[\\]{}\",:0-9eE.+\\- \\\\ubnrtfalsu00dD8ée]{0,32}") {
            if let Ok(ours) = read_value(text.as_bytes()) {
                let theirs = by_serde(text.as_bytes());
                proptest::prop_assert!(
                    theirs.as_ref().is_some_and(|theirs| same(&ours, theirs)),
                    "{:?}: reader {:?}, serde_json {:?}", text, ours, theirs
                );
            }
        }
    }

    #[test]
    fn nests_to_the_limit() {
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        agrees(&at_limit);
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(read_value(too_deep.as_bytes()), Err(Unsupported));
        assert!(by_serde(too_deep.as_bytes()).is_none());
    }

    #[test]
    fn gives_up_on_everything_serde_json_refuses() {
        for text in [
            "",
            " ",
            "nul",
            "nulls",
            "tru",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "[",
            "]",
            "{",
            "\"open",
            "\"bad \\x escape\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"tab\there\"",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "\"\\u0000not base64!\"",
            "1 2",
            "[1] x",
        ] {
            assert_eq!(read_value(text.as_bytes()), Err(Unsupported), "{text:?}");
            assert!(by_serde(text.as_bytes()).is_none(), "{text:?}");
        }
        for bytes in [&b"\"\xff\""[..], b"\"\xc3\"", b"\"a\\n\xff\""] {
            assert_eq!(read_value(bytes), Err(Unsupported));
            assert!(by_serde(bytes).is_none());
        }
    }
}

/// Reader against serde_json on a small and a 1 KB CALL, best of 300 rounds each (robust
/// to a busy machine): `cargo test --release -p wamp-proto --lib json_read_cost --
/// --ignored --nocapture`.
#[cfg(test)]
mod cost {
    use super::*;
    use crate::{Dict, Id, Message, Payload, Serializer, Uri};

    #[test]
    #[ignore = "a measurement; run it in release mode"]
    fn json_read_cost() {
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
        for payload in [
            Payload::args(vec![Value::Int(42), Value::from("hello")]),
            Payload {
                args: vec![Value::from("com.example.record")],
                kwargs,
            },
        ] {
            let m = Message::Call {
                request: Id::new(7_814_135).unwrap(),
                options: Dict::new(),
                procedure: Uri::new("com.myapp.echo"),
                payload,
            };
            let bytes = Serializer::Json.encode(&m);
            assert!(read_value(&bytes).is_ok());
            let (mut fast, mut slow) = (u128::MAX, u128::MAX);
            for _ in 0..300 {
                let n = 2000;
                let t = std::time::Instant::now();
                for _ in 0..n {
                    std::hint::black_box(read_value(std::hint::black_box(&bytes)).unwrap());
                }
                fast = fast.min(t.elapsed().as_nanos() / n);
                let t = std::time::Instant::now();
                for _ in 0..n {
                    std::hint::black_box(
                        super::super::json::decode_value_with_serde(std::hint::black_box(&bytes))
                            .unwrap(),
                    );
                }
                slow = slow.min(t.elapsed().as_nanos() / n);
            }
            {
                println!("{} bytes: reader {fast} ns, serde {slow} ns", bytes.len());
            }
        }
    }
}
