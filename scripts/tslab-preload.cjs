"use strict";
// Preloaded by scripts/grinder-kernel.sh (`node -r`) into the `grinder` kernel (tslab 1.0.22).
// Two adjustments so notebooks can use the SDK as the project compiles it (docs/DECISIONS.md):
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
const Module = require("module");
const fs = require("fs");
const path = require("path");

const originalLoad = Module._load;
let patchedTs = null;
let tspathPatched = false;

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
      const createWatchCompilerHost = (rootFiles, options, ...rest) =>
        loaded.createWatchCompilerHost(rootFiles, { ...options, strict: true }, ...rest);
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
  return loaded;
};
