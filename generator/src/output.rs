//! Writing the site: everything goes into a fresh folder next to the output,
//! which replaces the old output only once it is complete. A failed or killed
//! build leaves the previous site intact.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn write_atomically(
    out_dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    copies: &BTreeMap<String, PathBuf>,
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
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result =
        write_all(&staging, files, copies).and_then(|()| swap_in(&staging, &out_dir, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

fn write_all(
    staging: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    copies: &BTreeMap<String, PathBuf>,
) -> Result<()> {
    if staging.exists() {
        std::fs::remove_dir_all(staging)?;
    }
    for (rel, bytes) in files {
        let path = staging.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    for (rel, source) in copies {
        let path = staging.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(source, &path).with_context(|| format!("copying {}", source.display()))?;
    }
    std::fs::create_dir_all(staging)?;
    Ok(())
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
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
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
        let files = BTreeMap::from([("a/index.html".to_string(), b"new".to_vec())]);
        write_atomically(&out, &files, &BTreeMap::new()).unwrap();
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
        let copies = BTreeMap::from([("x.png".to_string(), dir.join("does-not-exist.png"))]);
        assert!(write_atomically(&out, &BTreeMap::new(), &copies).is_err());
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
