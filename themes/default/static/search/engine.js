// The search itself, on the index files; generator/search/reference.py is its twin and the
// differential test checks that both give the same results, order and facet counts.
import {analyze, isCjk} from "./analyzer.js";
import {readPostings, readRange, readU32, rowInto} from "./codec.js";

const EXACT = 4;
const COMPLETION = 3;
const RANKED = new Set(["name", "newest", "active"]);

/** Fetches index files relative to `base` (an URL ending in "/"), each once. */
export function httpLoader(base) {
  const cache = new Map();
  const get = (path) => {
    if (!cache.has(path)) {
      const promise = fetch(new URL(path, base)).then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.arrayBuffer();
      }).then((buffer) => new Uint8Array(buffer));
      promise.catch(() => cache.delete(path));
      cache.set(path, promise);
    }
    return cache.get(path);
  };
  return get;
}

function byScore(a, b) {
  return b[1] - a[1] || a[0] - b[0];
}

export class Searcher {
  /** `get(path)` resolves to the bytes of an index file; call `open()` before searching. */
  constructor(get) {
    this.get = get;
    this.ranges = new Map();
    this.chunks = new Map();
    this.display = new Map();
  }

  async open() {
    this.meta = JSON.parse(new TextDecoder().decode(await this.get("meta.json")));
    this.count = this.meta.count;
    this.seps = this.meta.ranges.map((r) => r[0]);
    this.facets = this.meta.facets;
    this.codes = this.facets.map((f) => new Map(f.values.map((v, i) => [v[0], i])));
    return this;
  }

  rangeAt(term) {
    let low = 0;
    let high = this.seps.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (term < this.seps[mid]) high = mid;
      else low = mid + 1;
    }
    return low - 1;
  }

  load(index) {
    if (!this.ranges.has(index)) {
      const loading = this.get(this.meta.ranges[index][1]).then((b) => readRange(b, this.facets.length));
      loading.catch(() => this.ranges.delete(index));
      this.ranges.set(index, loading);
    }
    return this.ranges.get(index);
  }

  async entry(term) {
    return (await this.load(this.rangeAt(term))).entries.get(term) || null;
  }

  postings(entry) {
    if (!entry.block) {
      entry.block = (entry.data !== null ? Promise.resolve(entry.data) : this.get(entry.file)).then(readPostings);
      entry.block.catch(() => { entry.block = null; });
    }
    return entry.block;
  }

  async expand(prefix) {
    const first = this.rangeAt(prefix);
    const aggregate = (await this.load(first)).aggregates.get(prefix);
    if (aggregate) {
      const found = await Promise.all(aggregate.expansions.map((t) => this.entry(t)));
      return [found.filter((e) => e !== null), aggregate];
    }
    const last = this.rangeAt(prefix + "\uffff");
    const loaded = [];
    for (let i = first; i <= last; i += 1) loaded.push(this.load(i));
    const matches = [];
    for (const range of await Promise.all(loaded)) {
      for (const term of range.terms) if (term.startsWith(prefix)) matches.push(range.entries.get(term));
    }
    const exact = matches.length && matches[0].term === prefix ? [matches[0]] : [];
    const rest = [];
    for (let j = exact.length; j < matches.length; j += 1) rest.push(j);
    rest.sort((a, b) => matches[b].df - matches[a].df || a - b);
    const chosen = rest.slice(0, Math.max(0, this.meta.expansions - exact.length)).map((j) => matches[j]);
    return [exact.concat(chosen), null];
  }

  /** {total, ids, counts: {facet: {slug: count}}}; `filters` maps a facet key to selected slugs. */
  async search(query, filters = {}, sort = "relevance", offset = 0, limit = 20) {
    const tokens = [...new Set(analyze(query))];
    const selected = new Map();
    this.facets.forEach((facet, f) => {
      const chosen = new Set();
      for (const slug of filters[facet.key] || []) if (this.codes[f].has(slug)) chosen.add(this.codes[f].get(slug));
      if (chosen.size) selected.set(f, chosen);
    });
    if (!tokens.length) return this.browse(selected, sort, offset, limit);
    const specs = tokens.map((t, i) => [t, i === tokens.length - 1 || (Array.from(t).length === 1 && isCjk(t))]);
    const lookups = specs.map(([token, prefix]) => (prefix ? this.expand(token)
      : this.entry(token).then((e) => [e ? [e] : [], null])));
    const expanded = await Promise.all(lookups);
    if (specs.length === 1 && !selected.size && sort === "relevance" && expanded[0][1]) {
      const aggregate = expanded[0][1];
      if (offset + limit <= aggregate.head.length || aggregate.head.length === aggregate.total) {
        const head = aggregate.head.slice(offset, offset + limit);
        return {total: aggregate.total, ids: head.map((h) => h[0]), counts: this.named(aggregate.counts)};
      }
    }
    // The word with the fewest postings first: doc -> best score over its expansions, and where the
    // doc's facet row is; every other word only keeps (and adds its best score to) those docs.
    // Scratch arrays indexed by doc id, stamped per pass, keep this free of per-posting allocations.
    const sizes = expanded.map(([entries]) => entries.reduce((sum, e) => sum + e.df, 0));
    if (sizes.some((size) => size === 0)) return this.evaluate([], selected, sort, offset, limit, null);
    const order = specs.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b] || a - b);
    const blocksOf = await Promise.all(order.map((i) => Promise.all(expanded[i][0].map((e) => this.postings(e)))));
    const scratch = this.scratch();
    let alive = [];
    order.forEach((i, rank) => {
      const token = specs[i][0];
      const stamp = scratch.next();
      const base = scratch.stamp - rank;
      expanded[i][0].forEach((entry, k) => {
        const factor = entry.idf * (entry.term === token ? EXACT : COMPLETION);
        const {docs, weights} = blocksOf[rank][k];
        for (let j = 0; j < docs.length; j += 1) {
          const doc = docs[j];
          if (rank > 0 && scratch.seen[doc] !== base + rank - 1) continue;
          const score = weights[j] * factor;
          if (scratch.mark[doc] !== stamp) {
            scratch.mark[doc] = stamp;
            scratch.best[doc] = score;
            if (rank === 0) {
              scratch.where[doc] = k * 16777216 + j;
              alive.push(doc);
            }
          } else if (score > scratch.best[doc]) {
            scratch.best[doc] = score;
          }
        }
      });
      if (rank === 0) {
        for (const doc of alive) {
          scratch.total[doc] = scratch.best[doc];
          scratch.seen[doc] = base;
        }
      } else {
        alive = alive.filter((doc) => scratch.mark[doc] === stamp);
        for (const doc of alive) {
          scratch.total[doc] += scratch.best[doc];
          scratch.seen[doc] = base + rank;
        }
      }
    });
    const first = blocksOf[0];
    const candidates = alive.map((doc) => {
      const at = scratch.where[doc];
      return [doc, scratch.total[doc], first[Math.floor(at / 16777216)], at % 16777216];
    });
    return this.evaluate(candidates, selected, sort, offset, limit, null);
  }

  /** Per-doc scratch arrays; `next()` returns a fresh stamp, so nothing needs clearing. */
  scratch() {
    if (!this.scratchArrays) {
      const n = this.count;
      const arrays = {
        mark: new Float64Array(n), seen: new Float64Array(n), best: new Float64Array(n),
        total: new Float64Array(n), where: new Float64Array(n), stamp: 0,
        next() {
          arrays.stamp += 1;
          return arrays.stamp;
        },
      };
      this.scratchArrays = arrays;
    }
    return this.scratchArrays;
  }

  async browse(selected, sort, offset, limit) {
    if (!selected.size) {
      const counts = this.facets.map((f) => f.values.map((v) => v[2]));
      const end = Math.min(this.count, offset + limit);
      const ids = [];
      for (let position = offset; position < end; position += 1) {
        ids.push(RANKED.has(sort) ? await this.sortedAt(sort, position) : position);
      }
      return {total: this.count, ids, counts: this.named(counts)};
    }
    const sizes = [...selected].map(([f, codes]) => {
      let size = 0;
      for (const code of codes) size += this.facets[f].values[code][2];
      return [size, f];
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const candidates = new Map();
    for (const [, facet] of sizes.slice(0, 2)) {
      const codes = [...selected.get(facet)].sort((a, b) => a - b);
      const blocks = await Promise.all(codes.map((c) => this.get(`f/${this.facets[facet].key}/${c}.bin`)));
      for (const block of blocks.map(readPostings)) {
        block.docs.forEach((doc, j) => candidates.set(doc, [doc, 0, block, j]));
      }
    }
    const only = sizes.length === 1 ? sizes[0][1] : null;
    return this.evaluate([...candidates.values()], selected, sort, offset, limit, only);
  }

  /** Applies the facet selections to [doc, score, block, row] candidates; counts, sorts, pages. */
  async evaluate(candidates, selected, sort, offset, limit, only) {
    const counts = this.facets.map((f) => new Int32Array(f.values.length));
    const chosen = [...selected];
    const results = [];
    const values = [[0], [0], [0], [], [], [], [0]];
    for (const candidate of candidates) {
      rowInto(candidate[2], candidate[3], values);
      let failed = -1;
      let failures = 0;
      for (const [facet, wanted] of chosen) {
        const codes = values[facet];
        let hit = false;
        for (let x = 0; x < codes.length && !hit; x += 1) hit = wanted.has(codes[x]);
        if (!hit) {
          failures += 1;
          failed = facet;
          if (failures > 1) break;
        }
      }
      if (failures === 0) {
        results.push(candidate);
        for (let f = 0; f < values.length; f += 1) for (const code of values[f]) counts[f][code] += 1;
      } else if (failures === 1) {
        for (const code of values[failed]) counts[failed][code] += 1;
      }
    }
    if (only !== null) counts[only] = Int32Array.from(this.facets[only].values, (v) => v[2]);
    if (RANKED.has(sort)) {
      const ranks = new Map();
      await Promise.all(results.map(async ([doc]) => ranks.set(doc, await this.rank(sort, doc))));
      results.sort((a, b) => ranks.get(a[0]) - ranks.get(b[0]));
    } else if (sort === "members") {
      results.sort((a, b) => a[0] - b[0]);
    } else {
      results.sort(byScore);
    }
    const ids = results.slice(offset, offset + limit).map((r) => r[0]);
    return {total: results.length, ids, counts: this.named(counts)};
  }

  chunk(kind, sort, index) {
    const path = `${kind}/${sort}/${index}.bin`;
    if (!this.chunks.has(path)) this.chunks.set(path, this.get(path).then(readU32));
    return this.chunks.get(path);
  }

  async rank(sort, doc) {
    const size = this.meta.sortChunk;
    return (await this.chunk("s", sort, Math.floor(doc / size)))[doc % size];
  }

  async sortedAt(sort, position) {
    const size = this.meta.sortChunk;
    return (await this.chunk("o", sort, Math.floor(position / size)))[position % size];
  }

  /** {facet key: {slug: count}} from counts per facet (a Map or an array by value code), zeros left out. */
  named(counts) {
    const out = {};
    this.facets.forEach((facet, f) => {
      const named = {};
      const counted = counts[f] instanceof Map ? counts[f] : new Map(Array.from(counts[f], (n, code) => [code, n]));
      for (const code of [...counted.keys()].sort((a, b) => a - b)) {
        if (counted.get(code)) named[facet.values[code][0]] = counted.get(code);
      }
      out[facet.key] = named;
    });
    return out;
  }

  /** Display records [name, summary, url, category code, members, location, activity code] of ids. */
  async records(ids) {
    const size = this.meta.display;
    return Promise.all(ids.map(async (doc) => {
      const index = Math.floor(doc / size);
      if (!this.display.has(index)) {
        this.display.set(index, this.get(`d/${index}.json`).then((b) => JSON.parse(new TextDecoder().decode(b))));
      }
      const record = [...(await this.display.get(index))[doc % size]];
      if (!record[2].includes("/") && !record[2].includes(":")) {
        record[2] = this.meta.url[0] + record[2] + this.meta.url[1];
      }
      return record;
    }));
  }
}
