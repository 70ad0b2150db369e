/**
 * Chromium for the browser tests (test support, not part of the build): Debian's
 * /usr/bin/chromium driven by playwright-core, with the flags that work as root on a machine
 * with no outside network, a throw-away profile and a fake microphone.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Where the Chromium binary is expected. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** True when the end-to-end tests can run. */
export const hasChromium: boolean = existsSync(CHROMIUM_PATH);

/** Why the end-to-end tests are skipped (for `describe.skipIf` titles). */
export const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM_PATH}`;

/** A running Chromium with its own throw-away profile. */
export interface BrowserHandle {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium (Debian's, driven by playwright-core) with a fake microphone that
 * plays `fakeMicWav` once from the moment a page opens it, then silence (without a file:
 * Chromium's own test tone).
 *
 * @example
 * ```ts
 * const browser = await launchChromium(fixturePath("synthetic/48k/two_turns.wav"));
 * const page = await newProbedPage(browser.context);
 * ```
 */
export async function launchChromium(fakeMicWav?: string): Promise<BrowserHandle> {
  if (fakeMicWav !== undefined && !existsSync(fakeMicWav)) {
    throw new Error(`fake microphone file not found: ${fakeMicWav}`);
  }
  const profile = await mkdtemp(join(tmpdir(), "fastrtc-e2e-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 960, height: 720 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        ...(fakeMicWav ? [`--use-file-for-fake-audio-capture=${fakeMicWav}%noloop`] : []),
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    close: () => {
      closing ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(profile, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}
