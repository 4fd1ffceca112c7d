import { expect } from "chai";
import { GrinderError } from "../sdk/contracts/errors";

/** Run `f`, assert that it throws a `GrinderError`, and return it for further assertions. */
export function errorOf(f: () => unknown): GrinderError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(GrinderError);
    return e as GrinderError;
  }
  throw new Error("expected a GrinderError");
}
