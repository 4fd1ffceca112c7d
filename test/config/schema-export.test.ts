import { expect } from "chai";
import { readFileSync } from "node:fs";
import { exportConfigSchema, renderConfigJsonSchema, SCHEMA_PATH } from "../../scripts/export-config-schema";

describe("config schema export (docs/config.schema.json, docs/CONFIG.md)", () => {
  it("the committed files are up to date with the zod schemas", async () => {
    const stale = await exportConfigSchema(true);
    expect(stale, "run `npx tsx scripts/export-config-schema.ts` and commit docs/config.schema.json + docs/CONFIG.md").to.deep.equal([]);
  });

  it("the JSON Schema refuses unknown fields and carries the policy defaults", () => {
    const s = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
    expect(s.additionalProperties).to.equal(false);
    expect(s.properties.policy.additionalProperties).to.equal(false);
    expect(s.properties.policy.properties.k_tail.properties.RANGE.default).to.equal(2);
    expect(s.properties.policy.properties.alpha.description).to.match(/17\.9/);
    expect(JSON.parse(renderConfigJsonSchema())).to.deep.equal(s);
  });
});
