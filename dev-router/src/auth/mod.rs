//! Authentication and authorization, per realm, from the configuration file.
//!
//! - [`settings`]: the TOML keys of a `[[realms]]` entry: `authmethods`, `anonymous_role`,
//!   `[[realms.principals]]` and `[[realms.roles]]` (the format is documented in
//!   [`crate::config`]).
//! - `authenticate`: HELLO to WELCOME or ABORT through CHALLENGE and AUTHENTICATE, for
//!   anonymous, ticket, WAMP-CRA (plain and salted) and cryptosign, without sockets or
//!   clocks; the session layer drives it.
//! - [`authorize`]: [`Roles`], each role's permissions on URI patterns, which the realm
//!   checks before it routes a CALL, REGISTER, PUBLISH or SUBSCRIBE.
//!
//! A realm without any of these keys is open: anonymous sessions only, allowed everything.
//! The cryptographic work (constant-time comparisons, HMAC, PBKDF2, Ed25519) is
//! [`wamp_proto::auth`]'s.

mod authenticate;
pub mod authorize;
pub mod settings;

pub(crate) use authenticate::{Authenticator, Begin, Denial, Entropy, Identity, Pending};
pub use authorize::{Permission, Roles};
pub use settings::{
    AuthMethod, DiscloseSettings, MatchSetting, PermissionSettings, PrincipalSettings, RoleSettings,
};
