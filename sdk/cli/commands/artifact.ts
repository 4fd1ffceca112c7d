import type { Command } from "commander";
import { loadArtifact } from "../../calibration/artifact";
import { GrinderError } from "../../contracts/errors";
import { existsSync, readFileSync } from "node:fs";
import { isRegimeModelJson, loadRegimeModel } from "../../ml/model";
import { printable } from "../printable";

/** A regime-model file (ADR-110) is verified by its own loader; anything else as a calibration artifact. */
function isRegimeModelFile(f: string): boolean {
  try {
    return existsSync(f) && isRegimeModelJson(JSON.parse(readFileSync(f, "utf8")));
  } catch {
    return false;
  }
}

export function registerArtifact(program: Command): void {
  const art = program.command("artifact").description("inspect and verify calibration artifacts");
  art
    .command("verify")
    .description("verify artifacts' hashes and canonical form; non-zero exit if any fails")
    .argument("<files...>", "artifact JSON files")
    .action((files: string[]) => {
      let failed = 0;
      for (const f of files) {
        try {
          if (isRegimeModelFile(f)) {
            const m = loadRegimeModel(f);
            process.stdout.write(`✔ ${f}: regime model ${m.name} v${m.version} sha256 ${m.sha256} (${m.library.name}@${m.library.version}, ${m.features.names.length} features)\n`);
            continue;
          }
          const a = loadArtifact(f);
          process.stdout.write(`✔ ${f}: ${a.name} v${a.version} sha256 ${a.sha256} (objective ${a.objective.value}, config ${a.config_hash.slice(0, 12)})\n`);
        } catch (e) {
          if (!(e instanceof GrinderError)) throw e;
          failed++;
          process.stderr.write(`✘ ${f}: ${printable(e.message)}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
  art
    .command("show")
    .description("verify an artifact and print its selected parameters, objective and walk-forward summary")
    .argument("<file>", "artifact JSON file")
    .action((file: string) => {
      const a = loadArtifact(file);
      process.stdout.write(
        JSON.stringify(
          { name: a.name, version: a.version, sha256: a.sha256, selected: a.selected, objective: a.objective.value, walk_forward: a.walk_forward.summary, gate: a.walk_forward.gate, datasets: a.datasets, fill_model: a.fill_model, sdk_version: a.sdk_version, provenance: a.provenance },
          null,
          2,
        ) + "\n",
      );
    });
}
