/**
 * The built-in page served at "/" by the server: its configuration type, the HTML renderer and
 * the loader of its bundled script and stylesheet.
 */

export { loadUiBundle } from "./assets.js";
export type { PageConfig, UiBundle } from "./pageTypes.js";
export { DEFAULT_AUDIO_TITLE } from "./pageTypes.js";
export { renderPage } from "./render.js";
