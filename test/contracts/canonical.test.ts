import { expect } from "chai";
import fc from "fast-check";
import { canonicalJson, hashCanonical, StreamDigest } from "../../sdk/util/canonical";

describe("canonical JSON", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).to.equal('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it("refuses non-finite numbers", () => {
    expect(() => canonicalJson({ x: NaN })).to.throw(/non-finite/);
    expect(() => canonicalJson([Infinity])).to.throw(/non-finite/);
  });
  it("is independent of key insertion order (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (d) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        return hashCanonical(d) === hashCanonical(reversed);
      }),
    );
  });
  it("round-trips through JSON.parse to an equal value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const s = canonicalJson(v);
        expect(JSON.parse(s)).to.deep.equal(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
  it("stream digest equals the SHA-256 of the joined lines", () => {
    const d = new StreamDigest();
    d.add({ a: 1 });
    d.add([2]);
    expect(d.count).to.equal(2);
    const { createHash } = require("node:crypto");
    expect(d.hex()).to.equal(createHash("sha256").update('{"a":1}\n[2]\n').digest("hex"));
  });
});
