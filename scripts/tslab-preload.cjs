"use strict";
// Preloaded by scripts/grinder-kernel.sh (`node -r`) into the `grinder` kernel (tslab 1.0.22).
// Adjustments so notebooks can use the SDK as the project compiles it, and start fast
// (docs/DECISIONS.md ADR-032, ADR-090):
//
// 1. Compiler options: tslab compiles cells and the local .ts files they import with `strict`
//    off; zod's inferred types need `strictNullChecks`, so every SDK file using zod would fail
//    to compile. `strict` is turned on, as in tsconfig.json. Nothing else changes.
// 2. Folder imports: tslab resolves a compiled local module `./x` only as `./x.js`, so
//    `import ... from "./sdk"` (sdk/index.ts) and the SDK's own `from "../contracts"` fail at
//    run time. A relative path naming a folder with an `index.ts` resolves to `<folder>/index`.
// 3. Package imports: tslab looks every `require(id)` of a compiled local module up among its
//    compiled files as `<dir>/<id>` first, even a package name, so `import { z } from "zod"`
//    inside sdk/contracts/ loads sdk/contracts/zod.ts instead of the zod package. Package
//    names (not starting with "." or "/") skip that lookup and go to Node's resolution.
// 5. Precompiled SDK: a cell (or any file outside sdk/) importing "./sdk" or "./sdk/<part>" is
//    type-checked against the declarations in .build/<key>/types and runs the JavaScript in
//    .build/<key>/js (scripts/build.cjs), instead of tslab compiling and type-checking every SDK
//    source on the first import (15-28 s). The build is checked to be current for the sources at
//    the first such import of a session and rebuilt when it is not. GRINDER_KERNEL_FROM_SOURCE=1
//    turns this off. A kernel keeps the build it started with: restart it after editing sdk/.
// 4. Parent watch and 6. socket binding: see below.
const Module = require("module");
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const SDK_DIR = path.join(ROOT, "sdk");
const BUILD_DIR = path.join(ROOT, ".build");
const useBuild = process.env.GRINDER_KERNEL_FROM_SOURCE !== "1";
let build = null; // { js, types } once resolved for this session

function within(p, dir) {
  return p === dir || p.startsWith(dir + path.sep);
}

/** The current build of this checkout (built now when missing or stale), or null on failure. */
function sdkBuild() {
  if (build !== null) return build || null;
  const b = require(path.join(ROOT, "scripts", "build.cjs"));
  let c = b.current();
  if (!c.js || !c.types) {
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build.cjs")], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) {
      process.stderr.write(`grinder kernel: SDK build failed, compiling the SDK from source:\n${r.stderr}\n`);
      build = false;
      return null;
    }
    c = b.current();
  }
  build = c.js && c.types ? { js: c.js, types: c.types } : false;
  return build || null;
}

/** For a relative import of the SDK from outside it: the path under `sub` of the build. */
function redirect(request, fromDir, sub) {
  if (!useBuild || typeof request !== "string" || !request.startsWith(".")) return null;
  if (within(fromDir, SDK_DIR) || within(fromDir, BUILD_DIR)) return null;
  const target = path.resolve(fromDir, request);
  if (!within(target, SDK_DIR)) return null;
  const b = sdkBuild();
  if (!b) return null;
  return path.join(b[sub], path.relative(ROOT, target));
}

/** TypeScript resolution of a redirected import: the build's `.d.ts` for the file or folder. */
function resolveToTypes(ts, request, containingFile) {
  const base = redirect(request, path.dirname(containingFile), "types");
  if (!base) return undefined;
  for (const f of [`${base}.d.ts`, path.join(base, "index.d.ts")]) {
    if (fs.existsSync(f)) return { resolvedFileName: f, extension: ts.Extension.Dts, isExternalLibraryImport: false };
  }
  return undefined;
}

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, parent, ...rest) {
  const from = parent && parent.filename ? path.dirname(parent.filename) : ROOT;
  const target = redirect(request, from, "js");
  return originalResolve.call(this, target ?? request, parent, ...rest);
};

const originalLoad = Module._load;
let patchedTs = null;
let tspathPatched = false;
let jupyterPatched = false;

function isIndexedFolder(p) {
  try {
    return fs.statSync(p).isDirectory() && (fs.existsSync(path.join(p, "index.ts")) || fs.existsSync(path.join(p, "index.tsx")));
  } catch {
    return false;
  }
}

function isBare(id) {
  return typeof id === "string" && !id.startsWith(".") && !id.startsWith("/") && !path.isAbsolute(id);
}

/** True when tslab's executor (requireFromSideOutputs) is resolving a require() argument. */
function calledFromSideOutputLookup() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  const stack = new Error().stack || "";
  Error.stackTraceLimit = limit;
  return stack.includes("requireFromSideOutputs");
}

Module._load = function load(request) {
  const loaded = originalLoad.apply(this, arguments);
  if (request === "@tslab/typescript-for-tslab") {
    if (!patchedTs) {
      const createWatchCompilerHost = (rootFiles, options, ...rest) => {
        const host = loaded.createWatchCompilerHost(rootFiles, { ...options, strict: true }, ...rest);
        if (useBuild) {
          host.resolveModuleNames = (names, containingFile, _reused, redirected, opts) =>
            names.map(
              (name) =>
                resolveToTypes(loaded, name, containingFile) ??
                loaded.resolveModuleName(name, containingFile, opts, host, undefined, redirected).resolvedModule,
            );
        }
        return host;
      };
      // The module's exports are non-configurable getters: a Proxy may answer differently for them.
      patchedTs = new Proxy(loaded, {
        get: (target, key) => (key === "createWatchCompilerHost" ? createWatchCompilerHost : target[key]),
      });
    }
    return patchedTs;
  }
  if (request === "./tspath" && !tspathPatched && loaded && typeof loaded.normalizeJoin === "function") {
    tspathPatched = true;
    const normalizeJoin = loaded.normalizeJoin;
    loaded.normalizeJoin = (...parts) => {
      if (parts.length === 2 && isBare(parts[1]) && calledFromSideOutputLookup()) {
        // A name no compiled file has: the executor falls through to Node's require.
        return `${normalizeJoin(...parts)}#package`;
      }
      const joined = normalizeJoin(...parts);
      return path.extname(joined) === "" && isIndexedFolder(joined) ? `${joined}/index` : joined;
    };
  }
  if (request === "./jupyter" && !jupyterPatched && loaded && loaded.ZmqServer && loaded.ZmqServer.prototype.bindSocket) {
    jupyterPatched = true;
    patchBind(loaded.ZmqServer.prototype);
  }
  return loaded;
};

// 6. Binding the kernel's sockets. tslab starts binding without waiting for the result, and its
//    unhandledRejection handler only logs, so a port another process took between Jupyter's
//    choice and the bind (EADDRINUSE) left a live kernel that never answered: the client gave up
//    after its start-up timeout ("Kernel didn't respond in 60 seconds"). A failed bind now ends
//    the kernel at once with the address and the error, so the client sees a dead kernel.
//    tslab also wrote every address as `transport://ip:port`; Jupyter's ipc transport (no ports,
//    so no race: scripts/run-notebook.py uses it) names its socket files `ip-port`.
function patchBind(proto) {
  proto.bindSocket = async function bindSocket(sock, port) {
    const conn = this.connInfo;
    const addr = conn.transport === "ipc" ? `ipc://${conn.ip}-${port}` : `${conn.transport}://${conn.ip}:${port}`;
    try {
      await sock.bind(addr);
    } catch (e) {
      process.stderr.write(`grinder kernel: cannot bind ${addr}: ${(e && e.message) || e}\n`);
      process.exit(1);
    }
  };
}

// 4. Parent watch: a kernel started by a Jupyter client that exits without shutting it down
//    (`jupyter run` does) would run on forever. The kernel exits when the process that started
//    it is gone (Jupyter names it in JPY_PARENT_PID; the launcher execs, so it is our parent).
{
  const parent = Number(process.env.JPY_PARENT_PID) || process.ppid;
  const startPpid = process.ppid;
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return e && e.code === "EPERM";
    }
  };
  const timer = setInterval(() => {
    if (process.ppid !== startPpid || !alive(parent)) process.exit(0);
  }, 1000);
  timer.unref();
}
