/**
 * Test helper: locates the audio fixtures that live in the repository (`<repo>/fixtures/audio`,
 * with their MANIFEST and licence notes). Not part of the published package.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the audio fixtures folder: `FASTRTC_FIXTURES` when set, else
 * `<repo root>/fixtures/audio`.
 */
export const FIXTURES_DIR: string =
  process.env.FASTRTC_FIXTURES ??
  // this file is <repo>/src/audio/testing/fixtures.ts
  fileURLToPath(new URL("../../../fixtures/audio/", import.meta.url));

/**
 * Absolute path of an audio fixture.
 *
 * @param name path relative to the fixtures folder, e.g. `"leopard__test.wav"` or
 *   `"synthetic/16k/two_turns.wav"`.
 * @example
 * ```ts
 * const wav = await readWavFile(fixturePath("synthetic/16k/two_turns.wav"));
 * ```
 */
export function fixturePath(name: string): string {
  return join(FIXTURES_DIR, name);
}
