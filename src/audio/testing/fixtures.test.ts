import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES_DIR, fixturePath } from "./fixtures.js";

describe("fixturePath", () => {
  it("resolves the fixtures inside the repository", () => {
    expect(isAbsolute(FIXTURES_DIR)).toBe(true);
    expect(FIXTURES_DIR).toMatch(/[\\/]fixtures[\\/]audio[\\/]?$/);
    expect(existsSync(fixturePath("MANIFEST.md"))).toBe(true);
    expect(existsSync(fixturePath("synthetic/16k/two_turns.wav"))).toBe(true);
  });
});
