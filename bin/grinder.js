#!/usr/bin/env -S node --max-semi-space-size=8 --v8-pool-size=1
// Entry point of the `grinder` command: runs the bundled CLI (.build/, scripts/build.cjs), so no
// TypeScript is compiled at start-up. The build is checked to be current for the sources (paths,
// sizes and mtimes of sdk/**.ts); when a source changed it is rebuilt first (about a second).
// GRINDER_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (slower start).
"use strict";
const path = require("node:path");

async function entry() {
  if (process.env.GRINDER_FROM_SOURCE === "1") {
    require("tsx/cjs");
    return require("../sdk/cli/main.ts");
  }
  // A command may load user TypeScript modules (`calibrate --evaluator x.ts`, in-process
  // evaluation): give it the TypeScript loader the sources had. Other commands start without it.
  if (process.argv[2] === "calibrate" || process.argv.slice(2).some((a) => /\.ts(#|$)/.test(a))) require("tsx/cjs");
  const build = require("../scripts/build.cjs");
  const dir = build.current().cli ?? (await build.ensureBuilt(["cli"])).cli;
  // the bundle this command runs from, for a worker thread that replays with the same code (ADR-190)
  process.env.GRINDER_CLI_BUNDLE = path.join(dir, "grinder.js");
  // through V8's code cache kept beside the bundle (ADR-224; GRINDER_CODE_CACHE=0: plain require)
  process.env.GRINDER_CLI_LOADER = path.join(__dirname, "..", "scripts", "code-cache.cjs"); // for worker threads
  const cache = require(process.env.GRINDER_CLI_LOADER);
  const cli = cache.requireCached(process.env.GRINDER_CLI_BUNDLE);
  globalThis[Symbol.for("grinder.codeCache")] = cache.state; // for the phases line
  return cli;
}

entry().then((cli) => cli.main(process.argv)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(String((err && err.stack) || err) + "\n"); process.exitCode = 1; }
);
