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
        // Only an output this generator wrote (not one replaced by `--force`).
        previous: std::fs::symlink_metadata(&out_dir)
            .is_ok_and(|m| m.is_dir() && out_dir.join(MARKER).is_file())
            .then(|| std::fs::canonicalize(&out_dir).ok())
            .flatten(),
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
    /// The output being replaced (canonical), when this generator wrote it:
    /// a file whose bytes it already holds is hard-linked from there instead
    /// of written (see [`Staging::reuse`]).
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
        if self.reuse(rel, Same::Bytes(bytes), &companions) {
            return Ok(());
        }
        write_new(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if precompressed {
            use std::io::Write as _;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(bytes)?;
            write_new(&path.with_extension(&companions[0]), &gz.finish()?)?;
            let mut br = Vec::new();
            brotli::BrotliCompress(
                &mut &bytes[..],
                &mut br,
                &brotli::enc::BrotliEncoderParams::default(),
            )?;
            write_new(&path.with_extension(&companions[1]), &br)?;
        }
        Ok(())
    }

    /// Hard-links `rel` (and its compressed `companions`, made from the same
    /// bytes) from the output being replaced when that file holds exactly
    /// what `same` says. An unchanged rebuild then writes almost nothing,
    /// removing the old output frees no blocks, and unchanged files keep
    /// their modification times (so `rsync` and caches skip them).
    ///
    /// Only a plain file of the old output is linked: no symlink on the way,
    /// no other hard link to it (nothing outside the output can share it),
    /// compared and linked as the same inode (Unix only; elsewhere every
    /// file is written). Staging files are never written into afterwards
    /// ([`write_new`]), so the old output stays as it was until the swap.
    #[cfg(unix)]
    fn reuse(&self, rel: &str, same: Same<'_>, companions: &[String]) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(rel);
        let inside = old
            .parent()
            .and_then(|dir| std::fs::canonicalize(dir).ok())
            .is_some_and(|dir| Some(dir.as_path()) == old.parent());
        let Some(held) = inside.then(|| std::fs::File::open(&old).ok()).flatten() else {
            return false;
        };
        let Ok(meta) = held.metadata() else {
            return false;
        };
        let fresh_companions = companions.iter().all(|c| {
            std::fs::symlink_metadata(old.with_extension(c)).is_ok_and(|m| {
                m.is_file() && m.nlink() == 1 && m.modified().ok() >= meta.modified().ok()
            })
        });
        if !meta.is_file()
            || meta.nlink() != 1
            || !fresh_companions
            || !same.holds(held, meta.len())
        {
            return false;
        }
        let new = self.root.join(rel);
        let linked = std::fs::hard_link(&old, &new).is_ok()
            && std::fs::symlink_metadata(&new)
                .is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()))
            && companions
                .iter()
                .all(|c| std::fs::hard_link(old.with_extension(c), new.with_extension(c)).is_ok());
        if !linked {
            // Nothing half-linked: the caller writes every file afresh.
            let _ = std::fs::remove_file(&new);
            for c in companions {
                let _ = std::fs::remove_file(new.with_extension(c));
            }
        }
        linked
    }

    #[cfg(not(unix))]
    fn reuse(&self, _rel: &str, _same: Same<'_>, _companions: &[String]) -> bool {
        false
    }

    pub fn copy(&self, rel: &str, source: &Path) -> Result<()> {
        crate::phases::timed(Phase::Write, || self.copy_file(rel, source))
    }

    fn copy_file(&self, rel: &str, source: &Path) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if self.reuse(rel, Same::File(source), &[]) {
            return Ok(());
        }
        // Never into a file already there (it may be a link into the old output).
        let _ = std::fs::remove_file(&path);
        std::fs::copy(source, &path)
            .map(drop)
            .with_context(|| format!("copying {}", source.display()))
    }
}

/// What a file of the old output must hold to be reused.
enum Same<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl Same<'_> {
    /// Whether `held` (of `len` bytes) holds exactly this, compared a
    /// chunk at a time (an asset may be larger than memory).
    fn holds(&self, held: std::fs::File, len: u64) -> bool {
        use std::io::Read;
        const CHUNK: usize = 64 * 1024;
        let want: Box<dyn Read> = match self {
            Same::Bytes(bytes) if bytes.len() as u64 == len => Box::new(*bytes),
            Same::File(path) => match std::fs::File::open(path) {
                Ok(file) if file.metadata().is_ok_and(|m| m.len() == len) => Box::new(file),
                _ => return false,
            },
            Same::Bytes(_) => return false,
        };
        let mut want = std::io::BufReader::with_capacity(CHUNK, want);
        let mut held = std::io::BufReader::with_capacity(CHUNK, held);
        let (mut a, mut b) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
        let mut left = len;
        while left > 0 {
            let n = CHUNK.min(usize::try_from(left).unwrap_or(CHUNK));
            if want.read_exact(&mut a[..n]).is_err()
                || held.read_exact(&mut b[..n]).is_err()
                || a[..n] != b[..n]
            {
                return false;
            }
            left -= n as u64;
        }
        true
    }
}

/// Writes `bytes` as a new file at `path`. A file already there (an output
/// written twice, e.g. a redirect page and a content file with one URL) is
/// unlinked first, never written into: it may be a link into the old output.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut attempts = 0;
    loop {
        match std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => return file.write_all(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 3 => {
                attempts += 1;
                let _ = std::fs::remove_file(path);
            }
            Err(e) => return Err(e),
        }
    }
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

    /// What a rebuild must never do through a link into the old output:
    /// write into it, follow a folder symlink out of it, share an inode with
    /// a file outside it, or reuse a folder that is not ours.
    #[cfg(unix)]
    #[test]
    fn linking_never_reaches_the_old_output_or_outside_it() {
        use std::os::unix::fs::MetadataExt;
        let dir = std::env::temp_dir().join(format!("output-reuse-safe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("public");
        let outside = dir.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("x.txt"), "same").unwrap();
        std::fs::write(dir.join("asset.bin"), "asset").unwrap();
        let ino = |p: &Path| std::fs::symlink_metadata(p).unwrap().ino();
        write_atomically(&out, |s| {
            s.write("a/index.html", b"page")?;
            s.write("shared.txt", b"shared")?;
            s.copy("asset.bin", &dir.join("asset.bin"))
        })
        .unwrap();
        std::os::unix::fs::symlink(&outside, out.join("assets")).unwrap();
        std::fs::hard_link(out.join("shared.txt"), dir.join("snapshot.txt")).unwrap();
        let (page, asset) = (ino(&out.join("a/index.html")), ino(&out.join("asset.bin")));
        // A path written twice (the second wins) and a failed build.
        let failed = write_atomically(&out, |s| {
            s.write("a/index.html", b"page")?;
            s.write("a/index.html", b"other")?;
            s.copy("asset.bin", &dir.join("asset.bin"))?;
            s.copy("asset.bin", &dir.join("missing.bin"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"page");
        write_atomically(&out, |s| {
            s.write("a/index.html", b"page")?;
            s.write("assets/x.txt", b"same")?;
            s.write("shared.txt", b"shared")?;
            s.copy("asset.bin", &dir.join("asset.bin"))
        })
        .unwrap();
        assert_eq!(ino(&out.join("a/index.html")), page, "unchanged: linked");
        assert_eq!(ino(&out.join("asset.bin")), asset, "an unchanged copy too");
        assert_ne!(ino(&out.join("assets/x.txt")), ino(&outside.join("x.txt")));
        assert_ne!(ino(&out.join("shared.txt")), ino(&dir.join("snapshot.txt")));
        // Not ours (replaced with --force): nothing is linked from it.
        std::fs::remove_file(out.join(MARKER)).unwrap();
        write_atomically(&out, |s| s.write("a/index.html", b"page")).unwrap();
        assert_ne!(ino(&out.join("a/index.html")), page);
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
