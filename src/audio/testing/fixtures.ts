/**
 * Test helper: locates the shared audio fixtures. The repository is expected to sit next to a
 * `shared/` folder (`<repo>/../shared/fixtures/audio`), as in the development and CI layouts.
 * Not part of the published package.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the shared audio fixtures folder: `FASTRTC_FIXTURES` when set, else
 * `<repo root>/../shared/fixtures/audio`.
 */
export const FIXTURES_DIR: string =
  process.env.FASTRTC_FIXTURES ??
  // this file is <repo>/src/audio/testing/fixtures.ts
  fileURLToPath(new URL("../../../../shared/fixtures/audio/", import.meta.url));

/**
 * Absolute path of a shared audio fixture.
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
