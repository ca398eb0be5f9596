// node --test tests/search/js/ : the JavaScript analyzer against the shared vectors.
import assert from "node:assert/strict";
import {readFile} from "node:fs/promises";
import test from "node:test";

import {analyze, isCjk, normalize} from "../../../themes/default/static/search/analyzer.js";

const vectors = JSON.parse(await readFile(new URL("../../vectors/analyzer.json", import.meta.url), "utf8")).vectors;

for (const vector of vectors) {
  test(`analyze ${JSON.stringify(vector.text)}`, () => {
    assert.deepEqual(analyze(vector.text), vector.tokens);
  });
}

test("diacritics fold both ways", () => {
  assert.equal(normalize("Zürich"), normalize("ZURICH"));
});

test("CJK detection", () => {
  assert.ok(isCjk("上"));
  assert.ok(isCjk("カ"));
  assert.ok(isCjk("서"));
  assert.ok(!isCjk("a"));
  assert.ok(!isCjk("ж"));
});
