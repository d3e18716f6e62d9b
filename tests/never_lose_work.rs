//! The generator never loses a user's files and no input stops a build:
//! the output folder is ours or untouched, paths never collide silently,
//! hostile or broken input is reported and the rest of the site is built,
//! and the same input gives the same bytes.

mod support;

use std::path::Path;
use support::*;

/// A notes folder `notes/` inside a fresh temporary folder.
fn notes(name: &str, files: &[(&str, &[u8])]) -> std::path::PathBuf {
    let dir = temp_dir(name);
    for (path, bytes) in files {
        let path = dir.join("notes").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn build(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["build", "--content", "notes"];
    all.extend_from_slice(args);
    generator(dir, &all)
}

#[test]
fn the_output_folder_is_ours_or_untouched() {
    let dir = notes("output-guard", &[("a.md", b"# A\n")]);
    let out = build(&dir, &["--output", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is the content folder"),
        "{}",
        stderr(&out)
    );
    assert!(
        dir.join("notes/a.md").is_file(),
        "the notes are still there"
    );

    let out = build(&dir, &["--output", "."]);
    assert_eq!(out.status.code(), Some(2), "a folder holding the notes");
    assert!(dir.join("notes/a.md").is_file());

    std::fs::create_dir_all(dir.join("keep")).unwrap();
    std::fs::write(dir.join("keep/mine.txt"), "mine").unwrap();
    let out = build(&dir, &["--output", "keep"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(read(dir.join("keep/mine.txt")), "mine");
    let out = build(&dir, &["--output", "keep", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.join("keep/mine.txt").exists(), "--force replaces it");
    assert!(dir.join("keep/.dlq-site").is_file(), "and marks it as ours");
    assert!(
        build(&dir, &["--output", "keep"]).status.success(),
        "ours now"
    );
}

#[test]
fn a_site_inside_its_notes_folder_is_not_read_back_as_notes() {
    let dir = notes(
        "output-inside",
        &[("a.md", b"# A\n"), ("img/x.png", b"png")],
    );
    let notes = dir.join("notes");
    for _ in 0..3 {
        let out = generator(&notes, &["build", "--content", ".", "--output", "public"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(notes.join("public/a/index.html").is_file());
    assert!(notes.join("public/img/x.png").is_file());
    assert!(
        !notes.join("public/public").exists(),
        "the old site is not copied into the new one"
    );
}

#[test]
fn colliding_paths_are_errors_that_name_both_sides() {
    let dir = notes(
        "collisions",
        &[
            ("a.md", b"# A page\n"),
            ("a/b.md", b"# B\n"),
            ("play/x.md", b"# mine\n"),
            ("search/meta.txt", b"not an index"),
            ("static/style.css", b"body{}"),
            ("static/img/ok.png", b"png"),
            ("c/index.html", b"<p>hand-made</p>"),
            ("c/d.md", b"# D\n"),
            ("c.md", b"# C\n"),
        ],
    );
    std::fs::write(dir.join("config.toml"), "playground = true\n").unwrap();
    let out = build(&dir, &["--output", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "a.md:1:1: error[path]: a.md and the folder a/ would both be /a/",
        "play/x.md:1:1: error[path]: `play/` is where the generator writes its own pages",
        "search/meta.txt:1:1: error[path]: `search` is where the generator writes its own files",
        "static/style.css:1:1: error[path]: static/style.css is a file of the theme",
        "c/index.html:1:1: error[path]: c/index.html is the page built for /c",
    ] {
        assert!(err.contains(expected), "{expected}\n in\n{err}");
    }
    let site = dir.join("site");
    assert!(read(site.join("a/b/index.html")).contains("<h1>B</h1>"));
    assert!(!read(site.join("static/style.css")).starts_with("body{}"));
    assert!(
        site.join("static/img/ok.png").is_file(),
        "assets under static/ are fine"
    );
    assert!(
        read(site.join("play/index.html")).contains("dlq-playground")
            || site.join("play/conv2d/index.html").is_file()
    );
    assert!(!read(site.join("play/index.html")).contains("mine"));
}

#[cfg(unix)]
#[test]
fn no_input_stops_the_build() {
    use std::os::unix::ffi::OsStrExt;
    let deep_formula = format!(
        "# Deep\n\n$${}x{}$$\n\nafter\n",
        "\\frac{".repeat(400),
        "}{y}".repeat(400)
    );
    let deep_blocks = format!(
        "# Quotes\n\n{} q\n\n<div>{}</div>\n",
        ">".repeat(3000),
        "<div>".repeat(3000)
    );
    let dir = notes(
        "robust",
        &[
            ("deep.md", deep_formula.as_bytes()),
            ("quotes.md", deep_blocks.as_bytes()),
            ("bytes.md", b"# Bytes\n\nok \xff\xfe\x80\x81 still here\n"),
            ("fine.md", b"# Fine\n"),
            ("sub/inner.md", b"# Inner\n"),
        ],
    );
    let root = dir.join("notes");
    std::fs::write(
        root.join(std::ffi::OsStr::from_bytes(b"gbk-\xc4\xe3\xba\xc3.md")),
        "# x\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&root, root.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("/etc", root.join("outside")).unwrap();
    std::os::unix::fs::symlink(root.join("fine.md"), root.join("alias.md")).unwrap();
    let fifo = std::ffi::CString::new(root.join("pipe.md").as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);

    let out = build(&dir, &["--output", "site"]);
    let err = stderr(&out);
    assert!(out.status.success(), "exit {:?}\n{err}", out.status);
    for expected in [
        "deep.md:3:1: error[math]: KaTeX: the formula nests",
        "quotes.md:3:",
        "bytes.md:3:4: warning[encoding]: 4 invalid UTF-8 sequence(s)",
        "name is not valid UTF-8",
        "symlink loop",
        "outside the content folder",
        "pipe.md:1:1: warning[file]: not a regular file",
    ] {
        assert!(err.contains(expected), "{expected}\n in\n{err}");
    }
    let site = dir.join("site");
    assert!(read(site.join("deep/index.html")).contains("after"));
    assert!(read(site.join("bytes/index.html"))
        .contains("ok \u{fffd}\u{fffd}\u{fffd}\u{fffd} still here"));
    assert!(site.join("fine/index.html").is_file());
    assert!(
        site.join("alias/index.html").is_file(),
        "a link inside the notes is followed"
    );
    assert!(site.join("sub/inner/index.html").is_file());
    assert!(!site.join("outside").exists());
}

#[test]
fn the_same_notes_give_the_same_bytes() {
    // A copy, so that both builds read the same notes.
    let content = temp_dir("reproducible-notes");
    copy_dir(&repo_root().join("content"), &content);
    let first = build_site(&content, "reproducible-1");
    let second = build_site(&content, "reproducible-2");
    let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    };
    let (a, b) = (files(&first), files(&second));
    assert_eq!(a.len(), b.len());
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{path} differs between two builds");
    }
}

#[test]
fn a_draft_never_reaches_the_output_or_the_index() {
    let dir = notes(
        "drafts",
        &[
            (
                "toml.md",
                b"+++\ndraft = true\nunknown = 1\n+++\n# T\n\n## secretword1 question? {#q}\n",
            ),
            (
                "yaml.md",
                b"---\ndraft: true\nlayout: post\ndate: 2021-01-01\n---\n# Y\n\nsecretword2\n",
            ),
            (
                "broken.md",
                b"---\ntitle: [unclosed\ndraft: true\n---\n# B\n\nsecretword3\n",
            ),
            (
                "pub.md",
                b"---\nlayout: post\nhero: {x: 1}\n---\n# Published\n\n## visible question? {#v}\n",
            ),
        ],
    );
    let out = build(&dir, &["--output", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut seen = String::new();
    for entry in walkdir::WalkDir::new(dir.join("site")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            seen.push_str(&String::from_utf8_lossy(
                &std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    for word in ["secretword1", "secretword2", "secretword3"] {
        assert!(!seen.contains(word), "{word} was published");
    }
    let published = read(dir.join("site/pub/index.html"));
    assert!(published.contains("visible question"));
    assert!(
        !published.contains("layout: post") && !published.contains("hero"),
        "front matter never shows in the page"
    );
}
