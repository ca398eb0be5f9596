// The search page: reads the query, filters and sort from the URL, shows results as the user types,
// and writes its state back to the URL. Every value from the index is inserted as text.
import {Searcher, httpLoader} from "./engine.js";

const PAGE = 20;
const PAUSE_MS = 1500;

const root = document.querySelector("[data-search-index]");
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const numbers = new Intl.NumberFormat(document.documentElement.lang || "en");
const searcher = new Searcher(httpLoader(new URL(root.dataset.searchIndex, window.location.href)));
const ready = searcher.open();
const boxes = [...form.querySelectorAll("fieldset[data-facet] input[type=checkbox]")];
const facetKeys = [...form.querySelectorAll("fieldset[data-facet]")].map((f) => f.dataset.facet);

let generation = 0;
let shown = 0;
let lastPush = 0;
let current = null;

function stateFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const filters = {};
  for (const key of facetKeys) filters[key] = params.getAll(key);
  const sort = params.get("sort") || "relevance";
  const known = [...sortSelect.options].some((o) => o.value === sort);
  return {q: params.get("q") || "", filters, sort: known ? sort : "relevance"};
}

function stateFromForm() {
  const filters = {};
  for (const key of facetKeys) filters[key] = [];
  for (const box of boxes) if (box.checked) filters[box.name].push(box.value);
  return {q: input.value, filters, sort: sortSelect.value};
}

function showState(state) {
  input.value = state.q;
  sortSelect.value = state.sort;
  for (const box of boxes) box.checked = (state.filters[box.name] || []).includes(box.value);
}

function urlOf(state) {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q);
  for (const key of facetKeys) for (const value of state.filters[key] || []) params.append(key, value);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  const query = params.toString();
  return window.location.pathname + (query ? `?${query}` : "");
}

function remember(state, push) {
  const url = urlOf(state);
  if (url === window.location.pathname + window.location.search) return;
  if (push) {
    window.history.pushState(null, "", url);
    lastPush = Date.now();
  } else {
    window.history.replaceState(null, "", url);
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function item(record, meta) {
  const [name, summary, url, category, members, location, activity] = record;
  const li = element("li", "search-result");
  const title = element("h2", "search-result__title");
  const link = element("a", "", name);
  link.href = url;
  title.append(link);
  li.append(title);
  if (summary) li.append(element("p", "search-result__summary", summary));
  const facts = [meta.facets[0].values[category][1]];
  if (members !== null) facts.push(`${numbers.format(members)} members`);
  if (location) facts.push(location);
  facts.push(meta.facets[2].values[activity][1]);
  li.append(element("p", "search-result__facts", facts.join(" · ")));
  return li;
}

function describe(total, state) {
  const groups = total === 1 ? "1 group" : `${numbers.format(total)} groups`;
  if (!total) return state.q.trim() ? `No groups match “${state.q.trim()}”.` : "No groups match these filters.";
  return state.q.trim() ? `${groups} found for “${state.q.trim()}”.` : `${groups}.`;
}

function showCounts(counts) {
  for (const box of boxes) {
    const count = (counts[box.name] || {})[box.value] || 0;
    const label = box.closest("label");
    label.querySelector("[data-count]").textContent = numbers.format(count);
    label.classList.toggle("is-empty", count === 0 && !box.checked);
  }
}

async function run(state) {
  const mine = ++generation;
  root.dataset.state = "busy";
  try {
    await ready;
    const result = await searcher.search(state.q, state.filters, state.sort, 0, PAGE);
    const records = await searcher.records(result.ids);
    if (mine !== generation) return;
    current = {state, total: result.total};
    shown = records.length;
    list.replaceChildren(...records.map((r) => item(r, searcher.meta)));
    showCounts(result.counts);
    status.textContent = describe(result.total, state);
    more.hidden = shown >= result.total;
    root.dataset.state = "done";
  } catch (error) {
    if (mine !== generation) return;
    status.textContent = "Search is not available right now. Please try again later.";
    root.dataset.state = "error";
    throw error;
  }
}

async function showMore() {
  if (!current) return;
  const mine = generation;
  const {state} = current;
  const result = await searcher.search(state.q, state.filters, state.sort, shown, PAGE);
  const records = await searcher.records(result.ids);
  if (mine !== generation) return;
  const first = list.children.length;
  list.append(...records.map((r) => item(r, searcher.meta)));
  shown += records.length;
  more.hidden = shown >= result.total;
  const link = list.children[first] && list.children[first].querySelector("a");
  if (link) link.focus();
}

input.addEventListener("input", () => {
  const state = stateFromForm();
  remember(state, Date.now() - lastPush > PAUSE_MS);
  lastPush = Date.now();
  run(state);
});
form.addEventListener("change", (event) => {
  if (event.target === input) return;
  const state = stateFromForm();
  remember(state, true);
  run(state);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const state = stateFromForm();
  remember(state, true);
  run(state);
});
more.addEventListener("click", showMore);
window.addEventListener("popstate", () => {
  const state = stateFromUrl();
  showState(state);
  run(state);
});

const initial = stateFromUrl();
showState(initial);
run(initial);
