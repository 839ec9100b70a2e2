//! Typed options for `CALL`, `CANCEL`, `REGISTER`, `SUBSCRIBE` and `PUBLISH`, and how each
//! renders to the wire `Options|dict`.
//!
//! Each struct has public fields, [`Default`] (which renders to `{}`), and builder methods
//! named like the fields. Only options that differ from the spec's default are rendered.
//! `extra` carries options this crate has no field for (e.g. `rkey`, `ppt_scheme`); the typed
//! fields win when both set the same key.

use std::fmt;

use crate::id::SessionId;
use crate::uri::MatchPolicy;
use crate::value::{Dict, Value};

fn set(options: &mut Dict, key: &str, value: impl Into<Value>) {
    options.insert(key.to_owned(), value.into());
}

fn set_list<T: Clone + Into<Value>>(options: &mut Dict, key: &str, items: &[T]) {
    set(
        options,
        key,
        Value::List(items.iter().cloned().map(Into::into).collect()),
    );
}

fn session_ids(ids: &[SessionId]) -> Vec<Value> {
    ids.iter().map(|id| Value::from(id.get())).collect()
}

/// `CALL.Options` (spec: "Calling and Invocations"; advanced: "Call Timeouts", "Caller
/// Identification", "Progressive Call Results", "Progressive Call Invocations").
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CallOptions {
    /// `timeout`: milliseconds after which the dealer (or callee) cancels the call with
    /// `wamp.error.timeout`. `None` or `Some(0)`: no timeout.
    pub timeout_ms: Option<u64>,
    /// `disclose_me`: ask the dealer to tell the callee who calls.
    pub disclose_me: bool,
    /// `receive_progress`: accept progressive results ([`Event::Result`] with
    /// `progress: true`) before the final one.
    ///
    /// [`Event::Result`]: super::Event::Result
    pub receive_progress: bool,
    /// `progress`: this `CALL` starts a progressive call invocation; more chunks follow through
    /// [`continue_call`](super::ClientSession::continue_call). Needs the dealer's
    /// `progressive_call_invocations` feature.
    pub progress: bool,
    /// Further options, rendered as given.
    pub extra: Dict,
}

impl CallOptions {
    /// Sets [`CallOptions::timeout_ms`].
    pub fn timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.timeout_ms = Some(timeout_ms);
        self
    }

    /// Sets [`CallOptions::disclose_me`].
    pub fn disclose_me(mut self, disclose_me: bool) -> Self {
        self.disclose_me = disclose_me;
        self
    }

    /// Sets [`CallOptions::receive_progress`].
    pub fn receive_progress(mut self, receive_progress: bool) -> Self {
        self.receive_progress = receive_progress;
        self
    }

    /// Sets [`CallOptions::progress`].
    pub fn progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// The wire `CALL.Options`.
    pub fn to_dict(&self) -> Dict {
        let mut options = self.extra.clone();
        if let Some(timeout) = self.timeout_ms.filter(|&ms| ms > 0) {
            set(&mut options, "timeout", timeout);
        }
        if self.disclose_me {
            set(&mut options, "disclose_me", true);
        }
        if self.receive_progress {
            set(&mut options, "receive_progress", true);
        }
        if self.progress {
            set(&mut options, "progress", true);
        }
        options
    }
}

/// `CANCEL.Options.mode` and `INTERRUPT.Options.mode` (spec: "Call Canceling").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CancelMode {
    /// `skip`: the dealer answers the caller with `ERROR` at once and does not interrupt the
    /// callee.
    Skip,
    /// `kill`: the dealer interrupts the callee and answers the caller when the callee has
    /// answered (with `ERROR`, or with `RESULT` if it finished first).
    #[default]
    Kill,
    /// `killnowait`: the dealer answers the caller with `ERROR` at once, interrupts the
    /// callee, and ignores the callee's answer.
    KillNoWait,
}

impl CancelMode {
    /// The option value: `"skip"`, `"kill"` or `"killnowait"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelMode::Skip => "skip",
            CancelMode::Kill => "kill",
            CancelMode::KillNoWait => "killnowait",
        }
    }

    /// The mode named `name`, if it is one of the three.
    pub fn from_option(name: &str) -> Option<CancelMode> {
        match name {
            "skip" => Some(CancelMode::Skip),
            "kill" => Some(CancelMode::Kill),
            "killnowait" => Some(CancelMode::KillNoWait),
            _ => None,
        }
    }
}

impl fmt::Display for CancelMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `REGISTER.Options.invoke`: which callee gets a call when several share a registration
/// (spec: "Shared Registration").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InvokePolicy {
    /// `single`: only one callee may register the procedure.
    #[default]
    Single,
    /// `roundrobin`: callees in turn.
    RoundRobin,
    /// `random`: a callee at random.
    Random,
    /// `first`: the callee that registered first (hot stand-by).
    First,
    /// `last`: the callee that registered last.
    Last,
}

impl InvokePolicy {
    /// The option value: `"single"`, `"roundrobin"`, `"random"`, `"first"` or `"last"`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvokePolicy::Single => "single",
            InvokePolicy::RoundRobin => "roundrobin",
            InvokePolicy::Random => "random",
            InvokePolicy::First => "first",
            InvokePolicy::Last => "last",
        }
    }

    /// The policy named `name`, if it is one of the five.
    pub fn from_option(name: &str) -> Option<InvokePolicy> {
        match name {
            "single" => Some(InvokePolicy::Single),
            "roundrobin" => Some(InvokePolicy::RoundRobin),
            "random" => Some(InvokePolicy::Random),
            "first" => Some(InvokePolicy::First),
            "last" => Some(InvokePolicy::Last),
            _ => None,
        }
    }
}

impl fmt::Display for InvokePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `REGISTER.Options` (advanced: "Pattern-based Registration", "Shared Registration",
/// "Caller Identification", "Call Timeouts").
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// `match`: how the procedure URI matches calls. Prefix and wildcard patterns may have
    /// empty components (see [`ClientSession::register`](super::ClientSession::register)).
    pub match_policy: MatchPolicy,
    /// `invoke`: how calls are shared between callees of the same procedure.
    pub invoke: InvokePolicy,
    /// `disclose_caller`: ask the dealer to tell this callee who calls.
    pub disclose_caller: bool,
    /// `forward_timeout`: ask the dealer to forward call timeouts to this callee
    /// ([`Invocation::timeout_ms`](super::Invocation::timeout_ms)) instead of enforcing them.
    pub forward_timeout: bool,
    /// Further options, rendered as given.
    pub extra: Dict,
}

impl RegisterOptions {
    /// Sets [`RegisterOptions::match_policy`].
    pub fn match_policy(mut self, match_policy: MatchPolicy) -> Self {
        self.match_policy = match_policy;
        self
    }

    /// Sets [`RegisterOptions::invoke`].
    pub fn invoke(mut self, invoke: InvokePolicy) -> Self {
        self.invoke = invoke;
        self
    }

    /// Sets [`RegisterOptions::disclose_caller`].
    pub fn disclose_caller(mut self, disclose_caller: bool) -> Self {
        self.disclose_caller = disclose_caller;
        self
    }

    /// Sets [`RegisterOptions::forward_timeout`].
    pub fn forward_timeout(mut self, forward_timeout: bool) -> Self {
        self.forward_timeout = forward_timeout;
        self
    }

    /// The wire `REGISTER.Options`.
    pub fn to_dict(&self) -> Dict {
        let mut options = self.extra.clone();
        if self.match_policy != MatchPolicy::Exact {
            set(&mut options, "match", self.match_policy.as_str());
        }
        if self.invoke != InvokePolicy::Single {
            set(&mut options, "invoke", self.invoke.as_str());
        }
        if self.disclose_caller {
            set(&mut options, "disclose_caller", true);
        }
        if self.forward_timeout {
            set(&mut options, "forward_timeout", true);
        }
        options
    }
}

/// `SUBSCRIBE.Options` (advanced: "Pattern-based Subscription", "Event Retention").
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// `match`: how the topic URI matches publications. Prefix and wildcard patterns may have
    /// empty components (see [`ClientSession::subscribe`](super::ClientSession::subscribe)).
    pub match_policy: MatchPolicy,
    /// `get_retained`: ask the broker for the topic's retained event, if it keeps one.
    pub get_retained: bool,
    /// Further options, rendered as given.
    pub extra: Dict,
}

impl SubscribeOptions {
    /// Sets [`SubscribeOptions::match_policy`].
    pub fn match_policy(mut self, match_policy: MatchPolicy) -> Self {
        self.match_policy = match_policy;
        self
    }

    /// Sets [`SubscribeOptions::get_retained`].
    pub fn get_retained(mut self, get_retained: bool) -> Self {
        self.get_retained = get_retained;
        self
    }

    /// The wire `SUBSCRIBE.Options`.
    pub fn to_dict(&self) -> Dict {
        let mut options = self.extra.clone();
        if self.match_policy != MatchPolicy::Exact {
            set(&mut options, "match", self.match_policy.as_str());
        }
        if self.get_retained {
            set(&mut options, "get_retained", true);
        }
        options
    }
}

/// `PUBLISH.Options` (spec: "Publishing and Events"; advanced: "Publisher Exclusion",
/// "Subscriber Black- and Whitelisting", "Publisher Identification", "Event Retention").
///
/// A subscriber receives the event only if it passes every list that is set: it is in each
/// `eligible*` list that is `Some`, and in no `exclude*` list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PublishOptions {
    /// `acknowledge`: ask the broker to answer with `PUBLISHED` or `ERROR`.
    pub acknowledge: bool,
    /// `exclude_me`: whether the publisher is left out even if it subscribes to the topic.
    /// The spec's default is `true`; only `false` is rendered.
    pub exclude_me: bool,
    /// `disclose_me`: ask the broker to tell subscribers who publishes.
    pub disclose_me: bool,
    /// `retain`: ask the broker to keep this event for future subscribers that ask for it.
    pub retain: bool,
    /// `eligible`: only these sessions may receive the event. `Some(vec![])` means nobody.
    pub eligible: Option<Vec<SessionId>>,
    /// `eligible_authid`: only sessions with one of these authids.
    pub eligible_authid: Option<Vec<String>>,
    /// `eligible_authrole`: only sessions with one of these authroles.
    pub eligible_authrole: Option<Vec<String>>,
    /// `exclude`: these sessions do not receive the event.
    pub exclude: Vec<SessionId>,
    /// `exclude_authid`: sessions with these authids do not receive the event.
    pub exclude_authid: Vec<String>,
    /// `exclude_authrole`: sessions with these authroles do not receive the event.
    pub exclude_authrole: Vec<String>,
    /// Further options, rendered as given.
    pub extra: Dict,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            acknowledge: false,
            exclude_me: true,
            disclose_me: false,
            retain: false,
            eligible: None,
            eligible_authid: None,
            eligible_authrole: None,
            exclude: Vec::new(),
            exclude_authid: Vec::new(),
            exclude_authrole: Vec::new(),
            extra: Dict::new(),
        }
    }
}

impl PublishOptions {
    /// Sets [`PublishOptions::acknowledge`].
    pub fn acknowledge(mut self, acknowledge: bool) -> Self {
        self.acknowledge = acknowledge;
        self
    }

    /// Sets [`PublishOptions::exclude_me`].
    pub fn exclude_me(mut self, exclude_me: bool) -> Self {
        self.exclude_me = exclude_me;
        self
    }

    /// Sets [`PublishOptions::disclose_me`].
    pub fn disclose_me(mut self, disclose_me: bool) -> Self {
        self.disclose_me = disclose_me;
        self
    }

    /// Sets [`PublishOptions::retain`].
    pub fn retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }

    /// Sets [`PublishOptions::eligible`].
    pub fn eligible(mut self, sessions: Vec<SessionId>) -> Self {
        self.eligible = Some(sessions);
        self
    }

    /// Sets [`PublishOptions::eligible_authid`].
    pub fn eligible_authid(mut self, authids: Vec<String>) -> Self {
        self.eligible_authid = Some(authids);
        self
    }

    /// Sets [`PublishOptions::eligible_authrole`].
    pub fn eligible_authrole(mut self, authroles: Vec<String>) -> Self {
        self.eligible_authrole = Some(authroles);
        self
    }

    /// Sets [`PublishOptions::exclude`].
    pub fn exclude(mut self, sessions: Vec<SessionId>) -> Self {
        self.exclude = sessions;
        self
    }

    /// Sets [`PublishOptions::exclude_authid`].
    pub fn exclude_authid(mut self, authids: Vec<String>) -> Self {
        self.exclude_authid = authids;
        self
    }

    /// Sets [`PublishOptions::exclude_authrole`].
    pub fn exclude_authrole(mut self, authroles: Vec<String>) -> Self {
        self.exclude_authrole = authroles;
        self
    }

    /// The wire `PUBLISH.Options`.
    pub fn to_dict(&self) -> Dict {
        let mut options = self.extra.clone();
        if self.acknowledge {
            set(&mut options, "acknowledge", true);
        }
        if !self.exclude_me {
            set(&mut options, "exclude_me", false);
        }
        if self.disclose_me {
            set(&mut options, "disclose_me", true);
        }
        if self.retain {
            set(&mut options, "retain", true);
        }
        if let Some(eligible) = &self.eligible {
            set(&mut options, "eligible", session_ids(eligible));
        }
        if let Some(authids) = &self.eligible_authid {
            set_list(&mut options, "eligible_authid", authids);
        }
        if let Some(authroles) = &self.eligible_authrole {
            set_list(&mut options, "eligible_authrole", authroles);
        }
        if !self.exclude.is_empty() {
            set(&mut options, "exclude", session_ids(&self.exclude));
        }
        if !self.exclude_authid.is_empty() {
            set_list(&mut options, "exclude_authid", &self.exclude_authid);
        }
        if !self.exclude_authrole.is_empty() {
            set_list(&mut options, "exclude_authrole", &self.exclude_authrole);
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;

    fn keys(options: &Dict) -> Vec<&str> {
        options.keys().map(String::as_str).collect()
    }

    #[test]
    fn defaults_render_empty() {
        assert!(CallOptions::default().to_dict().is_empty());
        assert!(RegisterOptions::default().to_dict().is_empty());
        assert!(SubscribeOptions::default().to_dict().is_empty());
        assert!(PublishOptions::default().to_dict().is_empty());
        assert!(CallOptions::default().timeout_ms(0).to_dict().is_empty());
    }

    #[test]
    fn call_options() {
        let options = CallOptions::default()
            .timeout_ms(1500)
            .disclose_me(true)
            .receive_progress(true)
            .progress(true)
            .to_dict();
        assert_eq!(options.get("timeout"), Some(&Value::Int(1500)));
        assert_eq!(options.get("disclose_me"), Some(&Value::Bool(true)));
        assert_eq!(options.get("receive_progress"), Some(&Value::Bool(true)));
        assert_eq!(options.get("progress"), Some(&Value::Bool(true)));
        assert_eq!(options.len(), 4);
    }

    #[test]
    fn typed_fields_override_extra() {
        let mut call = CallOptions::default().disclose_me(true);
        call.extra.insert("disclose_me".into(), Value::Bool(false));
        call.extra.insert("rkey".into(), Value::from("k1"));
        let options = call.to_dict();
        assert_eq!(options.get("disclose_me"), Some(&Value::Bool(true)));
        assert_eq!(options.get("rkey"), Some(&Value::from("k1")));
    }

    #[test]
    fn register_options() {
        let options = RegisterOptions::default()
            .match_policy(MatchPolicy::Wildcard)
            .invoke(InvokePolicy::RoundRobin)
            .disclose_caller(true)
            .forward_timeout(true)
            .to_dict();
        assert_eq!(options.get("match"), Some(&Value::from("wildcard")));
        assert_eq!(options.get("invoke"), Some(&Value::from("roundrobin")));
        assert_eq!(options.get("disclose_caller"), Some(&Value::Bool(true)));
        assert_eq!(options.get("forward_timeout"), Some(&Value::Bool(true)));
    }

    #[test]
    fn subscribe_options() {
        let options = SubscribeOptions::default()
            .match_policy(MatchPolicy::Prefix)
            .get_retained(true)
            .to_dict();
        assert_eq!(keys(&options), ["get_retained", "match"]);
        assert_eq!(options.get("match"), Some(&Value::from("prefix")));
    }

    #[test]
    fn publish_options() {
        let a = Id::new(7891255).unwrap();
        let b = Id::new(1245751).unwrap();
        let options = PublishOptions::default()
            .acknowledge(true)
            .exclude_me(false)
            .disclose_me(true)
            .retain(true)
            .eligible(vec![a, b])
            .eligible_authid(vec!["joe".into()])
            .eligible_authrole(vec!["user".into()])
            .exclude(vec![b])
            .exclude_authid(vec!["eve".into()])
            .exclude_authrole(vec!["guest".into()])
            .to_dict();
        assert_eq!(options.get("acknowledge"), Some(&Value::Bool(true)));
        assert_eq!(options.get("exclude_me"), Some(&Value::Bool(false)));
        assert_eq!(options.get("disclose_me"), Some(&Value::Bool(true)));
        assert_eq!(options.get("retain"), Some(&Value::Bool(true)));
        assert_eq!(
            options.get("eligible"),
            Some(&Value::List(vec![Value::Int(7891255), Value::Int(1245751)]))
        );
        assert_eq!(
            options.get("exclude"),
            Some(&Value::List(vec![Value::Int(1245751)]))
        );
        assert_eq!(
            options.get("eligible_authid"),
            Some(&Value::List(vec![Value::from("joe")]))
        );
        assert_eq!(
            options.get("exclude_authrole"),
            Some(&Value::List(vec![Value::from("guest")]))
        );
        assert_eq!(options.len(), 10);
        // An empty whitelist is a whitelist: nobody receives the event.
        let nobody = PublishOptions::default().eligible(vec![]).to_dict();
        assert_eq!(nobody.get("eligible"), Some(&Value::List(vec![])));
    }

    #[test]
    fn mode_and_policy_names() {
        for mode in [CancelMode::Skip, CancelMode::Kill, CancelMode::KillNoWait] {
            assert_eq!(CancelMode::from_option(mode.as_str()), Some(mode));
            assert_eq!(mode.to_string(), mode.as_str());
        }
        assert_eq!(CancelMode::from_option("KILL"), None);
        for policy in [
            InvokePolicy::Single,
            InvokePolicy::RoundRobin,
            InvokePolicy::Random,
            InvokePolicy::First,
            InvokePolicy::Last,
        ] {
            assert_eq!(InvokePolicy::from_option(policy.as_str()), Some(policy));
            assert_eq!(policy.to_string(), policy.as_str());
        }
        assert_eq!(InvokePolicy::from_option("round_robin"), None);
    }
}
