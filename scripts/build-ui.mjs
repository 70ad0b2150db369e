// Bundles the built-in page (src/ui/app/main.ts and the stylesheet it imports) into
// dist/ui/app.js and dist/ui/app.css, with the build just made by `tsc -p tsconfig.build.json`
// (buildUiBundle in src/ui/assets.ts holds the esbuild options).

import { mkdir, writeFile } from "node:fs/promises";
import { buildUiBundle } from "../dist/ui/assets.js";

const out = new URL("../dist/ui/", import.meta.url);
const { js, css } = await buildUiBundle();
await mkdir(out, { recursive: true });
await Promise.all([writeFile(new URL("app.js", out), js), writeFile(new URL("app.css", out), css)]);
