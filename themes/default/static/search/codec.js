// Readers for the index files written by generator/search (see codec.py, facets.py, terms.py there).

const DECODER = new TextDecoder();

export class Reader {
  constructor(bytes, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  varint() {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.bytes[this.pos++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  }

  byte() {
    return this.bytes[this.pos++];
  }

  take(size) {
    this.pos += size;
    return this.bytes.subarray(this.pos - size, this.pos);
  }

  text() {
    return DECODER.decode(this.take(this.varint()));
  }
}

/** One facet row: for each facet (category, size, activity, country, industry, language, visibility)
 * an array of codes. */
export function readRow(reader) {
  const category = reader.varint();
  const packed = reader.byte();
  const country = reader.varint();
  const industry = reader.varint();
  const languages = [];
  for (let n = reader.varint(); n > 0; n -= 1) languages.push(reader.varint());
  return [[category], [packed & 7], [(packed >> 3) & 3], country ? [country - 1] : [],
    industry ? [industry - 1] : [], languages, [(packed >> 5) & 3]];
}

/** A posting block: [{doc, weight, values}] in doc order. */
export function readBlock(bytes) {
  const reader = new Reader(bytes);
  const count = reader.varint();
  const docs = new Array(count);
  let doc = 0;
  for (let i = 0; i < count; i += 1) {
    doc = reader.varint() + (i ? doc : 0);
    docs[i] = doc;
  }
  const weights = reader.take(count);
  const out = new Array(count);
  for (let i = 0; i < count; i += 1) out[i] = {doc: docs[i], weight: weights[i], values: readRow(reader)};
  return out;
}

/** A posting block without its facet rows decoded: {docs, weights, rows (offset of each row), bytes};
 * `rowOf` or `rowInto` decode one row when it is needed. */
export function readPostings(bytes) {
  const reader = new Reader(bytes);
  const count = reader.varint();
  const docs = new Uint32Array(count);
  let doc = 0;
  for (let i = 0; i < count; i += 1) {
    doc = reader.varint() + (i ? doc : 0);
    docs[i] = doc;
  }
  const weights = reader.take(count);
  const rows = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) {
    rows[i] = reader.pos;
    reader.varint();
    reader.pos += 1;
    reader.varint();
    reader.varint();
    for (let n = reader.varint(); n > 0; n -= 1) reader.varint();
  }
  return {docs, weights, rows, bytes};
}

export function rowOf(block, i) {
  return readRow(new Reader(block.bytes, block.rows[i]));
}

/** Decodes row `i` of a block into `values` (seven arrays, reused from call to call). */
export function rowInto(block, i, values) {
  const reader = new Reader(block.bytes, block.rows[i]);
  values[0][0] = reader.varint();
  const packed = reader.byte();
  values[1][0] = packed & 7;
  values[2][0] = (packed >> 3) & 3;
  values[6][0] = (packed >> 5) & 3;
  const country = reader.varint();
  values[3].length = 0;
  if (country) values[3].push(country - 1);
  const industry = reader.varint();
  values[4].length = 0;
  if (industry) values[4].push(industry - 1);
  values[5].length = 0;
  for (let n = reader.varint(); n > 0; n -= 1) values[5].push(reader.varint());
  return values;
}

/** A range file: its terms in order, their entries, and the precomputed prefix answers. */
export function readRange(bytes, facetCount) {
  const reader = new Reader(bytes);
  const terms = [];
  const entries = new Map();
  for (let n = reader.varint(); n > 0; n -= 1) {
    const term = reader.text();
    const df = reader.varint();
    const idf = reader.varint();
    const external = reader.varint();
    const size = reader.varint();
    terms.push(term);
    if (external) entries.set(term, {term, df, idf, data: null, file: `p/${reader.text()}.bin`});
    else entries.set(term, {term, df, idf, data: reader.take(size), file: ""});
  }
  const aggregates = new Map();
  for (let n = reader.varint(); n > 0; n -= 1) {
    const prefix = reader.text();
    const total = reader.varint();
    const expansions = [];
    for (let k = reader.varint(); k > 0; k -= 1) expansions.push(reader.text());
    const counts = [];
    for (let f = 0; f < facetCount; f += 1) {
      const counted = new Map();
      for (let k = reader.varint(); k > 0; k -= 1) counted.set(reader.varint(), reader.varint());
      counts.push(counted);
    }
    const head = [];
    for (let k = reader.varint(); k > 0; k -= 1) head.push([reader.varint(), reader.varint()]);
    aggregates.set(prefix, {total, expansions, counts, head});
  }
  return {terms, entries, aggregates};
}

/** Little-endian unsigned 32-bit integers. */
export function readU32(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getUint32(i * 4, true);
  return out;
}

