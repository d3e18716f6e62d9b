// Small progressive enhancements; every page reads fine without them.
(function () {
  "use strict";
  var root = document.documentElement;

  // Light/dark toggle, remembered across pages.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    try { localStorage.setItem("theme", root.dataset.theme); } catch (e) {}
  });

  // The language switch keeps the reader on the same question when the translation has it.
  var sw = document.querySelector(".lang-switch");
  function syncSwitch() {
    if (!sw) return;
    var ids = (sw.dataset.ids || "").split(" ");
    var id = decodeURIComponent(location.hash.slice(1));
    var base = sw.getAttribute("href").split("#")[0];
    sw.setAttribute("href", id && ids.indexOf(id) >= 0 ? base + "#" + encodeURIComponent(id) : base);
  }
  addEventListener("hashchange", syncSwitch);
  syncSwitch();

  // "/" or Ctrl-K focuses the search box.
  var input = document.getElementById("search-input");
  addEventListener("keydown", function (e) {
    if (!input || e.defaultPrevented) return;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || document.activeElement.isContentEditable;
    if ((e.key === "/" && !typing) || (e.key.toLowerCase() === "k" && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
})();
