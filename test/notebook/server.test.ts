/**
 * The interactive front end, live: Debian's Jupyter Notebook server started on 127.0.0.1 (free
 * port, token, temporary Jupyter folders) with this checkout's kernel; a notebook executed
 * headless and signed by scripts/run-notebook.py is opened in headless chromium through the
 * server, and its plotly charts must be drawn (SVG with data traces). The same notebook left
 * unsigned opens untrusted, without charts (the failure users saw). Then the server is stopped and
 * nothing it started may still run.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./browser";
import { holdKernelLock } from "../harness/kernel-lock";
import { describeFailure, jupyterProblem, projectJupyterEnv, runNotebook, tempDir } from "./jupyter";

const NOTEBOOK = "notebooks/03_grid_plan_anatomy.ipynb";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Pids of running processes whose command line mentions `needle` (ours: it is a fresh temp path). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmd.includes(needle) && !/\) Z /.test(stat)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface OpenedNotebook {
  trusted: boolean;
  plots: number;
  plotsWithSvg: number;
  svgTraces: number[];
  outsideRequests: string[];
}

async function openNotebook(page: Page, url: string, expectCharts: boolean): Promise<OpenedNotebook> {
  const outsideRequests: string[] = [];
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith("http://127.0.0.1:") || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    outsideRequests.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load", timeout: 120_000 });
  await page.waitForFunction("(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded)()", null, { timeout: 120_000 });
  if (expectCharts) {
    await page
      .waitForFunction(`(() => { const p = Array.from(document.querySelectorAll(".output_area .grinder-plot")); return p.length > 0 && p.every((d) => d.querySelector(".main-svg")); })()`, null, { timeout: 60_000 })
      .catch(() => undefined);
  } else {
    await page.waitForTimeout(3000);
  }
  const probe = (await page.evaluate(`(() => {
    const plots = Array.from(document.querySelectorAll(".output_area .grinder-plot"));
    return {
      trusted: Jupyter.notebook.trusted,
      plots: plots.length,
      plotsWithSvg: plots.filter((d) => d.querySelector(".main-svg")).length,
      svgTraces: plots.map((d) => d.querySelectorAll(".scatterlayer .trace, .barlayer .trace, .heatmaplayer .hm").length),
      anySvg: document.querySelectorAll(".output_area .main-svg").length,
    };
  })()`)) as Omit<OpenedNotebook, "outsideRequests"> & { anySvg: number };
  if (!expectCharts) expect(probe.anySvg, "an untrusted notebook draws no chart").to.equal(0);
  return { ...probe, outsideRequests };
}

describe("Jupyter Notebook server: an executed notebook's charts render in headless chromium @slow", function () {
  this.timeout(900_000);
  const root = tempDir("grinder-live-");
  const nbDir = path.join(root, "notebooks");
  const env: NodeJS.ProcessEnv = {
    ...projectJupyterEnv(),
    JUPYTER_DATA_DIR: path.join(root, "data"),
    JUPYTER_RUNTIME_DIR: path.join(root, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(root, "config"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const token = randomBytes(16).toString("hex");
  let server: ChildProcess | null = null;
  let serverLog = "";
  let browser: Browser | null = null;
  let port = 0;
  // the notebook run and the server's kernels (ADR-200): one kernel launch at a time on the machine
  let releaseKernelLock: (() => Promise<void>) | null = null;

  before("execute and sign the notebook; start the server", async function () {
    releaseKernelLock = await holdKernelLock();
    const problem = jupyterProblem();
    expect(problem, problem ?? "").to.equal(null);
    expect(spawnSync("jupyter-notebook", ["--version"], { encoding: "utf8" }).status, "jupyter-notebook installed (scripts/setup.sh)").to.equal(0);
    for (const d of [nbDir, env.JUPYTER_DATA_DIR, env.JUPYTER_RUNTIME_DIR, env.JUPYTER_CONFIG_DIR]) mkdirSync(d as string, { recursive: true });
    // Signed with the notary secret of the server's data folder, as `jupyter trust` would.
    const s = runNotebook(NOTEBOOK, { ipynb: path.join(nbDir, "signed.ipynb"), env });
    expect(s.ok, describeFailure(s)).to.equal(true);
    expect(s.signed, "run-notebook signs the executed notebook").to.equal(true);
    // The same outputs, unsigned (the state every executed notebook was in before).
    const nb = JSON.parse(readFileSync(path.join(nbDir, "signed.ipynb"), "utf8"));
    nb.metadata.grinder_copy = "unsigned";
    writeFileSync(path.join(nbDir, "unsigned.ipynb"), JSON.stringify(nb));

    port = await freePort();
    server = spawn(
      "jupyter-notebook",
      ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, `--notebook-dir=${nbDir}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : [])],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout?.on("data", (b) => (serverLog += String(b)));
    server.stderr?.on("data", (b) => (serverLog += String(b)));
    await waitFor("the notebook server", 90_000, async () => {
      if (server?.exitCode !== null) throw new Error(`jupyter-notebook exited (${server?.exitCode}):\n${serverLog.slice(-3000)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
        return r.status === 200;
      } catch {
        return false;
      }
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", ...CHROMIUM_ARGS] });
  });

  after("stop the browser and the server; nothing left running", async function () {
    if (browser) await browser.close();
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await waitFor("the server to stop", 30_000, () => server?.exitCode !== null || server?.signalCode !== null).catch(() => server?.kill("SIGKILL"));
    }
    if (releaseKernelLock) await releaseKernelLock();
  });

  it("the signed notebook opens trusted and every chart is drawn: SVG with data traces @slow", async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    const r = await openNotebook(page, `http://127.0.0.1:${port}/notebooks/signed.ipynb?token=${token}`, true);
    await page.close();
    expect(r.trusted, "Jupyter trusts the signed notebook").to.equal(true);
    expect(r.plots, "the notebook has charts").to.be.greaterThan(1);
    expect(r.plotsWithSvg, "every chart drew its SVG").to.equal(r.plots);
    for (const [i, n] of r.svgTraces.entries()) expect(n, `chart ${i} has data traces in its SVG`).to.be.greaterThan(0);
    expect(r.outsideRequests, "nothing fetched from outside 127.0.0.1").to.deep.equal([]);
  });

  it("the executed notebook carries plotly.js once (the first chart), later charts reuse it @slow", () => {
    const nb = JSON.parse(readFileSync(path.join(nbDir, "signed.ipynb"), "utf8"));
    const htmls: string[] = [];
    for (const c of nb.cells) for (const o of c.outputs ?? []) if (o.data?.["text/html"]) htmls.push([o.data["text/html"]].flat().join(""));
    const charts = htmls.filter((h) => h.includes("grinder-plot"));
    expect(charts.length, "charts in the notebook").to.be.greaterThan(1);
    expect(charts.filter((h) => h.length > 1_000_000).length, "outputs inlining plotly.js").to.equal(1);
  });

  it("the same notebook unsigned opens untrusted and shows no chart (why signing matters) @slow", async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    const r = await openNotebook(page, `http://127.0.0.1:${port}/notebooks/unsigned.ipynb?token=${token}`, false);
    await page.close();
    expect(r.trusted).to.equal(false);
    expect(r.plotsWithSvg).to.equal(0);
  });

  it("stopping the server leaves nothing running (server, kernels) @slow", async () => {
    const pid = (server as ChildProcess).pid as number;
    expect(processesMentioning(root).length, "the server (and the kernels it started) ran").to.be.greaterThan(0);
    (server as ChildProcess).kill("SIGTERM");
    await waitFor("the server to exit", 60_000, () => server?.exitCode !== null || server?.signalCode !== null);
    await waitFor("every process of this server to exit", 30_000, () => processesMentioning(root).length === 0).catch(() => undefined);
    const left = processesMentioning(root);
    for (const p of left) process.kill(p, "SIGKILL");
    expect(left, `processes left running after the server stopped (pid ${pid})`).to.deep.equal([]);
  });
});
