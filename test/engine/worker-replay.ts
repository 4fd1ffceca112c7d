import { parentPort, workerData } from "node:worker_threads";
import { runReplay } from "../../sdk/engine/run";

void runReplay({ fixture: workerData.fixture, window: workerData.window }).then((r) => parentPort!.postMessage(r.digest));
