/**
 * Every TSDoc `@example` in sdk/ is executed (ADR-091): the block's code runs in a fresh module
 * with every public name of `./sdk` and `./sdk/notebook` in scope, plus the documented example
 * context (doc-examples-context.ts). An example that throws, or does not parse, fails its test.
 */
import { expect } from "chai";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT, tempDir } from "./jupyter";

export interface DocExample {
  file: string;
  line: number;
  code: string;
}

function sdkFiles(dir = path.join(ROOT, "sdk"), out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sdkFiles(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out.sort();
}

/** The `@example` blocks of a source file: from the tag to the next tag or the comment's end. */
export function extractExamples(file: string): DocExample[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i])) continue;
    const code: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (/^\s*\*\//.test(l) || /^\s*\*\s*@\w+/.test(l)) break;
      code.push(l.replace(/^\s*\* ?/, ""));
    }
    const text = code.filter((l) => !/^```/.test(l)).join("\n").trim();
    out.push({ file: path.relative(ROOT, file), line: i + 1, code: text });
    i = j - 1;
  }
  return out;
}

const examples = sdkFiles().flatMap(extractExamples);
const dir = tempDir("grinder-doc-examples-");

function moduleSource(ex: DocExample, names: string[]): string {
  const imp = (p: string) => JSON.stringify(path.join(ROOT, p));
  return [
    `import * as __sdk from ${imp("sdk")};`,
    `import * as __nb from ${imp("sdk/notebook")};`,
    `import { exampleContext as __context } from ${imp("test/notebook/doc-examples-context")};`,
    "export async function run(): Promise<void> {",
    `  const { ${names.join(", ")} } = { ...__nb, ...__sdk } as Record<string, any>;`,
    "  const { instrument, spec, fe, features, tox, snap, ts, snapshots, input, views, scores, previous, result } = await __context();",
    `  void [${[...names, "instrument", "spec", "fe", "features", "tox", "snap", "ts", "snapshots", "input", "views", "scores", "previous", "result"].join(", ")}];`,
    "  {",
    ex.code,
    "  }",
    "}",
    "",
  ].join("\n");
}

describe("API docs: every @example in sdk/ runs", function () {
  it("finds the examples (at least one per documented entry point)", () => {
    expect(examples.length).to.be.greaterThan(20);
    for (const ex of examples) expect(ex.code, `${ex.file}:${ex.line} has code`).to.not.equal("");
  });

  for (const [i, ex] of examples.entries()) {
    it(`${ex.file}:${ex.line} @slow`, async function () {
      this.timeout(300_000);
      const names = Object.keys({ ...require("../../sdk/notebook"), ...require("../../sdk") }).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      const file = path.join(dir, `example-${i}.ts`);
      writeFileSync(file, moduleSource(ex, names));
      const mod = require(file) as { run(): Promise<void> };
      await mod.run();
    });
  }
});
