// V8 code cache for the CLI bundle (ADR-224). Compiling the 4.4 MB bundle is most of the
// `grinder` command's start-up (≈ 110–130 ms of a `require`, against ≈ 40 ms from V8's code
// cache), and every worker thread that loads the bundle (the static-grid baseline, the import's
// parse worker) pays it again. `requireCached(file)` loads a CommonJS file through V8's code
// cache kept beside it: `<file>.<key>.v8cache`, where the key hashes the file's bytes, node's
// version and architecture and the process's node flags (V8 refuses a cache made under other
// flags), so a cache can only ever be used for the exact bytes it was made from. A missing or
// refused cache compiles the file as `require` would and writes a new cache when the process
// exits (after the command ran, so the functions it compiled are in it), atomically (temporary
// file + rename); a folder that cannot be written is ignored. The first command after a build
// decides what the cache holds (its top level plus the functions that command ran). GRINDER_CODE_CACHE=0 loads with
// plain `require`. The cache changes no result: it holds V8 bytecode for the same source.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

/** What the last `requireCached` did: "off" | "used" | "written" | "rejected" (written anew at exit). */
const state = { status: "off" };

function cacheFile(file, source) {
  const h = crypto.createHash("sha256");
  h.update(source).update(`\0${process.version}\0${process.arch}\0${process.execArgv.join(" ")}`);
  return `${file}.${h.digest("hex").slice(0, 16)}.v8cache`;
}

/**
 * The file is the SHA-256 of the V8 cache data followed by the data: release builds of V8 do not
 * checksum a code cache's payload (only its header), so a damaged file would run as bytecode.
 * A file whose hash does not match is treated as damaged (refused, then replaced).
 */
const DAMAGED = Buffer.alloc(0);

function readChecked(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= 32) return DAMAGED;
  const data = bytes.subarray(32);
  const sum = crypto.createHash("sha256").update(data).digest();
  return sum.equals(bytes.subarray(0, 32)) ? data : DAMAGED;
}

function writeAtomically(target, data) {
  const bytes = Buffer.concat([crypto.createHash("sha256").update(data).digest(), data]);
  const tmp = `${target}.${process.pid}.${Math.floor(performance.now() * 1000)}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, target);
  } catch {
    // an unwritable folder: the next run compiles from source again
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean
    }
  }
}

/** `require(file)` through V8's code cache (see the module note); returns the module's exports. */
function requireCached(file) {
  const target = path.resolve(file);
  if (process.env.GRINDER_CODE_CACHE === "0" || require.cache[target] !== undefined) return require(target);
  const orig = Module.prototype._compile;
  Module.prototype._compile = function compileCached(content, filename) {
    if (filename !== target) return orig.call(this, content, filename);
    Module.prototype._compile = orig;
    const cachePath = cacheFile(filename, content);
    const cachedData = readChecked(cachePath);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: cachedData === DAMAGED ? undefined : cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData !== undefined && cachedData !== DAMAGED && !script.cachedDataRejected) state.status = "used";
    else {
      state.status = cachedData === undefined ? "written" : "rejected";
      process.once("exit", () => writeAtomically(cachePath, script.createCachedData()));
    }
    const wrapper = script.runInThisContext({ displayErrors: true });
    const req = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, req, this, filename, path.dirname(filename));
  };
  try {
    return require(target);
  } finally {
    Module.prototype._compile = orig;
  }
}

module.exports = { requireCached, state };
