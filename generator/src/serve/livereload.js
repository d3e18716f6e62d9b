// Injected by `generator serve` into every HTML page it serves (never into
// `build` output), after the page's content and before its deferred scripts
// run. After a content edit the page fetches its new version and morphs it in
// (see `patch`); after a template, config or script change it reloads and
// scrolls back to the question it showed; when only CSS changed it swaps the
// stylesheets; it shows the errors of the last rebuild over the page (read
// from the JSON in #generator-serve-data).
//
// Why a three-way morph: the page's scripts change its DOM (study controls,
// the theme on the widgets, open <details>, the custom elements' own state),
// so the live DOM is never the HTML that was served. The script keeps a copy
// of the body as served (`served`, taken now, before any script ran) with a
// map from each of its nodes to the live one, compares the served copy with
// the new HTML, and applies only those differences to the live nodes. A node
// the scripts added is left where it is; an attribute a script set stays
// unless the new HTML changes that attribute. Small and specific on purpose:
// a general two-way morph (idiomorph and the like) would undo what the
// scripts did.
(() => {
  "use strict";
  const STORE = "generator-serve-place";
  // "off" in localStorage: always reload (the benchmark compares the two).
  const morphing = () => localStorage.getItem("generator-serve-morph") !== "off";
  const isServe = (n) =>
    n.nodeType === 1 && (n.id === "generator-serve-data" || n.id === "generator-serve-errors" || n.hasAttribute("data-generator-serve"));

  const live = new WeakMap(); // served node → live node
  function pair(s, l) {
    live.set(s, l);
    for (let a = s.firstChild, b = l.firstChild; a && b; a = a.nextSibling, b = b.nextSibling) pair(a, b);
  }
  const served = { head: document.head.cloneNode(true), body: document.body.cloneNode(true) };
  pair(served.body, document.body);
  const signature = (root) => root.getAttribute("lang") + " " + root.getAttribute("data-root");
  const servedRoot = signature(document.documentElement);

  function readErrors(doc) {
    const data = doc.getElementById("generator-serve-data");
    try {
      return data ? JSON.parse(data.textContent) : [];
    } catch {
      return [];
    }
  }

  // ---- The place a reader is at: an element near the top of the window and its offset.

  function headerBottom() {
    const h = document.querySelector(".site-header");
    const r = h && getComputedStyle(h).position !== "static" ? h.getBoundingClientRect() : null;
    return r && r.bottom > 0 ? r.bottom : 0;
  }
  /** The last question/section (an element with an id in <main>) that starts above the reading line. */
  function nearestMarked() {
    const line = headerBottom() + 8;
    let best = null;
    for (const el of document.querySelectorAll("main [id]")) {
      if (el.getBoundingClientRect().top > line) break;
      best = el;
    }
    return best;
  }
  /** The block of the page at the reading line: kept by a patch unless the edit is in it. */
  function blockAtTop() {
    const main = document.getElementById("main");
    if (!main) return null;
    let el = document.elementFromPoint(main.getBoundingClientRect().left + 24, headerBottom() + 8);
    if (!el || !main.contains(el) || el === main) return null;
    while (el.parentElement !== main && !el.parentElement.matches(".content, article, section, .answer")) el = el.parentElement;
    return el;
  }

  /** Where the reader is: the block at the top and the nearest marked element, each with its offset. */
  function place() {
    const at = (el) => el && { el, id: el.id, offset: el.getBoundingClientRect().top };
    return { block: at(blockAtTop()), marked: at(nearestMarked()) };
  }

  /** The element of a place still in the page (the same node, else the same id) and the offset it had. */
  function locate(p) {
    for (const a of [p.block, p.marked]) {
      if (!a) continue;
      if (a.el && a.el.isConnected) return a;
      const el = a.id && document.getElementById(a.id);
      if (el) return { el, offset: a.offset };
    }
    return null;
  }

  let stopHolding = () => {};
  /**
   * Keeps the reader's place while the page settles (widgets render, fonts
   * and images load): the place's element stays at its offset from the top
   * of the window until nothing has resized for a while or the reader
   * scrolls on their own.
   */
  function hold(p) {
    stopHolding();
    let done = false;
    let quiet;
    const fix = () => {
      const found = !done && locate(p);
      if (!found) return;
      const delta = found.el.getBoundingClientRect().top - found.offset;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    };
    const inputs = ["wheel", "touchstart", "keydown", "mousedown"];
    const stop = () => {
      done = true;
      history.scrollRestoration = "auto";
      clearTimeout(quiet);
      observer.disconnect();
      for (const e of inputs) removeEventListener(e, stop, true);
    };
    stopHolding = stop;
    const settle = () => {
      clearTimeout(quiet);
      quiet = setTimeout(stop, 400);
    };
    const observer = new ResizeObserver(() => {
      fix();
      settle();
    });
    // Its first callback comes after the next layout, before that frame is
    // painted: no layout is forced here.
    observer.observe(document.documentElement);
    for (const w of document.querySelectorAll("dlq-playground, img")) observer.observe(w);
    for (const e of inputs) addEventListener(e, stop, true);
    settle();
    if (document.fonts) document.fonts.ready.then(fix);
    setTimeout(stop, 5000);
  }

  // ---- Full reload, keeping the place.

  function reload() {
    const el = nearestMarked();
    const saved = { path: location.pathname, y: scrollY };
    if (el) Object.assign(saved, { id: el.id, offset: el.getBoundingClientRect().top });
    sessionStorage.setItem(STORE, JSON.stringify(saved));
    // The browser's own restoration would scroll to a pixel offset instead.
    history.scrollRestoration = "manual";
    location.reload();
  }

  function restorePlace() {
    let saved;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE));
    } catch {}
    sessionStorage.removeItem(STORE);
    if (!saved || saved.path !== location.pathname) return;
    if (saved.id && document.getElementById(saved.id)) hold({ marked: { id: saved.id, offset: saved.offset } });
    else window.scrollTo(0, saved.y);
  }

  // ---- The three-way morph.

  class NeedsReload extends Error {}

  const kids = (n) => Array.prototype.filter.call(n.childNodes, (c) => !isServe(c));
  const isWidget = (n) => n.nodeType === 1 && n.localName.includes("-");
  /** Two nodes one can patch into the other instead of replacing. */
  const similar = (a, b) =>
    a.nodeType === b.nodeType &&
    (a.nodeType === 3 || a.nodeType === 8 || (a.nodeType === 1 && a.nodeName === b.nodeName && !isWidget(a) && a.id === b.id));

  function adopt(node) {
    if (node.nodeType === 1 && (node.localName === "script" || node.querySelector("script"))) throw new NeedsReload("a new script");
    const copy = document.importNode(node, true);
    pair(node, copy);
    return copy;
  }

  /** Sets on `l` the attributes that changed from `s` (as served) to `n` (new); `s` becomes `n`. */
  function patchAttributes(s, n, l) {
    for (const { name, value } of Array.from(n.attributes)) {
      const old = s.getAttribute(name);
      if (old === value) continue;
      if (name === "class" && old !== null) {
        const was = old.split(/\s+/).filter(Boolean);
        const now = value.split(/\s+/).filter(Boolean);
        for (const c of was) if (!now.includes(c)) l.classList.remove(c);
        for (const c of now) if (!was.includes(c)) l.classList.add(c);
      } else l.setAttribute(name, value);
      s.setAttribute(name, value);
    }
    for (const { name } of Array.from(s.attributes)) {
      if (!n.hasAttribute(name)) {
        l.removeAttribute(name);
        s.removeAttribute(name);
      }
    }
  }

  function patchNode(s, n) {
    const l = live.get(s);
    if (s.nodeType !== 1) {
      if (s.data !== n.data) {
        l.data = n.data;
        s.data = n.data;
      }
      return;
    }
    if (s.localName === "script") throw new NeedsReload("a changed script");
    patchAttributes(s, n, l);
    patchChildren(s, n);
  }

  /** Morphs the children of served node `s` (and its live twin) into those of `n`. */
  function patchChildren(s, n) {
    const l = live.get(s);
    const olds = kids(s);
    const news = kids(n);
    let start = 0;
    while (start < olds.length && start < news.length && olds[start].isEqualNode(news[start])) start++;
    let oe = olds.length;
    let ne = news.length;
    while (oe > start && ne > start && olds[oe - 1].isEqualNode(news[ne - 1])) {
      oe--;
      ne--;
    }
    const next = olds[oe] || null; // first of the unchanged tail
    const remove = (o) => {
      const node = live.get(o);
      if (node && node.parentNode === l) node.remove();
      o.remove();
    };
    const search = (ne - start) * (oe - start) <= 4096;
    let oi = start;
    for (let ni = start; ni < ne; ni++) {
      const nn = news[ni];
      let found = -1;
      if (search) {
        for (let k = oi; k < oe; k++) {
          if (olds[k].isEqualNode(nn)) {
            found = k;
            break;
          }
        }
      }
      if (found >= 0) {
        while (oi < found) remove(olds[oi++]);
        oi++;
        continue;
      }
      if (oi < oe && similar(olds[oi], nn)) {
        patchNode(olds[oi++], nn);
        continue;
      }
      const before = oi < oe ? olds[oi] : next;
      const liveBefore = before && live.get(before);
      const copy = adopt(nn);
      if (liveBefore && liveBefore.parentNode === l) l.insertBefore(copy, liveBefore);
      else if (before) throw new NeedsReload("a script moved the node to insert before");
      else l.appendChild(copy);
      s.insertBefore(nn, before); // the served copy takes the new node itself
    }
    while (oi < oe) remove(olds[oi++]);
  }

  /** The new document's head (title aside) and root must be what was served; else reload. */
  function sameFrame(doc) {
    if (signature(doc.documentElement) !== servedRoot) return false;
    // A preloaded stylesheet turns itself into a stylesheet (base.html): links compare by href.
    const keys = (h) =>
      kids(h)
        .filter((c) => c.nodeName !== "TITLE" && !(c.nodeType === 3 && !c.data.trim()))
        .map((c) => (c.nodeName === "LINK" ? "link " + c.getAttribute("href") : c.nodeType === 1 ? c.outerHTML : c.data));
    return keys(served.head).join("\n") === keys(doc.head).join("\n");
  }

  function patch(doc) {
    if (!sameFrame(doc)) throw new NeedsReload("the page's head changed");
    const where = place();
    if (document.title !== doc.title) document.title = doc.title;
    patchAttributes(served.body, doc.body, document.body);
    patchChildren(served.body, doc.body);
    showOverlay(readErrors(doc));
    hold(where);
    document.dispatchEvent(new CustomEvent("generator-serve:patched"));
  }

  let busy = null;
  let again = false;
  let pending = null;
  /** Patches in the page's new HTML: `html` as the socket pushed it, else fetched. */
  async function update(html) {
    pending = html || null;
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      do {
        again = false;
        // Timed as performance measures (generator-serve:fetch|parse|patch) for the benchmark.
        const t0 = performance.now();
        let text = pending;
        pending = null;
        if (text === null) {
          const response = await fetch(location.href.split("#")[0], { cache: "no-store" });
          text = await response.text();
        }
        const t1 = performance.now();
        const doc = new DOMParser().parseFromString(text, "text/html");
        const t2 = performance.now();
        patch(doc);
        performance.measure("generator-serve:fetch", { start: t0, end: t1 });
        performance.measure("generator-serve:parse", { start: t1, end: t2 });
        performance.measure("generator-serve:patch", { start: t2, end: performance.now() });
      } while (again);
    })();
    try {
      await busy;
    } catch (err) {
      console.info("generator serve: reloading (" + (err && err.message) + ")");
      reload();
    } finally {
      busy = null;
    }
  }

  /** This page's site path as the server names it (`a/b/index.html`). */
  function sitePath() {
    const p = decodeURIComponent(location.pathname).replace(/^\//, "");
    return p === "" || p.endsWith("/") ? p + "index.html" : p;
  }

  // ---- The errors overlay and stylesheets.

  function showOverlay(list) {
    const old = document.getElementById("generator-serve-errors");
    if (old) old.remove();
    if (!list.length) return;
    const box = document.createElement("div");
    box.id = "generator-serve-errors";
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:60vh;overflow:auto;" +
      "margin:0;padding:12px 16px;background:#2b0b0b;color:#ffdede;border-bottom:3px solid #e5484d;" +
      "font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap";
    const close = document.createElement("button");
    close.textContent = "×";
    close.title = "hide until the next rebuild";
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font-size:18px;cursor:pointer";
    close.onclick = () => box.remove();
    box.appendChild(close);
    const head = document.createElement("strong");
    head.textContent = list.length === 1 ? "1 error in the last rebuild" : list.length + " errors in the last rebuild";
    box.appendChild(head);
    for (const e of list) {
      const line = document.createElement("div");
      // textContent, never innerHTML: messages quote the user's markdown.
      line.textContent = e.path + ":" + e.line + ":" + e.col + ": " + e.kind + ": " + e.message;
      box.appendChild(line);
    }
    (document.body || document.documentElement).appendChild(box);
  }

  function swapStylesheets() {
    const stamp = Date.now();
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set("serve-reload", String(stamp));
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener("load", () => link.remove());
      fresh.addEventListener("error", () => link.remove());
      link.after(fresh);
    }
  }

  let wasConnected = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/__livereload");
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "hello", page: sitePath() }));
      document.documentElement.dataset.liveReload = "connected";
      // The server restarted while we were away: what we show may be stale.
      if (wasConnected) reload();
      wasConnected = true;
    };
    socket.onmessage = (event) => {
      performance.mark("generator-serve:message");
      if (event.data instanceof ArrayBuffer) {
        // This page's new HTML, pushed.
        if (morphing()) update(new TextDecoder().decode(event.data));
        else reload();
        return;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "css") swapStylesheets();
      else if (message.type === "reload") reload();
      else if (message.type === "patch" && (message.errors || message.pages.includes(sitePath()))) {
        if (morphing()) update();
        else reload();
      }
    };
    socket.onclose = () => {
      document.documentElement.dataset.liveReload = "closed";
      setTimeout(connect, 1000);
    };
  }

  restorePlace();
  const errors = readErrors(document);
  if (errors.length) showOverlay(errors);
  connect();
})();
