// Lint: type-aware typescript-eslint, with the promise rules that matter for a controller
// (a floating promise is a lost error) and limits that keep functions small.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Files matching `files` may not import from the named src/ folders, nor the Kubernetes client outside src/kube. */
function layer(files, forbidden) {
  const kubeClient = { group: ["@kubernetes/client-node"], message: "Only src/kube talks to @kubernetes/client-node." };
  return [
    {
      files,
      ignores: ["**/*.test.ts", "src/**/testing/**"],
      rules: {
        "no-restricted-imports": [
          "error",
          { patterns: [...(files.includes("src/kube/**") ? [] : [kubeClient]), ...forbidden.map((f) => ({ group: [`**/${f}/**`, `../${f}/*`], message: `${files.join(", ")} may not import from src/${f} (design.md layers).` }))] },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "charts/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      complexity: ["error", 15],
      "max-depth": ["error", 4],
      "max-lines-per-function": ["warn", { max: 80, skipBlankLines: true, skipComments: true }],
      "max-params": ["error", 5],
    },
  },
  // The layers of design.md: each folder imports only from the layers below it.
  ...layer(["src/api/**", "src/pki/**", "src/policy/**"], ["connectors", "kube", "runtime", "controllers", "cli"]),
  ...layer(["src/connectors/**"], ["kube", "runtime", "controllers", "cli"]),
  ...layer(["src/kube/**"], ["runtime", "controllers", "cli"]),
  ...layer(["src/runtime/**"], ["api", "pki", "policy", "connectors", "controllers", "cli"]),
  ...layer(["src/controllers/**"], ["cli"]),
  ...layer(["src/*.ts", "src/cli/**", "src/observability/**"], []),
  {
    // Time comes from the injected Clock, so tests can move it; only the clock reads the system's.
    files: ["src/**/*.ts"],
    ignores: ["src/runtime/clock.ts", "**/*.test.ts", "src/**/testing/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "Use the injected Clock (src/runtime/clock.ts)." },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Use the injected Clock (src/runtime/clock.ts)." },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "max-lines-per-function": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
    },
  },
  { files: ["eslint.config.js", "bin/*.js"], ...tseslint.configs.disableTypeChecked },
);
