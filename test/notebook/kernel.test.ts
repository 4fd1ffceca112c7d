import { expect } from "chai";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import * as path from "node:path";
import { SDK_VERSION } from "../../sdk/version";
import { ROOT, describeFailure, jupyterProblem, runNotebook, tempDir } from "./jupyter";
import { compileLikeTslab } from "./ts50";

describe("notebook kernel: the SDK within tslab's TypeScript", () => {
  it("sdk/index.ts and sdk/notebook/index.ts compile with tslab's TypeScript 5.0 @slow", function () {
    this.timeout(120_000);
    const { version, diagnostics } = compileLikeTslab(["sdk/index.ts", "sdk/notebook/index.ts"]);
    expect(version, "tslab's bundled compiler").to.match(/^5\.0\./);
    const byFile = new Map<string, string[]>();
    for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), `  ${d.file}:${d.line}: ${d.message.split("\n")[0]}`]);
    const report = [...byFile.entries()].map(([f, lines]) => `${f} (${lines.length}):\n${lines.slice(0, 5).join("\n")}`).join("\n");
    expect(diagnostics, `notebooks cannot import the SDK: tslab's TypeScript ${version} rejects these files:\n${report}\n`).to.have.length(0);
  });

  for (const [kind, bad, message] of [
    ["compile", 'const n: number = "not a number";', "is not assignable to type 'number'"],
    ["runtime", 'throw new Error("boom in a cell");', "boom in a cell"],
  ] as const) {
    it(`a ${kind} error fails the run with the cell source and the error (tslab reports it on stderr) @slow`, function () {
      this.timeout(300_000);
      const dir = tempDir();
      const nb = path.join(dir, `${kind}.ipynb`);
      const cell = (id: string, source: string) => ({ cell_type: "code", execution_count: null, id, metadata: {}, outputs: [], source });
      writeFileSync(
        nb,
        JSON.stringify({
          cells: [cell("ok", 'console.log("fine");'), cell("bad", bad), cell("after", 'console.log("never");')],
          metadata: { kernelspec: { name: "grinder", display_name: "GRINDER (TypeScript)", language: "typescript" } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      );
      const s = runNotebook(nb);
      expect(s.ok, "the run fails").to.equal(false);
      expect(s.failure?.id, "the failing cell is named").to.equal("bad");
      expect(s.failure?.source).to.equal(bad);
      expect(s.failure?.error).to.contain(message);
      expect(describeFailure(s), "the message shows source and error").to.contain(bad).and.contain(message);
    });
  }

  it("a notebook cell imports the SDK through the real grinder kernel @slow", function () {
    this.timeout(300_000);
    const problem = jupyterProblem();
    expect(problem, problem ?? "").to.equal(null);
    const dir = tempDir();
    const nb = path.join(dir, "import.ipynb");
    const source = [
      'import { SDK_VERSION, canonicalJson, REGIMES } from "./sdk";',
      'import { REGIME_COLORS, figureBundle, sizeScheduleFigure } from "./sdk/notebook";',
      'const transport = JSON.parse(require("fs").readFileSync(process.argv[process.argv.indexOf("--config-path") + 1], "utf8")).transport;',
      'console.log(JSON.stringify({ v: SDK_VERSION, c: canonicalJson({ b: 1, a: 2 }), colours: REGIMES.every((r) => typeof REGIME_COLORS[r] === "string"), fig: typeof figureBundle === "function" && typeof sizeScheduleFigure === "function", transport }));',
    ].join("\n");
    writeFileSync(
      nb,
      JSON.stringify({
        cells: [{ cell_type: "code", execution_count: null, id: "import-sdk", metadata: {}, outputs: [], source }],
        metadata: { kernelspec: { name: "grinder", display_name: "GRINDER (TypeScript)", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    const out = path.join(dir, "import.out.ipynb");
    const s = runNotebook(nb, { ipynb: out });
    expect(s.ok, describeFailure(s)).to.equal(true);
    const executed = JSON.parse(require("node:fs").readFileSync(out, "utf8"));
    const text = executed.cells[0].outputs.map((o: { text?: string }) => o.text ?? "").join("");
    expect(JSON.parse(text.trim())).to.deep.equal({ v: SDK_VERSION, c: '{"a":2,"b":1}', colours: true, fig: true, transport: "ipc" });
  });

  it("a kernel that cannot bind its port ends at once naming the address (it used to stay up and never answer)", async function () {
    this.timeout(60_000);
    const taken = createServer();
    await new Promise<void>((res) => taken.listen(0, "127.0.0.1", res));
    const port = (taken.address() as AddressInfo).port;
    // the other four: ports free a moment ago (bindable without privileges, unlike ports below 1024)
    const free: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = createServer();
      await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
      free.push((s.address() as AddressInfo).port);
      await new Promise<void>((res) => s.close(() => res()));
    }
    const dir = tempDir();
    const conn = path.join(dir, "kernel.json");
    writeFileSync(conn, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", shell_port: port, iopub_port: free[0], stdin_port: free[1], hb_port: free[2], control_port: free[3], signature_scheme: "hmac-sha256", key: "k" }));
    try {
      const kernel = spawn(path.join(ROOT, "scripts", "grinder-kernel.sh"), ["--config-path", conn], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      kernel.stderr.on("data", (b: Buffer) => (stderr += String(b)));
      const watchdog = setTimeout(() => kernel.kill("SIGKILL"), 45_000);
      const code = await new Promise<number | null>((res) => kernel.once("exit", (c) => res(c)));
      clearTimeout(watchdog);
      expect(code, `the kernel exits by itself with an error (stderr: ${stderr})`).to.equal(1);
      expect(stderr).to.contain(`cannot bind tcp://127.0.0.1:${port}`).and.contain("Address already in use");
    } finally {
      taken.close();
    }
  });
});
