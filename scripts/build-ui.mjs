// Bundles the built-in page: src/ui/app/main.ts (and the stylesheet it imports) into
// dist/ui/app.js and dist/ui/app.css. Run after `tsc -p tsconfig.build.json`.
// Keep the options in step with buildUiBundle() in src/ui/assets.ts.

import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { app: "src/ui/app/main.ts" },
  outdir: "dist/ui",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
