//! The few things the app needs from the browser beyond Leptos: clocks, local storage, the
//! page's address, downloads, and telling typing from shortcuts.

use wasm_bindgen::JsCast;

/// Unix time in milliseconds.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A monotonic clock in milliseconds (for round-trip times).
pub(crate) fn monotonic_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(now_ms, |performance| performance.now())
}

/// Minutes east of UTC of the browser's time zone, now.
pub(crate) fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A value from local storage.
pub(crate) fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Stores a value in local storage; quietly does nothing where storage is unavailable
/// (private windows, disabled storage).
pub(crate) fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// The page's protocol (`http:`, `https:`, `file:`) and host (`127.0.0.1:8080`).
pub(crate) fn location() -> (String, String) {
    let Some(location) = web_sys::window().map(|window| window.location()) else {
        return (String::new(), String::new());
    };
    (
        location.protocol().unwrap_or_default(),
        location.host().unwrap_or_default(),
    )
}

/// A query parameter of the page's address.
pub(crate) fn query_parameter(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Offers `text` as a file download named `filename`.
pub(crate) fn download(filename: &str, text: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file".to_owned())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not make the file".to_owned())?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let anchor = document
        .create_element("a")
        .ok()
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or("no document")?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Whether a keyboard event happened while typing in a field, where keys are text and not
/// shortcuts.
pub(crate) fn is_typing(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || element.has_attribute("contenteditable")
        })
}

/// Scrolls the element with `id` into view if it is out of view (keyboard navigation).
pub(crate) fn reveal(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
    {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// Moves the keyboard focus to the element with `id`.
pub(crate) fn focus(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}
