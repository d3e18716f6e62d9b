// Search box: results as you type, one per question or section, from the
// index in /search/ (built by the generator). Tokenizing, ranking, snippets
// and highlighting happen in WebAssembly, in the same Rust code that built
// the index; this script fetches files and lays out results.
const input = document.getElementById("search-input");
const box = document.getElementById("search-results");
// The site's root, relative (for links) and absolute (for fetch and import():
// on the home page the relative root is "", and import() would take a bare
// "static/…" for a package name).
const rootLink = document.documentElement.dataset.root || "";
const root = new URL(rootLink || "./", location.href).href;
// Interface strings: the theme's i18n/<lang>.toml, carried by the page.
const T = (JSON.parse(document.getElementById("dlq-strings")?.textContent || "{}").search) || {};
const fill = (text, fields) => String(text ?? "").replace(/\{(\w+)\}/g, (m, k) => (k in fields ? fields[k] : m));

// Results shown per query: each may need its own document chunk on a cold
// first query, so ten, not more.
const RESULTS = 10;
let engine = null;          // the wasm SearchEngine, created on first use
let bilingual = true;       // false when the index holds one language: no filter to show
let loading = null;         // promise of the engine
const files = new Map();    // index file (below search/) → promise of its text
const chunks = new Map();   // document file → promise of its parsed documents
let filter = "all";
let active = -1;
let generation = 0;         // drops answers to queries that were typed over

function fetchText(path) {
  return fetch(root + path).then((r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r.text();
  });
}

function indexFile(name) {
  if (!files.has(name)) {
    // A failed fetch is forgotten, so that the next query tries again.
    files.set(name, fetchText("search/" + name).catch((err) => { files.delete(name); throw err; }));
  }
  return files.get(name);
}

function docsChunk(name) {
  if (!chunks.has(name)) chunks.set(name, indexFile(name).then(JSON.parse));
  return chunks.get(name);
}

function load() {
  loading ??= (async () => {
    const wasm = await import(root + "static/search/search.js");
    await wasm.default();
    const meta = await fetchText("search/meta.txt");
    const count = (key) => Number((meta.match(new RegExp(`^${key}=(\\d+)$`, "m")) || [])[1] || 0);
    bilingual = count("zh") > 0 && count("zh") < count("docs");
    engine = new wasm.SearchEngine(meta);
    return engine;
  })();
  return loading;
}

async function search(query) {
  const e = await load();
  // Files arrive in rounds: the query's shards, then what they tell is
  // needed (vocabulary for a word being typed or misspelt, fallbacks).
  // A few rounds at most (the engine needs three).
  for (let round = 0, missing = e.missing_files(query); missing.length && round < 4; round++, missing = e.missing_files(query)) {
    const texts = await Promise.all(missing.map(indexFile));
    missing.forEach((name, i) => e.add_file(name, texts[i]));
  }
  const ids = Array.from(e.search(query, filter === "all" ? "" : filter, RESULTS));
  return Promise.all(ids.map(async (id) => (await docsChunk(e.doc_file(id)))[e.doc_item(id)]));
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
}

function filters() {
  const bar = el("div", { class: "search-filter", role: "radiogroup", "aria-label": T.label });
  for (const key of ["all", "zh", "en"]) {
    const b = el("button", { type: "button", role: "radio", "aria-checked": String(filter === key), "data-filter": key }, T[key]);
    b.addEventListener("mousedown", (ev) => ev.preventDefault());
    b.addEventListener("click", () => { filter = key; run(); input.focus(); });
    bar.append(b);
  }
  return bar;
}

function show(query, docs) {
  box.replaceChildren(...(bilingual ? [filters()] : []));
  box.dataset.query = query;                                // what these results answer (tests read it)
  active = -1;
  if (!docs.length) {
    box.append(el("p", { class: "search-empty" }, fill(T.none, { q: query.trim() })));
  }
  docs.forEach((d, i) => {
    const title = el("span", { class: "search-title" });
    title.innerHTML = engine.highlight(d.t, query);        // escaped by the engine
    const excerpt = el("span", { class: "search-excerpt" });
    excerpt.innerHTML = engine.snippet(d.x, query);
    const where = [d.p, bilingual ? (d.l === "zh" ? T.zh : T.en) : ""].filter(Boolean).join(" · ");
    const meta = el("span", { class: "search-meta" }, where);
    const a = el("a", { href: rootLink + d.u, role: "option", id: `search-hit-${i}`, lang: d.l }, title, meta, excerpt);
    box.append(a);
  });
  box.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

async function run() {
  // Leading spaces are nothing; a trailing one says the last word is finished.
  const query = input.value.replace(/^\s+/, "");
  const mine = ++generation;
  if (!query.trim()) { box.hidden = true; input.setAttribute("aria-expanded", "false"); return; }
  try {
    const started = performance.now();
    const docs = await search(query);
    // For tests and the curious: how long the last query took, network included.
    box.dataset.ms = (performance.now() - started).toFixed(2);
    if (mine === generation) show(query, docs);
  } catch (err) {
    console.error(err);
    if (mine === generation) { box.replaceChildren(el("p", { class: "search-empty" }, T.error)); box.hidden = false; }
  }
}

function move(step) {
  const hits = box.querySelectorAll("a[role=option]");
  if (!hits.length) return;
  hits[active]?.removeAttribute("aria-selected");
  active = (active + step + hits.length) % hits.length;
  hits[active].setAttribute("aria-selected", "true");
  hits[active].scrollIntoView({ block: "nearest" });
  input.setAttribute("aria-activedescendant", hits[active].id);
}

if (input && box) {
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  input.addEventListener("focus", () => { load().catch(() => {}); if (input.value.trim()) box.hidden = false; });
  input.addEventListener("input", run);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else if (ev.key === "Enter") {
      const hits = box.querySelectorAll("a[role=option]");
      const target = hits[Math.max(active, 0)];
      if (target) { ev.preventDefault(); location.href = target.href; }
    } else if (ev.key === "Escape") { box.hidden = true; input.blur(); }
  });
  document.addEventListener("click", (ev) => { if (!ev.target.closest(".search")) box.hidden = true; });
  const preset = new URLSearchParams(location.search).get("q");
  if (preset) { input.value = preset; run(); }
}
