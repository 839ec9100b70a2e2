//! `wamp.session.*`: counting, listing, describing and killing sessions.

use wamp_proto::{Dict, Id, Message, Payload, SessionId, Uri, UriRule, Value};

use super::{Answer, Arguments, Failure, answer, id_list};
use crate::realm::{Delivery, Outgoing, Realm, error_uri};

/// Which sessions a `kill_by_*` procedure closes (never the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Victims {
    /// `wamp.session.kill_by_authid`: those with the given authid; returns their IDs.
    Authid,
    /// `wamp.session.kill_by_authrole`: those with the given authrole; returns how many.
    Authrole,
    /// `wamp.session.kill_all`: all others; returns how many.
    All,
}

impl Realm {
    /// `{session, authid, authrole, authmethod, authprovider, authextra, transport}`, as
    /// `wamp.session.get` and `wamp.session.on_join` report a session.
    pub(super) fn session_details(&self, session: SessionId) -> Option<Dict> {
        let info = self.sessions.get(&session)?;
        let transport = Dict::from([
            ("type".to_owned(), info.transport.as_str().into()),
            ("protocol".to_owned(), info.subprotocol().name().into()),
            ("serializer".to_owned(), info.serializer.name().into()),
            ("peer".to_owned(), info.peer.as_str().into()),
        ]);
        Some(Dict::from([
            ("session".to_owned(), session.get().into()),
            ("authid".to_owned(), info.authid.as_str().into()),
            ("authrole".to_owned(), info.authrole.as_str().into()),
            ("authmethod".to_owned(), info.authmethod.as_str().into()),
            ("authprovider".to_owned(), info.authprovider.as_str().into()),
            ("authextra".to_owned(), Value::Dict(Dict::new())),
            ("transport".to_owned(), Value::Dict(transport)),
        ]))
    }

    /// The sessions whose authrole is in the optional `filter_authroles` argument.
    fn filtered_sessions(&self, args: Arguments<'_>) -> Result<Vec<SessionId>, Failure> {
        let roles = args.optional_strings(Some(0), "filter_authroles")?;
        let mut ids: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, info)| {
                roles
                    .as_ref()
                    .is_none_or(|roles| roles.contains(&info.authrole.as_str()))
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// `wamp.session.count(filter_authroles?)`.
    pub(super) fn meta_session_count(&self, args: Arguments<'_>) -> Answer {
        answer(self.filtered_sessions(args)?.len() as u64)
    }

    /// `wamp.session.list(filter_authroles?)`.
    pub(super) fn meta_session_list(&self, args: Arguments<'_>) -> Answer {
        answer(id_list(self.filtered_sessions(args)?))
    }

    /// A session's details with the `dev_router` dictionary: when it joined, and its
    /// message counters. `wamp.session.get` and `on_join` give these.
    pub(super) fn session_details_counted(&self, session: SessionId) -> Option<Dict> {
        let mut details = self.session_details(session)?;
        if let Some(stats) = self.session_stats(session) {
            let counters = Dict::from([
                ("joined".to_owned(), stats.joined.rfc3339().into()),
                ("messages_in".to_owned(), stats.messages_in.into()),
                ("messages_out".to_owned(), stats.messages_out.into()),
            ]);
            details.insert("dev_router".into(), Value::Dict(counters));
        }
        Some(details)
    }

    /// `wamp.session.get(session)`, with the `dev_router` counters.
    pub(super) fn meta_session_get(&self, args: Arguments<'_>) -> Answer {
        let id = args.integer(0, "session")?;
        let session = Id::new(id).ok_or_else(|| no_such_session(id))?;
        let details = self
            .session_details_counted(session)
            .ok_or_else(|| no_such_session(id))?;
        answer(details)
    }

    /// `wamp.session.kill(session, reason=?, message=?)`: the caller cannot kill itself.
    pub(super) fn meta_session_kill(
        &mut self,
        caller: SessionId,
        args: Arguments<'_>,
        out: &mut Vec<Delivery>,
    ) -> Answer {
        let id = args.integer(0, "session")?;
        let (reason, message) = close_reason(args)?;
        let victim = Id::new(id)
            .filter(|victim| *victim != caller && self.sessions.contains_key(victim))
            .ok_or_else(|| no_such_session(id))?;
        self.kill(victim, &reason, message, out);
        Ok(Payload::default())
    }

    /// `wamp.session.kill_by_authid(authid, ...)`, `kill_by_authrole(authrole, ...)` and
    /// `kill_all(...)`: every matching session but the caller.
    pub(super) fn meta_session_kill_by(
        &mut self,
        caller: SessionId,
        args: Arguments<'_>,
        victims: Victims,
        out: &mut Vec<Delivery>,
    ) -> Answer {
        let wanted = match victims {
            Victims::Authid => Some(args.string(0, "authid")?),
            Victims::Authrole => Some(args.string(0, "authrole")?),
            Victims::All => None,
        };
        let (reason, message) = close_reason(args)?;
        let mut killed: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(id, info)| {
                **id != caller
                    && match victims {
                        Victims::Authid => Some(info.authid.as_str()) == wanted,
                        Victims::Authrole => Some(info.authrole.as_str()) == wanted,
                        Victims::All => true,
                    }
            })
            .map(|(id, _)| *id)
            .collect();
        killed.sort_unstable();
        for victim in &killed {
            self.kill(*victim, &reason, message, out);
        }
        match victims {
            Victims::Authid => answer(id_list(killed)),
            Victims::Authrole | Victims::All => answer(killed.len() as u64),
        }
    }

    /// Closes a session on the router's initiative: GOODBYE `reason` (with `message` in its
    /// details), marked as the session's last delivery, then everything its leaving causes.
    fn kill(
        &mut self,
        victim: SessionId,
        reason: &Uri,
        message: Option<&str>,
        out: &mut Vec<Delivery>,
    ) {
        let mut details = Dict::new();
        if let Some(message) = message {
            details.insert("message".into(), message.into());
        }
        let goodbye = Message::Goodbye {
            details,
            reason: reason.clone(),
        };
        out.push(Delivery {
            to: victim,
            message: Outgoing::new(goodbye),
            closes: true,
            untraced: false,
        });
        self.remove_session(victim, out);
    }
}

/// The `reason` (default `wamp.close.killed`) and `message` keyword arguments of the kill
/// procedures.
fn close_reason(args: Arguments<'_>) -> Result<(Uri, Option<&str>), Failure> {
    let reason = match args.optional_string(None, "reason")? {
        None => Uri::new(error_uri::CLOSE_KILLED),
        Some(reason) => {
            let reason = Uri::new(reason);
            if reason.as_str().is_empty() || !reason.is_valid(UriRule::Loose, false) {
                return Err(Failure::new(
                    error_uri::INVALID_URI,
                    format!("reason '{}' is not a valid URI", reason.as_str()),
                ));
            }
            reason
        }
    };
    let message = args.optional_string(None, "message")?;
    Ok((reason, message))
}

fn no_such_session(id: u64) -> Failure {
    Failure::new(
        error_uri::NO_SUCH_SESSION,
        format!("no session with ID {id} in this realm (other than the caller, for kill)"),
    )
}
