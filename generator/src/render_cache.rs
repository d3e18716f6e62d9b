//! Rendered formulas and highlighted code blocks kept between runs: KaTeX
//! and syntect are most of a build's work on real notes, and an edited site
//! changes few of them. The cache is one file per content folder in the
//! user's cache folder (`$XDG_CACHE_HOME/dlq-generator`, else
//! `~/.cache/dlq-generator`), valid only for the binary that wrote it (its
//! size and modification time are part of the file), and holds exactly the
//! entries the last build used, so it never grows beyond one site's.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, RwLock};

const MAGIC: &[u8; 8] = b"DLQRC01\n";

#[derive(Default)]
struct Cache {
    /// Entries loaded from the last run.
    loaded: RwLock<HashMap<u64, String>>,
    /// Entries this run used or produced (what the next run gets).
    used: Mutex<HashMap<u64, String>>,
    file: Mutex<Option<PathBuf>>,
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
    let hit = cache
        .loaded
        .read()
        .ok()
        .and_then(|loaded| loaded.get(&key).cloned());
    let html = match hit {
        Some(html) => html,
        None => render()?,
    };
    if cache.file.lock().is_ok_and(|f| f.is_some()) {
        if let Ok(mut used) = cache.used.lock() {
            used.entry(key).or_insert_with(|| html.clone());
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

/// Starts using `file`: loads what the last run of this binary left there.
/// A missing, foreign or damaged file is an empty cache, never an error.
pub fn open(file: PathBuf) {
    let cache = cache();
    if let Some(entries) = read(&file) {
        if let Ok(mut loaded) = cache.loaded.write() {
            *loaded = entries;
        }
    }
    if let Ok(mut slot) = cache.file.lock() {
        *slot = Some(file);
    }
}

fn read(file: &Path) -> Option<HashMap<u64, String>> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .ok()?
        .read_to_end(&mut bytes)
        .ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (identity, mut rest) = rest.split_at_checked(8)?;
    if u64::from_le_bytes(identity.try_into().ok()?) != binary_identity() {
        return None;
    }
    let mut entries = HashMap::new();
    while !rest.is_empty() {
        let (key, tail) = rest.split_at_checked(8)?;
        let (len, tail) = tail.split_at_checked(4)?;
        let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
        let (text, tail) = tail.split_at_checked(len)?;
        entries.insert(
            u64::from_le_bytes(key.try_into().ok()?),
            String::from_utf8(text.to_vec()).ok()?,
        );
        rest = tail;
    }
    Some(entries)
}

/// Writes the entries this run used (atomically: a temporary file renamed).
/// Failing to write a cache is not worth failing a build for.
pub fn save() {
    let cache = cache();
    let Some(file) = cache.file.lock().ok().and_then(|f| f.clone()) else {
        return;
    };
    let Ok(used) = cache.used.lock() else {
        return;
    };
    let mut out = Vec::with_capacity(used.values().map(|v| v.len() + 12).sum::<usize>() + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&binary_identity().to_le_bytes());
    for (key, text) in used.iter() {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    let Some(dir) = file.parent() else {
        return;
    };
    let temporary = file.with_extension(format!("tmp-{}", std::process::id()));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::File::create(&temporary))
        .and_then(|mut f| f.write_all(&out))
        .and_then(|()| std::fs::rename(&temporary, &file));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_save_and_load_and_errors_are_not_kept() {
        let file = std::env::temp_dir().join(format!("render-cache-{}.bin", std::process::id()));
        open(file.clone());
        let calls = std::cell::Cell::new(0);
        let render = || {
            calls.set(calls.get() + 1);
            Ok::<_, ()>("<b>x</b>".to_string())
        };
        assert_eq!(get_or_render("t", &["x"], render).unwrap(), "<b>x</b>");
        assert!(get_or_render("t", &["bad"], || Err::<String, _>("no")).is_err());
        save();
        let loaded = read(&file).expect("readable");
        assert_eq!(
            loaded.get(&key(&[b"t", b"x"])).map(String::as_str),
            Some("<b>x</b>")
        );
        assert!(
            !loaded.contains_key(&key(&[b"t", b"bad"])),
            "errors are not kept"
        );
        let mut damaged = std::fs::read(&file).unwrap();
        damaged.truncate(damaged.len() - 3);
        std::fs::write(&file, damaged).unwrap();
        assert!(read(&file).is_none(), "a damaged file is no cache");
        let _ = std::fs::remove_file(file);
        assert_eq!(calls.get(), 1);
    }
}
