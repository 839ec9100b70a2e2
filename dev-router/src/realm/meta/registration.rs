//! `wamp.registration.*`: the dealer's registrations as [`Endpoints`], and `match`.

use wamp_proto::{Dict, Id, MatchPolicy, SessionId, Uri, Value};

use super::endpoint::{Endpoint, Endpoints};
use super::{Answer, Arguments, answer};
use crate::realm::dealer::{Dealer, Registration};
use crate::realm::{Realm, Timestamp, error_uri};

impl Endpoint for Registration {
    fn id(&self) -> Id {
        Registration::id(self)
    }

    fn uri(&self) -> &Uri {
        self.procedure()
    }

    fn policy(&self) -> MatchPolicy {
        Registration::policy(self)
    }

    fn created(&self) -> Timestamp {
        Registration::created(self)
    }

    /// In the order they registered, which the invocation policies follow.
    fn members(&self) -> Vec<SessionId> {
        self.callees().collect()
    }

    fn member_count(&self) -> usize {
        self.callees().len()
    }

    fn add_details(&self, details: &mut Dict) {
        details.insert("invoke".into(), self.invocation_policy().as_str().into());
    }

    fn counter(&self) -> (&'static str, u64) {
        ("calls", self.calls())
    }
}

impl Endpoints for Dealer {
    type Endpoint = Registration;
    const ID_ARGUMENT: &'static str = "registration";
    const URI_ARGUMENT: &'static str = "procedure";
    const NO_SUCH: &'static str = error_uri::NO_SUCH_REGISTRATION;

    fn endpoint(&self, id: Id) -> Option<&Registration> {
        self.registration(id)
    }

    fn endpoints(&self) -> impl Iterator<Item = &Registration> {
        self.registrations()
    }

    fn endpoints_of(&self, session: SessionId) -> impl Iterator<Item = Id> {
        self.registrations_of(session)
    }

    fn lookup(&self, uri: &Uri, policy: MatchPolicy) -> Option<&Registration> {
        Dealer::lookup(self, uri, policy)
    }
}

impl Realm {
    /// `wamp.registration.match(procedure)`: the registration a call would reach, or null.
    pub(super) fn meta_registration_match(&self, args: Arguments<'_>) -> Answer {
        let procedure = Uri::new(args.string(0, "procedure")?);
        let id = self.dealer.best_match(&procedure).map(Registration::id);
        answer(id.map_or(Value::Null, |id| id.get().into()))
    }
}
