//! Publisher and subscriber: `PUBLISH`, `PUBLISHED`; `SUBSCRIBE`, `UNSUBSCRIBE`, `EVENT`
//! (spec: "Publish and Subscribe"; advanced: "Pattern-based Subscription", "Subscription
//! Revocation").

use crate::id::{Id, RequestId};
use crate::message::{Message, MessageType, Payload};
use crate::uri::{MatchPolicy, Uri};
use crate::value::{Dict, Value};

use super::ClientSession;
use super::error::ClientError;
use super::event::{Event, TopicEvent};
use super::options::{PublishOptions, SubscribeOptions};
use super::pending::Pending;
use super::state::Subscription;
use super::uri_check::check_uri;

/// Application requests.
impl ClientSession {
    /// Subscribes to `topic` (a URI, or a pattern with [`SubscribeOptions::match_policy`]);
    /// the answer arrives as [`Event::Subscribed`] or [`Event::RequestFailed`]. Publications
    /// then arrive as [`Event::Event`].
    ///
    /// Prefix patterns may end in `.`; wildcard patterns may have empty components anywhere.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`], [`ClientError::NotConnected`],
    /// [`ClientError::RoleNotAnnounced`] (`subscriber`).
    pub fn subscribe(
        &mut self,
        topic: Uri,
        options: SubscribeOptions,
    ) -> Result<RequestId, ClientError> {
        check_uri(&topic, "topic", options.match_policy)?;
        self.require_established()?;
        self.require_role(self.config.roles.subscriber, "subscriber")?;
        let request = self.next_request();
        let wire_options = options.to_dict();
        self.pending.insert(
            request,
            Pending::Subscribe {
                topic: topic.clone(),
                options,
            },
        );
        self.transmit.push_back(Message::Subscribe {
            request,
            options: wire_options,
            topic,
        });
        Ok(request)
    }

    /// Ends an active subscription; the answer arrives as [`Event::Unsubscribed`] or
    /// [`Event::RequestFailed`]. Events may still arrive until then.
    ///
    /// A router may give the same subscription ID to repeated subscriptions of one session
    /// to the same topic; one `unsubscribe` ends them all, so a driver that attaches several
    /// handlers to one ID unsubscribes when the last one goes.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`], [`ClientError::RoleNotAnnounced`] (`subscriber`),
    /// [`ClientError::NoSuchSubscription`].
    pub fn unsubscribe(&mut self, subscription: Id) -> Result<RequestId, ClientError> {
        self.require_established()?;
        self.require_role(self.config.roles.subscriber, "subscriber")?;
        if !self.subscriptions.contains_key(&subscription) {
            return Err(ClientError::NoSuchSubscription(subscription));
        }
        let request = self.next_request();
        self.pending
            .insert(request, Pending::Unsubscribe { subscription });
        self.transmit.push_back(Message::Unsubscribe {
            request,
            subscription,
        });
        Ok(request)
    }

    /// Publishes to `topic`. With [`PublishOptions::acknowledge`] the answer arrives as
    /// [`Event::Published`] or [`Event::RequestFailed`] with the returned request ID;
    /// without, the router does not answer and this returns `None`.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`], [`ClientError::NotConnected`],
    /// [`ClientError::RoleNotAnnounced`] (`publisher`).
    pub fn publish(
        &mut self,
        topic: Uri,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Option<RequestId>, ClientError> {
        check_uri(&topic, "topic", MatchPolicy::Exact)?;
        self.require_established()?;
        self.require_role(self.config.roles.publisher, "publisher")?;
        let request = self.next_request();
        if options.acknowledge {
            self.pending.insert(request, Pending::Publish);
        }
        self.transmit.push_back(Message::Publish {
            request,
            options: options.to_dict(),
            topic,
            payload,
        });
        Ok(options.acknowledge.then_some(request))
    }
}

/// Router messages, while established.
impl ClientSession {
    pub(super) fn handle_subscribed(
        &mut self,
        request: RequestId,
        subscription: Id,
    ) -> Result<(), ClientError> {
        let pending = self.take_pending("SUBSCRIBED", request, MessageType::Subscribe)?;
        let Pending::Subscribe { topic, options } = pending else {
            return Ok(()); // take_pending checked the kind
        };
        // A repeated subscription may get the ID it already has: keep the first entry.
        self.subscriptions.insert_if_absent(
            subscription,
            Subscription {
                subscription,
                topic,
                options,
            },
        );
        self.events.push_back(Event::Subscribed {
            request,
            subscription,
        });
        Ok(())
    }

    pub(super) fn handle_unsubscribed(
        &mut self,
        request: Option<RequestId>,
        details: Dict,
    ) -> Result<(), ClientError> {
        let Some(request) = request else {
            return self.handle_subscription_revoked(details);
        };
        let pending = self.take_pending("UNSUBSCRIBED", request, MessageType::Unsubscribe)?;
        let Pending::Unsubscribe { subscription } = pending else {
            return Ok(()); // take_pending checked the kind
        };
        self.subscriptions.remove(&subscription);
        self.events.push_back(Event::Unsubscribed {
            request,
            subscription,
        });
        Ok(())
    }

    /// `[UNSUBSCRIBED, 0, {"subscription": id, "reason": ...}]` (advanced: "Subscription
    /// Revocation").
    fn handle_subscription_revoked(&mut self, details: Dict) -> Result<(), ClientError> {
        let Some(subscription) = details
            .get("subscription")
            .and_then(Value::as_u64)
            .and_then(Id::new)
        else {
            return Err(self.violation(
                "UNSUBSCRIBED without a request ID must name Details.subscription".to_owned(),
            ));
        };
        // Unknown: it crossed our own UNSUBSCRIBE; nothing is left to revoke.
        if self.subscriptions.remove(&subscription).is_some() {
            let reason = details
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.events.push_back(Event::SubscriptionRevoked {
                subscription,
                reason,
                details,
            });
        }
        Ok(())
    }

    pub(super) fn handle_published(
        &mut self,
        request: RequestId,
        publication: Id,
    ) -> Result<(), ClientError> {
        self.take_pending("PUBLISHED", request, MessageType::Publish)?;
        self.events.push_back(Event::Published {
            request,
            publication,
        });
        Ok(())
    }

    pub(super) fn handle_event(
        &mut self,
        subscription: Id,
        publication: Id,
        details: Dict,
        payload: Payload,
    ) -> Result<(), ClientError> {
        let Some(subscribed) = self.subscriptions.get(&subscription) else {
            return Err(self.violation(format!(
                "EVENT for subscription {subscription}, which is not active"
            )));
        };
        let event = TopicEvent::new(
            subscription,
            publication,
            &subscribed.topic,
            details,
            payload,
        );
        self.events.push_back(Event::Event(event));
        Ok(())
    }
}
