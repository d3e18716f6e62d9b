// Injected by `generator serve` into every HTML page it serves (never into
// `build` output). Reloads the page when a rebuild finishes, keeping the scroll
// position; swaps stylesheets in place when only CSS changed; shows the errors
// of the last rebuild over the page. `errors` is filled in with a JSON array
// of {path, line, col, kind, message} when the page is served.
(() => {
  "use strict";
  const errors = __SERVE_ERRORS__;
  const scrollKey = "generator-serve-scroll:" + location.pathname;

  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const y = Number(saved) || 0;
    const restore = () => window.scrollTo(0, y);
    restore();
    document.addEventListener("DOMContentLoaded", restore);
    window.addEventListener("load", restore);
  }

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

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  let wasConnected = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/__livereload");
    socket.onopen = () => {
      document.documentElement.dataset.liveReload = "connected";
      // The server restarted while we were away: what we show may be stale.
      if (wasConnected) reload();
      wasConnected = true;
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "css") swapStylesheets();
      else if (message.type === "reload") reload();
    };
    socket.onclose = () => {
      document.documentElement.dataset.liveReload = "closed";
      setTimeout(connect, 1000);
    };
  }

  if (errors.length) {
    if (document.body) showOverlay(errors);
    else document.addEventListener("DOMContentLoaded", () => showOverlay(errors));
  }
  connect();
})();
