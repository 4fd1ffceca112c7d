import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** A Redis server of a test: loopback, free port, temp dir, no persistence; `stop()` ends it. */
export interface TestRedis {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** Stop and start again on the same port (a restart without persistence: every job is gone). */
  restart(): Promise<void>;
}

export function redisAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { encoding: "utf8" }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? res(a.port) : rej(new Error("no port"))));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((res, rej) => {
    let out = "";
    const t = setTimeout(() => rej(new Error(`redis-server did not start: ${out}`)), 20_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(t);
        res(proc);
      }
    });
    proc.on("exit", (c) => {
      clearTimeout(t);
      rej(new Error(`redis-server exited with ${c}: ${out}`));
    });
  });
}

function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    p.once("exit", () => res());
    p.kill("SIGKILL");
  });
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "grinder-redis-"));
  const port = await freePort();
  const r: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    proc: await launch(port, dir),
    async stop() {
      await kill(r.proc);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill(r.proc);
      r.proc = await launch(port, dir);
    },
  };
  return r;
}
