//! Rendered formulas and highlighted code blocks kept between runs: KaTeX
//! and highlighting are most of a build's work on real notes, and an edited site
//! changes few of them. The cache is one file per content folder in the
//! user's cache folder (`$XDG_CACHE_HOME/dlq-generator`, else
//! `~/.cache/dlq-generator`), valid only for the binary that wrote it (its
//! size and modification time are part of the file), and holds exactly the
//! entries the last build used, so it never grows beyond one site's.
//!
//! The file is an index (key → where the text is) followed by the texts,
//! and only the index is read when the cache is opened: a text is read from
//! the file when it is asked for. At 16,000 pages the texts are 880 MB;
//! reading and decoding them all made `serve`'s first answer wait 7–12 s,
//! and holding them (twice: as loaded and as used) was 1.8 GB of its
//! memory. After [`save`] the texts this run rendered are in the new file
//! too and are dropped from memory, so a long `serve` holds only the index.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

const MAGIC: &[u8; 8] = b"DLQRC02\n";
/// Magic, binary identity, entry count.
const HEADER: usize = 24;
/// Key, offset in the texts, length.
const INDEX_ENTRY: usize = 20;

#[derive(Default)]
struct Cache {
    /// The cache file as last read or written: its index and an open handle.
    stored: RwLock<Option<Stored>>,
    /// Entries this run used (what the next run gets): the text when this
    /// run rendered it, `None` when it is in `stored`.
    used: Mutex<HashMap<u64, Option<String>>>,
    file: Mutex<Option<PathBuf>>,
}

/// A cache file: where each text is, read on demand through `file` (kept
/// open: a newer file renamed over it does not change what it reads).
struct Stored {
    file: File,
    /// Key → (offset from the start of the file, length).
    index: HashMap<u64, (u64, u32)>,
}

impl Stored {
    /// The text of `key`, or `None` when absent or unreadable (then it is
    /// rendered again: a damaged entry costs time, never a wrong page).
    fn text(&self, key: u64) -> Option<String> {
        let &(offset, len) = self.index.get(&key)?;
        let mut bytes = vec![0; len as usize];
        read_at(&self.file, &mut bytes, offset).ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// Fills `buf` from `file` at `offset`, without moving a shared cursor (so
/// that threads can read at once).
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// FNV-1a over the parts, with separators (stable across runs and Rust versions).
fn key(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(&(part.len() as u64).to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The rendering of `input` by `kind` (`"math-inline"`, `"code"` …): from
/// the cache, or computed by `render` (an `Err` is not kept).
pub fn get_or_render<E>(
    kind: &str,
    input: &[&str],
    render: impl FnOnce() -> Result<String, E>,
) -> Result<String, E> {
    let mut parts: Vec<&[u8]> = vec![kind.as_bytes()];
    parts.extend(input.iter().map(|s| s.as_bytes()));
    let key = key(&parts);
    let cache = cache();
    let recording = cache.file.lock().is_ok_and(|f| f.is_some());
    let fresh = cache
        .used
        .lock()
        .ok()
        .and_then(|used| used.get(&key).cloned().flatten());
    let stored = match fresh {
        Some(html) => return Ok(html),
        None => cache
            .stored
            .read()
            .ok()
            .and_then(|s| s.as_ref().and_then(|s| s.text(key))),
    };
    let (html, rendered) = match stored {
        Some(html) => (html, false),
        None => (render()?, true),
    };
    if recording {
        if let Ok(mut used) = cache.used.lock() {
            let entry = used.entry(key).or_default();
            if rendered && entry.is_none() {
                *entry = Some(html.clone());
            }
        }
    }
    Ok(html)
}

/// The cache file for `content_dir`, or `None` when there is no cache folder.
pub fn default_file(content_dir: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let folder = std::fs::canonicalize(content_dir).ok()?;
    let name = format!("{:016x}.bin", key(&[folder.as_os_str().as_encoded_bytes()]));
    Some(base.join("dlq-generator").join(name))
}

/// Identifies the running binary: a cache written by another build of the
/// generator (other rendering code) is never used.
fn binary_identity() -> u64 {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    let (len, modified) = meta.map_or((0, 0), |m| {
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        (m.len(), modified)
    });
    key(&[
        &len.to_le_bytes(),
        &modified.to_le_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
    ])
}

/// Starts using `file`: reads the index of what the last run of this
/// binary left there (the texts stay in the file until asked for). A
/// missing, foreign or damaged file is an empty cache, never an error.
pub fn open(file: PathBuf) {
    remove_temporaries(&file);
    // In use: its time marks it recently used for `prune`.
    let _ = File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(SystemTime::now()));
    if let Some(folder) = file.parent() {
        prune(folder, &file, FOLDER_BUDGET, MAX_AGE, SystemTime::now());
    }
    let cache = cache();
    let stored = read_index(&file);
    if let Ok(mut slot) = cache.stored.write() {
        *slot = stored;
    }
    if let Ok(mut used) = cache.used.lock() {
        used.clear();
    }
    if let Ok(mut slot) = cache.file.lock() {
        *slot = Some(file);
    }
}

/// How much the cache folder may hold besides the file in use: one file per
/// content folder ever built would otherwise grow without end. A
/// 1,000-page site's cache is about 55 MB.
const FOLDER_BUDGET: u64 = 512 << 20;

/// A cache not used for this long is removed (its folder is likely gone).
const MAX_AGE: Duration = Duration::from_secs(60 * 24 * 3600);

/// A cache used this recently is never removed to keep within the budget:
/// two large sites worked on in turn would otherwise evict each other.
const RECENT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Removes other content folders' cache files (`<16 hex digits>.bin`, the
/// names [`default_file`] gives; nothing else in `folder` is touched) that
/// were last used longer than `max_age` before `now`, then, of those not
/// used in the last week, the least recently used until the rest fit in
/// `budget` bytes.
fn prune(folder: &Path, current: &Path, budget: u64, max_age: Duration, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let is_cache_name = |name: &str| {
        name.strip_suffix(".bin")
            .is_some_and(|stem| stem.len() == 16 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut others: Vec<(SystemTime, u64, PathBuf)> = entries
        .flatten()
        .filter(|e| is_cache_name(&e.file_name().to_string_lossy()))
        .filter(|e| e.path() != current)
        .filter_map(|e| {
            let meta = std::fs::symlink_metadata(e.path()).ok()?;
            let used = meta.modified().ok()?;
            meta.is_file().then(|| (used, meta.len(), e.path()))
        })
        .collect();
    others.sort_by_key(|(used, _, _)| std::cmp::Reverse(*used));
    let mut kept = 0u64;
    for (used, len, path) in others {
        let age = now.duration_since(used).unwrap_or_default();
        if age > max_age || (age > RECENT && kept + len > budget) {
            let _ = std::fs::remove_file(path);
        } else {
            kept += len;
        }
    }
}

/// The temporary file a save writes before renaming it over `file`.
fn temporary(file: &Path) -> PathBuf {
    file.with_extension(format!("tmp-{}", std::process::id()))
}

/// Removes what an interrupted save left beside `file` (as large as the
/// cache: `serve` stopped while writing it). A save of another process
/// running now loses its file: a cache not written costs time, not pages.
fn remove_temporaries(file: &Path) {
    let (Some(dir), Some(stem)) = (file.parent(), file.file_stem()) else {
        return;
    };
    let prefix = format!("{}.tmp-", stem.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn read_index(path: &Path) -> Option<Stored> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut header = [0; HEADER];
    read_at(&file, &mut header, 0).ok()?;
    let (magic, rest) = header.split_at(8);
    let (identity, count) = rest.split_at(8);
    if magic != MAGIC || u64::from_le_bytes(identity.try_into().ok()?) != binary_identity() {
        return None;
    }
    let count = usize::try_from(u64::from_le_bytes(count.try_into().ok()?)).ok()?;
    let index_len = count.checked_mul(INDEX_ENTRY)?;
    let texts_start = (HEADER + index_len) as u64;
    if texts_start > size {
        return None;
    }
    let mut raw = vec![0; index_len];
    read_at(&file, &mut raw, HEADER as u64).ok()?;
    let mut index = HashMap::with_capacity(count);
    for entry in raw.chunks_exact(INDEX_ENTRY) {
        let key = u64::from_le_bytes(entry[..8].try_into().ok()?);
        let offset = u64::from_le_bytes(entry[8..16].try_into().ok()?);
        let len = u32::from_le_bytes(entry[16..].try_into().ok()?);
        let start = texts_start.checked_add(offset)?;
        if start.checked_add(u64::from(len))? > size {
            return None;
        }
        index.insert(key, (start, len));
    }
    Some(Stored { file, index })
}

/// Writes the entries this run used (atomically: a temporary file renamed),
/// then reads texts from the new file and drops this run's from memory.
/// May run while pages render: they find what they need in the old file
/// meanwhile, or render it. Failing to write a cache is not worth failing
/// a build for.
pub fn save() {
    let cache = cache();
    let Some(file) = cache.file.lock().ok().and_then(|f| f.clone()) else {
        return;
    };
    let Ok(taken) = cache.used.lock().map(|mut used| std::mem::take(&mut *used)) else {
        return;
    };
    let written = {
        let stored = cache.stored.read();
        let stored = stored.as_ref().ok().and_then(|s| s.as_ref());
        // A rebuild of an unchanged site used exactly what the file holds:
        // rewriting it (its texts are most of the cache) was a fifth of
        // such a build's time.
        // (And only while the file is still there: another run's prune may
        // have removed it while this one read from its open handle.)
        let unchanged = stored.is_some_and(|s| {
            let still_there = std::fs::metadata(&file).ok().map(|m| m.len())
                == s.file.metadata().ok().map(|m| m.len());
            still_there
                && s.index.len() == taken.len()
                && taken
                    .iter()
                    .all(|(key, text)| text.is_none() && s.index.contains_key(key))
        });
        if unchanged {
            if let Ok(mut used) = cache.used.lock() {
                for (key, text) in taken {
                    used.entry(key).or_insert(text);
                }
            }
            return;
        }
        // Entries no longer in the file it was read from are left out.
        let entries: Vec<(u64, u32)> = taken
            .iter()
            .filter_map(|(&key, text)| match text {
                Some(text) => u32::try_from(text.len()).ok().map(|len| (key, len)),
                None => stored
                    .and_then(|s| s.index.get(&key))
                    .map(|&(_, len)| (key, len)),
            })
            .collect();
        let text = |key: u64| match taken.get(&key) {
            Some(Some(text)) => Some(text.clone()),
            _ => stored.and_then(|s| s.text(key)),
        };
        write_file(&file, &entries, text)
    };
    let new = written.ok().and_then(|()| read_index(&file));
    let (Ok(mut stored), Ok(mut used)) = (cache.stored.write(), cache.used.lock()) else {
        return;
    };
    match new {
        Some(new) => {
            // Entries recorded during the save as being in the old file but
            // not in the new one keep their text in memory.
            for (key, text) in used.iter_mut() {
                if text.is_none() && !new.index.contains_key(key) {
                    *text = stored.as_ref().and_then(|s| s.text(*key));
                }
            }
            for key in taken.into_keys() {
                used.entry(key).or_insert(None);
            }
            *stored = Some(new);
        }
        None => {
            // Not written: keep what was taken, as it was.
            for (key, text) in taken {
                used.entry(key).or_insert(text);
            }
        }
    }
}

/// Writes the index of `entries` (key, length), then each text as `text`
/// gives it, one at a time (they are not all in memory at once).
fn write_file(
    file: &Path,
    entries: &[(u64, u32)],
    text: impl Fn(u64) -> Option<String>,
) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temporary = temporary(file);
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&temporary)?);
        out.write_all(MAGIC)?;
        out.write_all(&binary_identity().to_le_bytes())?;
        out.write_all(&(entries.len() as u64).to_le_bytes())?;
        let mut offset: u64 = 0;
        for (key, len) in entries {
            out.write_all(&key.to_le_bytes())?;
            out.write_all(&offset.to_le_bytes())?;
            out.write_all(&len.to_le_bytes())?;
            offset += u64::from(*len);
        }
        for &(key, len) in entries {
            match text(key) {
                Some(text) if text.len() == len as usize => out.write_all(text.as_bytes())?,
                _ => return Err(std::io::Error::other("a cached text could not be read")),
            }
        }
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&temporary, file)
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_folder_keeps_the_recent_files_within_budget_and_nothing_foreign() {
        let dir = std::env::temp_dir().join(format!("render-cache-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let now = SystemTime::now();
        let day = Duration::from_secs(24 * 3600);
        let file = |name: &str, len: u64, days_ago: u32| {
            let path = dir.join(name);
            let f = File::create(&path).unwrap();
            f.set_len(len).unwrap();
            f.set_modified(now - day * days_ago).unwrap();
            path
        };
        let current = file("00000000000000aa.bin", 500, 400);
        file("00000000000000a1.bin", 20, 1);
        file("00000000000000b1.bin", 40, 10);
        file("00000000000000b2.bin", 40, 11);
        file("00000000000000b3.bin", 40, 12);
        file("00000000000000c1.bin", 1, 90);
        file("notes.bin", 1, 900);
        file("00000000000000d1.txt", 1, 900);
        prune(&dir, &current, 100, day * 60, now);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "00000000000000a1.bin", // used this week (and counted)
                "00000000000000aa.bin", // in use: kept, however old or large
                "00000000000000b1.bin", // then the most recent that fit in 100 bytes
                "00000000000000b2.bin",
                "00000000000000d1.txt", // not a name the cache gives
                "notes.bin",
            ]
        );
        // A file used this week stays even when it alone is over budget.
        prune(&dir, &current, 10, day * 60, now);
        assert!(dir.join("00000000000000a1.bin").exists());
        assert!(!dir.join("00000000000000b1.bin").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Texts held in memory by the cache (the rest is read from its file).
    fn texts_in_memory() -> usize {
        cache()
            .used
            .lock()
            .unwrap()
            .values()
            .filter(|t| t.is_some())
            .count()
    }

    // One test: the cache is one per process.
    #[test]
    fn entries_survive_a_save_are_read_from_the_file_and_errors_are_not_kept() {
        let file = std::env::temp_dir().join(format!("render-cache-{}.bin", std::process::id()));
        open(file.clone());
        let calls = std::cell::Cell::new(0);
        let render = |html: &'static str| {
            calls.set(calls.get() + 1);
            Ok::<_, ()>(html.to_string())
        };
        assert_eq!(
            get_or_render("t", &["x"], || render("<b>x</b>")).unwrap(),
            "<b>x</b>"
        );
        assert!(get_or_render("t", &["bad"], || Err::<String, _>("no")).is_err());
        assert_eq!(texts_in_memory(), 1);
        save();
        assert_eq!(
            texts_in_memory(),
            0,
            "after a save, texts are read from the file"
        );
        assert_eq!(
            get_or_render("t", &["x"], || render("?")).unwrap(),
            "<b>x</b>"
        );
        assert_eq!(calls.get(), 1);

        // A new run of the same binary: only the index is read at open, and
        // a text is read when asked for (here changed in place to show it).
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.len() - "<b>x</b>".len();
        bytes[at..].copy_from_slice(b"<i>y</i>");
        std::fs::write(&file, &bytes).unwrap();
        open(file.clone());
        let stored = read_index(&file).expect("readable");
        assert!(stored.index.contains_key(&key(&[b"t", b"x"])));
        assert!(
            !stored.index.contains_key(&key(&[b"t", b"bad"])),
            "errors are not kept"
        );
        assert_eq!(
            get_or_render("t", &["x"], || render("?")).unwrap(),
            "<i>y</i>"
        );
        assert_eq!(calls.get(), 1);
        assert_eq!(texts_in_memory(), 0);

        // A run that used exactly what the file holds leaves it as it is.
        use std::os::unix::fs::MetadataExt;
        let inode = || std::fs::metadata(&file).unwrap().ino();
        let before = inode();
        save();
        assert_eq!(inode(), before, "an unchanged cache is not rewritten");
        // Unless another run's prune removed it meanwhile.
        std::fs::remove_file(&file).unwrap();
        save();
        assert!(file.exists(), "a removed cache is written again");
        let before = inode();
        assert_eq!(
            get_or_render("t", &["x"], || render("?")).unwrap(),
            "<i>y</i>"
        );

        // A save keeps what this run used, read from the old file.
        assert_eq!(get_or_render("t", &["z"], || render("<z>")).unwrap(), "<z>");
        save();
        assert_ne!(inode(), before, "a new entry: the file is written again");
        let saved = read_index(&file).unwrap();
        assert_eq!(saved.text(key(&[b"t", b"x"])).as_deref(), Some("<i>y</i>"));
        assert_eq!(saved.text(key(&[b"t", b"z"])).as_deref(), Some("<z>"));
        assert_eq!(calls.get(), 2);

        // What an interrupted save left is removed when the cache is opened.
        let left = file.with_extension("tmp-1");
        std::fs::write(&left, b"partial").unwrap();
        open(file.clone());
        assert!(!left.exists());

        // A damaged file is no cache: everything renders again.
        let mut damaged = std::fs::read(&file).unwrap();
        damaged.truncate(damaged.len() - 3);
        std::fs::write(&file, damaged).unwrap();
        assert!(read_index(&file).is_none(), "a damaged file is no cache");
        open(file.clone());
        assert_eq!(
            get_or_render("t", &["x"], || render("<b>x</b>")).unwrap(),
            "<b>x</b>"
        );
        assert_eq!(calls.get(), 3);
        let _ = std::fs::remove_file(file);
    }
}
