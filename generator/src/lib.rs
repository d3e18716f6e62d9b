//! The site generator: turns a folder of Chinese/English markdown Q&A into a
//! bilingual static study site. See ARCHITECTURE.md for the map.
//!
//! Data flows one way: [`source`] loads files → [`content`] parses them into
//! pages and questions → [`site`] lays out the site → [`plan`] lists its
//! outputs → [`build`] renders them ([`markdown`] for bodies, [`context`] and
//! [`theme`] for templates) → [`output`] writes them.

pub mod build;
pub mod code_css;
pub mod config;
pub mod content;
pub mod context;
pub mod diagnostics;
pub mod fidelity;
pub mod front_matter;
pub mod i18n;
pub mod lang;
pub mod markdown;
pub mod output;
pub mod phases;
pub mod plan;
pub mod play;
pub mod render_cache;
pub mod route;
pub mod search_index;
pub mod serve;
pub mod site;
pub mod source;
pub mod study;
pub mod theme;
