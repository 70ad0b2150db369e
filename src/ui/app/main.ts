/**
 * Entry point of the built-in page (bundled to dist/ui/app.js by scripts/build-ui.mjs).
 */

import "./styles.css";
import { resolvePageConfig } from "./config.js";
import { startApp } from "./controller.js";
import { createView } from "./view.js";

function readConfig(): unknown {
  const text = document.getElementById("fastrtc-config")?.textContent;
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

const config = resolvePageConfig(readConfig());
startApp(config, createView(document, config));
