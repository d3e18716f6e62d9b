//! Writing the site: everything goes into a fresh folder next to the output,
//! which replaces the old output only once it is complete. A failed or killed
//! build leaves the previous site intact.
//!
//! The output folder is ours or untouched: every site we write carries
//! [`MARKER`], and a folder is replaced only when it is empty or carries it
//! (or the user says `--force`). A folder that holds the content is never
//! replaced, whatever the flags.

use crate::phases::Phase;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The file that marks a folder as a site this generator wrote (and may replace).
pub const MARKER: &str = ".dlq-site";

/// Receives each output file (path below the site root, bytes): the
/// rendering hands every file here as soon as it is ready, and `build`
/// writes it to the staging folder, `check` drops it, `serve` keeps it.
pub type Sink<'a> = dyn Fn(String, Vec<u8>) -> anyhow::Result<()> + Sync + 'a;

const MARKER_TEXT: &str =
    "This folder was written by the study-site generator; each build replaces it whole.\n";

/// Refuses an output folder whose replacement would lose files the generator
/// did not write: the content folder or one that holds it, a file, or a
/// non-empty folder without our marker (unless `force`).
pub fn check_output_folder(out_dir: &Path, content_dir: &Path, force: bool) -> Result<()> {
    let out = real_path(&absolute(out_dir)?);
    let content = real_path(&absolute(content_dir)?);
    if content.starts_with(&out) {
        bail!(
            "refusing to write the site into {}: it {} the content folder {}, and a build replaces its output folder whole. Choose another --output",
            out_dir.display(),
            if content == out { "is" } else { "contains" },
            content_dir.display()
        );
    }
    let Ok(meta) = std::fs::symlink_metadata(out_dir) else {
        return Ok(());
    };
    let ours = meta.is_dir() && out_dir.join(MARKER).is_file();
    let empty = meta.is_dir() && std::fs::read_dir(out_dir)?.next().is_none();
    if ours || empty || force {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder with files this generator did not write"
    } else if meta.is_symlink() {
        "a symlink"
    } else {
        "a file"
    };
    bail!(
        "refusing to replace {}: it is {what} (no {MARKER} marker). Choose an empty or new folder, or pass --force to replace it anyway",
        out_dir.display()
    )
}

/// The path with every existing ancestor resolved (symlinks, `..`), so that
/// two spellings of one folder compare equal even before it exists.
fn real_path(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return missing.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Builds into a staging folder (marked as ours) and swaps it in for `out_dir`.
/// Call [`check_output_folder`] first.
pub fn write_atomically(out_dir: &Path, fill: impl FnOnce(&Staging) -> Result<()>) -> Result<()> {
    write_atomically_with(out_dir, false, fill)
}

/// [`write_atomically`], also writing `.gz`/`.br` beside text files when `precompress`.
pub fn write_atomically_with(
    out_dir: &Path,
    precompress: bool,
    fill: impl FnOnce(&Staging) -> Result<()>,
) -> Result<()> {
    let out_dir = absolute(out_dir)?;
    let parent = out_dir
        .parent()
        .context("the output folder has no parent folder")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = out_dir
        .file_name()
        .context("the output folder has no name")?
        .to_string_lossy()
        .into_owned();
    let staging = Staging {
        root: parent.join(format!(".{name}.tmp-{}", std::process::id())),
        precompress,
        previous: std::fs::symlink_metadata(&out_dir)
            .is_ok_and(|m| m.is_dir())
            .then(|| out_dir.clone()),
    };
    if staging.root.exists() {
        std::fs::remove_dir_all(&staging.root)?;
    }
    std::fs::create_dir_all(&staging.root)?;
    let result = staging
        .write(MARKER, MARKER_TEXT.as_bytes())
        .and_then(|()| fill(&staging))
        .and_then(|()| swap_in(&staging.root, &out_dir, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging.root);
    }
    result
}

/// The folder a build writes into before it becomes the output.
pub struct Staging {
    root: PathBuf,
    /// Also write `.gz` and `.br` beside text files (`build --precompress`).
    pub precompress: bool,
    /// The output being replaced: a file whose bytes it already holds is
    /// hard-linked from there instead of written (see [`Staging::reuse`]).
    previous: Option<PathBuf>,
}

/// Text files worth compressing ahead of time (hosts such as nginx's
/// `gzip_static`, Netlify or a CDN serve them as they are).
fn compressible(rel: &str) -> bool {
    [
        ".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".wasm",
    ]
    .iter()
    .any(|ext| rel.ends_with(ext))
}

impl Staging {
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        crate::phases::timed(Phase::Write, || self.write_file(rel, bytes))
    }

    fn write_file(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let precompressed = self.precompress && compressible(rel) && bytes.len() >= 1024;
        let companions = if precompressed {
            vec![gz_extension(&path, "gz"), gz_extension(&path, "br")]
        } else {
            Vec::new()
        };
        if self.reuse(rel, bytes, &companions) {
            return Ok(());
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if precompressed {
            use std::io::Write as _;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(bytes)?;
            std::fs::write(path.with_extension(gz_extension(&path, "gz")), gz.finish()?)?;
            let mut br = Vec::new();
            brotli::BrotliCompress(
                &mut &bytes[..],
                &mut br,
                &brotli::enc::BrotliEncoderParams::default(),
            )?;
            std::fs::write(path.with_extension(gz_extension(&path, "br")), br)?;
        }
        Ok(())
    }

    /// Hard-links `rel` (and its compressed `companions`, made from the same
    /// bytes) from the output being replaced when that file holds exactly
    /// `bytes`. An unchanged rebuild then writes almost nothing, removing the
    /// old output frees no blocks, and unchanged files keep their
    /// modification times (so `rsync` and caches skip them). Anything unusual
    /// (a symlink, another file system, no hard links) falls back to writing.
    fn reuse(&self, rel: &str, bytes: &[u8], companions: &[String]) -> bool {
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(rel);
        if !regular_file_of_len(&old, bytes.len())
            || !std::fs::read(&old).is_ok_and(|held| held == bytes)
            || !companions
                .iter()
                .all(|c| regular_file_of_len(&old.with_extension(c), None))
        {
            return false;
        }
        let new = self.root.join(rel);
        let link = |ext: Option<&String>| {
            let (from, to) = match ext {
                Some(c) => (old.with_extension(c), new.with_extension(c)),
                None => (old.clone(), new.clone()),
            };
            std::fs::hard_link(from, to).is_ok()
        };
        let linked = link(None) && companions.iter().all(|c| link(Some(c)));
        if !linked {
            // Nothing half-linked: the caller writes every file afresh.
            let _ = std::fs::remove_file(&new);
            for c in companions {
                let _ = std::fs::remove_file(new.with_extension(c));
            }
        }
        linked
    }

    pub fn copy(&self, rel: &str, source: &Path) -> Result<()> {
        crate::phases::timed(Phase::Write, || self.copy_file(rel, source))
    }

    fn copy_file(&self, rel: &str, source: &Path) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let unchanged = self.previous.as_ref().is_some_and(|previous| {
            let len = std::fs::metadata(source).map_or(u64::MAX, |m| m.len());
            regular_file_of_len(&previous.join(rel), usize::try_from(len).ok())
                && std::fs::read(source).is_ok_and(|bytes| self.reuse(rel, &bytes, &[]))
        });
        if unchanged {
            return Ok(());
        }
        std::fs::copy(source, &path)
            .map(drop)
            .with_context(|| format!("copying {}", source.display()))
    }
}

/// Whether `path` is a regular file (not a symlink) of `len` bytes, if given.
fn regular_file_of_len(path: &Path, len: impl Into<Option<usize>>) -> bool {
    let len = len.into();
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && len.is_none_or(|len| m.len() == len as u64))
}

/// `index.html` → `html.gz` (the extension that `with_extension` sets).
fn gz_extension(path: &Path, suffix: &str) -> String {
    let ext = path
        .extension()
        .map_or(String::new(), |e| e.to_string_lossy().into_owned());
    format!("{ext}.{suffix}")
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

/// Moves the old output aside, the new one in, then deletes the old one.
fn swap_in(staging: &Path, out_dir: &Path, name: &str) -> Result<()> {
    let old = out_dir.with_file_name(format!(".{name}.old-{}", std::process::id()));
    let had_old = std::fs::symlink_metadata(out_dir).is_ok();
    if had_old {
        std::fs::rename(out_dir, &old)
            .with_context(|| format!("moving the old {} aside", out_dir.display()))?;
    }
    if let Err(err) = std::fs::rename(staging, out_dir) {
        if had_old {
            let _ = std::fs::rename(&old, out_dir);
        }
        return Err(err).with_context(|| format!("moving the new site into {}", out_dir.display()));
    }
    if had_old {
        remove_dir_parallel(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

/// `remove_dir_all`, one thread per top-level entry. Symlinks are removed,
/// never followed: nothing outside the old output is touched.
fn remove_dir_parallel(dir: &Path) -> std::io::Result<()> {
    if !std::fs::symlink_metadata(dir)?.is_dir() {
        return std::fs::remove_file(dir);
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|path| {
        if std::fs::symlink_metadata(path)?.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        }
    })?;
    std::fs::remove_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_old_output_completely() {
        let dir = std::env::temp_dir().join(format!("output-test-{}", std::process::id()));
        let out = dir.join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.html"), "old").unwrap();
        write_atomically(&out, |staging| staging.write("a/index.html", b"new")).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "new"
        );
        assert!(!out.join("stale.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_empty_or_marked_folders_are_replaced() {
        let dir = std::env::temp_dir().join(format!("output-guard-{}", std::process::id()));
        let content = dir.join("notes");
        std::fs::create_dir_all(content.join("sub")).unwrap();
        let keep = dir.join("keep");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(keep.join("mine.txt"), "x").unwrap();
        let refused = |out: &Path, force| check_output_folder(out, &content, force).is_err();
        assert!(refused(&content, true), "the content folder itself");
        assert!(refused(&dir, true), "a folder holding the content");
        assert!(
            refused(&content.join("sub/.."), true),
            "another spelling of it"
        );
        assert!(refused(&keep, false), "someone else's files");
        assert!(!refused(&keep, true), "unless forced");
        assert!(!refused(&dir.join("new"), false));
        assert!(
            !refused(&content.join("public"), false),
            "inside the content is fine"
        );
        write_atomically(&dir.join("site"), |s| s.write("index.html", b"x")).unwrap();
        assert!(dir.join("site").join(MARKER).is_file());
        assert!(!refused(&dir.join("site"), false), "our own site");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn removing_the_old_site_never_follows_symlinks() {
        let dir = std::env::temp_dir().join(format!("output-links-{}", std::process::id()));
        let outside = dir.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("precious.txt"), "x").unwrap();
        let out = dir.join("public");
        write_atomically(&out, |s| s.write("index.html", b"1")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.join("precious.txt"), out.join("file-link")).unwrap();
        write_atomically(&out, |s| s.write("index.html", b"2")).unwrap();
        assert!(outside.join("precious.txt").is_file());
        assert!(!out.join("link").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_linked_from_the_old_output_and_changed_ones_written() {
        use std::os::unix::fs::MetadataExt;
        let dir = std::env::temp_dir().join(format!("output-reuse-{}", std::process::id()));
        let out = dir.join("public");
        let page = |n: u8| vec![b'a' + n; 2000];
        let site = |version: u8| {
            move |s: &Staging| {
                s.write("same/index.html", &page(0))?;
                s.write("changed/index.html", &page(version))?;
                s.write("tiny.txt", b"1")
            }
        };
        write_atomically_with(&out, true, site(1)).unwrap();
        let inode = |rel: &str| std::fs::symlink_metadata(out.join(rel)).unwrap().ino();
        let before: Vec<u64> = [
            "same/index.html",
            "same/index.html.gz",
            "changed/index.html",
            "tiny.txt",
        ]
        .iter()
        .map(|r| inode(r))
        .collect();
        // A symlink where the site writes a file: replaced, never followed.
        std::fs::write(dir.join("outside.txt"), "1").unwrap();
        std::fs::remove_file(out.join("tiny.txt")).unwrap();
        std::os::unix::fs::symlink(dir.join("outside.txt"), out.join("tiny.txt")).unwrap();
        write_atomically_with(&out, true, site(2)).unwrap();
        assert_eq!(inode("same/index.html"), before[0], "unchanged: linked");
        assert_eq!(inode("same/index.html.gz"), before[1], "its .gz too");
        assert_ne!(inode("changed/index.html"), before[2]);
        assert_eq!(
            std::fs::read(out.join("changed/index.html")).unwrap(),
            page(2)
        );
        let gz = std::fs::read(out.join("changed/index.html.gz")).unwrap();
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unpacked)
            .unwrap();
        assert_eq!(unpacked, page(2), "a changed page gets a fresh .gz");
        assert!(!std::fs::symlink_metadata(out.join("tiny.txt"))
            .unwrap()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(dir.join("outside.txt")).unwrap(),
            "1"
        );
        // Same length, other bytes: written, not linked.
        write_atomically_with(&out, true, site(3)).unwrap();
        assert_eq!(
            std::fs::read(out.join("changed/index.html")).unwrap(),
            page(3)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_old_site() {
        let dir = std::env::temp_dir().join(format!("output-fail-{}", std::process::id()));
        let out = dir.join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("index.html"), "old").unwrap();
        let result = write_atomically(&out, |staging| {
            staging.write("index.html", b"new")?;
            staging.copy("x.png", &dir.join("does-not-exist.png"))
        });
        assert!(result.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "staging folder removed"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
