//! Which records a watcher wants: by session, by message type, by URI substring.

use wamp_proto::{Dict, Id, MessageType, SessionId, Value};

use super::record::Record;

/// A trace filter; the default admits every record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Filter {
    /// Only messages from or to this session.
    session: Option<SessionId>,
    /// Bit `code` set for each wanted message type (codes are below 128); 0 for all.
    types: u128,
    /// Only messages whose URI contains this.
    uri: Option<String>,
}

/// The keys of a filter in the procedures' keyword arguments.
pub(crate) const KEYS: &[&str] = &["session", "types", "uri"];

impl Filter {
    /// Reads `session`, `types` and `uri` from keyword arguments; `null`, an empty list and
    /// an empty string mean "any". Keys in `other_keys` are left to the caller; any other key
    /// is an error, so that a misspelt filter does not silently admit everything.
    ///
    /// # Errors
    /// An explanation for `wamp.error.invalid_argument`.
    pub(crate) fn from_kwargs(kwargs: &Dict, other_keys: &[&str]) -> Result<Filter, String> {
        if let Some(key) = kwargs
            .keys()
            .find(|key| !KEYS.contains(&key.as_str()) && !other_keys.contains(&key.as_str()))
        {
            let mut known: Vec<&str> = KEYS.iter().chain(other_keys).copied().collect();
            known.sort_unstable();
            return Err(format!(
                "unknown argument '{key}' (expected: {})",
                known.join(", ")
            ));
        }
        let present = |key: &str| kwargs.get(key).filter(|value| !value.is_null());
        let session = match present("session") {
            None => None,
            Some(value) => Some(value.as_u64().and_then(Id::new).ok_or_else(|| {
                "argument 'session' must be a session ID (a positive integer)".to_owned()
            })?),
        };
        let mut types = 0u128;
        if let Some(value) = present("types") {
            let error = || {
                let names: Vec<&str> = MessageType::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "argument 'types' must be a list of message type names ({})",
                    names.join(", ")
                )
            };
            for item in value.as_list().ok_or_else(error)? {
                let name = item.as_str().ok_or_else(error)?;
                let message_type = MessageType::ALL
                    .iter()
                    .find(|t| t.name().eq_ignore_ascii_case(name))
                    .ok_or_else(error)?;
                types |= bit(*message_type);
            }
        }
        let uri = match present("uri") {
            None => None,
            Some(Value::Str(text)) if text.is_empty() => None,
            Some(Value::Str(text)) => Some(text.clone()),
            Some(_) => return Err("argument 'uri' must be a string".into()),
        };
        Ok(Filter {
            session,
            types,
            uri,
        })
    }

    /// Whether the filter admits every record.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Whether the filter looks at URIs, which only a decoded record has.
    pub(crate) fn needs_uri(&self) -> bool {
        self.uri.is_some()
    }

    /// Whether `record` passes the session and type parts: what is known without decoding.
    pub(crate) fn admits_cheaply(&self, record: &Record) -> bool {
        self.session.is_none_or(|session| session == record.session)
            && (self.types == 0 || self.types & bit(record.message_type) != 0)
    }

    /// Whether a record that passed [`Filter::admits_cheaply`] passes the URI part too.
    pub(crate) fn admits_uri(&self, uri: Option<&str>) -> bool {
        match &self.uri {
            None => true,
            Some(part) => uri.is_some_and(|uri| contains_ignoring_case(uri, part)),
        }
    }

    /// The filter as `set_filter` takes it, with only the parts that are set.
    pub(crate) fn to_value(&self) -> Value {
        let mut dict = Dict::new();
        if let Some(session) = self.session {
            dict.insert("session".into(), Value::from(session.get()));
        }
        if self.types != 0 {
            let names = MessageType::ALL
                .iter()
                .filter(|t| self.types & bit(**t) != 0)
                .map(|t| Value::from(t.name()))
                .collect();
            dict.insert("types".into(), Value::List(names));
        }
        if let Some(uri) = &self.uri {
            dict.insert("uri".into(), uri.as_str().into());
        }
        Value::Dict(dict)
    }
}

/// Whether `text` contains `part`, ignoring ASCII case (URIs are ASCII by convention; other
/// characters must match exactly).
fn contains_ignoring_case(text: &str, part: &str) -> bool {
    let (text, part) = (text.as_bytes(), part.as_bytes());
    part.is_empty()
        || text
            .windows(part.len())
            .any(|window| window.eq_ignore_ascii_case(part))
}

fn bit(message_type: MessageType) -> u128 {
    // Codes are at most 70 (YIELD); the shift cannot overflow.
    1u128 << (message_type.code() % 128)
}

#[cfg(test)]
mod tests {
    use wamp_proto::Serializer;

    use super::*;
    use crate::trace::record::{Direction, Frame};

    fn kwargs(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.clone()))
            .collect()
    }

    fn record(session: u64, message_type: MessageType) -> Record {
        Record {
            seq: 1,
            time_us: 0,
            session: Id::new(session).unwrap(),
            direction: Direction::In,
            serializer: Serializer::Json,
            message_type,
            position: 0,
            size: 0,
            frame: Frame::Held(Box::default()),
            subject: None,
        }
    }

    #[test]
    fn empty_kwargs_admit_everything() {
        for empty in [
            Dict::new(),
            kwargs(&[("session", Value::Null), ("types", Value::List(vec![]))]),
            kwargs(&[("uri", "".into())]),
        ] {
            let filter = Filter::from_kwargs(&empty, &[]).unwrap();
            assert!(filter.is_empty(), "{empty:?}");
            assert!(filter.admits_cheaply(&record(3, MessageType::Event)));
            assert!(filter.admits_uri(None));
            assert_eq!(filter.to_value(), Value::Dict(Dict::new()));
        }
    }

    #[test]
    fn session_types_and_uri_combine() {
        let filter = Filter::from_kwargs(
            &kwargs(&[
                ("session", Value::from(3u64)),
                (
                    "types",
                    Value::List(vec!["CALL".into(), "result".into(), "Error".into()]),
                ),
                ("uri", "example".into()),
            ]),
            &[],
        )
        .unwrap();
        assert!(filter.admits_cheaply(&record(3, MessageType::Call)));
        assert!(filter.admits_cheaply(&record(3, MessageType::Result)));
        assert!(filter.admits_cheaply(&record(3, MessageType::Error)));
        assert!(!filter.admits_cheaply(&record(4, MessageType::Call)));
        assert!(!filter.admits_cheaply(&record(3, MessageType::Event)));
        assert!(filter.needs_uri());
        assert!(filter.admits_uri(Some("com.example.add")));
        assert!(
            filter.admits_uri(Some("com.EXAMPLE.add")),
            "ASCII case is ignored"
        );
        assert!(!filter.admits_uri(Some("com.exampl")));
        assert!(!filter.admits_uri(Some("com.other.add")));
        assert!(!filter.admits_uri(None));
        assert_eq!(
            filter.to_value(),
            Value::Dict(kwargs(&[
                ("session", Value::from(3u64)),
                (
                    "types",
                    Value::List(vec!["ERROR".into(), "CALL".into(), "RESULT".into()])
                ),
                ("uri", "example".into()),
            ]))
        );
        // The normalized form reads back as the same filter.
        let Value::Dict(normalized) = filter.to_value() else {
            unreachable!()
        };
        assert_eq!(Filter::from_kwargs(&normalized, &[]).unwrap(), filter);
    }

    #[test]
    fn every_message_type_name_is_accepted() {
        for message_type in MessageType::ALL {
            let types = Value::List(vec![message_type.name().into()]);
            let filter = Filter::from_kwargs(&kwargs(&[("types", types)]), &[]).unwrap();
            assert!(filter.admits_cheaply(&record(1, *message_type)));
            let others = MessageType::ALL.iter().filter(|t| *t != message_type);
            for other in others {
                assert!(!filter.admits_cheaply(&record(1, *other)));
            }
        }
    }

    #[test]
    fn bad_arguments_are_explained() {
        let error = |pairs: &[(&str, Value)]| Filter::from_kwargs(&kwargs(pairs), &[]).unwrap_err();
        assert!(error(&[("session", "me".into())]).contains("session"));
        assert!(error(&[("session", Value::from(0u64))]).contains("positive"));
        assert!(error(&[("types", "CALL".into())]).contains("list of message type names"));
        assert!(error(&[("types", Value::List(vec!["CALLS".into()]))]).contains("YIELD"));
        assert!(error(&[("types", Value::List(vec![48.into()]))]).contains("types"));
        assert!(error(&[("uri", Value::from(1u64))]).contains("string"));
        let unknown = error(&[("type", Value::List(vec![]))]);
        assert!(unknown.contains("unknown argument 'type'"), "{unknown}");
        assert!(Filter::from_kwargs(&kwargs(&[("limit", 5.into())]), &["limit"]).is_ok());
    }
}
