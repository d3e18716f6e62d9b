#!/usr/bin/env python3
"""Lighthouse scores of a built site, as a host that serves precompressed files would show it.

Builds `content/` with `generator build --precompress`, serves the output on
127.0.0.1 (the `.br`/`.gz` file beside each text file when the browser accepts
it, as nginx's gzip_static/brotli_static do), runs Lighthouse (desktop and
mobile) on the home page, a chapter with playgrounds and /play/conv2d/, and
prints a Markdown table of the four category scores.

Lighthouse is not a dependency of the repository (CI never needs it):

    mkdir /tmp/lh && (cd /tmp/lh && npm install lighthouse)
    cargo build --release
    CHROME_PATH=/usr/bin/chromium python3 tools/lighthouse.py [--lighthouse /tmp/lh/node_modules/.bin/lighthouse]
"""

import argparse
import http.server
import json
import mimetypes
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = {
    "home": "",
    "chapter (attention, 2 widgets)": "sequence/attention/",
    "/play/conv2d/": "play/conv2d/",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


class Precompressed(http.server.SimpleHTTPRequestHandler):
    """Serves `x.br` / `x.gz` for `x` when the request accepts it."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the folder
            path = path / "index.html"
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            packed = path.with_name(path.name + suffix)
            if encoding in accepted and packed.is_file():
                body = packed.read_bytes()
                self.send_response(200)
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml", "application/json"):
                    kind += "; charset=utf-8"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Vary", "Accept-Encoding")
                self.end_headers()
                return _Body(body)
        return super().send_head()

    def log_message(self, *args):
        pass


class _Body:
    def __init__(self, data):
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


def serve(root: Path) -> http.server.ThreadingHTTPServer:
    mimetypes.add_type("application/wasm", ".wasm")
    mimetypes.add_type("application/javascript", ".js")
    handler = lambda *a, **k: Precompressed(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_lighthouse(binary: str, url: str, preset: str, out: Path) -> dict:
    args = [binary, url, "--quiet", "--output=json", f"--output-path={out}",
            "--chrome-flags=--headless --no-sandbox --disable-gpu",
            f"--only-categories={','.join(CATEGORIES)}"]
    if preset == "desktop":
        args.append("--preset=desktop")
    subprocess.run(args, check=True)
    report = json.loads(out.read_text())
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES} | {"report": report}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")
    parser.add_argument("--generator", default=str(REPO / "target/release/generator"))
    parser.add_argument("--content", default=str(REPO / "content"))
    parser.add_argument("--failing", action="store_true", help="list the audits below 100 % of each run")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--through-serve", action="store_true",
                        help="audit `generator serve` (compressed, with its reload script) instead of a built folder")
    args = parser.parse_args()
    os.environ.setdefault("CHROME_PATH", "/usr/bin/chromium")
    work = Path(tempfile.mkdtemp(prefix="dlq-lighthouse-"))
    if args.through_serve:
        server = subprocess.Popen([args.generator, "serve", "--content", args.content, "--port", "0"],
                                  cwd=REPO, stdout=subprocess.PIPE, text=True)
        base = None
        for line in server.stdout:
            if line.startswith("serving "):
                base = line.split()[1]
            if line.startswith("built "):
                break
        if base is None:
            sys.exit("serve printed no URL")
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    else:
        subprocess.run([args.generator, "build", "--content", args.content, "--output", str(work / "site"),
                        "--precompress"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        server = serve(work / "site")
        base = f"http://127.0.0.1:{server.server_port}/"
    print("| page | run | performance | accessibility | best practices | SEO | first paint | CLS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, path in PAGES.items():
        if args.only not in name:
            continue
        for preset in ("desktop", "mobile"):
            scores = run_lighthouse(args.lighthouse, base + path, preset, work / "report.json")
            audits = scores["report"]["audits"]
            paint = audits["first-contentful-paint"]["displayValue"]
            shift = audits["cumulative-layout-shift"]["displayValue"]
            print(f"| {name} | {preset} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + f" | {paint} | {shift} |", flush=True)
            if args.failing:
                for audit in scores["report"]["audits"].values():
                    if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"):
                        print(f"    {audit['id']}: {audit['score']} {audit.get('displayValue', '')}", file=sys.stderr)
    if args.through_serve:
        server.terminate()
    else:
        server.shutdown()


if __name__ == "__main__":
    main()
