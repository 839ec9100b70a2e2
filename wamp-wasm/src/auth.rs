//! How the client answers the router's `CHALLENGE`: an [`Authenticator`].
//!
//! The Rust API takes a `wamp-proto` [`Credential`] and answers with its math at once. The
//! JavaScript API (feature `js`) passes a JavaScript authenticator instead, whose answer is a
//! promise (WebCrypto is asynchronous), so that the npm package carries no Rust crypto.
//! The indirection keeps the two apart: a build that never names [`Credential`] does not
//! link its math.

use std::rc::Rc;

use wamp_proto::{Credential, Dict};

use crate::reply::Reply;

/// Answers a `CHALLENGE`.
pub(crate) trait Authenticator {
    /// `HELLO.Details.authmethods`: the one method offered.
    fn auth_method(&self) -> String;
    /// `HELLO.Details.authextra`.
    fn hello_authextra(&self) -> Dict;
    /// The signature for `AUTHENTICATE`, now or later; its error says why there is none.
    fn respond(&self, auth_method: &str, extra: &Dict) -> Reply<String>;
}

/// A shared authenticator; `Debug` without secrets.
#[derive(Clone)]
pub(crate) struct Auth(pub(crate) Rc<dyn Authenticator>);

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth(..)")
    }
}

impl Authenticator for Credential {
    fn auth_method(&self) -> String {
        Credential::auth_method(self).to_owned()
    }

    fn hello_authextra(&self) -> Dict {
        Credential::hello_authextra(self)
    }

    fn respond(&self, auth_method: &str, extra: &Dict) -> Reply<String> {
        Reply::ready(
            Credential::respond(self, auth_method, extra)
                .map_err(|error| crate::Error::InvalidArgument(error.to_string())),
        )
    }
}
