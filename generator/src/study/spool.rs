//! A build's Anki notes on their way to the decks. A deck holds every
//! answer of the site, and the notes of all chapters held until the decks
//! are written were a third of a build's memory (350 of 900 MB at 16,000
//! pages). So `build` and `check` keep each chapter's deck lines in memory
//! up to [`SPILL_BYTES`], then in an unnamed temporary file, and read them
//! back in reading order for the deck. (Writing a 1,000-page site's 8 MB of
//! notes to a file and back cost more than the memory.) `serve` keeps its
//! notes elsewhere: it replaces one chapter's notes at a time.

use super::anki::{self, Note};
use crate::lang::Lang;
use crate::route::Route;
use crate::site::Site;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// Each chapter's deck lines, in a temporary file (in memory when no
/// temporary file can be made).
pub struct NoteSpool {
    inner: Mutex<Inner>,
}

struct Inner {
    store: Store,
    /// Where each chapter's lines are: (offset, length) in the store.
    lines: HashMap<Route, (u64, usize)>,
}

enum Store {
    File(File),
    Memory(Vec<u8>),
}

/// How many bytes of deck lines are kept in memory before they move to a
/// temporary file (a 1,000-page site's decks are about 8 MB each).
const SPILL_BYTES: usize = 64 << 20;

impl NoteSpool {
    pub fn new() -> Self {
        NoteSpool {
            inner: Mutex::new(Inner {
                store: Store::Memory(Vec::new()),
                lines: HashMap::new(),
            }),
        }
    }

    /// Whether the notes are all in memory: fewer than [`SPILL_BYTES`] (or
    /// no temporary file could be made).
    pub fn in_memory(&self) -> bool {
        self.inner
            .lock()
            .is_ok_and(|inner| matches!(inner.store, Store::Memory(_)))
    }

    /// Keeps the notes of the chapter at `route` (replacing any it had).
    pub fn add(&self, route: &Route, notes: &[Note]) -> std::io::Result<()> {
        let mut text = String::new();
        for note in notes {
            anki::push_line(&mut text, note);
        }
        let mut inner = self.inner.lock().map_err(|_| poisoned())?;
        // The lines kept so far and these must fit in memory together.
        inner.spill_past(SPILL_BYTES.saturating_sub(text.len()));
        let at = match &mut inner.store {
            Store::File(file) => {
                let at = file.seek(SeekFrom::End(0))?;
                file.write_all(text.as_bytes())?;
                at
            }
            Store::Memory(bytes) => {
                bytes.extend_from_slice(text.as_bytes());
                (bytes.len() - text.len()) as u64
            }
        };
        inner.lines.insert(route.clone(), (at, text.len()));
        Ok(())
    }

    /// The deck of `lang`: the chapters' lines in reading order.
    pub fn deck(&self, site: &Site, lang: Lang) -> std::io::Result<Vec<u8>> {
        let inner = self.inner.lock().map_err(|_| poisoned())?;
        let mut deck = anki::header(&site.site_title(lang)).into_bytes();
        for route in super::chapter_routes(site, lang) {
            let Some(&(at, len)) = inner.lines.get(&route) else {
                continue;
            };
            let start = deck.len();
            deck.resize(start + len, 0);
            match &inner.store {
                Store::File(file) => {
                    // The lock is held: no other thread moves the cursor.
                    let mut file: &File = file;
                    file.seek(SeekFrom::Start(at))?;
                    file.read_exact(&mut deck[start..])?;
                }
                Store::Memory(bytes) => {
                    deck[start..].copy_from_slice(&bytes[at as usize..at as usize + len])
                }
            }
        }
        Ok(deck)
    }
}

impl Default for NoteSpool {
    fn default() -> Self {
        Self::new()
    }
}

impl Inner {
    /// Moves lines kept in memory beyond `limit` bytes to a temporary file
    /// (they stay in memory when none can be made).
    fn spill_past(&mut self, limit: usize) {
        let Store::Memory(bytes) = &self.store else {
            return;
        };
        if bytes.len() <= limit {
            return;
        }
        let Ok(mut file) = tempfile::tempfile() else {
            return;
        };
        if file.write_all(bytes).is_ok() {
            self.store = Store::File(file);
        }
    }
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("a render thread panicked while writing Anki notes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PageKind;

    #[test]
    fn notes_come_back_in_reading_order_from_memory_or_a_file() {
        let site = crate::site::tests::site(&[("b.md", "# B\n"), ("a/x.md", "# X\n")]);
        let note = |guid: &str| Note {
            guid: guid.into(),
            front: "front".into(),
            back: "back\twith a tab".into(),
            tags: "t".into(),
        };
        let route = |key: &str| Route {
            key: key.into(),
            kind: PageKind::Chapter,
            lang: Lang::Zh,
        };
        for spill_at in [None, Some(0), Some(100)] {
            let spool = NoteSpool::new();
            // Rendered in any order, replaced once: the deck follows the listing.
            spool.add(&route("a/x"), &[note("stale")]).unwrap();
            let spill = |spool: &NoteSpool| {
                if let Some(limit) = spill_at {
                    spool.inner.lock().unwrap().spill_past(limit);
                }
            };
            spill(&spool);
            spool.add(&route("a/x"), &[note("x1"), note("x2")]).unwrap();
            spill(&spool);
            spool.add(&route("b"), &[note("b1")]).unwrap();
            assert_eq!(spool.in_memory(), spill_at.is_none());
            let deck = String::from_utf8(spool.deck(&site, Lang::Zh).unwrap()).unwrap();
            let guids: Vec<&str> = deck
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split('\t').next().unwrap())
                .collect();
            assert_eq!(guids, ["\"b1\"", "\"x1\"", "\"x2\""], "{deck}");
            assert!(deck.contains("back&#9;with a tab"), "{deck}");
        }
    }
}
