import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      ".local/",
      "coverage/",
      "runner/images/core/ade.js",
      "runner/images/arm-bicep/arm-deploy.js",
      "runner/images/terraform/terraform-outputs.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: "Read settings through src/config.ts only.",
        },
      ],
    },
  },
  {
    files: ["dev/**", "test/**", "bench/**", "runner/**", "src/config.ts", "*.mjs", "*.js"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly" },
    },
  },
);
