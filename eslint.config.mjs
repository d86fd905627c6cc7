// ESLint (flat config) with typescript-eslint, and dprint as the one formatter, run through the Effect
// community's @effect/eslint-plugin with the effect repo's own formatting settings. `npm run lint`
// checks both; `npm run format` rewrites what the formatter would change.
import * as effectPlugin from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "docs/bench/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...effectPlugin.configs.dprint,
  {
    // Node's globals for the plain JavaScript scripts (TypeScript checks its own files' names).
    files: ["**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } }
  },
  {
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }]
    }
  },
  {
    // The daemon imports effect module by module: the barrel evaluates all of effect (docs/architecture.md).
    files: ["src/**/*.ts"],
    rules: { "@effect/no-import-from-barrel-package": ["error", { packageNames: ["effect"] }] }
  }
)
