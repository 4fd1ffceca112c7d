/**
 * Compile files the way tslab's kernel does (its bundled TypeScript 5.0, module ESNext,
 * moduleResolution node10, strict as set by scripts/tslab-preload.cjs), and return the
 * diagnostics per project file. Guards that SDK syntax and types stay within what notebooks
 * can compile.
 */
import * as path from "node:path";
import { ROOT } from "./jupyter";

export interface Ts50Diagnostic {
  file: string;
  line: number;
  message: string;
}

export function compileLikeTslab(entries: string[]): { version: string; diagnostics: Ts50Diagnostic[] } {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ts: any = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.join(ROOT, "node_modules", "tslab")] }));
  const options = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    declaration: true,
    strict: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    noEmit: true,
    rootDir: ROOT,
  };
  const program = ts.createProgram(entries.map((e) => path.join(ROOT, e)), options);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const diagnostics: Ts50Diagnostic[] = ts.getPreEmitDiagnostics(program).map((d: any) => ({
    file: d.file ? path.relative(ROOT, d.file.fileName) : "(options)",
    line: d.file ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
  return { version: ts.version, diagnostics };
}
