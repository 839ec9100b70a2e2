//! Messages per second over the last minute, as a small line chart.

use inspector_model::rate::sparkline_path;
use leptos::prelude::*;

#[component]
pub(crate) fn Sparkline(
    #[prop(into)] series: Signal<Vec<u64>>,
    #[prop(default = 240.0)] width: f64,
    #[prop(default = 48.0)] height: f64,
) -> impl IntoView {
    let line = move || series.with(|series| sparkline_path(series, width, height - 2.0, 5));
    let area = move || {
        let line = line();
        if line.is_empty() {
            String::new()
        } else {
            format!("{line} L{width:.1} {height:.1} L0 {height:.1} Z")
        }
    };
    let peak = move || series.with(|series| series.iter().copied().max().unwrap_or(0));
    view! {
        <svg
            class="sparkline"
            viewBox=format!("0 -1 {width} {height}")
            width=width
            height=height
            role="img"
            aria-label=move || format!("messages per second over the last minute, peak {}", peak())
        >
            <path class="spark-area" d=area></path>
            <path class="spark-line" d=line></path>
        </svg>
    }
}
