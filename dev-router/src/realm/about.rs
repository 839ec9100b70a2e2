//! What a message is about when it does not say: the subscription of an EVENT, the
//! registration of an INVOCATION, a RESULT or a YIELD. The trace shows and filters messages
//! by URI, and these carry only IDs; the realm names the subscription or registration, and
//! the URI is looked up only when somebody reads the trace.

use std::collections::VecDeque;

use foldhash::HashMap;

use wamp_proto::{Id, Message, Uri};

/// The subscription or registration a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A subscription, by ID.
    Subscription(Id),
    /// A registration, by ID.
    Registration(Id),
}

impl About {
    /// What `message` names itself by ID: the subscription of EVENT, SUBSCRIBED and
    /// UNSUBSCRIBE, the registration of INVOCATION, REGISTERED and UNREGISTER. `None` for the
    /// others (RESULT and YIELD carry only a request ID: the realm knows their
    /// registration).
    pub fn of(message: &Message) -> Option<About> {
        match message {
            Message::Event { subscription, .. }
            | Message::Subscribed { subscription, .. }
            | Message::Unsubscribe { subscription, .. } => Some(About::Subscription(*subscription)),
            Message::Invocation { registration, .. }
            | Message::Registered { registration, .. }
            | Message::Unregister { registration, .. } => Some(About::Registration(*registration)),
            _ => None,
        }
    }
}

/// How many deleted subscriptions or registrations [`Retired`] remembers.
pub(crate) const RETIRED_MEMORY: usize = 1024;

/// The URIs of the latest deleted subscriptions or registrations (their IDs are never
/// reused), so that the trace still names the messages of one deleted a moment ago.
#[derive(Debug, Default)]
pub(crate) struct Retired {
    uris: HashMap<Id, Uri>,
    /// Oldest first.
    order: VecDeque<Id>,
}

impl Retired {
    /// Remembers `id`'s URI, forgetting the oldest beyond [`RETIRED_MEMORY`].
    pub(crate) fn remember(&mut self, id: Id, uri: Uri) {
        if self.order.len() == RETIRED_MEMORY
            && let Some(oldest) = self.order.pop_front()
        {
            self.uris.remove(&oldest);
        }
        self.uris.insert(id, uri);
        self.order.push_back(id);
    }

    /// The URI of a deleted one, if it is still remembered.
    pub(crate) fn get(&self, id: Id) -> Option<&Uri> {
        self.uris.get(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realm::testing::id;

    #[test]
    fn forgets_the_oldest() {
        let mut retired = Retired::default();
        for n in 1..=(RETIRED_MEMORY as u64 + 1) {
            retired.remember(id(n), Uri::new(format!("com.example.{n}")));
        }
        assert_eq!(retired.get(id(1)), None);
        assert_eq!(retired.get(id(2)), Some(&Uri::new("com.example.2")));
        assert_eq!(
            retired.get(id(RETIRED_MEMORY as u64 + 1)),
            Some(&Uri::new(format!("com.example.{}", RETIRED_MEMORY + 1)))
        );
    }

    #[test]
    fn messages_name_what_they_carry() {
        let event = Message::Event {
            subscription: id(3),
            publication: id(9),
            details: Default::default(),
            payload: Default::default(),
        };
        assert_eq!(About::of(&event), Some(About::Subscription(id(3))));
        let unregister = Message::Unregister {
            request: id(1),
            registration: id(4),
        };
        assert_eq!(About::of(&unregister), Some(About::Registration(id(4))));
        let result = Message::Result {
            request: id(1),
            details: Default::default(),
            payload: Default::default(),
        };
        assert_eq!(About::of(&result), None);
    }
}
