// Writes dist/require.cjs, what `require("fastrtc-ts")` resolves to (the "require" condition of
// the exports map): fastrtc-ts is ESM only (its model runtime loads with top-level await), so the
// stub throws an error that says so and shows the import to use instead.

import { mkdir, writeFile } from "node:fs/promises";

const stub = `"use strict";
// fastrtc-ts is an ES module package; this file only explains that to require() callers.
const error = new Error(
  'fastrtc-ts is ESM only and cannot be loaded with require(). Use \`import { Stream, ReplyOnPause } from "fastrtc-ts"\` ' +
    'in an ES module (a .mjs file, or "type": "module" in package.json), or \`const { Stream } = await import("fastrtc-ts")\` from CommonJS.',
);
error.code = "ERR_FASTRTC_ESM_ONLY";
throw error;
`;

const dist = new URL("../dist/", import.meta.url);
await mkdir(dist, { recursive: true });
await writeFile(new URL("require.cjs", dist), stub);
