//! The console's requests: calls with options, progress and cancellation; publications
//! with options; subscriptions to topics and patterns.

use inspector_model::PublishRequest;
use inspector_model::console::{ValidCall, ValidPublish};
use wamp_wasm::wamp_proto::client::{PublishOptions, SubscribeOptions, TopicEvent};
use wamp_wasm::wamp_proto::{MatchPolicy, Payload};
use wamp_wasm::{CallOptions, CallResult, CancelToken, Reply, Subscription};

use super::{ApiError, Client};

impl Client {
    /// Sends a call. `on_progress` receives progressive results (asked for only when the
    /// call wants them); `cancel` cancels it (the reply then fails with
    /// `wamp.error.canceled`).
    pub(crate) fn console_call(
        &self,
        call: &ValidCall,
        on_progress: impl Fn(CallResult) + 'static,
        cancel: CancelToken,
    ) -> Reply<CallResult> {
        let mut options = CallOptions::default().cancel(cancel);
        options.wire.timeout_ms = call.timeout_ms;
        options.wire.disclose_me = call.disclose_me;
        if call.receive_progress {
            options = options.on_progress(on_progress);
        }
        let payload = Payload {
            args: call.args.clone(),
            kwargs: call.kwargs.clone(),
        };
        self.wamp().call(&call.procedure, payload, options)
    }

    /// Publishes; the publication ID when acknowledged.
    pub(crate) async fn console_publish(
        &self,
        request: &PublishRequest,
        publish: ValidPublish,
    ) -> Result<Option<u64>, ApiError> {
        let mut options = PublishOptions::default();
        options.acknowledge = request.acknowledge;
        options.exclude_me = request.exclude_me;
        options.disclose_me = request.disclose_me;
        options.retain = request.retain;
        let payload = Payload {
            args: publish.args,
            kwargs: publish.kwargs,
        };
        let id = self
            .wamp()
            .publish(&publish.topic, payload, options)
            .await?;
        Ok(id.map(|id| id.get()))
    }

    /// Subscribes `handler` to `topic` with `match_policy` (`exact`, `prefix` or
    /// `wildcard`), asking for the publisher to be disclosed where the router allows.
    pub(crate) async fn console_subscribe(
        &self,
        topic: &str,
        match_policy: &str,
        handler: impl Fn(&TopicEvent) + 'static,
    ) -> Result<Subscription, ApiError> {
        let mut options = SubscribeOptions::default();
        options.match_policy = MatchPolicy::from_option(Some(match_policy)).unwrap_or_default();
        Ok(self
            .wamp()
            .subscribe(topic.trim(), options, handler)
            .await?)
    }
}
