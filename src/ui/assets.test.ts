import { describe, expect, it } from "vitest";
import { buildUiBundle, loadUiBundle } from "./assets.js";

describe("UI bundle", () => {
  it("loadUiBundle returns the page's script and stylesheet, once per process", async () => {
    const bundle = await loadUiBundle();
    expect(bundle.js.length).toBeGreaterThan(1000);
    expect(bundle.css.length).toBeGreaterThan(500);
    expect(bundle.css).toContain(".fastrtc-button");
    expect(await loadUiBundle()).toBe(bundle);
  });

  it("buildUiBundle bundles the sources in memory (ES module, minified, with the CSS)", async () => {
    const { js, css } = await buildUiBundle();
    expect(js).toContain("fastrtc-config");
    expect(js).toContain("fastrtc-remote-audio");
    expect(js).not.toMatch(/^\s*import\s/m); // self-contained
    expect(js.split("\n").length).toBeLessThan(20); // minified
    expect(css).toContain("--fastrtc-accent");
    expect(css).toContain("[data-state=speaking]");
  });
});
