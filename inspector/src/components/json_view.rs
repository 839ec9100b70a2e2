//! A value as indented, coloured JSON.

use inspector_model::Value;
use inspector_model::json::{self, Token};
use leptos::prelude::*;

/// Above this size, colouring is skipped: the text stays fast to show.
const MAX_COLOURED: usize = 100_000;

#[component]
pub(crate) fn JsonView(value: Value) -> impl IntoView {
    let text = json::pretty(&value);
    let body = if text.len() > MAX_COLOURED {
        text.into_any()
    } else {
        json::highlight(&text)
            .into_iter()
            .map(|(token, piece)| match token {
                Token::Plain => piece.to_owned().into_any(),
                token => view! { <span class=token.class()>{piece.to_owned()}</span> }.into_any(),
            })
            .collect_view()
            .into_any()
    };
    view! { <pre class="json">{body}</pre> }
}
