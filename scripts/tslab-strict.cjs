"use strict";
// Preloaded by scripts/grinder-kernel.sh (node -r). tslab compiles notebook cells and the SDK
// files they import with its own compiler options, which leave `strict` off; zod's inferred
// types need `strictNullChecks`, so without this every SDK file using zod fails to compile in
// a notebook. This turns on `strict` (as in the project's tsconfig.json) for tslab's compiler
// and changes nothing else. See docs/DECISIONS.md (notebook kernel compiler options).
const Module = require("module");

const originalLoad = Module._load;
let patched = null;

Module._load = function load(request) {
  const loaded = originalLoad.apply(this, arguments);
  if (request !== "@tslab/typescript-for-tslab") return loaded;
  if (!patched) {
    const createWatchCompilerHost = (rootFiles, options, ...rest) =>
      loaded.createWatchCompilerHost(rootFiles, { ...options, strict: true }, ...rest);
    // The module's exports are non-configurable getters: a Proxy may answer differently for them.
    patched = new Proxy(loaded, {
      get: (target, key) => (key === "createWatchCompilerHost" ? createWatchCompilerHost : target[key]),
    });
  }
  return patched;
};
