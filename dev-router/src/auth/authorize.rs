//! Authorization: which role may call, register, publish and subscribe on which URIs.
//!
//! [`Roles`] holds each role's permissions; [`crate::realm::Realm::handle`] asks
//! `Roles::check` before routing a CALL, REGISTER, PUBLISH or SUBSCRIBE. For one URI the
//! most specific matching permission decides alone: an exact one, else the longest matching
//! prefix, else the matching wildcard with the most non-empty components (the first listed
//! among equals). No matching permission means no permission. The meta API (`wamp.*`) and
//! the router's own trace URIs are URIs like any other.
//!
//! Spec: "Authorization" (`wamp.error.not_authorized` in `bp_uris.md`) and caller /
//! publisher identification (`wamp.error.option_disallowed.disclose_me`).

use std::collections::{HashMap, HashSet};

use wamp_proto::{MatchPolicy, Message, MessageType, Uri, UriRule, Value};

use super::settings::{MatchSetting, PermissionSettings, RoleSettings};
use crate::realm::error_reply;

/// `ERROR` for an action the session's role does not allow.
pub(crate) const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// `ERROR` for `disclose_me` when the role may not disclose itself.
pub(crate) const DISCLOSE_ME_DISALLOWED: &str = "wamp.error.option_disallowed.disclose_me";

/// The URI prefixes of the inspection APIs: the session, registration and subscription meta
/// API, the router's message trace and its session stats. Through them a session can list,
/// watch and kill the sessions of others, and read what they send.
pub const INSPECTION_PREFIXES: &[&str] = &[
    "wamp.session.",
    "wamp.registration.",
    "wamp.subscription.",
    crate::trace::NAMESPACE,
    "dev_router.session.",
];

/// Meta procedures under [`INSPECTION_PREFIXES`] that concern only the calling session.
const OWN_SESSION_PROCEDURES: &[&str] = &[
    "wamp.session.add_testament",
    "wamp.session.flush_testaments",
];

/// What one permission allows on the URIs it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permission {
    /// May call procedures.
    pub call: bool,
    /// May register procedures.
    pub register: bool,
    /// May publish to topics.
    pub publish: bool,
    /// May subscribe to topics.
    pub subscribe: bool,
    /// A CALL may carry `disclose_me`.
    pub disclose_caller: bool,
    /// A PUBLISH may carry `disclose_me`.
    pub disclose_publisher: bool,
}

impl Permission {
    /// Everything allowed.
    pub const ALL: Permission = Permission {
        call: true,
        register: true,
        publish: true,
        subscribe: true,
        disclose_caller: true,
        disclose_publisher: true,
    };

    /// Nothing allowed.
    pub const NONE: Permission = Permission {
        call: false,
        register: false,
        publish: false,
        subscribe: false,
        disclose_caller: false,
        disclose_publisher: false,
    };
}

impl From<&PermissionSettings> for Permission {
    fn from(settings: &PermissionSettings) -> Permission {
        Permission {
            call: settings.call,
            register: settings.register,
            publish: settings.publish,
            subscribe: settings.subscribe,
            disclose_caller: settings.disclose.caller,
            disclose_publisher: settings.disclose.publisher,
        }
    }
}

/// The roles of one realm and their permissions.
///
/// The default is [`Roles::open`]: every role may do everything, which is what a realm
/// without `[[realms.roles]]` gets.
#[derive(Debug, Clone, Default)]
pub struct Roles(Kind);

#[derive(Debug, Clone, Default)]
enum Kind {
    #[default]
    Open,
    Listed(HashMap<String, Role>),
}

/// One role's permissions, indexed for lookup by precedence.
#[derive(Debug, Clone, Default)]
struct Role {
    exact: HashMap<String, Permission>,
    /// Longest first.
    prefix: Vec<(String, Permission)>,
    /// Most non-empty components first; equals in file order.
    wildcard: Vec<(String, Permission)>,
}

/// What [`Roles::check`] decided about a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Route it.
    Allowed,
    /// Drop it, and send this ERROR if there is one (an unacknowledged PUBLISH gets none).
    Refused(Option<Message>),
}

impl Roles {
    /// Every role may do everything, disclosure included.
    pub fn open() -> Roles {
        Roles(Kind::Open)
    }

    /// No role at all: nothing is allowed to anyone. For realms whose roles did not pass
    /// [`Roles::from_settings`] (fail closed).
    pub fn closed() -> Roles {
        Roles(Kind::Listed(HashMap::new()))
    }

    /// One role, `role`, that may do everything except use the inspection APIs
    /// ([`INSPECTION_PREFIXES`]); testaments (`wamp.session.add_testament`,
    /// `flush_testaments`) stay allowed, since they concern only the caller's own session.
    ///
    /// What the anonymous role of a realm without `[[realms.roles]]` gets when the router
    /// accepts remote connections (`allow_remote`), so that not everyone on the network can
    /// watch and kill everyone else's sessions.
    pub fn open_except_inspection(role: &str) -> Roles {
        let mut everything = PermissionSettings::new("", MatchSetting::Prefix);
        everything.call = true;
        everything.register = true;
        everything.publish = true;
        everything.subscribe = true;
        everything.disclose.caller = true;
        everything.disclose.publisher = true;
        let denied = INSPECTION_PREFIXES
            .iter()
            .map(|prefix| PermissionSettings::new(*prefix, MatchSetting::Prefix));
        let own = OWN_SESSION_PROCEDURES.iter().map(|procedure| {
            let mut permission = PermissionSettings::new(*procedure, MatchSetting::Exact);
            permission.call = true;
            permission
        });
        let settings = RoleSettings {
            name: role.to_owned(),
            permissions: std::iter::once(everything)
                .chain(denied)
                .chain(own)
                .collect(),
        };
        // The patterns above are valid; an empty role name (which validation refuses
        // earlier) fails closed.
        Roles::from_settings(&[settings]).unwrap_or_else(|_| Roles::closed())
    }

    /// The roles listed in a realm's `[[realms.roles]]`; an empty list gives
    /// [`Roles::open`].
    ///
    /// # Errors
    /// A message saying what is wrong: a role without a name or listed twice, a permission
    /// URI that is not a valid pattern for its match policy, or two permissions of one role
    /// on the same pattern.
    pub fn from_settings(settings: &[RoleSettings]) -> Result<Roles, String> {
        if settings.is_empty() {
            return Ok(Roles::open());
        }
        let mut roles = HashMap::new();
        for role in settings {
            if role.name.is_empty() {
                return Err("a [[realms.roles]] entry has an empty name".into());
            }
            let built = Role::from_settings(role)?;
            if roles.insert(role.name.clone(), built).is_some() {
                return Err(format!("role {:?} is defined twice", role.name));
            }
        }
        Ok(Roles(Kind::Listed(roles)))
    }

    /// Whether `role` exists (with [`Roles::open`], every role does).
    pub fn contains(&self, role: &str) -> bool {
        match &self.0 {
            Kind::Open => true,
            Kind::Listed(roles) => roles.contains_key(role),
        }
    }

    /// Whether these are [`Roles::open`].
    pub fn is_open(&self) -> bool {
        matches!(self.0, Kind::Open)
    }

    /// What `role` may do on `uri`: the most specific matching permission, or
    /// [`Permission::NONE`].
    pub fn permission(&self, role: &str, uri: &str) -> Permission {
        match &self.0 {
            Kind::Open => Permission::ALL,
            Kind::Listed(roles) => roles
                .get(role)
                .and_then(|role| role.permission(uri))
                .unwrap_or(Permission::NONE),
        }
    }

    /// Whether a session with `role` may send `message`: CALL, REGISTER, PUBLISH and
    /// SUBSCRIBE are checked against the permission for their URI (and `disclose_me`
    /// against its disclosure flags); every other message is allowed here.
    pub(crate) fn check(&self, role: &str, message: &Message) -> Verdict {
        if self.is_open() {
            return Verdict::Allowed;
        }
        let (request_type, request, uri, options) = match message {
            Message::Call {
                request,
                options,
                procedure,
                ..
            } => (MessageType::Call, *request, procedure, Some(options)),
            Message::Register {
                request, procedure, ..
            } => (MessageType::Register, *request, procedure, None),
            Message::Publish {
                request,
                options,
                topic,
                ..
            } => (MessageType::Publish, *request, topic, Some(options)),
            Message::Subscribe { request, topic, .. } => {
                (MessageType::Subscribe, *request, topic, None)
            }
            _ => return Verdict::Allowed,
        };
        let permission = self.permission(role, uri.as_str());
        let (allowed, may_disclose, action) = match request_type {
            MessageType::Call => (permission.call, permission.disclose_caller, "call"),
            MessageType::Register => (permission.register, true, "register"),
            MessageType::Publish => (
                permission.publish,
                permission.disclose_publisher,
                "publish to",
            ),
            _ => (permission.subscribe, true, "subscribe to"),
        };
        let flag = |name: &str| {
            options.is_some_and(|options| options.get(name).and_then(Value::as_bool) == Some(true))
        };
        let (error, explanation) = if !allowed {
            let explanation = format!("role {role:?} is not allowed to {action} '{uri}'");
            (NOT_AUTHORIZED, explanation)
        } else if flag("disclose_me") && !may_disclose {
            let explanation = format!(
                "role {role:?} may not disclose its identity (disclose_me) to {action} '{uri}'"
            );
            (DISCLOSE_ME_DISALLOWED, explanation)
        } else {
            return Verdict::Allowed;
        };
        tracing::debug!(%role, %action, %uri, %error, "request refused");
        // The spec answers a PUBLISH only when it asks for an acknowledgement.
        let answer = request_type != MessageType::Publish || flag("acknowledge");
        Verdict::Refused(answer.then(|| error_reply(request_type, request, error, explanation)))
    }
}

impl Role {
    fn from_settings(settings: &RoleSettings) -> Result<Role, String> {
        let mut role = Role::default();
        let mut seen = HashSet::new();
        for permission in &settings.permissions {
            check_pattern(&settings.name, permission)?;
            let policy = MatchPolicy::from(permission.policy);
            if !seen.insert((policy, permission.uri.as_str())) {
                return Err(format!(
                    "role {:?} has two permissions on {:?} (match {:?})",
                    settings.name,
                    permission.uri,
                    policy.as_str()
                ));
            }
            let allowed = Permission::from(permission);
            let uri = permission.uri.clone();
            match permission.policy {
                MatchSetting::Exact => {
                    role.exact.insert(uri, allowed);
                }
                MatchSetting::Prefix => role.prefix.push((uri, allowed)),
                MatchSetting::Wildcard => role.wildcard.push((uri, allowed)),
            }
        }
        // Stable sorts: among equals, the order of the file.
        role.prefix
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        role.wildcard
            .sort_by_key(|(pattern, _)| std::cmp::Reverse(concrete_components(pattern)));
        Ok(role)
    }

    fn permission(&self, uri: &str) -> Option<Permission> {
        if let Some(permission) = self.exact.get(uri) {
            return Some(*permission);
        }
        let prefix = self
            .prefix
            .iter()
            .find(|(prefix, _)| uri.starts_with(prefix.as_str()));
        let wildcard = || {
            self.wildcard
                .iter()
                .find(|(pattern, _)| MatchPolicy::Wildcard.matches(pattern, uri))
        };
        prefix.or_else(wildcard).map(|(_, permission)| *permission)
    }
}

fn concrete_components(pattern: &str) -> usize {
    pattern
        .split('.')
        .filter(|component| !component.is_empty())
        .count()
}

fn policy_name(policy: MatchSetting) -> &'static str {
    MatchPolicy::from(policy).as_str()
}

/// A permission's `uri` must be a valid (loose) URI for its policy: an exact URI has no
/// empty components; a prefix or wildcard pattern may (`com.example.`, `com..update`, or
/// the empty prefix, which matches everything).
fn check_pattern(role: &str, permission: &PermissionSettings) -> Result<(), String> {
    let uri = Uri::new(permission.uri.as_str());
    let valid = match permission.policy {
        MatchSetting::Exact => !permission.uri.is_empty() && uri.is_valid(UriRule::Loose, false),
        MatchSetting::Prefix | MatchSetting::Wildcard => uri.is_valid(UriRule::Loose, true),
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "role {role:?}: permission uri {:?} is not a valid {} pattern",
            permission.uri,
            policy_name(permission.policy)
        ))
    }
}

#[cfg(test)]
mod tests {
    use wamp_proto::{Dict, Id, Payload};

    use super::*;
    use crate::auth::settings::DiscloseSettings;

    fn allow(uri: &str, policy: MatchSetting, actions: &str) -> PermissionSettings {
        let mut permission = PermissionSettings::new(uri, policy);
        for action in actions.split(',').filter(|a| !a.is_empty()) {
            match action {
                "call" => permission.call = true,
                "register" => permission.register = true,
                "publish" => permission.publish = true,
                "subscribe" => permission.subscribe = true,
                "disclose" => {
                    permission.disclose = DiscloseSettings {
                        caller: true,
                        publisher: true,
                    }
                }
                other => panic!("unknown action {other}"),
            }
        }
        permission
    }

    fn roles(permissions: Vec<PermissionSettings>) -> Roles {
        Roles::from_settings(&[RoleSettings {
            name: "user".into(),
            permissions,
        }])
        .unwrap()
    }

    fn id(n: u64) -> Id {
        Id::new(n).unwrap()
    }

    fn call(procedure: &str, options: Dict) -> Message {
        Message::Call {
            request: id(3),
            options,
            procedure: Uri::new(procedure),
            payload: Payload::default(),
        }
    }

    fn publish(topic: &str, options: Dict) -> Message {
        Message::Publish {
            request: id(4),
            options,
            topic: Uri::new(topic),
            payload: Payload::default(),
        }
    }

    fn options(pairs: &[(&str, bool)]) -> Dict {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), Value::Bool(*value)))
            .collect()
    }

    fn refused_with(verdict: &Verdict) -> Option<(MessageType, &str)> {
        match verdict {
            Verdict::Refused(Some(Message::Error {
                request_type,
                error,
                payload,
                ..
            })) => {
                assert!(matches!(payload.args.first(), Some(Value::Str(_))));
                Some((*request_type, error.as_str()))
            }
            Verdict::Refused(None) => None,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn open_roles_allow_everything() {
        let open = Roles::default();
        assert!(open.is_open() && open.contains("whoever"));
        assert_eq!(open.permission("x", "wamp.session.list"), Permission::ALL);
        let disclosing = call("com.x", options(&[("disclose_me", true)]));
        assert_eq!(open.check("x", &disclosing), Verdict::Allowed);
        assert!(Roles::from_settings(&[]).unwrap().is_open());
    }

    #[test]
    fn exact_beats_prefix_beats_wildcard_and_longer_prefixes_win() {
        let roles = roles(vec![
            allow("com.", MatchSetting::Prefix, "call"),
            allow("com.example.", MatchSetting::Prefix, "subscribe"),
            allow("com.example.private.", MatchSetting::Prefix, ""),
            allow("com.example.private.status", MatchSetting::Exact, "publish"),
            allow("com..ping", MatchSetting::Wildcard, "register"),
            allow("org..", MatchSetting::Wildcard, "call"),
            allow("org.x.", MatchSetting::Wildcard, "subscribe"),
        ]);
        let p = |uri| roles.permission("user", uri);
        assert!(p("com.other").call && !p("com.other").subscribe);
        assert!(p("com.example.news").subscribe && !p("com.example.news").call);
        assert_eq!(p("com.example.private.data"), Permission::NONE);
        let status = p("com.example.private.status");
        assert!(status.publish && !status.subscribe && !status.call);
        // A prefix that matches beats a wildcard that matches.
        assert!(p("com.a.ping").call && !p("com.a.ping").register);
        // Wildcards: more concrete components first.
        assert!(p("org.x.y").subscribe && !p("org.x.y").call);
        assert!(p("org.z.y").call);
        assert_eq!(p("net.x"), Permission::NONE);
        assert_eq!(roles.permission("stranger", "com.x"), Permission::NONE);
    }

    #[test]
    fn open_except_inspection_keeps_the_meta_api_and_the_trace() {
        let roles = Roles::open_except_inspection("anonymous");
        assert!(!roles.is_open() && roles.contains("anonymous"));
        let p = |uri| roles.permission("anonymous", uri);
        assert_eq!(p("com.example.anything"), Permission::ALL);
        assert_eq!(p("wamp.close.normal"), Permission::ALL);
        for denied in [
            "wamp.session.list",
            "wamp.session.kill",
            "wamp.session.on_join",
            "wamp.registration.list",
            "wamp.registration.on_register",
            "wamp.subscription.get",
            "wamp.subscription.on_subscribe",
            "dev_router.trace.history",
            "dev_router.trace.set_filter",
            "dev_router.trace.on_message",
        ] {
            assert_eq!(p(denied), Permission::NONE, "{denied}");
        }
        assert!(p("wamp.session.add_testament").call);
        assert!(p("wamp.session.flush_testaments").call);
        assert_eq!(
            refused_with(&roles.check("anonymous", &call("wamp.session.list", Dict::new()))),
            Some((MessageType::Call, NOT_AUTHORIZED))
        );
        let subscribe = Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: Uri::new(crate::trace::ON_MESSAGE),
        };
        assert_eq!(
            refused_with(&roles.check("anonymous", &subscribe)),
            Some((MessageType::Subscribe, NOT_AUTHORIZED))
        );
        let disclosing = call("com.x", options(&[("disclose_me", true)]));
        assert_eq!(roles.check("anonymous", &disclosing), Verdict::Allowed);
        // Another role name has nothing: the realm has only its anonymous role.
        assert_eq!(roles.permission("frontend", "com.x"), Permission::NONE);
    }

    #[test]
    fn the_empty_prefix_matches_every_uri() {
        let roles = roles(vec![allow("", MatchSetting::Prefix, "call,subscribe")]);
        assert!(roles.permission("user", "wamp.session.count").call);
        assert!(roles.permission("user", "anything").subscribe);
    }

    #[test]
    fn every_action_is_checked() {
        let roles = roles(vec![
            allow("com.read.", MatchSetting::Prefix, "call,subscribe"),
            allow("com.write.", MatchSetting::Prefix, "register,publish"),
        ]);
        let ack = options(&[("acknowledge", true)]);
        assert_eq!(
            roles.check("user", &call("com.read.x", Dict::new())),
            Verdict::Allowed
        );
        assert_eq!(
            refused_with(&roles.check("user", &call("com.write.x", Dict::new()))),
            Some((MessageType::Call, NOT_AUTHORIZED))
        );
        let register = |procedure: &str| Message::Register {
            request: id(1),
            options: Dict::new(),
            procedure: Uri::new(procedure),
        };
        assert_eq!(
            roles.check("user", &register("com.write.x")),
            Verdict::Allowed
        );
        assert_eq!(
            refused_with(&roles.check("user", &register("com.read.x"))),
            Some((MessageType::Register, NOT_AUTHORIZED))
        );
        let subscribe = |topic: &str| Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: Uri::new(topic),
        };
        assert_eq!(
            roles.check("user", &subscribe("com.read.x")),
            Verdict::Allowed
        );
        assert_eq!(
            refused_with(&roles.check("user", &subscribe("com.write.x"))),
            Some((MessageType::Subscribe, NOT_AUTHORIZED))
        );
        assert_eq!(
            roles.check("user", &publish("com.write.x", ack.clone())),
            Verdict::Allowed
        );
        assert_eq!(
            refused_with(&roles.check("user", &publish("com.read.x", ack))),
            Some((MessageType::Publish, NOT_AUTHORIZED))
        );
        // Without acknowledge, a refused PUBLISH is dropped silently.
        assert_eq!(
            roles.check("user", &publish("com.read.x", Dict::new())),
            Verdict::Refused(None)
        );
        // Other messages are not this layer's business.
        let unsubscribe = Message::Unsubscribe {
            request: id(1),
            subscription: id(2),
        };
        assert_eq!(roles.check("user", &unsubscribe), Verdict::Allowed);
    }

    #[test]
    fn disclosure_needs_its_own_permission() {
        let roles = roles(vec![
            allow("com.quiet.", MatchSetting::Prefix, "call,publish"),
            allow("com.loud.", MatchSetting::Prefix, "call,publish,disclose"),
        ]);
        let disclose = options(&[("disclose_me", true)]);
        let disclose_ack = options(&[("disclose_me", true), ("acknowledge", true)]);
        assert_eq!(
            refused_with(&roles.check("user", &call("com.quiet.x", disclose.clone()))),
            Some((MessageType::Call, DISCLOSE_ME_DISALLOWED))
        );
        assert_eq!(
            refused_with(&roles.check("user", &publish("com.quiet.x", disclose_ack))),
            Some((MessageType::Publish, DISCLOSE_ME_DISALLOWED))
        );
        assert_eq!(
            roles.check("user", &publish("com.quiet.x", disclose.clone())),
            Verdict::Refused(None)
        );
        assert_eq!(
            roles.check("user", &call("com.loud.x", disclose.clone())),
            Verdict::Allowed
        );
        assert_eq!(
            roles.check("user", &publish("com.loud.x", disclose)),
            Verdict::Allowed
        );
        let not_disclosing = options(&[("disclose_me", false)]);
        assert_eq!(
            roles.check("user", &call("com.quiet.x", not_disclosing)),
            Verdict::Allowed
        );
        // Not allowed at all: not_authorized comes first.
        assert_eq!(
            refused_with(
                &roles.check("user", &call("com.none", options(&[("disclose_me", true)])))
            ),
            Some((MessageType::Call, NOT_AUTHORIZED))
        );
    }

    #[test]
    fn invalid_settings_are_explained() {
        let error = |permissions: Vec<PermissionSettings>| {
            Roles::from_settings(&[RoleSettings {
                name: "r".into(),
                permissions,
            }])
            .unwrap_err()
        };
        assert!(error(vec![allow("", MatchSetting::Exact, "")]).contains("not a valid exact"));
        assert!(error(vec![allow("a..b", MatchSetting::Exact, "")]).contains("not a valid"));
        assert!(error(vec![allow("a b.", MatchSetting::Prefix, "")]).contains("prefix"));
        assert!(error(vec![allow("a#.", MatchSetting::Wildcard, "")]).contains("wildcard"));
        assert!(
            error(vec![
                allow("a.", MatchSetting::Prefix, "call"),
                allow("a.", MatchSetting::Prefix, "")
            ])
            .contains("two permissions")
        );
        let role = |name: &str| RoleSettings {
            name: name.into(),
            permissions: Vec::new(),
        };
        assert!(
            Roles::from_settings(&[role("a"), role("a")])
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            Roles::from_settings(&[role("")])
                .unwrap_err()
                .contains("empty name")
        );
        let listed = Roles::from_settings(&[role("a")]).unwrap();
        assert!(listed.contains("a") && !listed.contains("b") && !listed.is_open());
        assert_eq!(listed.permission("a", "x"), Permission::NONE);
    }
}
