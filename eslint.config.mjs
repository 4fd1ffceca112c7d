// Lint: typescript-eslint recommended, plus GRINDER's determinism rule (ADR-003):
// no Math.random / Date.now / new Date() under sdk/ except sdk/cli/; no transcendental Math
// function or `**` there either (ADR-180: sdk/util/libm.ts).
import path from "node:path";
import tseslint from "typescript-eslint";

// Layers of sdk/ (ADR-045), lowest first. A file may import its own folder, anything in a LOWER
// layer, and (layer 0 only) the other layer-0 folders. Importing a higher layer, or another
// folder of the same layer, is an error. `sdk/index.ts` and `sdk/version.ts` sit outside the list:
// index.ts is the top, version.ts counts as layer 0.
export const LAYERS = [
  ["util", "contracts", "version.ts"],
  ["features", "ledger", "metrics", "sim"],
  ["regime", "policy", "portfolio", "execution"],
  ["config", "data"],
  ["strategy"],
  ["strategies"],
  ["engine"],
  ["calibration"],
  ["notebook"],
  ["cli"],
];
const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));
const SDK = path.resolve(import.meta.dirname, "sdk");

/** First path segment under sdk/ of an absolute file path, or null outside sdk/. */
function unitOf(file) {
  const rel = path.relative(SDK, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return rel.split(path.sep)[0];
}

const layersPlugin = {
  rules: {
    "no-upward-import": {
      meta: { type: "problem", schema: [], messages: { up: "Layers (ADR-045): sdk/{{from}} (layer {{fl}}) must not import sdk/{{to}} (layer {{tl}}). Move the code down or invert the dependency." } },
      create(context) {
        const file = context.filename ?? context.getFilename();
        const from = unitOf(file);
        if (from === null || from === "index.ts" || !layerOf.has(from)) return {};
        const fl = layerOf.get(from);
        const check = (node) => {
          const src = node.source && node.source.value;
          if (typeof src !== "string" || !src.startsWith(".")) return;
          const to = unitOf(path.resolve(path.dirname(file), src));
          if (to === null || to === from) return;
          const tl = layerOf.get(to.replace(/\.ts$/, "") === "version" ? "version.ts" : to);
          if (tl === undefined) return;
          if (tl > fl || (tl === fl && fl !== 0)) context.report({ node, messageId: "up", data: { from, fl, to, tl } });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

// Transcendental Math functions: not specified to the bit, so V8 versions (Node vs Deno) differ in
// the last bit (ADR-165). sdk/ calls the pure-arithmetic versions in sdk/util/libm.ts (ADR-180).
export const LIBM_FUNCTIONS = ["exp", "expm1", "log", "log1p", "log2", "log10", "pow", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "cbrt", "hypot"];

const determinism = {
  "no-restricted-properties": [
    "error",
    { object: "Math", property: "random", message: "Determinism (ADR-003): no Math.random in sdk/. Use data or a seeded generator outside the engine." },
    { object: "Date", property: "now", message: "Determinism (ADR-003): no wall clock in sdk/. Use data time (snapshot ts)." },
    ...LIBM_FUNCTIONS.map((property) => ({ object: "Math", property, message: `Determinism (ADR-180): Math.${property} differs in the last bit between JS engines. Use ${property} from sdk/util/libm.ts.` })),
  ],
  "no-restricted-syntax": [
    "error",
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Determinism (ADR-003): no wall clock in sdk/." },
    { selector: "BinaryExpression[operator='**']", message: "Determinism (ADR-180): `**` is Math.pow, not exact in every engine. Multiply for a small integer power, else pow from sdk/util/libm.ts." },
    { selector: "AssignmentExpression[operator='**=']", message: "Determinism (ADR-180): `**=` is Math.pow, not exact in every engine. Multiply, or use pow from sdk/util/libm.ts." },
  ],
};

export default tseslint.config(
  { ignores: ["node_modules/**", "reports/**", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  { files: ["sdk/**/*.ts"], ignores: ["sdk/cli/**"], rules: determinism },
  { files: ["sdk/**/*.ts"], plugins: { layers: layersPlugin }, rules: { "layers/no-upward-import": "error" } },
);
