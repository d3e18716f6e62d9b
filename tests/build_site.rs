//! End-to-end: the CLI builds fixture sites and the HTML says what a reader needs.

mod support;

use std::path::{Path, PathBuf};
use support::*;

/// Builds the fixture site once per test into its own folder.
fn build_fixture(name: &str, extra: &[&str]) -> (PathBuf, std::process::Output) {
    let dir = temp_dir(name);
    copy_dir(&fixture("site"), &dir.join("content"));
    let mut args = vec!["build"];
    args.extend_from_slice(extra);
    let out = generator(&dir, &args);
    (dir, out)
}

fn page(dir: &Path, url: &str) -> String {
    read(dir.join("public").join(url).join("index.html"))
}

#[test]
fn builds_every_page_in_both_languages_and_prints_a_summary() {
    let (dir, out) = build_fixture("summary", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("built 12 pages"), "{summary}");
    assert!(summary.contains("questions"), "{summary}");
    for url in [
        "",
        "en",
        "qa",
        "en/qa",
        "qa/headings",
        "en/qa/headings",
        "qa/bold-items",
        "en/qa/bold-para",
    ] {
        assert!(
            dir.join("public").join(url).join("index.html").is_file(),
            "{url}"
        );
    }
    assert!(dir.join("public/404.html").is_file());
    assert!(dir.join("public/sitemap.xml").is_file());
    assert!(dir.join("public/static/katex/katex.min.css").is_file());
    assert!(
        dir.join("public/qa/img/dot.png").is_file(),
        "images are copied"
    );
}

#[test]
fn questions_have_anchors_permalinks_and_a_table_of_contents() {
    let (dir, _) = build_fixture("anchors", &[]);
    let html = page(&dir, "qa/headings");
    assert!(
        html.contains("<h2 id=\"subtract-max\" class=\"question\">"),
        "{html}"
    );
    assert!(html.contains("<a class=\"permalink\" href=\"#subtract-max\""));
    assert!(
        html.contains("<a href=\"#conv-size\">卷积输出尺寸怎么算？</a>"),
        "TOC entry"
    );
    assert!(
        !html.contains("<h3 id=\"细节\" class=\"question\""),
        "sub-headings are not questions"
    );
    let bold = page(&dir, "qa/bold-items");
    assert!(
        bold.contains("<li class=\"question\" id=\"为什么-relu-会死\">"),
        "{bold}"
    );
    let para = page(&dir, "qa/bold-para");
    assert!(
        para.contains("<p class=\"question\" id=\"q1-什么是过拟合\">"),
        "{para}"
    );
}

#[test]
fn formulas_become_katex_html_even_in_tab_indented_list_blocks() {
    let (dir, _) = build_fixture("math", &[]);
    let html = page(&dir, "qa/headings");
    assert!(html.contains("class=\"katex\""));
    assert!(html.contains("class=\"math math-display\""));
    assert!(!html.contains("$$"), "no raw display math left");
    let bold = page(&dir, "qa/bold-items");
    let item = bold
        .split("id=\"为什么-relu-会死\"")
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap();
    assert!(
        item.contains("math-display"),
        "the tab-indented $$ block stays inside its list item: {item}"
    );
}

#[test]
fn the_language_switch_points_at_the_paired_question() {
    let (dir, _) = build_fixture("switch", &[]);
    let zh = page(&dir, "qa/headings");
    assert!(
        zh.contains("href=\"../../en/qa/headings/\" data-ids=\"subtract-max conv-size\""),
        "{zh}"
    );
    assert!(
        !zh.contains("rel=\"alternate\""),
        "no hreflang links without an absolute base URL"
    );
    let (published, _) = build_fixture("switch-published", &["--base-url", "https://x.org/notes/"]);
    assert!(page(&published, "qa/headings")
        .contains("hreflang=\"en\" href=\"https://x.org/notes/en/qa/headings/\""));
    let en = page(&dir, "en/qa/headings");
    assert!(en.contains("href=\"../../../qa/headings/\""));
    assert!(en.contains("<html lang=\"en\""));
}

#[test]
fn a_missing_translation_shows_the_original_with_a_note() {
    let (dir, _) = build_fixture("fallback", &[]);
    let en = page(&dir, "en/qa/bold-para");
    assert!(en.contains("has not been translated into English yet"));
    assert!(en.contains("什么是过拟合"));
    assert!(en.contains("<article class=\"chapter\" lang=\"zh\">"));
    assert!(
        !en.contains("hreflang=\"zh\" href"),
        "no alternates for unpaired pages"
    );
}

#[test]
fn content_errors_are_reported_with_file_and_line_and_the_site_still_builds() {
    let (dir, out) = build_fixture("errors", &[]);
    assert!(out.status.success(), "content errors do not fail the build");
    let err = stderr(&out);
    assert!(err.contains("broken.md:9:7: error[math]: KaTeX:"), "{err}");
    assert!(
        err.contains("broken.md:13:1: error[link]: broken link: no page `qa/nope.md`"),
        "{err}"
    );
    assert!(err.contains("broken.md:13:21: error[link]: broken link: `qa/headings.md` has no question or heading `#nope`"), "{err}");
    assert!(
        err.contains("broken.md:15:1: warning[image]: missing image"),
        "{err}"
    );
    let html = page(&dir, "qa/broken");
    assert!(html.contains("<code class=\"math-error\""));
    assert!(
        html.contains("这一行是好的"),
        "the rest of the page renders"
    );
    assert!(html.contains("<span class=\"missing-image\">丢失的图片</span>"));
}

#[test]
fn raw_html_cannot_break_the_layout() {
    let (dir, _) = build_fixture("rawhtml", &[]);
    let html = page(&dir, "qa/headings");
    assert_eq!(
        html.matches("<div").count(),
        html.matches("</div>").count(),
        "balanced divs"
    );
    assert!(html.contains("<footer class=\"site-footer\">"));
}

#[test]
fn links_resolve_to_the_readers_language() {
    let (dir, _) = build_fixture("links", &[]);
    let zh = page(&dir, "qa/headings");
    assert!(
        zh.contains(
            "href=\"../../qa/bold-items/#%E4%B8%BA%E4%BB%80%E4%B9%88-relu-%E4%BC%9A%E6%AD%BB\""
        ),
        "{zh}"
    );
    assert!(zh.contains("src=\"../../qa/img/dot.png\""));
    let en = page(&dir, "en/qa/headings");
    assert!(en.contains("href=\"../../../en/qa/bold-items/\""), "{en}");
}

#[test]
fn playground_shortcode_renders_the_widget_with_a_caption() {
    let (dir, _) = build_fixture("playground", &[]);
    let html = page(&dir, "qa/headings");
    assert!(
        html.contains("<dlq-playground algo=\"conv2d\" lang=\"zh\" stride=\"2\">"),
        "{html}"
    );
    assert!(html.contains("二维卷积"));
}

#[test]
fn search_can_be_switched_off() {
    let (dir, out) = build_fixture("search-on", &[]);
    assert!(out.status.success());
    assert!(dir.join("public/search/meta.txt").exists());
    assert!(page(&dir, "qa/headings").contains("id=\"search-input\""));

    let dir = temp_dir("search-off");
    copy_dir(&fixture("site"), &dir.join("content"));
    std::fs::write(dir.join("config.toml"), "search = false\n").unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.join("public/search").exists(), "no index files");
    for url in ["qa/headings", "en/qa/headings", "", "play"] {
        let html = page(&dir, url);
        assert!(
            !html.contains("search-input") && !html.contains("static/search.js"),
            "{url}: no search box and no search script"
        );
    }
}

#[test]
fn base_url_with_a_sub_path() {
    let (dir, out) = build_fixture("baseurl", &["--base-url", "https://user.github.io/repo/"]);
    assert!(out.status.success());
    let sitemap = read(dir.join("public/sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://user.github.io/repo/qa/headings/</loc>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<loc>https://user.github.io/repo/en/qa/headings/</loc>"));
    let not_found = read(dir.join("public/404.html"));
    assert!(
        not_found.contains("href=\"/repo/static/style.css\""),
        "404 works at any depth: {not_found}"
    );
    let html = page(&dir, "qa/headings");
    assert!(
        html.contains("href=\"../../static/style.css\""),
        "pages use relative links"
    );
}

#[test]
fn check_lists_problems_and_sets_the_exit_code() {
    let dir = temp_dir("check");
    copy_dir(&fixture("site"), &dir.join("content"));
    let out = generator(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1), "errors fail check");
    let text = stderr(&out);
    assert!(
        text.contains("content/qa/broken.md:9:7: error[math]"),
        "{text}"
    );
    assert!(!dir.join("public").exists(), "check writes nothing");

    std::fs::write(
        dir.join("content/qa/broken.md"),
        "## 只有警告 {#warn}\n\n![图](img/missing.png)\n",
    )
    .unwrap();
    let out = generator(&dir, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings alone pass: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("content/qa/broken.md:3:1: warning[image]"),
        "{}",
        stdout(&out)
    );
    let out = generator(&dir, &["check", "--deny-warnings"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--deny-warnings fails on warnings"
    );
}

#[test]
fn bom_crlf_and_invalid_utf8() {
    let dir = temp_dir("encoding");
    std::fs::create_dir_all(dir.join("content")).unwrap();
    std::fs::write(
        dir.join("content/bom.md"),
        "\u{feff}# 标题\r\n\r\n## 问题？ {#q}\r\n\r\n答案 $x$\r\n",
    )
    .unwrap();
    std::fs::write(dir.join("content/bad.md"), b"# ok\n\nbad \xff byte\n").unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("bad.md:3:5: warning[encoding]: 1 invalid UTF-8 sequence(s), the first at byte offset 10"),
        "{err}"
    );
    let html = read(dir.join("public/bom/index.html"));
    assert!(html.contains("<h1>标题</h1>"));
    assert!(html.contains("id=\"q\""));
    assert!(
        read(dir.join("public/bad/index.html")).contains("bad \u{fffd} byte"),
        "the page is built, the bad byte shown as U+FFFD"
    );
}

#[test]
fn rebuilding_replaces_the_output_and_leaves_no_temporary_folders() {
    let (dir, _) = build_fixture("rebuild", &[]);
    std::fs::write(dir.join("public/stale.html"), "old").unwrap();
    std::fs::remove_file(dir.join("content/qa/bold-para.md")).unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success());
    assert!(!dir.join("public/stale.html").exists());
    assert!(!dir.join("public/qa/bold-para").exists());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains(".tmp-") && !n.contains(".old-")),
        "{names:?}"
    );
}

#[test]
fn a_site_folder_overrides_theme_templates() {
    let (dir, _) = build_fixture("override", &[]);
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("templates/404.html"),
        "<p>custom {{ t.back_home }}</p>",
    )
    .unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(dir.join("public/404.html")), "<p>custom 回到首页</p>");
}

/// Interface strings come from the theme's i18n files, key by key: a site's
/// own `i18n/en.toml` replaces what it sets, in templates, in the
/// generator's own labels and in the scripts' strings; the rest stays.
#[test]
fn a_site_folder_overrides_interface_strings() {
    let (dir, _) = build_fixture("strings", &[]);
    std::fs::create_dir_all(dir.join("i18n")).unwrap();
    std::fs::write(
        dir.join("i18n/en.toml"),
        "skip = \"Jump to the text\"\npermalink = \"Share\"\n[search]\nerror = \"Try later\"\n",
    )
    .unwrap();
    let out = generator(&dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let home = page(&dir, "en");
    assert!(home.contains(">Jump to the text</a>"), "a template string");
    assert!(home.contains("\"error\":\"Try later\""), "a script string");
    assert!(home.contains("Toggle dark/light"), "a key left alone");
    let chapter = page(&dir, "en/qa/headings");
    assert!(
        chapter.contains("aria-label=\"Share\""),
        "a generator label"
    );
    assert!(
        page(&dir, "").contains(">跳到正文</a>"),
        "Chinese untouched"
    );
}

#[test]
fn missing_content_folder_fails_with_a_clear_message() {
    let dir = temp_dir("nocontent");
    let out = generator(&dir, &["build", "--content", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("content folder nowhere does not exist"));
}

#[test]
fn the_real_sample_notes_build_into_a_usable_site() {
    let samples = repo_root().join("../shared/samples");
    if !require(
        samples.is_dir(),
        "../shared/samples (the sample notes beside the repository)",
    ) {
        return;
    }
    let dir = temp_dir("samples");
    let out = generator(
        &dir,
        &[
            "build",
            "--content",
            samples.to_str().unwrap(),
            "--output",
            "site",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("error[math]"), "{}", stderr(&out));
    let summary = stdout(&out);
    let questions: usize = summary
        .split(" questions")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(questions >= 100, "{summary}");
    let pages: Vec<_> = std::fs::read_dir(dir.join("site"))
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert!(pages.len() >= 6, "three chapters, home, static, …");
    let home = read(dir.join("site/index.html"));
    assert!(home.matches("class=\"chapter-list\"").count() >= 1);
    // Chinese notes give a Chinese site: no English copy, no language switch.
    assert!(!dir.join("site/en").exists());
    assert!(!home.contains("class=\"lang-switch\""), "{home}");
}

#[test]
fn our_own_content_passes_check_with_deny_warnings() {
    let root = repo_root();
    let out = generator(&root, &["check", "--content", "content", "--deny-warnings"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "content/ must be free of errors and warnings:\n{text}"
    );
    let questions: usize = text
        .split(" questions")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        questions >= 160 * 2,
        "every question in both languages: {text}"
    );
}

#[test]
fn someone_elses_notes_get_their_own_identity() {
    let dir = temp_dir("identity");
    let notes = dir.join("my-ml-notes");
    std::fs::create_dir_all(notes.join("basics")).unwrap();
    std::fs::write(
        notes.join("basics/optimizers.md"),
        "# Optimizers\n\n## Why does Adam need bias correction?\n\nBecause the moving averages start at zero.\n",
    )
    .unwrap();
    let out = generator(
        &dir,
        &["build", "--content", "my-ml-notes", "--output", "site"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let home = read(dir.join("site/index.html"));
    assert!(
        home.contains("<title>my-ml-notes</title>"),
        "titled after the folder"
    );
    assert!(
        home.contains("<html lang=\"en\""),
        "English notes, English page"
    );
    assert!(!home.contains("深度学习面试题解"), "not our site's name");
    assert!(
        !home.contains("play/"),
        "no playground gallery for notes without playgrounds"
    );
    assert!(!dir.join("site/play").exists());
    let page = read(dir.join("site/basics/optimizers/index.html"));
    assert!(page.contains("On this page"), "English interface");

    std::fs::write(notes.join("README.md"), "# 我的机器学习笔记\n\n说明。\n").unwrap();
    let out = generator(
        &dir,
        &["build", "--content", "my-ml-notes", "--output", "site"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let home = read(dir.join("site/index.html"));
    assert!(
        home.contains("我的机器学习笔记"),
        "titled by its README heading"
    );
}

#[test]
fn diagnostics_in_json_and_builds_that_deny_warnings() {
    let (dir, _) = build_fixture("formats", &[]);
    let out = generator(&dir, &["check", "--message-format", "json"]);
    let first = stderr(&out).lines().next().unwrap_or_default().to_string();
    let value: serde_json::Value = serde_json::from_str(&first).expect(&first);
    for field in ["path", "line", "col", "severity", "kind", "message"] {
        assert!(value.get(field).is_some(), "{field} in {first}");
    }
    let human = generator(&dir, &["check", "--message-format", "human"]);
    assert!(
        stderr(&human).contains("error[math]: KaTeX"),
        "{}",
        stderr(&human)
    );
    assert!(
        stderr(&human).contains("  --> content/qa/broken.md:9:7"),
        "{}",
        stderr(&human)
    );
    let denied = generator(&dir, &["build", "--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1), "problems fail the build");
    assert!(
        dir.join("public/index.html").is_file(),
        "but the site is written"
    );
}

#[test]
fn precompressed_files_for_static_hosts() {
    let (dir, out) = build_fixture("precompress", &["--precompress"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read(dir.join("public/index.html")).unwrap();
    let gz = std::fs::read(dir.join("public/index.html.gz")).expect("index.html.gz");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, page);
    assert!(dir.join("public/index.html.br").is_file());
    assert!(dir.join("public/static/style.css.gz").is_file());
    let plain = build_fixture("no-precompress", &[]).0;
    assert!(
        !plain.join("public/index.html.gz").exists(),
        "only when asked"
    );
}

#[test]
fn slugs_rename_urls_and_aliases_keep_old_links_working() {
    let dir = temp_dir("slug-aliases");
    let notes = dir.join("notes");
    std::fs::create_dir_all(notes.join("a")).unwrap();
    std::fs::write(
        notes.join("a/long-file-name.md"),
        "+++\nslug = \"short\"\naliases = [\"/old/place/\", \"legacy.html\"]\n+++\n# 标题\n\n## 为什么？ {#why}\n",
    )
    .unwrap();
    std::fs::write(
        notes.join("a/other.md"),
        "# 另一页\n\n[去](long-file-name.md#why)\n",
    )
    .unwrap();
    let out = generator(&dir, &["build", "--content", "notes", "--output", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
    let site = dir.join("site");
    assert!(
        site.join("a/short/index.html").is_file(),
        "the slug names the URL"
    );
    assert!(read(site.join("a/other/index.html")).contains("href=\"../../a/short/#why\""));
    let old = read(site.join("old/place/index.html"));
    assert!(old.contains("url=../../a/short/"), "{old}");
    assert!(read(site.join("legacy.html")).contains("url=a/short/"));
}
