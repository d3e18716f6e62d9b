//! Writing the site: everything goes into a fresh folder next to the output,
//! which replaces the old output only once it is complete. A failed or killed
//! build leaves the previous site intact.

use anyhow::{Context, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub fn write_atomically(out_dir: &Path, fill: impl FnOnce(&Staging) -> Result<()>) -> Result<()> {
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
    };
    if staging.root.exists() {
        std::fs::remove_dir_all(&staging.root)?;
    }
    std::fs::create_dir_all(&staging.root)?;
    let result = fill(&staging).and_then(|()| swap_in(&staging.root, &out_dir, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging.root);
    }
    result
}

/// The folder a build writes into before it becomes the output.
pub struct Staging {
    root: PathBuf,
}

impl Staging {
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    pub fn copy(&self, rel: &str, source: &Path) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(source, &path)
            .map(drop)
            .with_context(|| format!("copying {}", source.display()))
    }
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
    let had_old = out_dir.exists();
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

/// `remove_dir_all`, one thread per top-level entry.
fn remove_dir_parallel(dir: &Path) -> std::io::Result<()> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|path| {
        if path.is_dir() {
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
