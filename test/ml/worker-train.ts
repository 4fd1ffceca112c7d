import { parentPort, workerData } from "node:worker_threads";
import { parseTrainSpec, trainRegimeModel } from "../../sdk/ml/train";
import { renderRegimeModel } from "../../sdk/ml/model";

void trainRegimeModel(parseTrainSpec(workerData.spec), { root: workerData.root }).then((r) => parentPort!.postMessage(renderRegimeModel(r.model)));
