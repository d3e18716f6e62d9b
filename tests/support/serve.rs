//! `generator serve --port 0` on a folder of the test's own, for tests and
//! benchmarks that watch a browser follow its edits.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `serve`; stopped when dropped.
pub struct Serve {
    child: Child,
    pub port: u16,
}

impl Serve {
    /// Starts `binary serve --port 0 --content <content>` in `site` (where a
    /// `templates/` folder overrides the theme) and waits for its URL.
    pub fn start(binary: &Path, site: &Path, content: &Path) -> Serve {
        let mut child = Command::new(binary)
            .env("XDG_CACHE_HOME", super::cache_home())
            .args(["serve", "--port", "0", "--content"])
            .arg(content)
            .current_dir(site)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start generator serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("serve exited before printing its URL")
                .expect("read stdout");
            if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
                break rest.trim_end_matches('/').parse().expect("a port");
            }
        };
        // Keep draining stdout so that serve never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Serve { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A copy of the default theme's `name` template in `site/templates/`, to edit.
pub fn own_template(site: &Path, name: &str) -> PathBuf {
    let dir = site.join("templates");
    std::fs::create_dir_all(&dir).expect("templates folder");
    let from = super::repo_root()
        .join("themes/default/templates")
        .join(name);
    let to = dir.join(name);
    std::fs::copy(&from, &to).expect("copy the template");
    to
}
