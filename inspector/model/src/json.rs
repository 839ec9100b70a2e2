//! JSON for people: the console's editors and the payloads and messages on screen.
//!
//! Editors parse with [`parse_args`] and [`parse_kwargs`], whose [`JsonError`] says where
//! and what is wrong in words. Values are shown with [`pretty`] (indented) and [`compact`]
//! (one line). Binary values appear as the spec's JSON form, a string of `\u0000` followed by
//! base64, so that what is shown is also valid JSON.

use base64::Engine;
use wamp_proto::{Dict, List, Value};

/// Why the text of a JSON editor is not acceptable, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    fn at_start(message: impl Into<String>) -> Self {
        JsonError {
            line: 1,
            column: 1,
            message: message.into(),
        }
    }

    fn from_serde(error: &serde_json::Error) -> Self {
        let text = error.to_string();
        // serde_json appends " at line L column C"; the position is kept apart.
        let message = match text.rsplit_once(" at line ") {
            Some((message, _)) => message.to_owned(),
            None => text,
        };
        JsonError {
            line: error.line().max(1),
            column: error.column().max(1),
            message: explain(&message),
        }
    }
}

/// serde_json's wording, made plainer where it is cryptic.
fn explain(message: &str) -> String {
    if message.starts_with("EOF while parsing") {
        return "the text ends too early: a bracket, brace or quote is not closed".to_owned();
    }
    if message == "key must be a string" {
        return "keys must be strings in double quotes".to_owned();
    }
    if message == "trailing comma" {
        return "a comma before a closing bracket or brace is not allowed in JSON".to_owned();
    }
    if message == "trailing characters" {
        return "unexpected text after the value".to_owned();
    }
    if message.starts_with("expected value") {
        return "expected a value (a number, a \"string\", true, false, null, [ or {)".to_owned();
    }
    message.to_owned()
}

/// Parses one JSON value.
///
/// # Errors
/// A [`JsonError`] with the position of the first problem.
pub fn parse_value(text: &str) -> Result<Value, JsonError> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(from_json)
        .map_err(|error| JsonError::from_serde(&error))
}

/// Parses the positional arguments editor: a JSON list, or nothing (no arguments).
///
/// # Errors
/// Bad JSON, or JSON that is not a list.
pub fn parse_args(text: &str) -> Result<List, JsonError> {
    if text.trim().is_empty() {
        return Ok(List::new());
    }
    match parse_value(text)? {
        Value::List(list) => Ok(list),
        other => Err(JsonError::at_start(format!(
            "arguments must be a JSON list, like [1, \"two\"], not {}",
            kind(&other)
        ))),
    }
}

/// Parses the keyword arguments editor: a JSON object, or nothing (no keyword arguments).
///
/// # Errors
/// Bad JSON, or JSON that is not an object.
pub fn parse_kwargs(text: &str) -> Result<Dict, JsonError> {
    if text.trim().is_empty() {
        return Ok(Dict::new());
    }
    match parse_value(text)? {
        Value::Dict(dict) => Ok(dict),
        other => Err(JsonError::at_start(format!(
            "keyword arguments must be a JSON object, like {{\"name\": \"value\"}}, not {}",
            kind(&other)
        ))),
    }
}

/// "a number", "a list", ... for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Bytes(_) => "binary data",
        Value::List(_) => "a list",
        Value::Dict(_) => "an object",
    }
}

/// A `serde_json` value as a WAMP value: integers stay integers (64-bit, signed or not).
pub fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                Value::Int(i)
            } else if let Some(u) = number.as_u64() {
                Value::from(u)
            } else {
                Value::Float(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Dict(map.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

/// A WAMP value as a `serde_json` value: binary as `"\u0000" + base64`, NaN and infinities as
/// `null` (as `wamp.2.json` carries them).
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::UInt(u) => serde_json::Value::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Bytes(bytes) => serde_json::Value::String(format!(
            "\u{0}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )),
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Dict(dict) => {
            serde_json::Value::Object(dict.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// Indented JSON, two spaces per level.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(&to_json(value)).unwrap_or_default()
}

/// JSON on one line.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(&to_json(value)).unwrap_or_default()
}

/// JSON on one line, cut to at most `max_chars` characters (ending in `…` when cut).
pub fn compact_truncated(value: &Value, max_chars: usize) -> String {
    truncate(&compact(value), max_chars)
}

/// `text` cut to at most `max_chars` characters, ending in `…` when cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => {
            format!("{}…", &text[..cut])
        }
        _ => text.to_owned(),
    }
}

/// Positional and keyword arguments on one line, as a call reads: `[1, 2] {"a": 1}`, leaving
/// out empty parts; `—` when both are empty.
pub fn payload_line(args: &[Value], kwargs: &Dict, max_chars: usize) -> String {
    let mut parts = Vec::new();
    if !args.is_empty() {
        parts.push(compact(&Value::List(args.to_vec())));
    }
    if !kwargs.is_empty() {
        parts.push(compact(&Value::Dict(kwargs.clone())));
    }
    if parts.is_empty() {
        return "—".to_owned();
    }
    truncate(&parts.join(" "), max_chars)
}

/// What a piece of JSON text is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// An object key, with its quotes.
    Key,
    /// A string value, with its quotes.
    Str,
    /// A number.
    Number,
    /// `true`, `false` or `null`.
    Literal,
    /// Punctuation and white space.
    Plain,
}

impl Token {
    /// A CSS class name for the token: `key`, `str`, `num`, `lit`, or empty.
    pub fn class(self) -> &'static str {
        match self {
            Token::Key => "key",
            Token::Str => "str",
            Token::Number => "num",
            Token::Literal => "lit",
            Token::Plain => "",
        }
    }
}

/// Splits JSON text (as [`pretty`] makes it) into tokens for colouring. Concatenated, the
/// pieces are the text again; text that is not JSON comes out as [`Token::Plain`].
pub fn highlight(text: &str) -> Vec<(Token, &str)> {
    let bytes = text.as_bytes();
    let mut tokens: Vec<(Token, &str)> = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    // Pushes the plain text before `start`, then the token `start..end`.
    fn push<'a>(
        tokens: &mut Vec<(Token, &'a str)>,
        text: &'a str,
        plain_start: &mut usize,
        token: Token,
        start: usize,
        end: usize,
    ) {
        if *plain_start < start {
            tokens.push((Token::Plain, &text[*plain_start..start]));
        }
        tokens.push((token, &text[start..end]));
        *plain_start = end;
    }
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(bytes.len());
                let mut after = end;
                while after < bytes.len() && (bytes[after] == b' ' || bytes[after] == b'\n') {
                    after += 1;
                }
                let token = if bytes.get(after) == Some(&b':') {
                    Token::Key
                } else {
                    Token::Str
                };
                push(&mut tokens, text, &mut plain_start, token, start, end);
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                push(&mut tokens, text, &mut plain_start, Token::Number, start, i);
            }
            b't' | b'f' | b'n' => {
                let rest = &text[i..];
                let word = ["true", "false", "null"]
                    .into_iter()
                    .find(|w| rest.starts_with(w));
                match word {
                    Some(word) => {
                        push(
                            &mut tokens,
                            text,
                            &mut plain_start,
                            Token::Literal,
                            i,
                            i + word.len(),
                        );
                        i += word.len();
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    if plain_start < text.len() {
        tokens.push((Token::Plain, &text[plain_start..]));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_editors_mean_no_arguments() {
        assert_eq!(parse_args("  \n"), Ok(List::new()));
        assert_eq!(parse_kwargs(""), Ok(Dict::new()));
    }

    #[test]
    fn arguments_parse_with_exact_integers() {
        let args = parse_args("[1, -2, 18446744073709551615, 1.5, \"x\", null, true]").unwrap();
        assert_eq!(
            args,
            vec![
                Value::Int(1),
                Value::Int(-2),
                Value::UInt(u64::MAX),
                Value::Float(1.5),
                Value::from("x"),
                Value::Null,
                Value::Bool(true),
            ]
        );
        let kwargs = parse_kwargs("{\"a\": {\"b\": [1]}}").unwrap();
        assert_eq!(
            kwargs.get("a"),
            Some(&Value::Dict(Dict::from([(
                "b".to_owned(),
                Value::List(vec![Value::Int(1)])
            )])))
        );
    }

    #[test]
    fn bad_json_says_where_and_what() {
        let error = parse_args("[1,\n 2,,]").unwrap_err();
        assert_eq!((error.line, error.column), (2, 4));
        assert!(error.message.contains("expected a value"), "{error}");
        assert!(error.to_string().starts_with("line 2, column 4: "));

        let error = parse_args("[1, 2").unwrap_err();
        assert!(error.message.contains("not closed"), "{error}");

        let error = parse_kwargs("{a: 1}").unwrap_err();
        assert!(error.message.contains("double quotes"), "{error}");

        let error = parse_args("[1] x").unwrap_err();
        assert!(error.message.contains("after the value"), "{error}");
    }

    #[test]
    fn editors_want_the_right_shape() {
        let error = parse_args("{\"a\": 1}").unwrap_err();
        assert!(error.message.contains("must be a JSON list"), "{error}");
        assert!(error.message.contains("not an object"), "{error}");
        let error = parse_kwargs("[1]").unwrap_err();
        assert!(error.message.contains("must be a JSON object"), "{error}");
        let error = parse_kwargs("42").unwrap_err();
        assert!(error.message.contains("not a number"), "{error}");
    }

    #[test]
    fn values_show_as_json() {
        let value = Value::List(vec![
            Value::Int(1),
            Value::Bytes(vec![1, 2, 3]),
            Value::Float(f64::NAN),
            Value::Dict(Dict::from([("k".to_owned(), Value::from("v"))])),
        ]);
        assert_eq!(compact(&value), r#"[1,"\u0000AQID",null,{"k":"v"}]"#);
        assert!(pretty(&value).contains("\n  1,\n"));
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ääääää", 3), "ää…");
        assert_eq!(payload_line(&[Value::Int(1)], &Dict::new(), 40), "[1]");
        assert_eq!(payload_line(&[], &Dict::new(), 40), "—");
        let kwargs = Dict::from([("a".to_owned(), Value::Int(1))]);
        assert_eq!(payload_line(&[Value::Int(1)], &kwargs, 40), "[1] {\"a\":1}");
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let text =
            pretty(&parse_value(r#"{"a": [1, -2.5e3, "x\"y", true, null], "b": {}}"#).unwrap());
        let tokens = highlight(&text);
        let joined: String = tokens.iter().map(|(_, piece)| *piece).collect();
        assert_eq!(joined, text);
        let kinds: Vec<(Token, &str)> = tokens
            .into_iter()
            .filter(|(t, _)| *t != Token::Plain)
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Token::Key, "\"a\""),
                (Token::Number, "1"),
                (Token::Number, "-2500.0"),
                (Token::Str, "\"x\\\"y\""),
                (Token::Literal, "true"),
                (Token::Literal, "null"),
                (Token::Key, "\"b\""),
            ]
        );
        assert_eq!(highlight("not json"), vec![(Token::Plain, "not json")]);
    }
}
