//! The WAMP meta API: sessions, registrations and subscriptions, listed, described, watched
//! and (sessions) killed.

use inspector_model::endpoints::{Endpoint, EndpointKind};
use inspector_model::meta::{self, MetaEvent};
use inspector_model::stats::{ON_STATS, Stats};
use inspector_model::{Dict, List, SessionRow, Value};
use wamp_wasm::Subscription;
use wamp_wasm::wamp_proto::client::SubscribeOptions;

use super::{ApiError, Client};

/// The first positional result, or an error naming the procedure.
fn first(procedure: &str, args: List) -> Result<Value, ApiError> {
    args.into_iter().next().ok_or_else(|| ApiError {
        uri: None,
        message: format!("{procedure} answered without a result"),
        args: List::new(),
        kwargs: Dict::new(),
    })
}

fn id_arg(id: u64) -> List {
    vec![Value::from(id)]
}

impl Client {
    /// `wamp.session.list`: every session ID of the realm.
    pub(crate) async fn session_ids(&self) -> Result<Vec<u64>, ApiError> {
        let result = self
            .call(meta::SESSION_LIST, List::new(), Dict::new())
            .await?;
        Ok(meta::ids(&first(meta::SESSION_LIST, result.args)?))
    }

    /// `wamp.session.get`: one session's details; `Ok(None)` if it left already.
    pub(crate) async fn session(&self, id: u64) -> Result<Option<SessionRow>, ApiError> {
        match self.call(meta::SESSION_GET, id_arg(id), Dict::new()).await {
            Ok(result) => {
                let value = first(meta::SESSION_GET, result.args)?;
                Ok(value.as_dict().and_then(SessionRow::from_details))
            }
            Err(error) if error.uri.as_deref() == Some("wamp.error.no_such_session") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `wamp.session.kill`: closes another session with `wamp.close.killed`.
    pub(crate) async fn kill_session(&self, id: u64) -> Result<(), ApiError> {
        let kwargs = Dict::from([(
            "message".to_owned(),
            Value::from("killed from the WAMP inspector"),
        )]);
        self.call(meta::SESSION_KILL, id_arg(id), kwargs).await?;
        Ok(())
    }

    /// `wamp.registration.list` / `wamp.subscription.list`: every ID.
    pub(crate) async fn endpoint_ids(&self, kind: EndpointKind) -> Result<Vec<u64>, ApiError> {
        let procedure = kind.procedure("list");
        let result = self.call(&procedure, List::new(), Dict::new()).await?;
        Ok(meta::ids(&first(&procedure, result.args)?))
    }

    /// `get` and the members (`list_callees` / `list_subscribers`) of one registration or
    /// subscription; `Ok(None)` if it is gone already.
    pub(crate) async fn endpoint(
        &self,
        kind: EndpointKind,
        id: u64,
    ) -> Result<Option<(Endpoint, Vec<u64>)>, ApiError> {
        let get = kind.procedure("get");
        let members_procedure = kind.members_procedure();
        // Both requests go out before either answer is awaited.
        let details = self.wamp().call(&get, payload(id), Default::default());
        let members = self
            .wamp()
            .call(&members_procedure, payload(id), Default::default());
        let gone = |error: &ApiError| {
            matches!(
                error.uri.as_deref(),
                Some("wamp.error.no_such_registration" | "wamp.error.no_such_subscription")
            )
        };
        let details = match details.await.map_err(ApiError::from) {
            Ok(result) => first(&get, result.args)?,
            Err(error) if gone(&error) => return Ok(None),
            Err(error) => return Err(error),
        };
        let members = match members.await.map_err(ApiError::from) {
            Ok(result) => meta::ids(&first(&members_procedure, result.args)?),
            Err(error) if gone(&error) => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(details
            .as_dict()
            .and_then(|details| Endpoint::from_details(kind, details))
            .map(|endpoint| (endpoint, members)))
    }

    /// Subscribes `handler` to one meta event topic.
    pub(crate) async fn watch_meta(
        &self,
        topic: &str,
        handler: impl Fn(MetaEvent) + 'static,
    ) -> Result<Subscription, ApiError> {
        let owned_topic = topic.to_owned();
        let subscription = self
            .wamp()
            .subscribe(topic, SubscribeOptions::default(), move |event| {
                if let Some(parsed) = MetaEvent::parse(&owned_topic, &event.payload.args) {
                    handler(parsed);
                }
            })
            .await?;
        Ok(subscription)
    }
}

impl Client {
    /// Subscribes to the dev-router's counters (`dev_router.session.on_stats`); `handler`
    /// gets each event that reports something. Other routers accept the subscription and
    /// never publish.
    pub(crate) async fn watch_stats(
        &self,
        handler: impl Fn(Stats) + 'static,
    ) -> Result<Subscription, ApiError> {
        let subscription = self
            .wamp()
            .subscribe(ON_STATS, SubscribeOptions::default(), move |event| {
                let stats = Stats::from_kwargs(&event.payload.kwargs);
                if !stats.is_empty() {
                    handler(stats);
                }
            })
            .await?;
        Ok(subscription)
    }
}

fn payload(id: u64) -> wamp_wasm::wamp_proto::Payload {
    wamp_wasm::wamp_proto::Payload::args(id_arg(id))
}
