// Study mode (docs/study.md): fold the answers and test yourself, grade each
// question, and let a spaced-repetition scheduler (FSRS-5) say when to see it
// again. Progress stays in this browser (localStorage), keyed by
// "<page key>#<question id>", the same in both languages. Pages read as
// before without this script: the generator only wraps each answer in
// <div|span class="answer" data-q="ID">.
(function () {
  "use strict";
  var doc = document, html = doc.documentElement, script = doc.currentScript;
  var zh = html.lang !== "en";
  var DAY = 864e5, V = 1;
  // The site root, whatever page we are on: one progress store per site,
  // shared by its two languages, apart from other sites on the same origin.
  var root = new URL(html.dataset.root || "./", location.href);
  var KEY = "dlq-study:" + root.pathname;
  var drillBase = new URL(script.dataset.drill, location.href);

  // Interface strings: the theme's i18n/<lang>.toml, carried by the page.
  var strings = document.getElementById("dlq-strings");
  var T = (strings && JSON.parse(strings.textContent).study) || {};
  T.fill = function (text, fields) {
    return String(text == null ? "" : text).replace(/\{(\w+)\}/g, function (m, k) {
      return k in fields ? fields[k] : m;
    });
  };
  T.days = function (n) { return T.fill(n === 1 ? T.days_one : T.days_many, { n: n }); };
  T.imported = function (n) { return T.fill(T.imported_n, { n: n }); };

  // Time: the clock, which tests (and curious readers) may move through
  // sessionStorage "dlq-study-now" (ms since the epoch).
  function now() {
    try { var fake = +sessionStorage.getItem("dlq-study-now"); if (fake) return fake; } catch (e) {}
    return Date.now();
  }
  function endOfDay(t) { var d = new Date(t); d.setHours(24, 0, 0, 0); return +d; }

  // FSRS-5 with its published default parameters, desired retention 0.9,
  // whole days between reviews (docs/study.md has the formulas).
  var W = [0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192,
    1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621];
  var DECAY = -0.5, FACTOR = 19 / 81, RETENTION = 0.9;
  function clampD(d) { return Math.min(10, Math.max(1, d)); }
  function initialD(g) { return clampD(W[4] - Math.exp(W[5] * (g - 1)) + 1); }
  // The card after grade g (1 again … 4 easy) at time t; card is undefined for a first review.
  function review(card, g, t) {
    var s, d;
    if (!card) {
      s = W[g - 1];
      d = initialD(g);
    } else {
      var days = Math.max(0, Math.floor((t - card.last) / DAY));
      var r = Math.pow(1 + FACTOR * days / card.s, DECAY);
      var delta = -W[6] * (g - 3);
      d = clampD(W[7] * initialD(4) + (1 - W[7]) * (card.d + delta * (10 - card.d) / 9));
      if (days < 1) s = card.s * Math.exp(W[17] * (g - 3 + W[18]));
      else if (g === 1) s = Math.min(card.s, W[11] * Math.pow(card.d, -W[12]) *
        (Math.pow(card.s + 1, W[13]) - 1) * Math.exp(W[14] * (1 - r)));
      else s = card.s * (1 + Math.exp(W[8]) * (11 - card.d) * Math.pow(card.s, -W[9]) *
        (Math.exp(W[10] * (1 - r)) - 1) * (g === 2 ? W[15] : 1) * (g === 4 ? W[16] : 1));
    }
    s = Math.max(0.01, s);
    var interval = Math.min(36500, Math.max(1, Math.round(s / FACTOR * (Math.pow(RETENTION, 1 / DECAY) - 1))));
    return {
      s: s, d: d, last: t, due: t + interval * DAY, g: g,
      reps: (card ? card.reps : 0) + 1, lapses: (card ? card.lapses : 0) + (card && g === 1 ? 1 : 0)
    };
  }
  // Whether a key press belongs to something else: a field (also inside a
  // widget's shadow DOM), a chord, a handler that took it, or a space that
  // clicks the focused button or link.
  function foreign(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return true;
    var t = e.composedPath ? e.composedPath()[0] : e.target;
    return !!t && t.nodeType === 1 && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable ||
      (e.key === " " && /^(BUTTON|A|SUMMARY)$/.test(t.tagName)));
  }
  function isDue(card, t) { return !!card && card.due <= endOfDay(t); }
  function isMastered(card) { return !!card && card.s >= 21; }
  function status(card, t) {
    return !card ? "isnew" : isDue(card, t) ? "due" : isMastered(card) ? "mastered" : "learning";
  }
  function intervalDays(card) { return Math.round((card.due - card.last) / DAY); }

  // The store: {v, cards: {"key#id": card}, prefs}. A newer version written
  // by a newer script is never overwritten by this one.
  var readOnly = false;
  function load() {
    try {
      var st = JSON.parse(localStorage.getItem(KEY));
      if (st && st.v > V) readOnly = true;
      if (st && st.v === V && st.cards) { st.prefs = st.prefs || {}; return st; }
    } catch (e) {}
    return { v: V, cards: {}, prefs: {} };
  }
  function save(st) {
    if (readOnly) return;
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) {}
  }
  function grade(key, g) {
    var st = load(), before = st.cards[key];
    st.cards[key] = review(before, g, now());
    save(st);
    refresh();
    return { card: st.cards[key], before: before };
  }
  function restore(key, card) {
    var st = load();
    if (card) st.cards[key] = card; else delete st.cards[key];
    save(st);
    refresh();
  }

  // Export everything, also questions the site no longer has (their ids
  // may come back); import merges, the later review of a question winning.
  function exportJSON() {
    return JSON.stringify({ format: "dlq-study", v: V, site: root.href, exported: new Date(now()).toISOString(),
      cards: load().cards }, null, 1);
  }
  function importJSON(text) {
    var data = JSON.parse(text);
    if (!data || data.format !== "dlq-study" || data.v !== V || typeof data.cards !== "object") throw new Error(T.bad);
    var st = load(), n = 0;
    Object.keys(data.cards).forEach(function (k) {
      var c = data.cards[k];
      if (k.indexOf("#") < 1 || !c || !isFinite(c.s) || !isFinite(c.d) || !isFinite(c.last) || !isFinite(c.due)) return;
      if (!st.cards[k] || st.cards[k].last < c.last) st.cards[k] = c;
      n++;
    });
    save(st);
    refresh();
    return n;
  }

  // The site's questions by section and chapter (generated beside the drill page).
  var listing;
  function questions() {
    listing = listing || fetch(new URL("questions.json", drillBase)).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
    return listing;
  }
  function counts(keys, st, t) {
    var c = { total: keys.length, seen: 0, due: 0, mastered: 0 };
    keys.forEach(function (k) {
      var card = st.cards[k];
      if (!card) return;
      c.seen++;
      if (isDue(card, t)) c.due++;
      if (isMastered(card)) c.mastered++;
    });
    return c;
  }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function progress(target, c) {
    target.textContent = "";
    var bar = target.appendChild(el("span", "study-bar-track"));
    bar.setAttribute("aria-hidden", "true");
    var pct = function (n) { return c.total ? (100 * n / c.total).toFixed(1) + "%" : "0"; };
    bar.appendChild(el("span", "study-bar-mastered")).style.width = pct(c.mastered);
    bar.appendChild(el("span", "study-bar-seen")).style.width = pct(c.seen - c.mastered);
    target.appendChild(el("span", "study-counts",
      T.seen + " " + c.seen + "/" + c.total + " · " + T.dueN + " " + c.due + " · " + T.masteredN + " " + c.mastered));
    target.dataset.seen = c.seen; target.dataset.due = c.due; target.dataset.mastered = c.mastered;
  }

  // Header badge, home and section progress: from the listing, only when needed.
  function refresh() {
    var st = load(), t = now();
    var link = doc.querySelector(".study-link"), badge = link && link.querySelector(".study-due");
    if (link) link.hidden = false;
    var bars = doc.querySelectorAll("[data-study-chapter],[data-study-section]");
    if (chapter) chapter.refresh(st, t);
    if (!bars.length && !Object.keys(st.cards).length) { if (badge) badge.textContent = ""; return; }
    questions().then(function (data) {
      var all = [], byChapter = {}, bySection = {};
      data.sections.forEach(function (s) {
        var sk = bySection[s.key] = [];
        s.chapters.forEach(function (c) {
          var keys = byChapter[c.key] = c.questions.map(function (q) { return c.key + "#" + q[0]; });
          sk.push.apply(sk, keys);
          all.push.apply(all, keys);
        });
      });
      bars.forEach(function (b) {
        var keys = b.dataset.studyChapter != null ? byChapter[b.dataset.studyChapter] : bySection[b.dataset.studySection];
        if (keys) progress(b, counts(keys, st, t));
      });
      var due = counts(all, st, t).due;
      if (badge) badge.textContent = due ? String(due) : "";
      if (link) link.dataset.due = due;
    }).catch(function () {});
  }

  // A chapter page: the toggle, per-question reveal and grading, keyboard.
  var chapter = null;
  var marker = doc.querySelector("[data-study-key]");
  if (marker) chapter = chapterPage(marker.closest("article"), marker.dataset.studyKey);

  function chapterPage(article, page) {
    var content = article.querySelector(".content");
    var qs = Array.prototype.slice.call(content.querySelectorAll(".question[id]"));
    if (!qs.length) return null;
    var current = -1, controls = {};
    var bar = el("div", "study-toolbar");
    var toggle = bar.appendChild(el("button", "study-toggle", T.toggle));
    toggle.type = "button";
    var stats = bar.appendChild(el("span", "study-stats"));
    bar.appendChild(el("span", "study-keys", T.keys));
    content.parentNode.insertBefore(bar, content);

    function keyOf(q) { return page + "#" + q.id; }
    function parts(q) { return content.querySelectorAll('.answer[data-q="' + CSS.escape(q.id) + '"]'); }
    function on() { return article.classList.contains("study-hide"); }
    function setMode(hide) {
      article.classList.toggle("study-hide", hide);
      toggle.setAttribute("aria-pressed", String(hide));
      if (hide) qs.forEach(control);
      var st = load();
      st.prefs.reveal = hide;
      save(st);
    }
    // The controls of a question, after its answer (made when first needed).
    function control(q) {
      if (controls[q.id]) return controls[q.id];
      var box = el("div", "study-q");
      box.dataset.for = q.id;
      var badge = box.appendChild(el("span", "study-status"));
      var reveal = box.appendChild(el("button", "study-reveal", T.reveal));
      reveal.type = "button";
      var grades = box.appendChild(el("span", "study-grades"));
      var result = box.appendChild(el("span", "study-result"));
      T.grades.forEach(function (label, i) {
        var b = grades.appendChild(el("button", "study-grade g" + (i + 1)));
        b.type = "button";
        b.dataset.grade = i + 1;
        b.appendChild(el("kbd", null, String(i + 1)));
        b.appendChild(doc.createTextNode(" " + label + " "));
        b.appendChild(el("small"));
      });
      var p = parts(q), last = p[p.length - 1];
      if (!p.length) box.classList.add("study-open");
      var anchor = last ? (last.tagName === "SPAN" ? last.parentNode : last) : q;
      if (anchor === q && q.tagName === "LI") q.appendChild(box); else anchor.parentNode.insertBefore(box, anchor.nextSibling);
      box.addEventListener("click", function (e) {
        var b = e.target.closest("button");
        if (!b) return;
        setCurrent(qs.indexOf(q), false);
        if (b === reveal) show(q);
        else if (b.dataset.grade) rate(q, +b.dataset.grade);
        else if (b.dataset.undo) { restore(keyOf(q), box.undo); box.undo = null; result.textContent = ""; }
      });
      controls[q.id] = { box: box, badge: badge, result: result, grades: grades };
      paint(q, load(), now());
      return controls[q.id];
    }
    function paint(q, st, t) {
      var c = controls[q.id];
      if (!c) return;
      var card = st.cards[keyOf(q)], s = status(card, t);
      c.badge.textContent = T[s];
      c.badge.dataset.status = s;
      c.grades.querySelectorAll("small").forEach(function (small, i) {
        small.textContent = T.days(intervalDays(review(card, i + 1, t)));
      });
    }
    function shown(q) { return controls[q.id] && controls[q.id].box.classList.contains("study-open"); }
    function show(q) {
      var c = control(q);
      parts(q).forEach(function (p) { p.classList.add("study-shown"); });
      c.box.classList.add("study-open");
    }
    function rate(q, g) {
      var c = control(q), done = grade(keyOf(q), g);
      c.box.undo = done.before;
      c.result.textContent = T.next + T.days(intervalDays(done.card)) + " ";
      var undo = c.result.appendChild(el("button", "study-undo", T.undo));
      undo.type = "button";
      undo.dataset.undo = "1";
      c.box.dataset.graded = g;
      if (qs.indexOf(q) === current && current < qs.length - 1) setCurrent(current + 1, true);
    }
    function setCurrent(i, scroll) {
      if (qs[current]) qs[current].classList.remove("study-current");
      current = Math.max(0, Math.min(qs.length - 1, i));
      qs[current].classList.add("study-current");
      paint(qs[current], load(), now());
      if (scroll) qs[current].scrollIntoView({ block: "start" });
    }
    // Without a current question, keys act on the first one in view.
    function inView() {
      for (var i = 0; i < qs.length; i++) if (qs[i].getBoundingClientRect().bottom > 60) return i;
      return qs.length - 1;
    }
    toggle.addEventListener("click", function () { setMode(!on()); });
    addEventListener("keydown", function (e) {
      if (foreign(e)) return;
      if (e.key === "j" || e.key === "k") {
        setCurrent(current < 0 ? inView() : current + (e.key === "j" ? 1 : -1), true);
      } else if (on() && e.key === " ") {
        if (current < 0) setCurrent(inView(), false);
        if (shown(qs[current])) return;
        e.preventDefault();
        show(qs[current]);
      } else if (on() && /^[1-4]$/.test(e.key) && current >= 0 && shown(qs[current])) {
        e.preventDefault();
        rate(qs[current], +e.key);
      }
    });
    if (load().prefs.reveal) setMode(true);
    return {
      refresh: function (st, t) {
        var c = counts(qs.map(keyOf), st, t);
        stats.textContent = T.chapter + T.seen + " " + c.seen + "/" + c.total + " · " + T.dueN + " " + c.due + " · " + T.masteredN + " " + c.mastered;
        qs.forEach(function (q) { paint(q, st, t); });
      }
    };
  }

  // Export and import buttons (on the drill page).
  doc.addEventListener("click", function (e) {
    if (!e.target.closest("[data-study-export]")) return;
    var a = el("a");
    a.href = URL.createObjectURL(new Blob([exportJSON()], { type: "application/json" }));
    a.download = "study-progress-" + new Date(now()).toISOString().slice(0, 10) + ".json";
    doc.body.appendChild(a);
    a.click();
    a.remove();
  });
  doc.addEventListener("change", function (e) {
    var input = e.target.closest("[data-study-import]");
    if (!input || !input.files[0]) return;
    var message = doc.querySelector("[data-study-message]");
    input.files[0].text().then(function (text) {
      var n = importJSON(text);
      if (message) message.textContent = T.imported(n);
    }).catch(function (err) {
      if (message) message.textContent = err.message === T.bad ? T.bad : T.bad + " (" + err.message + ")";
    });
    input.value = "";
  });

  window.dlqStudy = {
    zh: zh, foreign: foreign, root: root, drillBase: drillBase, now: now, endOfDay: endOfDay, review: review, isDue: isDue,
    isMastered: isMastered, status: status, intervalDays: intervalDays, load: load, grade: grade,
    exportJSON: exportJSON, importJSON: importJSON, questions: questions, refresh: refresh, T: T, el: el
  };
  refresh();
})();
