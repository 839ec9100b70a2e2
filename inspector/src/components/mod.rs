//! The components, one per file.

// `#[component]` makes a public props struct for every component.
#![allow(unreachable_pub)]

pub(crate) mod call_form;
pub(crate) mod call_result;
pub(crate) mod confirm_dialog;
pub(crate) mod connect_dialog;
pub(crate) mod connection_badge;
pub(crate) mod console_panel;
pub(crate) mod endpoint_detail;
pub(crate) mod endpoints_panel;
pub(crate) mod history_list;
pub(crate) mod json_editor;
pub(crate) mod json_view;
pub(crate) mod message_detail;
pub(crate) mod notice;
pub(crate) mod overview_panel;
pub(crate) mod publish_form;
pub(crate) mod realm_graph;
pub(crate) mod recent_errors;
pub(crate) mod session_detail;
pub(crate) mod sessions_panel;
pub(crate) mod sparkline;
pub(crate) mod status_bar;
pub(crate) mod subscribe_form;
pub(crate) mod tab_bar;
pub(crate) mod top_bar;
pub(crate) mod trace_filter_bar;
pub(crate) mod trace_list;
pub(crate) mod trace_panel;
pub(crate) mod trace_row;
pub(crate) mod uri_field;
pub(crate) mod watch_list;
