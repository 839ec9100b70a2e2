//! Where to connect: router URL, realm, serializer and authentication, and the last
//! connections used. Secrets are never remembered.

use inspector_model::{AuthMethod, ConnectionProfile};
use leptos::ev;
use leptos::prelude::*;

use crate::browser;
use crate::state::{AppState, ConnectionStatus};

#[component]
pub(crate) fn ConnectDialog() -> impl IntoView {
    let state = AppState::get();
    let profile = RwSignal::new(state.profile.get_untracked());
    let secret = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let problems = Memo::new(move |_| secret.with(|secret| profile.with(|p| p.problems(secret))));
    let connecting = move || matches!(state.connection.get(), ConnectionStatus::Connecting { .. });
    let failure = move || match state.connection.get() {
        ConnectionStatus::Disconnected { error } => error,
        _ => None,
    };
    let can_close = move || {
        state
            .connection
            .with(|c| !matches!(c, ConnectionStatus::Disconnected { .. }))
    };
    request_animation_frame(|| browser::focus("connect-url"));

    let submit = move || {
        attempted.set(true);
        if problems.with_untracked(Vec::is_empty) {
            state.connect(profile.get_untracked(), secret.get_untracked());
        }
    };
    let on_keydown = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" && can_close() {
            event.prevent_default();
            state.show_connect.set(false);
        }
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           placeholder: &'static str,
                           get: fn(&ConnectionProfile) -> String,
                           set: fn(&mut ConnectionProfile, String)| {
        view! {
            <label class="field" for=id>
                <span>{label}</span>
                <input
                    id=id
                    class="mono"
                    placeholder=placeholder
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || profile.with(get)
                    on:input=move |event| {
                        let value = event_target_value(&event);
                        profile.update(|p| set(p, value));
                    }
                />
            </label>
        }
    };
    let needs_credentials = move || profile.with(|p| p.auth != AuthMethod::Anonymous);

    view! {
        <div class="overlay" on:keydown=on_keydown>
            <form
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="connect-title"
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                <div class="dialog-head">
                    <h2 id="connect-title">"Connect to a router"</h2>
                    <span class="spacer"></span>
                    <Show when=can_close>
                        <button
                            class="icon-button"
                            type="button"
                            title="Close (Esc)"
                            on:click=move |_| state.show_connect.set(false)
                        >
                            "×"
                        </button>
                    </Show>
                </div>
                {move || {
                    failure().map(|error| view! { <div class="notice error" role="alert"><span class="notice-icon">"!"</span><span class="notice-text">{error}</span></div> })
                }}
                <div class="form-grid">
                    {text_field("connect-url", "Router URL", "ws://127.0.0.1:8080/ws", |p| p.url.clone(), |p, v| p.url = v)}
                    {text_field("connect-realm", "Realm", "realm1", |p| p.realm.clone(), |p, v| p.realm = v)}
                    <label class="field" for="connect-serializer">
                        <span>"Serializer"</span>
                        <select
                            id="connect-serializer"
                            prop:value=move || profile.with(|p| p.serializer.clone())
                            on:change=move |event| profile.update(|p| p.serializer = event_target_value(&event))
                        >
                            <option value="json">"JSON"</option>
                            <option value="msgpack">"MessagePack"</option>
                            <option value="cbor">"CBOR"</option>
                        </select>
                    </label>
                    <label class="field" for="connect-auth">
                        <span>"Authentication"</span>
                        <select
                            id="connect-auth"
                            prop:value=move || profile.with(|p| p.auth.as_str().to_owned())
                            on:change=move |event| {
                                let method = AuthMethod::from_name(&event_target_value(&event)).unwrap_or_default();
                                profile.update(|p| p.auth = method);
                            }
                        >
                            <option value="anonymous">"Anonymous"</option>
                            <option value="ticket">"Ticket"</option>
                            <option value="wampcra">"WAMP-CRA"</option>
                            <option value="cryptosign">"Cryptosign (Ed25519)"</option>
                        </select>
                    </label>
                    <Show when=needs_credentials>
                        {text_field("connect-authid", "Authid", "alice", |p| p.authid.clone(), |p, v| p.authid = v)}
                        <label class="field" for="connect-secret">
                            <span>{move || profile.with(|p| p.auth.secret_label().unwrap_or("Secret"))}</span>
                            <input
                                id="connect-secret"
                                class="mono"
                                type="password"
                                autocomplete="off"
                                prop:value=move || secret.get()
                                on:input=move |event| secret.set(event_target_value(&event))
                            />
                        </label>
                    </Show>
                </div>
                <Show when=move || attempted.get() && !problems.with(Vec::is_empty)>
                    <ul class="problems" role="alert">
                        {move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </Show>
                <div class="dialog-actions">
                    <span class="hint">"Secrets are never stored; the rest of each connection is remembered."</span>
                    <span class="spacer"></span>
                    <Show when=move || state.connection.with(|c| c.is_open())>
                        <button class="button" type="button" on:click=move |_| state.disconnect()>
                            "Disconnect"
                        </button>
                    </Show>
                    <button id="connect-button" class="button primary" type="submit" disabled=connecting>
                        {move || if connecting() { "Connecting…" } else { "Connect" }}
                    </button>
                </div>
                <Show when=move || state.saved.with(|s| !s.profiles().is_empty())>
                    <h3>"Recent"</h3>
                    <ul class="recent">
                        {move || {
                            state
                                .saved
                                .get()
                                .profiles()
                                .iter()
                                .map(|saved| {
                                    let chosen = saved.clone();
                                    let forgotten = saved.clone();
                                    let label = saved.label();
                                    view! {
                                        <li>
                                            <button
                                                class="link mono grow ellipsis"
                                                type="button"
                                                title="Fill the form with this connection"
                                                on:click=move |_| {
                                                    profile.set(chosen.clone());
                                                    secret.set(String::new());
                                                }
                                            >
                                                {label}
                                            </button>
                                            <button
                                                class="icon-button"
                                                type="button"
                                                title="Forget this connection"
                                                on:click=move |_| {
                                                    state.saved.update(|s| s.forget(&forgotten));
                                                    state.forget_saved();
                                                }
                                            >
                                                "×"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </Show>
            </form>
        </div>
    }
}
