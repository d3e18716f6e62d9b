// The standalone playground page (/play/<algo>/): copy buttons of the Embed
// panel, absolute addresses in its snippets, and iframe mode (?embed=1),
// where only the widget shows and its height is posted to the parent page.

// A widget opened from a page ("Open full page") or a shared link carries its
// settings as URL parameters (`?stride=2`, `?input={…}&step=7`): they become
// the element's attributes before it starts (this module runs before embed.js).
{
  const widget = document.querySelector("dlq-playground");
  const params = new URLSearchParams(location.search);
  if (widget) {
    for (const [name, value] of params) {
      if (name !== "embed" && /^[a-z][a-z0-9_-]*$/i.test(name)) widget.setAttribute(name, value);
    }
  }
}

const panel = document.querySelector(".embed-panel");
if (panel && panel.dataset.absolute !== "true") {
  // No base_url configured: show the address the reader actually sees.
  const base = new URL(document.documentElement.dataset.root || "./", location.href).href;
  for (const code of panel.querySelectorAll("code[data-snippet]")) {
    code.textContent = code.textContent.split(`"${panel.dataset.base}`).join(`"${base}`)
      .split(`(${panel.dataset.base}`).join(`(${base}`);
  }
}
for (const button of document.querySelectorAll(".embed-panel .copy")) {
  button.addEventListener("click", async () => {
    const text = button.parentElement.querySelector("code").textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.dataset.done = "";
      setTimeout(() => delete button.dataset.done, 1500);
    } catch {
      getSelection().selectAllChildren(button.parentElement.querySelector("code"));
    }
  });
}

if (document.documentElement.classList.contains("embed") && parent !== window) {
  const widget = document.querySelector("dlq-playground");
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    parent.postMessage({ type: "dlq-playground:height", algo: widget && widget.getAttribute("algo"), height }, "*");
  };
  // Only once the widget has drawn its first trace: before that the page is
  // its no-script fallback and then an empty frame, and posting those heights
  // would make the host's iframe jump.
  const start = () => {
    new ResizeObserver(post).observe(document.documentElement);
    post();
  };
  if (!widget || "ready" in widget.dataset) start();
  else widget.addEventListener("ready", start, { once: true });
}
