//! The site generator: turns a folder of Chinese/English markdown Q&A into a
//! bilingual static study site. See ARCHITECTURE.md for the map.
//!
//! Data flows one way: [`source`] loads files → [`content`] parses them into
//! pages and questions → [`markdown`] renders each page body → [`site`] lays
//! out the site and renders templates ([`theme`]) → [`output`] writes it.

pub mod code_css;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod fidelity;
pub mod front_matter;
pub mod lang;
pub mod markdown;
pub mod output;
pub mod phases;
pub mod plan;
pub mod play;
pub mod render_cache;
pub mod search_index;
pub mod serve;
pub mod site;
pub mod source;
pub mod study;
pub mod theme;
