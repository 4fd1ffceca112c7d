import { Command, CommanderError } from "commander";
import { GrinderError } from "../contracts/errors";
import { SDK_VERSION } from "../version";
import { registerFixtures } from "./commands/fixtures";
import { registerReplay } from "./commands/replay";
import { registerVerify } from "./commands/verify";
import { registerImport } from "./commands/import";
import { registerCalibrate } from "./commands/calibrate";
import { registerArtifact } from "./commands/artifact";
import { registerReport } from "./commands/report";
import { registerStore } from "./commands/store";

/**
 * The `grinder` command. Each command lives in `commands/<name>.ts` and exports a
 * `registerX(program)`; list it here. Commands return their exit code through
 * `process.exitCode`; a `GrinderError` prints as one line and exits 2.
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
  registerStore(program); // columnar store (ADR-076)
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof GrinderError) {
      process.stderr.write(`grinder: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
