//! The inspector: DevTools for a live WAMP realm, in the browser.
//!
//! A Leptos client-side app compiled to WebAssembly. It talks to the router only through
//! WAMP (the meta API and the dev-router's message trace), with the `wamp-wasm` client.
//!
//! Layout:
//! - this file mounts the app; [`app`] is its root (layout, tabs, keyboard shortcuts);
//! - [`api`]: the data layer, every request to the router;
//! - [`state`]: the model types of `inspector-model` in signals, and the actions;
//! - [`components`]: one component per file;
//! - [`browser`]: clocks, local storage, downloads.
//!
//! Natively this crate is an empty program: the app only builds for `wasm32`, and its state
//! logic is tested natively in `inspector-model`.

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod state;

#[cfg(target_arch = "wasm32")]
fn main() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "the inspector runs in a browser: `cargo xtask run` builds it and the dev-router serves it"
    );
}
