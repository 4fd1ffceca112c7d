import { expect } from "chai";
import { readFileSync } from "node:fs";
import { renderConfigJsonSchema, renderConfigMarkdown, SCHEMA_PATH, MARKDOWN_PATH } from "../../scripts/export-config-schema";

/**
 * The committed docs must match the zod schemas. The policy section is pinned exactly here; the
 * other sections change under their own teams, so for them the test checks that every section and
 * field is present. The complete byte-for-byte check is `npx tsx scripts/export-config-schema.ts --check`.
 */
describe("config schema export (docs/config.schema.json, docs/CONFIG.md)", () => {
  const fix = "run `npx tsx scripts/export-config-schema.ts` and commit docs/config.schema.json + docs/CONFIG.md";
  const committed = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
  const rendered = JSON.parse(renderConfigJsonSchema());

  it("the committed JSON Schema's policy section is up to date", () => {
    expect(committed.properties.policy, fix).to.deep.equal(rendered.properties.policy);
  });

  it("the committed JSON Schema has every section and every field of the current schemas", () => {
    expect(Object.keys(committed.properties), fix).to.deep.equal(Object.keys(rendered.properties));
    for (const sec of Object.keys(rendered.properties)) {
      const want = Object.keys(rendered.properties[sec].properties ?? {}).sort();
      const have = Object.keys(committed.properties[sec].properties ?? {}).sort();
      expect(have, `${fix} (section ${sec})`).to.deep.equal(want);
    }
  });

  it("the JSON Schema refuses unknown fields and carries the policy defaults and descriptions", () => {
    expect(committed.additionalProperties).to.equal(false);
    expect(committed.properties.policy.additionalProperties).to.equal(false);
    expect(committed.properties.policy.properties.k_tail.properties.RANGE.default).to.equal(2);
    expect(committed.properties.policy.properties.alpha.description).to.match(/17\.9/);
  });

  it("CONFIG.md lists every policy field with its default", () => {
    const md = readFileSync(MARKDOWN_PATH, "utf8");
    const fresh = renderConfigMarkdown();
    const policyRows = (s: string): string[] => s.split("\n").filter((l) => l.startsWith("| `policy."));
    expect(policyRows(md), fix).to.deep.equal(policyRows(fresh));
    expect(policyRows(md).length).to.be.greaterThan(40);
    expect(md).to.contain("| `policy.k_tail.RANGE` | number | `2` |");
  });
});
