/**
 * Server-side rendering of the built-in page: one self-contained HTML document with the page
 * configuration, the stylesheet and the script inlined.
 */

import { DEFAULT_AUDIO_TITLE, type PageConfig, type UiBundle } from "./pageTypes.js";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Text for `<title>`: tags removed (a title may be HTML), whitespace collapsed. */
function plainTitle(title: string): string {
  const text = title
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? DEFAULT_AUDIO_TITLE : text;
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
 * `\u003e`, `\u0026`, so no value (a title of `</script>`, say) can end the element early. The
 * browser's `JSON.parse` reads the escapes back as the original characters.
 */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Keeps an inlined script or stylesheet from closing its own element. */
function neutraliseClosingTag(source: string, tag: "script" | "style"): string {
  return source.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

/** An inline favicon (a dot in the button's colour), so browsers do not request /favicon.ico. */
function favicon(color: string | undefined): string {
  const fill = color && /^#[0-9a-f]{3,8}$/i.test(color) ? color : "#f26b1d";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${fill}"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/**
 * Renders the built-in page: a complete HTML document whose script reads `config` from
 * `<script id="fastrtc-config" type="application/json">` and builds the talk button.
 *
 * The configuration is embedded as JSON with `<`, `>` and `&` escaped, so any title or subtitle
 * is safe to embed; the `<title>` element gets the title's text (tags removed, HTML-escaped).
 * The page loads nothing else except `config.icon` (the favicon is inline too).
 *
 * @param config - What the page shows and where it connects (see {@link PageConfig}).
 * @param bundle - The page's script and stylesheet, usually from {@link loadUiBundle}.
 * @returns The HTML document, ready to send with `Content-Type: text/html; charset=utf-8`.
 *
 * @example
 * ```ts
 * const bundle = await loadUiBundle();
 * app.get("/", (c) =>
 *   c.html(renderPage({ title: "Echo", mode: "send-receive", modality: "audio", path: "",
 *     rtcConfiguration: {} }, bundle)),
 * );
 * ```
 */
export function renderPage(config: PageConfig, bundle: UiBundle): string {
  const title = plainTitle(config.title ?? DEFAULT_AUDIO_TITLE);
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="icon" href="${escapeHtml(favicon(config.iconButtonColor))}">`,
    `<style>${neutraliseClosingTag(bundle.css, "style")}</style>`,
    "</head>",
    '<body data-state="idle">',
    '<main id="fastrtc-root"></main>',
    '<noscript><p class="fastrtc-noscript">This page needs JavaScript to reach the microphone.</p></noscript>',
    `<script id="fastrtc-config" type="application/json">${scriptSafeJson(config)}</script>`,
    `<script type="module">${neutraliseClosingTag(bundle.js, "script")}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
