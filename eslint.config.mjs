// Lint: typescript-eslint recommended, plus GRINDER's determinism rule (ADR-003):
// no Math.random / Date.now / new Date() under sdk/ except sdk/cli/.
import tseslint from "typescript-eslint";

const determinism = {
  "no-restricted-properties": [
    "error",
    { object: "Math", property: "random", message: "Determinism (ADR-003): no Math.random in sdk/. Use data or a seeded generator outside the engine." },
    { object: "Date", property: "now", message: "Determinism (ADR-003): no wall clock in sdk/. Use data time (snapshot ts)." },
  ],
  "no-restricted-syntax": [
    "error",
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Determinism (ADR-003): no wall clock in sdk/." },
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
);
