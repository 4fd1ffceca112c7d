"use strict";
/**
 * The compiled SDK in `.build/` (git-ignored, per checkout), so neither the `grinder` command nor
 * the `grinder` notebook kernel compiles TypeScript when it starts (docs/DECISIONS.md ADR-090):
 *
 * - `.build/<key>/cli/grinder.js` — the `grinder` command (`sdk/cli/main.ts`) bundled by esbuild
 *   with the packages it uses (one file to load instead of hundreds; piscina stays a package: its
 *   worker file is found next to its own code). bin/grinder.js runs it.
 * - `.build/<key>/js/sdk/**.js` — every `sdk/**.ts` transpiled file by file to CommonJS by esbuild
 *   (the transform tsx applies when the tests and the CLI run from source: same semantics).
 *   `__dirname` / `__filename` are defined as the SOURCE file's folder / path, so every path the
 *   SDK derives from them (project root, fixtures, calibration worker modules) is unchanged.
 * - `.build/<key>/types/sdk/**.d.ts` — declarations emitted by tslab's own TypeScript 5.0 (what
 *   the kernel compiles notebook cells with) for the files a notebook imports; the kernel
 *   type-checks cells against them instead of compiling the whole SDK (scripts/tslab-preload.cjs).
 *
 * `<key>` is a hash of this checkout's path and of the path, size and mtime of every SDK source,
 * tsconfig.json, package-lock.json and this script: a build is current when the folder of the
 * current key is complete. A build is written to a temporary folder and renamed into place, so
 * concurrent builds cannot leave a half-written one; older builds are removed.
 *
 *   node scripts/build.cjs            build what is missing for the current sources (all parts)
 *   node scripts/build.cjs --cli      only the command's bundle (what bin/grinder.js needs)
 *   node scripts/build.cjs --check    exit 1 (and say why) when the build is not current
 *
 * Used by scripts/setup.sh, bin/grinder.js (the bundle, rebuilt when stale) and the kernel preload
 * (JavaScript + declarations, rebuilt when stale, at the first SDK import of a session).
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const SDK = path.join(ROOT, "sdk");
const BUILD = path.join(ROOT, ".build");
/** Entry points a notebook imports; their declarations (and those they import) are emitted. */
const TYPE_ENTRIES = ["sdk/index.ts", "sdk/notebook/index.ts"];
const EXTRA_INPUTS = ["tsconfig.json", "package-lock.json", "scripts/build.cjs"];

/** Every TypeScript source under sdk/ (relative paths, sorted). */
function listSources(dir = SDK, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listSources(p, out);
    else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path.relative(ROOT, p));
  }
  return out.sort();
}

/** The key of the current sources: checkout path + (path, size, mtime) of every input. */
function currentKey(sources = listSources()) {
  const h = crypto.createHash("sha256").update(ROOT).update("\0");
  for (const rel of [...sources, ...EXTRA_INPUTS]) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch {
      h.update(`${rel}\0missing\0`);
      continue;
    }
    h.update(`${rel}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return h.digest("hex").slice(0, 16);
}

function buildDir(key) {
  return path.join(BUILD, key);
}

/** The build folders of the current key, or null for each part that is missing. */
function current() {
  const key = currentKey();
  const dir = buildDir(key);
  const part = (name) => (fs.existsSync(path.join(dir, name, ".complete")) ? path.join(dir, name) : null);
  return { key, dir, cli: part("cli"), js: part("js"), types: part("types") };
}

function tsconfigRaw() {
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
  return { compilerOptions: { ...cfg.compilerOptions, noEmit: false } };
}

/** Write `part` into `<key>/<part>` through a temporary folder renamed into place. */
async function publish(key, part, fill) {
  const dir = buildDir(key);
  const final = path.join(dir, part);
  if (fs.existsSync(path.join(final, ".complete"))) return final;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, `.tmp-${part}-`));
  try {
    await fill(tmp);
    fs.writeFileSync(path.join(tmp, ".complete"), `${key}\n`);
    try {
      fs.renameSync(tmp, final);
    } catch (e) {
      // Another build of the same key won the race: theirs is identical.
      if (!fs.existsSync(path.join(final, ".complete"))) throw e;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return final;
}

/** SDK sources keep their own `__dirname` / `__filename` (the source folder / file) in the bundle. */
function sourcePaths() {
  return {
    name: "grinder-source-paths",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(SDK + path.sep)) return undefined;
        const code = fs
          .readFileSync(args.path, "utf8")
          .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
          .replace(/\b__filename\b/g, JSON.stringify(args.path));
        return { contents: code, loader: "ts" };
      });
    },
  };
}

function buildCli(key) {
  const esbuild = require("esbuild");
  return publish(key, "cli", async (tmp) => {
    const r = await esbuild.build({
      entryPoints: [path.join(SDK, "cli", "main.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      outfile: path.join(tmp, "grinder.js"),
      external: ["piscina", "tsx", "tsx/*", "@duckdb/node-api"],
      tsconfigRaw: tsconfigRaw(),
      plugins: [sourcePaths()],
      logLevel: "silent",
      absWorkingDir: ROOT,
    });
    if (r.errors.length > 0) throw new Error(`build: bundling the CLI failed: ${r.errors[0].text}`);
  });
}

function buildJs(key, sources) {
  const esbuild = require("esbuild");
  const raw = tsconfigRaw();
  return publish(key, "js", (tmp) => {
    for (const rel of sources) {
      const src = path.join(ROOT, rel);
      const code = fs.readFileSync(src, "utf8");
      const out = esbuild.transformSync(code, {
        loader: "ts",
        format: "cjs",
        platform: "node",
        target: "node20",
        sourcefile: src,
        sourcemap: "inline",
        sourcesContent: false,
        tsconfigRaw: raw,
        define: { __dirname: JSON.stringify(path.dirname(src)), __filename: JSON.stringify(src) },
      });
      const dst = path.join(tmp, rel.replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.writeFileSync(dst, out.code);
    }
  });
}

/** Declarations of the notebook entry points, by tslab's TypeScript 5.0 with the kernel's options. */
function buildTypes(key) {
  const ts = require("@tslab/typescript-for-tslab");
  return publish(key, "types", (tmp) => {
    const options = {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"],
      esModuleInterop: true,
      resolveJsonModule: true,
      strict: true,
      skipLibCheck: true,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: ROOT,
      outDir: tmp,
      types: ["node"],
    };
    const program = ts.createProgram(TYPE_ENTRIES.map((f) => path.join(ROOT, f)), options);
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
    if (diagnostics.length > 0) {
      const text = ts.formatDiagnostics(diagnostics.slice(0, 20), {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => "\n",
      });
      throw new Error(`build: the SDK does not compile with tslab's TypeScript ${ts.version} (${diagnostics.length} errors):\n${text}`);
    }
    if (!fs.existsSync(path.join(tmp, "sdk", "index.d.ts"))) throw new Error("build: no declarations were emitted");
  });
}

/** Remove builds of other keys (best effort). */
function prune(keep) {
  let entries = [];
  try {
    entries = fs.readdirSync(BUILD);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === keep || !/^[0-9a-f]{16}$/.test(name)) continue;
    fs.rmSync(path.join(BUILD, name), { recursive: true, force: true });
  }
}

const PARTS = ["cli", "js", "types"];

/** Build the missing parts (default: all) for the current sources; returns the build folders. */
async function ensureBuilt(parts = PARTS) {
  const sources = listSources();
  const key = currentKey(sources);
  const out = { key, dir: buildDir(key), cli: null, js: null, types: null };
  if (parts.includes("cli")) out.cli = await buildCli(key);
  if (parts.includes("js")) out.js = await buildJs(key, sources);
  if (parts.includes("types")) out.types = await buildTypes(key);
  prune(key);
  return out;
}

module.exports = { ROOT, SDK, BUILD, TYPE_ENTRIES, PARTS, listSources, currentKey, current, ensureBuilt };

if (require.main === module) {
  const args = process.argv.slice(2);
  const parts = args.includes("--cli") ? ["cli"] : PARTS;
  if (args.includes("--check")) {
    const c = current();
    const missing = parts.filter((p) => !c[p]);
    if (missing.length > 0) {
      process.stderr.write(`build: .build is not current for the SDK sources (missing ${missing.join(" and ")}): run node scripts/build.cjs\n`);
      process.exit(1);
    }
    process.stdout.write(`build: current (${path.relative(ROOT, c.dir)})\n`);
    process.exit(0);
  }
  const t0 = process.hrtime.bigint();
  ensureBuilt(parts).then(
    (b) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`build: ${path.relative(ROOT, b.dir)} (${parts.join(", ")}; ${(ms / 1000).toFixed(1)} s)\n`);
    },
    (e) => {
      process.stderr.write(`${e && e.message ? e.message : e}\n`);
      process.exitCode = 2;
    },
  );
}
