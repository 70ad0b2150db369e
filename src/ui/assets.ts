/**
 * Loading the built-in page's script and stylesheet (`dist/ui/app.js`, `dist/ui/app.css`).
 */

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { UiBundle } from "./pageTypes.js";

/** Where `scripts/build-ui.mjs` writes the bundle, relative to the repository root. */
const BUILT_DIR_FROM_SOURCE = "../../dist/ui/";

let cached: Promise<UiBundle> | undefined;

async function readBundle(dir: URL): Promise<UiBundle | undefined> {
  try {
    const [js, css] = await Promise.all([
      readFile(new URL("app.js", dir), "utf8"),
      readFile(new URL("app.css", dir), "utf8"),
    ]);
    return { js, css };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Bundles the page from its sources (`src/ui/app/main.ts` and the stylesheet it imports) in
 * memory with esbuild; `scripts/build-ui.mjs` writes its result to `dist/ui`. Works only from a
 * source checkout with dev dependencies installed.
 *
 * @returns The freshly built script and stylesheet.
 * @throws Error when the sources or esbuild are not available.
 *
 * @example
 * ```ts
 * // In a test that must exercise the current sources, not a previous build:
 * const { js, css } = await buildUiBundle();
 * ```
 */
export async function buildUiBundle(): Promise<UiBundle> {
  // From src/ui/assets.ts the sources are beside this file; from dist/ui/assets.js (the build
  // script) they are in the repository's src/ui.
  const besides = new URL("./app/main.ts", import.meta.url);
  const entry = fileURLToPath(
    existsSync(besides) ? besides : new URL("../../src/ui/app/main.ts", import.meta.url),
  );
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch (err) {
    throw new Error(
      "fastrtc-ts: the built-in page is not built (dist/ui/app.js is missing) and esbuild is not " +
        "installed to build it. Run `npm run build`.",
      { cause: err },
    );
  }
  const result = await esbuild.build({
    entryPoints: { app: entry },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    outdir: "out",
    write: false,
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith(".css"))?.text;
  if (!js || css === undefined) {
    throw new Error("fastrtc-ts: building the built-in page produced no script or no stylesheet");
  }
  return { js, css };
}

async function locateBundle(): Promise<UiBundle> {
  // Running from dist/ui/assets.js: the bundle sits beside this module.
  const beside = await readBundle(new URL("./", import.meta.url));
  if (beside) return beside;
  // Running from src/ui/assets.ts (tsx, vitest): a previous `npm run build` output.
  const built = await readBundle(new URL(BUILT_DIR_FROM_SOURCE, import.meta.url));
  if (built) return built;
  // Otherwise build it now from the sources, if they are here.
  try {
    await readFile(new URL("./app/main.ts", import.meta.url));
  } catch {
    throw new Error(
      `fastrtc-ts: the built-in page's files are missing: expected app.js and app.css next to ${fileURLToPath(import.meta.url)}. ` +
        "Reinstall the package, or run `npm run build` in a source checkout.",
    );
  }
  return buildUiBundle();
}

/**
 * The built-in page's script and stylesheet, read once per process.
 *
 * Looks for `app.js`/`app.css` next to this module (the published `dist/ui/`), then, when
 * running from the sources, in the repository's `dist/ui/`, and finally bundles
 * `src/ui/app/main.ts` in memory with esbuild (a dev dependency). A failed attempt is not
 * cached, so a later call can succeed once the files exist.
 *
 * @returns The script (an ES module) and the stylesheet, for {@link renderPage}.
 * @throws Error naming what is missing when none of the three works.
 *
 * @example
 * ```ts
 * const bundle = await loadUiBundle();
 * const html = renderPage(pageConfig, bundle);
 * ```
 */
export function loadUiBundle(): Promise<UiBundle> {
  if (!cached) {
    cached = locateBundle();
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
