//! What `wamp.registration.*` and `wamp.subscription.*` have in common: the same procedures
//! (`list`, `lookup`, `get`, `list_*`, `count_*`) over the dealer's registrations and the
//! broker's subscriptions, written once over [`Endpoints`].

use wamp_proto::{Dict, Id, MatchPolicy, SessionId, Uri, Value};

use super::{Answer, Arguments, Failure, answer, id_list, lists_by_policy};
use crate::realm::{Realm, Timestamp, error_uri, index};

/// A registration or a subscription: a URI or pattern, and the sessions behind it.
pub(super) trait Endpoint {
    fn id(&self) -> Id;
    /// The procedure or topic, or its pattern.
    fn uri(&self) -> &Uri;
    fn policy(&self) -> MatchPolicy;
    /// When its first session created it.
    fn created(&self) -> Timestamp;
    /// Its callees or subscribers, in the order the meta API lists them.
    fn members(&self) -> Vec<SessionId>;
    fn member_count(&self) -> usize;
    /// Details beyond `{id, created, uri, match}` in `on_create` and `get`.
    fn add_details(&self, _details: &mut Dict) {}
    /// Its counter under `dev_router` in `get`: `("calls", n)` or `("events", n)`.
    fn counter(&self) -> (&'static str, u64);
}

/// The dealer's registrations or the broker's subscriptions.
pub(super) trait Endpoints {
    type Endpoint: Endpoint;
    /// The name of the ID argument: `"registration"` or `"subscription"`.
    const ID_ARGUMENT: &'static str;
    /// The name of the URI argument of `lookup`: `"procedure"` or `"topic"`.
    const URI_ARGUMENT: &'static str;
    /// The error for an unknown ID.
    const NO_SUCH: &'static str;

    fn endpoint(&self, id: Id) -> Option<&Self::Endpoint>;
    fn endpoints(&self) -> impl Iterator<Item = &Self::Endpoint>;
    /// The IDs of those `session` is behind.
    fn endpoints_of(&self, session: SessionId) -> impl Iterator<Item = Id>;
    /// The one for exactly `uri` and `policy`.
    fn lookup(&self, uri: &Uri, policy: MatchPolicy) -> Option<&Self::Endpoint>;
}

/// `{id, created, uri, match, ...}`, as `on_create` reports it.
pub(super) fn details(endpoint: &impl Endpoint) -> Dict {
    let mut details = Dict::from([
        ("id".to_owned(), endpoint.id().get().into()),
        ("created".to_owned(), endpoint.created().rfc3339().into()),
        ("uri".to_owned(), endpoint.uri().as_str().into()),
        ("match".to_owned(), endpoint.policy().as_str().into()),
    ]);
    endpoint.add_details(&mut details);
    details
}

impl Realm {
    /// The registration or subscription named by the ID argument.
    fn endpoint_argument<'t, T: Endpoints>(
        table: &'t T,
        args: Arguments<'_>,
    ) -> Result<&'t T::Endpoint, Failure> {
        let id = args.integer(0, T::ID_ARGUMENT)?;
        Id::new(id)
            .and_then(|id| table.endpoint(id))
            .ok_or_else(|| {
                Failure::new(
                    T::NO_SUCH,
                    format!("no {} with ID {id} in this realm", T::ID_ARGUMENT),
                )
            })
    }

    /// `list(session?)`: `{exact, prefix, wildcard}` lists of IDs, all or one session's.
    pub(super) fn meta_list<T: Endpoints>(&self, table: &T, args: Arguments<'_>) -> Answer {
        let lists =
            match args.get(Some(0), "session") {
                None => lists_by_policy(
                    table
                        .endpoints()
                        .map(|endpoint| (endpoint.id(), endpoint.policy())),
                ),
                Some(session) => {
                    let session = session
                        .as_u64()
                        .and_then(Id::new)
                        .filter(|session| self.sessions.contains_key(session))
                        .ok_or_else(|| {
                            Failure::new(
                                error_uri::NO_SUCH_SESSION,
                                format!("no session {session:?} in this realm"),
                            )
                        })?;
                    lists_by_policy(table.endpoints_of(session).filter_map(|id| {
                        table.endpoint(id).map(|endpoint| (id, endpoint.policy()))
                    }))
                }
            };
        answer(lists)
    }

    /// `lookup(uri, options?)`: the ID for exactly this URI and `options.match`, or null.
    pub(super) fn meta_lookup<T: Endpoints>(table: &T, args: Arguments<'_>) -> Answer {
        let uri = Uri::new(args.string(0, T::URI_ARGUMENT)?);
        let options = args.optional_dict(Some(1), "options")?;
        let policy = index::match_policy(options.unwrap_or(&Dict::new()))
            .map_err(Failure::invalid_argument)?;
        let id = table.lookup(&uri, policy).map(Endpoint::id);
        answer(id.map_or(Value::Null, |id| id.get().into()))
    }

    /// `get(id)`: its details, with the `dev_router` counter.
    pub(super) fn meta_get<T: Endpoints>(table: &T, args: Arguments<'_>) -> Answer {
        let endpoint = Self::endpoint_argument(table, args)?;
        let mut details = details(endpoint);
        let (name, value) = endpoint.counter();
        let counters = Dict::from([(name.to_owned(), value.into())]);
        details.insert("dev_router".into(), Value::Dict(counters));
        answer(details)
    }

    /// `list_callees(id)` / `list_subscribers(id)`, or their count when `count`.
    pub(super) fn meta_members<T: Endpoints>(
        table: &T,
        args: Arguments<'_>,
        count: bool,
    ) -> Answer {
        let endpoint = Self::endpoint_argument(table, args)?;
        match count {
            true => answer(endpoint.member_count() as u64),
            false => answer(id_list(endpoint.members())),
        }
    }
}
