//! The dev-router's message trace, offered over WAMP in its own URI space (see
//! `inspector_model::trace`): history, the subscriber's filter on the router, and the live
//! batches.

use inspector_model::trace::{self, TraceFilter, TraceRecord};
use inspector_model::{List, Value};
use wamp_wasm::Subscription;
use wamp_wasm::wamp_proto::client::SubscribeOptions;

use super::{ApiError, Client};

/// The records in a batch or a history result; records that do not parse are skipped.
fn records(value: Option<&Value>) -> Vec<TraceRecord> {
    value
        .and_then(Value::as_list)
        .map(|list| {
            list.iter()
                .filter_map(|item| TraceRecord::from_value(item).ok())
                .collect()
        })
        .unwrap_or_default()
}

impl Client {
    /// `dev_router.trace.history`: the latest `limit` records that pass `filter`.
    ///
    /// # Errors
    /// `wamp.error.no_such_procedure` from a router without the trace (e.g. Crossbar.io).
    pub(crate) async fn trace_history(
        &self,
        filter: &TraceFilter,
        limit: usize,
    ) -> Result<Vec<TraceRecord>, ApiError> {
        let mut kwargs = filter.to_kwargs();
        kwargs.insert("limit".to_owned(), Value::from(limit as u64));
        let result = self.call(trace::HISTORY, List::new(), kwargs).await?;
        Ok(records(result.args.first()))
    }

    /// `dev_router.trace.set_filter`: what the router publishes to this session from now.
    pub(crate) async fn set_trace_filter(&self, filter: &TraceFilter) -> Result<(), ApiError> {
        self.call(trace::SET_FILTER, List::new(), filter.to_kwargs())
            .await?;
        Ok(())
    }

    /// Subscribes `handler` to the live record batches; it also gets how many records the
    /// router could not deliver since the previous batch (`kwargs.dropped`).
    pub(crate) async fn watch_trace(
        &self,
        handler: impl Fn(Vec<TraceRecord>, u64) + 'static,
    ) -> Result<Subscription, ApiError> {
        let subscription = self
            .wamp()
            .subscribe(
                trace::ON_MESSAGE,
                SubscribeOptions::default(),
                move |event| {
                    let batch = records(event.payload.args.first());
                    let dropped = event
                        .payload
                        .kwargs
                        .get("dropped")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    if !batch.is_empty() || dropped > 0 {
                        handler(batch, dropped);
                    }
                },
            )
            .await?;
        Ok(subscription)
    }
}
