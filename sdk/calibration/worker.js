// Worker-thread entry for the calibration pool: worker threads do not inherit the main
// thread's TypeScript loader, so register it here, then load the TypeScript worker.
require("tsx/cjs");
module.exports = require("./worker.ts");
