/**
 * One Jupyter kernel launch at a time on this machine (ADR-200). `npm test` runs test files in
 * parallel worker processes; Jupyter picks a kernel's five ports by binding and releasing free
 * ports, so two kernels starting at once can be handed the same port, and a client then reads
 * the other kernel's messages ("Invalid Signature"). Every test that starts a kernel (a notebook
 * run, `jupyter run`, `jupyter console`, a notebook server, `grinder report`) holds an exclusive
 * flock(1) on KERNEL_LOCK while it does. The lock is the kernel's (released when the process
 * holding it ends, however it ends), so a killed test cannot leave it taken.
 *
 * Re-entrant within a process: mocha runs one test at a time per worker, so a kernel run inside
 * a suite that already holds the lock (the notebook server suite) runs without taking it again.
 */
import { spawn, spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Machine-wide: the port race is between any two kernels, whichever checkout or test run starts
 * them (so not under the run's own TMPDIR, test/harness/tmp-root.ts).
 */
export const KERNEL_LOCK = path.join(process.env.GRINDER_MACHINE_TMPDIR ?? os.tmpdir(), "grinder-jupyter-kernels.lock");

let held = 0;

/**
 * `spawnSync(cmd, args, opts)` holding the kernel lock for the command's lifetime. flock
 * `--no-fork` execs the command in its own process (signals and `timeout` reach it directly).
 */
export function kernelSpawnSync(cmd: string, args: readonly string[], opts: SpawnSyncOptionsWithStringEncoding): SpawnSyncReturns<string> {
  if (held > 0) return spawnSync(cmd, args, opts);
  return spawnSync("flock", ["--no-fork", KERNEL_LOCK, cmd, ...args], opts);
}

/** Take the kernel lock until the returned release is called (a suite's `before` .. `after`). */
export async function holdKernelLock(): Promise<() => Promise<void>> {
  // flock execs sh, which execs cat: cat holds the lock until its stdin closes
  const p = spawn("flock", ["--no-fork", KERNEL_LOCK, "sh", "-c", "echo locked && exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  p.stderr.on("data", (b: Buffer) => (err += String(b)));
  await new Promise<void>((res, rej) => {
    p.stdout.once("data", () => res());
    p.once("error", rej);
    p.once("exit", (code) => rej(new Error(`flock ${KERNEL_LOCK} exited (${code}) before taking the lock: ${err}`)));
  });
  held++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    held--;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((res) => {
      p.once("exit", () => res());
      p.stdin.end();
    });
  };
}
