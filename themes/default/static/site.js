// Small progressive enhancements; every page reads fine without them.
(function () {
  "use strict";
  var root = document.documentElement;

  // Light/dark toggle, remembered across pages. The playground widgets
  // follow it through their `theme` attribute (without a choice, they
  // follow the system like the page).
  function themeWidgets() {
    var widgets = document.querySelectorAll("dlq-playground");
    for (var i = 0; i < widgets.length; i++) {
      if (root.dataset.theme) widgets[i].setAttribute("theme", root.dataset.theme);
      else widgets[i].removeAttribute("theme");
    }
  }
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    try { localStorage.setItem("theme", root.dataset.theme); } catch (e) {}
    themeWidgets();
  });
  themeWidgets();

  // Widgets in a chapter start when the reader comes near them (the element's
  // loading="lazy"): a page with several opens as fast as one without.
  var inPage = document.querySelectorAll(".content dlq-playground");
  for (var w = 0; w < inPage.length; w++) inPage[w].setAttribute("loading", "lazy");

  // The language switch keeps the reader on the same question when the
  // translation has it: the one in the URL, else the nearest one above the
  // top of the window (a reader who scrolled has no #question in the URL).
  var sw = document.querySelector(".lang-switch");
  function nearestQuestion(ids) {
    var best = "";
    var marks = document.querySelectorAll(".content [id]");
    for (var i = 0; i < marks.length; i++) {
      if (marks[i].getBoundingClientRect().top > 80) break;
      if (ids.indexOf(marks[i].id) >= 0) best = marks[i].id;
    }
    return best;
  }
  function syncSwitch() {
    if (!sw) return;
    var ids = (sw.dataset.ids || "").split(" ");
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id || ids.indexOf(id) < 0) id = nearestQuestion(ids);
    var base = sw.getAttribute("href").split("#")[0];
    sw.setAttribute("href", id ? base + "#" + encodeURIComponent(id) : base);
  }
  addEventListener("hashchange", syncSwitch);
  if (sw) {
    sw.addEventListener("pointerdown", syncSwitch);
    sw.addEventListener("focus", syncSwitch);
    sw.addEventListener("click", syncSwitch);
  }
  syncSwitch();

  // On a phone the header slides away while reading down and returns on the way up.
  var header = document.querySelector(".site-header");
  function measureHeader() {
    if (header) root.style.setProperty("--header-h", header.offsetHeight + "px");
  }
  measureHeader();
  addEventListener("resize", measureHeader);
  var lastY = scrollY;
  addEventListener("scroll", function () {
    if (!header) return;
    var y = scrollY;
    header.classList.toggle("away", y > lastY && y > 120 && innerWidth <= 900 && !header.contains(document.activeElement));
    lastY = y;
  }, { passive: true });

  // "Open full page" takes the widget as the reader left it: its input and step.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(".playground-open");
    if (!link) return;
    var widget = link.closest("figure") && link.closest("figure").querySelector("dlq-playground");
    if (!widget || !widget.input) return;
    var url = new URL(link.href, location.href);
    url.search = "";
    url.searchParams.set("input", JSON.stringify(widget.input));
    url.searchParams.set("step", String(widget.step || 0));
    link.href = url.href;
  }, true);

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
