//! One page of any bytes through the whole pipeline: decode, front matter,
//! question outline, every markdown pass (raw HTML, math, code, links) and
//! the page template, in both languages.
#![no_main]

use generator::config::Config;
use generator::site::Site;
use generator::source::{decode, SourceFile};
use generator::theme::Theme;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap())
}

fuzz_target!(|bytes: &[u8]| {
    let text = decode(bytes).text;
    let files: Vec<SourceFile> = ["a/page.md", "a/page.en.md"]
        .iter()
        .map(|path| SourceFile {
            rel_path: path.to_string(),
            display_path: path.to_string(),
            text: text.clone(),
            load_warning: None,
        })
        .collect();
    let site = Site::from_sources(&files, Default::default(), Config::default(), false);
    for route in site.routes() {
        let _ = generator::build::render_page(&site, &route, theme());
    }
});
