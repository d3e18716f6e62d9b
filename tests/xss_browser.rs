//! Notes are often downloaded from other people's repositories and a hosted
//! site takes contributions: nothing in them may run. The XSS filter-evasion
//! vectors of the OWASP cheat sheet (each rewritten to set `top.__xss`
//! instead of calling `alert`), in raw HTML blocks, inline HTML, headings and
//! Markdown links, go through a real build; in headless Chromium none runs,
//! no element keeps an event handler or a `javascript:` link, and the tags
//! notes use still render.

mod support;

use support::browser;
use support::http::StaticServer;
use support::*;

const VECTORS: &[&str] = &[
    "<script>top.__xss=1</script>",
    "<SCRIPT SRC=data:text/javascript,top.__xss=1></SCRIPT>",
    "<IMG SRC=\"javascript:top.__xss=1\">",
    "<IMG SRC=javascript:top.__xss=1>",
    "<IMG SRC=JaVaScRiPt:top.__xss=1>",
    "<a onmouseover=\"top.__xss=1\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>top.__xss=1</SCRIPT>\">",
    "<IMG SRC=# onmouseover=\"top.__xss=1\">",
    "<IMG SRC=/ onerror=\"top.__xss=1\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058top.__xss=1\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;top.__xss=1>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;top.__xss=1>",
    "<IMG SRC=\"jav\tascript:top.__xss=1;\">",
    "<IMG SRC=\"jav&#x09;ascript:top.__xss=1;\">",
    "<IMG SRC=\" &#14;  javascript:top.__xss=1;\">",
    "<SCRIPT/XSS SRC=\"data:,top.__xss=1\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=top.__xss=1>",
    "<<SCRIPT>top.__xss=1;//<</SCRIPT>",
    "<iframe src=javascript:top.__xss=1 <",
    "</TITLE><SCRIPT>top.__xss=1;</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:top.__xss=1;\">",
    "<BODY BACKGROUND=\"javascript:top.__xss=1\">",
    "<IMG DYNSRC=\"javascript:top.__xss=1\">",
    "<STYLE>li {list-style-image: url(\"javascript:top.__xss=1\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=top.__xss=1>",
    "<svg><script>top.__xss=1</script></svg>",
    "<BODY ONLOAD=top.__xss=1>",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:top.__xss=1;\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:top.__xss=1;\">",
    "<IFRAME SRC=\"javascript:top.__xss=1;\"></IFRAME>",
    "<IFRAME SRCDOC=\"&lt;script&gt;top.__xss=1&lt;/script&gt;\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:top.__xss=1;\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:top.__xss=1\"><TD BACKGROUND=\"javascript:top.__xss=1\">x</TD></TABLE>",
    "<DIV STYLE=\"background-image: url(javascript:top.__xss=1)\">x</DIV>",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">x</DIV>",
    "<DIV STYLE=\"width: expression(top.__xss=1);\">x</DIV>",
    "<OBJECT TYPE=\"text/html\" DATA=\"data:text/html,<script>parent.__xss=1</script>\"></OBJECT>",
    "<EMBED SRC=\"data:text/html,<script>parent.__xss=1</script>\"></EMBED>",
    "<a href=\"javascript:top.__xss=1\">click</a>",
    "<a href=\"&#1;javascript:top.__xss=1\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==\">data link</a>",
    "<details open ontoggle=top.__xss=1><summary>s</summary>x</details>",
    "<video><source onerror=\"top.__xss=1\"></video>",
    "<audio src=x onerror=top.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=top.__xss=1>",
    "<noscript><p title=\"</noscript><img src=x onerror=top.__xss=1>\">",
    "<form><button formaction=javascript:top.__xss=1>X</button></form>",
    "<input autofocus onfocus=top.__xss=1>",
    "<marquee onstart=top.__xss=1>m</marquee>",
    "<img src=\"x\" alt=\"a>b\" onerror=top.__xss=1>",
    "<!-- --!><img src=x onerror=top.__xss=1> -->",
    "<span style=\"color:red\" onclick=\"top.__xss=1\">red</span>",
    "<base href=\"javascript:top.__xss=1//\">",
];

/// The page of vectors: each in its own block, then inline in a paragraph.
fn hostile_page() -> String {
    let mut md = String::from("# XSS\n\n## <img src=x onerror=top.__xss=1> 标题里的图片？\n\n");
    for v in VECTORS {
        md.push_str(&format!("{v}\n\n文字 {v} 文字\n\n"));
    }
    md.push_str("[md](javascript:top.__xss=1) [md2](JAVASCRIPT:top.__xss=1) <javascript:top.__xss=1> ![i](javascript:top.__xss=1)\n\n");
    md.push_str("[data](data:text/html,<script>top.__xss=1</script>)\n\n");
    md.push_str(concat!(
        "<details><summary>摘要</summary>\n\n隐藏的内容\n\n</details>\n\n",
        "<center>居中</center>\n\n<font color=\"red\">红字</font> H<sub>2</sub>O x<sup>2</sup> <u>下划线</u>\n\n",
        "<div align=\"center\"><img src=\"ok.png\" width=\"100\" style=\"zoom:50%\"></div>\n\n",
        "<table><tr><td colspan=\"2\">单元格</td></tr></table>\n\n<a href=\"https://example.com/\">外链</a>\n"
    ));
    md
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_script_from_notes_runs_and_allowed_tags_render() {
    let dir = temp_dir("xss");
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/xss.md"), hostile_page()).unwrap();
    std::fs::write(dir.join("notes/ok.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let out = generator(&dir, &["build", "--content", "notes", "--output", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings = stderr(&out);
    assert!(
        warnings.matches("warning[html]").count() >= VECTORS.len() / 2,
        "what was removed is reported:\n{warnings}"
    );
    // In the HTML as written: no tag with an event handler or a script URL
    // (escaped text that shows the vectors is fine).
    let page = read(dir.join("site/xss/index.html")).to_lowercase();
    let start = page.find("<div class=\"content\">").expect("content");
    let html = &page[start..page.find("<footer").unwrap_or(page.len())];
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        // Attribute values are double-quoted in what we write: drop them.
        let names: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        let has_handler = names
            .split_whitespace()
            .skip(1)
            .any(|attr| attr.starts_with("on") && attr.contains('='));
        assert!(!has_handler, "an event handler reached the page: <{tag}>");
        assert!(
            !tag.contains("=\"javascript:"),
            "a script URL reached the page: <{tag}>"
        );
    }

    let server = StaticServer::start(&dir.join("site"));
    let Some(b) = browser::start().await else {
        return;
    };
    b.client.goto(&server.url("xss/")).await.unwrap();
    b.wait_until("document.readyState === 'complete'", 15).await;
    // Give broken images, media and toggles time to fire their handlers.
    b.eval("(document.querySelectorAll('details').forEach(d => d.open = !d.open), true)")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        b.eval("window.__xss === undefined").await,
        true,
        "a script from the notes ran"
    );
    let handlers = b
        .eval(
            "[...document.querySelectorAll('main *')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')).length",
        )
        .await;
    assert_eq!(handlers, 0, "event handler attributes on the page");
    let bad_links = b
        .eval("[...document.querySelectorAll('main a[href], main [src]')].filter(e => /^(javascript|data|vbscript):/i.test((e.href || e.src || '').trim()) && !(e.tagName === 'IMG' && /^data:image\\//i.test(e.src))).length")
        .await;
    assert_eq!(bad_links, 0, "javascript:/data: links on the page");
    for (selector, what) in [
        ("main details summary", "details/summary"),
        ("main center", "center"),
        ("main font[color='red']", "font colour"),
        ("main sub", "sub"),
        ("main sup", "sup"),
        ("main u", "u"),
        (
            "main div[align='center'] img[width='100']",
            "a centred image with its width",
        ),
        ("main td[colspan='2']", "table cell"),
        ("main a[href='https://example.com/']", "an http link"),
    ] {
        let found = b
            .eval(&format!(
                "document.querySelectorAll(\"{selector}\").length > 0"
            ))
            .await;
        assert_eq!(found, true, "{what} ({selector}) is still rendered");
    }
    b.close().await;
}
