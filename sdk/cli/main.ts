import { Command, CommanderError } from "commander";
import { printable } from "./printable";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { SDK_VERSION } from "../version";
import { registerFixtures } from "./commands/fixtures";
import { registerReplay } from "./commands/replay";
import { registerVerify } from "./commands/verify";
import { registerImport } from "./commands/import";
import { registerCalibrate } from "./commands/calibrate";
import { registerArtifact } from "./commands/artifact";
import { registerReport } from "./commands/report";
import { registerWorker } from "./commands/worker";
import { registerMl } from "./commands/ml";
import { registerStore } from "./commands/store";
// the entry a `grinder replay` worker thread calls in this bundle (static-grid baseline, ADR-190)
export { runStaticGridJob } from "./baseline-worker";
// the bookTicker import's worker thread loads the same bundle (ADR-210)
export { bookTickerThreadMain } from "../data/importers/bookticker-csv";

/**
 * The `grinder` command. Each command lives in `commands/<name>.ts` and exports a
 * `registerX(program)`; list it here. Commands return their exit code through
 * `process.exitCode`; a `GrinderError` prints as one line and exits 2, and so does a usage
 * error (commander's message).
 */
export function buildProgram(): Command {
  const program = new Command("grinder")
    .description("Adaptive Smart Grid research SDK: fixtures, replay, calibration, reports")
    .version(SDK_VERSION)
    .exitOverride();
  registerFixtures(program);
  registerVerify(program);
  registerReplay(program);
  registerImport(program);
  registerCalibrate(program);
  registerArtifact(program);
  registerReport(program);
  registerWorker(program);
  registerMl(program);
  registerStore(program); // columnar store (ADR-076)
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // `grinder ... | head`: a closed pipe ends the command quietly instead of crashing (ADR-084).
  for (const s of [process.stdout, process.stderr])
    if (s.listenerCount("error") === 0)
      s.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
        throw e;
      });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    // commander has printed the problem (unknown command or option, missing argument, an
    // option's value missing): bad input, exit 2 like every other refusal (ADR-242); help and
    // version exit 0
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const g = asGrinderError(e);
    if (g) {
      process.stderr.write(`grinder: ${printable(g.message)}\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * Errors the CLI reports as a one-line refusal with exit 2: `GrinderError`s, and a file-system
 * error from Node (it has an errno `code` and a `path`), which is the user's environment, not a
 * bug. Anything else is a bug and keeps its stack (exit 1).
 */
export function asGrinderError(e: unknown): GrinderError | null {
  if (e instanceof GrinderError) return e;
  const err = e as NodeJS.ErrnoException | null;
  if (err && typeof err === "object" && typeof err.code === "string" && /^E[A-Z]+$/.test(err.code) && typeof err.syscall === "string")
    return new GrinderError(ErrorCode.IO, `${err.code}: ${err.message}`, { file: typeof err.path === "string" ? err.path : undefined });
  return null;
}
