// The drill page (docs/study.md): a queue of questions across the site (due,
// never seen, or hard), one at a time with the answer hidden, and mock
// interviews (N random questions from chosen chapters, timed, with a report).
// Scheduling and storage are study.js's (window.dlqStudy); this file is the
// page. Answers come from the chapter pages themselves, as they are needed:
// the generator marks each one there (<div|span class="answer" data-q="ID">).
addEventListener("DOMContentLoaded", function () {
  "use strict";
  var S = window.dlqStudy, app = document.getElementById("drill");
  if (!S || !app) return;
  var el = S.el, zh = S.zh;
  // Interface strings: the theme's i18n/<lang>.toml, carried by the page.
  var strings = document.getElementById("dlq-strings");
  var T = (strings && JSON.parse(strings.textContent).drill) || {};
  var G = S.T.grades;
  // A chapter's answers by question id, as HTML: the parts of each (the
  // rest of a paragraph becomes a paragraph), without permalinks or ids,
  // links and images pointing where they did on the chapter page.
  var answers = {};
  function answersOf(q) {
    var page = new URL(q.page, S.root);
    answers[q.chapter] = answers[q.chapter] || fetch(page).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html"), out = {};
      doc.querySelectorAll(".answer[data-q]").forEach(function (part) {
        var box = out[part.dataset.q] = out[part.dataset.q] || document.createElement("div");
        var into = part.tagName === "SPAN" ? box.appendChild(document.createElement("p")) : box;
        part.childNodes.forEach(function (n) { into.appendChild(document.importNode(n, true)); });
      });
      Object.keys(out).forEach(function (id) {
        var box = out[id];
        box.querySelectorAll(".permalink").forEach(function (a) { a.remove(); });
        box.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
        box.querySelectorAll("[href],[src]").forEach(function (e) {
          ["href", "src"].forEach(function (at) {
            var v = e.getAttribute(at);
            if (v != null) e.setAttribute(at, new URL(v, page).href);
          });
        });
        out[id] = box.innerHTML;
      });
      return out;
    });
    return answers[q.chapter];
  }
  function clock(ms) {
    var s = Math.round(ms / 1000);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function button(text, cls) {
    var b = el("button", cls, text);
    b.type = "button";
    return b;
  }
  function field(parent, legend) {
    var f = parent.appendChild(el("fieldset"));
    f.appendChild(el("legend", null, legend));
    return f;
  }
  function choice(parent, type, name, value, text, checked) {
    var label = parent.appendChild(el("label"));
    var input = label.appendChild(el("input"));
    input.type = type; input.name = name; input.value = value; input.checked = !!checked;
    label.appendChild(document.createTextNode(" " + text));
    return label;
  }

  S.questions().then(function (data) {
    // Every question in reading order: {key, id, title, chapter, section, url, crumb}.
    var list = [];
    data.sections.forEach(function (s) {
      s.chapters.forEach(function (c) {
        c.questions.forEach(function (q) {
          list.push({ key: c.key + "#" + q[0], id: q[0], title: q[1], chapter: c.key, section: s.key, page: c.url,
            url: new URL(c.url + "#" + encodeURIComponent(q[0]), S.root).href, crumb: s.title + " › " + c.title });
        });
      });
    });
    build(data, list);
  }).catch(function (e) { app.textContent = String(e); });

  function build(data, list) {
    var tabs = app.appendChild(el("div", "drill-tabs"));
    tabs.setAttribute("role", "tablist");
    var forms = {};
    [["review", T.review], ["mock", T.mock]].forEach(function (m, i) {
      var tab = tabs.appendChild(button(m[1]));
      tab.setAttribute("role", "tab");
      tab.dataset.mode = m[0];
      tab.setAttribute("aria-selected", String(i === 0));
      var form = forms[m[0]] = app.appendChild(el("form", "drill-setup"));
      form.dataset.mode = m[0];
      form.hidden = i > 0;
    });
    tabs.addEventListener("click", function (e) {
      var tab = e.target.closest("[data-mode]");
      if (!tab) return;
      tabs.querySelectorAll("[data-mode]").forEach(function (t) { t.setAttribute("aria-selected", String(t === tab)); });
      Object.keys(forms).forEach(function (k) { forms[k].hidden = k !== tab.dataset.mode; });
    });

    // Review: scope, which questions, start.
    var review = forms.review;
    var scope = field(review, T.scope).appendChild(el("select"));
    scope.name = "scope";
    scope.appendChild(el("option", null, T.all)).value = "";
    data.sections.forEach(function (s) {
      var group = scope.appendChild(el("optgroup"));
      group.label = s.title;
      group.appendChild(el("option", null, s.title + T.whole)).value = "s:" + s.key;
      s.chapters.forEach(function (c) { group.appendChild(el("option", null, c.title)).value = "c:" + c.key; });
    });
    var which = field(review, T.which);
    choice(which, "radio", "filter", "due", T.due, true);
    choice(which, "radio", "filter", "new", T.isnew);
    choice(which, "radio", "filter", "hard", T.hard);
    var start = review.appendChild(el("button", "drill-start"));
    var message = review.appendChild(el("p", "drill-message"));
    function queue() {
      var st = S.load(), t = S.now(), sc = scope.value, filter = review.elements.filter.value;
      var pool = list.filter(function (q) {
        return !sc || (sc[0] === "s" ? q.section === sc.slice(2) : q.chapter === sc.slice(2));
      });
      var card = function (q) { return st.cards[q.key]; };
      if (filter === "due") {
        pool = pool.filter(function (q) { return S.isDue(card(q), t); })
          .sort(function (a, b) { return card(a).due - card(b).due; });
      } else if (filter === "new") {
        pool = pool.filter(function (q) { return !card(q); });
      } else {
        pool = pool.filter(function (q) { return card(q) && card(q).g <= 2; })
          .sort(function (a, b) { return card(b).d - card(a).d; });
      }
      return pool;
    }
    function counts() {
      var q = queue();
      start.textContent = T.start + " (" + q.length + ")";
      start.dataset.count = q.length;
      start.disabled = !q.length;
      message.textContent = q.length ? "" : T.none;
    }
    review.addEventListener("change", counts);
    review.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = queue();
      if (q.length) session(q, false);
    });
    counts();

    // Mock interview: chapters, how many, minutes per question.
    var mock = forms.mock;
    var box = field(mock, T.chapters).appendChild(el("div", "drill-chapters"));
    data.sections.forEach(function (s) {
      var head = choice(box, "checkbox", "section", s.key, s.title);
      head.className = "drill-section";
      s.chapters.forEach(function (c) { choice(box, "checkbox", "chapter", c.key, c.title + " (" + c.questions.length + ")"); });
    });
    box.addEventListener("change", function (e) {
      if (e.target.name !== "section") return;
      var s = data.sections.filter(function (x) { return x.key === e.target.value; })[0];
      s.chapters.forEach(function (c) {
        box.querySelector('input[name=chapter][value="' + CSS.escape(c.key) + '"]').checked = e.target.checked;
      });
    });
    var settings = field(mock, T.settings);
    [["n", T.count, 5, 50], ["limit", T.limit, 3, 30]].forEach(function (f) {
      var label = settings.appendChild(el("label", null, f[1] + " "));
      var input = label.appendChild(el("input"));
      input.type = "number"; input.name = f[0]; input.value = f[2]; input.min = 1; input.max = f[3];
    });
    mock.appendChild(el("button", "drill-start", T.startMock));
    var mockMessage = mock.appendChild(el("p", "drill-message"));
    mock.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = Array.prototype.map.call(mock.querySelectorAll("input[name=chapter]:checked"), function (i) { return i.value; });
      var pool = list.filter(function (q) { return chosen.indexOf(q.chapter) >= 0; });
      if (!pool.length) { mockMessage.textContent = T.pick; return; }
      for (var i = pool.length - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1)), x = pool[i];
        pool[i] = pool[j]; pool[j] = x;
      }
      var n = Math.max(1, +mock.elements.n.value || 5), limit = Math.max(1, +mock.elements.limit.value || 3) * 60000;
      session(pool.slice(0, n), true, limit);
    });

    // One question at a time.
    function session(queue, isMock, limit) {
      Object.keys(forms).forEach(function (k) { forms[k].hidden = true; });
      tabs.hidden = true;
      var card = app.appendChild(el("section", "drill-card"));
      var meta = card.appendChild(el("div", "drill-meta"));
      var where = meta.appendChild(el("span", "drill-where"));
      var timer = meta.appendChild(el("span", "drill-timer"));
      var title = card.appendChild(el("h2", "drill-question"));
      var answer = card.appendChild(el("div", "drill-answer content"));
      var actions = card.appendChild(el("div", "drill-actions"));
      var reveal = actions.appendChild(button(T.reveal, "drill-reveal"));
      var grades = G.map(function (g, i) {
        var b = actions.appendChild(button("", "drill-grade"));
        b.dataset.grade = i + 1;
        b.appendChild(el("kbd", null, String(i + 1)));
        b.appendChild(document.createTextNode(" " + g + " "));
        b.appendChild(el("small"));
        return b;
      });
      card.appendChild(el("p", "study-keys", T.keys));
      var i = -1, started = 0, thinking = 0, revealed = false, tick = null, results = [];
      function next() {
        i++;
        if (i >= queue.length) return finish();
        var q = queue[i];
        where.textContent = (i + 1) + " / " + queue.length + " · " + q.crumb;
        card.dataset.key = q.key;
        title.innerHTML = q.title;
        answer.hidden = true;
        answer.innerHTML = "";
        answersOf(q).then(function (a) {
          if (queue[i] === q) answer.innerHTML = a[q.id] || "<p>" + T.noAnswer + "</p>";
        });
        if (queue[i + 1]) answersOf(queue[i + 1]);
        revealed = false;
        reveal.hidden = false;
        grades.forEach(function (b) { b.hidden = true; });
        started = S.now();
        timer.textContent = "";
        delete timer.dataset.over;
        if (isMock) {
          clearInterval(tick);
          tick = setInterval(function () { showTime(S.now() - started); }, 250);
          showTime(0);
        }
        reveal.focus();
      }
      function showTime(ms) {
        timer.textContent = clock(ms) + " / " + clock(limit);
        if (ms > limit) timer.dataset.over = ""; else delete timer.dataset.over;
      }
      function show() {
        if (revealed) return;
        revealed = true;
        thinking = S.now() - started;
        clearInterval(tick);
        if (isMock) showTime(thinking);
        answer.hidden = false;
        reveal.hidden = true;
        var before = S.load().cards[queue[i].key], t = S.now();
        grades.forEach(function (b, g) {
          b.hidden = false;
          b.querySelector("small").textContent = S.T.days(S.intervalDays(S.review(before, g + 1, t)));
        });
      }
      function rate(g) {
        if (!revealed) return;
        var q = queue[i], done = S.grade(q.key, g);
        results.push({ q: q, g: g, ms: thinking, days: S.intervalDays(done.card) });
        // Forgotten in a review: once more before the session ends.
        if (!isMock && g === 1 && !q.again) queue.push(Object.assign({}, q, { again: true }));
        next();
      }
      reveal.addEventListener("click", show);
      actions.addEventListener("click", function (e) {
        var b = e.target.closest("[data-grade]");
        if (b) rate(+b.dataset.grade);
      });
      function keys(e) {
        if (S.foreign(e)) return;
        if (e.key === " " && !revealed) { e.preventDefault(); show(); }
        else if (/^[1-4]$/.test(e.key) && revealed) { e.preventDefault(); rate(+e.key); }
      }
      addEventListener("keydown", keys);
      function finish() {
        clearInterval(tick);
        removeEventListener("keydown", keys);
        card.remove();
        var out = app.appendChild(el("section", "drill-summary"));
        out.dataset.mode = isMock ? "mock" : "review";
        out.appendChild(el("h2", null, isMock ? T.report : T.done));
        var tally = G.map(function (g, n) {
          return g + " " + results.filter(function (r) { return r.g === n + 1; }).length;
        });
        out.appendChild(el("p", "drill-tally", tally.join(" · ")));
        var table = out.appendChild(el("table", "drill-report"));
        var head = table.appendChild(el("tr"));
        ["#", T.question, isMock ? T.time : T.next, T.grade].forEach(function (h) { head.appendChild(el("th", null, h)); });
        var total = 0;
        results.forEach(function (r, n) {
          var row = table.appendChild(el("tr"));
          row.dataset.key = r.q.key; row.dataset.grade = r.g; row.dataset.ms = r.ms;
          row.appendChild(el("td", "num", String(n + 1)));
          var link = row.appendChild(el("td")).appendChild(el("a"));
          link.href = r.q.url;
          link.innerHTML = r.q.title;
          var cell = row.appendChild(el("td", "num", isMock ? clock(r.ms) : S.T.days(r.days)));
          if (isMock && r.ms > limit) cell.appendChild(el("span", "drill-over", " " + T.over));
          row.appendChild(el("td", null, G[r.g - 1]));
          total += r.ms;
        });
        if (isMock && results.length) {
          out.appendChild(el("p", "drill-total", T.total + " " + clock(total) + " · " + T.avg + " " + clock(total / results.length)));
        }
        var back = out.appendChild(button(T.again));
        back.addEventListener("click", function () {
          out.remove();
          tabs.hidden = false;
          tabs.querySelector('[aria-selected="true"]').click();
          counts();
        });
      }
      next();
    }
  }
});
