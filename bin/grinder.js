#!/usr/bin/env node
// Entry point of the `grinder` command: runs the TypeScript CLI through tsx.
require("tsx/cjs");
require("../sdk/cli/main.ts").main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(String((err && err.stack) || err) + "\n"); process.exitCode = 1; }
);
