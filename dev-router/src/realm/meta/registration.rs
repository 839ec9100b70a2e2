//! `wamp.registration.*`: listing and describing registrations.

use wamp_proto::{Dict, Id, Uri, Value};

use super::{Answer, Arguments, Failure, answer, id_list, lists_by_policy};
use crate::realm::dealer::Registration;
use crate::realm::{Realm, error_uri, index};

/// `{id, created, uri, match, invoke}`, as `wamp.registration.on_create` reports it.
pub(super) fn details(registration: &Registration) -> Dict {
    Dict::from([
        ("id".to_owned(), registration.id().get().into()),
        (
            "created".to_owned(),
            registration.created().rfc3339().into(),
        ),
        ("uri".to_owned(), registration.procedure().as_str().into()),
        ("match".to_owned(), registration.policy().as_str().into()),
        (
            "invoke".to_owned(),
            registration.invocation_policy().as_str().into(),
        ),
    ])
}

impl Realm {
    /// The registration named by the `registration` argument.
    fn registration_argument(&self, args: Arguments<'_>) -> Result<&Registration, Failure> {
        let id = args.integer(0, "registration")?;
        Id::new(id)
            .and_then(|id| self.dealer.registration(id))
            .ok_or_else(|| {
                Failure::new(
                    error_uri::NO_SUCH_REGISTRATION,
                    format!("no registration with ID {id} in this realm"),
                )
            })
    }

    /// `wamp.registration.list(session?)`.
    pub(super) fn meta_registration_list(&self, args: Arguments<'_>) -> Answer {
        let session = args.get(Some(0), "session");
        let lists = match session {
            None => lists_by_policy(
                self.dealer
                    .registrations()
                    .map(|registration| (registration.id(), registration.policy())),
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
                lists_by_policy(self.dealer.registrations_of(session).filter_map(|id| {
                    self.dealer
                        .registration(id)
                        .map(|registration| (id, registration.policy()))
                }))
            }
        };
        answer(lists)
    }

    /// `wamp.registration.lookup(procedure, options?)`: the registration for exactly this
    /// procedure and `options.match`, or null.
    pub(super) fn meta_registration_lookup(&self, args: Arguments<'_>) -> Answer {
        let procedure = Uri::new(args.string(0, "procedure")?);
        let options = args.optional_dict(Some(1), "options")?;
        let policy = index::match_policy(options.unwrap_or(&Dict::new()))
            .map_err(Failure::invalid_argument)?;
        let id = self.dealer.lookup(&procedure, policy).map(Registration::id);
        answer(id.map_or(Value::Null, |id| id.get().into()))
    }

    /// `wamp.registration.match(procedure)`: the registration a call would reach, or null.
    pub(super) fn meta_registration_match(&self, args: Arguments<'_>) -> Answer {
        let procedure = Uri::new(args.string(0, "procedure")?);
        let id = self.dealer.best_match(&procedure).map(Registration::id);
        answer(id.map_or(Value::Null, |id| id.get().into()))
    }

    /// `wamp.registration.get(registration)`, with the `dev_router` counters.
    pub(super) fn meta_registration_get(&self, args: Arguments<'_>) -> Answer {
        let registration = self.registration_argument(args)?;
        let mut details = details(registration);
        let counters = Dict::from([("calls".to_owned(), registration.calls().into())]);
        details.insert("dev_router".into(), Value::Dict(counters));
        answer(details)
    }

    /// `wamp.registration.list_callees(registration)`, or `count_callees` when `count`.
    pub(super) fn meta_registration_callees(&self, args: Arguments<'_>, count: bool) -> Answer {
        let registration = self.registration_argument(args)?;
        if count {
            answer(registration.callees().len() as u64)
        } else {
            answer(id_list(registration.callees()))
        }
    }
}
