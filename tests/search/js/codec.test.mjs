// node --test tests/search/js/ : the binary readers, on bytes written by hand.
import assert from "node:assert/strict";
import test from "node:test";

import {Reader, readBlock, readU32} from "../../../themes/default/static/search/codec.js";

test("varints of one, two and three bytes", () => {
  const reader = new Reader(new Uint8Array([0x05, 0xac, 0x02, 0x80, 0x80, 0x01]));
  assert.equal(reader.varint(), 5);
  assert.equal(reader.varint(), 300);
  assert.equal(reader.varint(), 16384);
});

test("a posting block: gaps, weights, facet rows", () => {
  // two docs (3 and 10), weights 200 and 7;
  // row 1: category 2, size 1 | activity 2 << 3 | visibility 1 << 5, country 4 (+1), no industry, languages [0, 3]
  // row 2: category 0, packed 0, no country, industry 9 (+1), no languages
  const bytes = new Uint8Array([2, 3, 7, 200, 7, 2, 1 | (2 << 3) | (1 << 5), 5, 0, 2, 0, 3, 0, 0, 0, 10, 0]);
  assert.deepEqual(readBlock(bytes), [
    {doc: 3, weight: 200, values: [[2], [1], [2], [4], [], [0, 3], [1]]},
    {doc: 10, weight: 7, values: [[0], [0], [0], [], [9], [], [0]]},
  ]);
});

test("little-endian 32-bit arrays", () => {
  assert.deepEqual(readU32(new Uint8Array([1, 0, 0, 0, 0, 1, 0, 0])), [1, 256]);
});
