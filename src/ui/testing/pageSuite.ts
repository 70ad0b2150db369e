/**
 * Test support for the browser tests of the built-in page (not part of the build): one fake app
 * and one Chromium per `describe`, pages opened on it with their errors collected, and the waits
 * the tests share.
 */

import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { type BrowserHandle, launchChromium } from "../../testing/chromium.js";
import { buildUiBundle } from "../assets.js";
import type { PageConfig, UiBundle } from "../pageTypes.js";
import { type FakeApp, startFakeApp } from "./fakeApp.js";

/** A page configuration with nothing extra: audio both ways, no ICE servers. */
export const BASE_CONFIG: PageConfig = {
  mode: "send-receive",
  modality: "audio",
  path: "",
  rtcConfiguration: { iceServers: [] },
};

/** Waits until the page's `<body data-state>` is `state` (default timeout 15 s). */
export function waitForState(page: Page, state: string, timeout = 15_000): Promise<unknown> {
  return page.waitForSelector(`body[data-state="${state}"]`, { state: "attached", timeout });
}

/** Lets transitions and entry animations finish (before a screenshot or a count). */
export async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(400);
}

/** The page's `<body data-state>` (read through an attribute: no DOM types on this side). */
export function bodyState(page: Page): Promise<string | null> {
  return page.getAttribute("body", "data-state");
}

/** A page opened by {@link PageSuite.open}, and the errors it has reported so far. */
export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions and `console.error` messages of the page. */
  errors: string[];
}

/** What {@link pageSuite} gives a `describe`. */
export interface PageSuite {
  /** The fake app (set by `beforeAll`). */
  readonly app: FakeApp;
  /** The UI bundle the fake app serves (built from the current sources). */
  readonly bundle: UiBundle;
  /**
   * Opens the fake app's page with `config` (or `url`'s page, when given, without touching the
   * fake app's configuration) and waits for its call button. `prepare` runs on the new page
   * before it loads (init scripts, routes).
   */
  open(
    config: PageConfig,
    options?: { url?: string; prepare?: (page: Page) => Promise<void> },
  ): Promise<OpenedPage>;
}

/**
 * Starts the fake app and Chromium before the enclosing `describe`'s tests and closes them
 * after. Call it inside a `describe` (skipped where Chromium is missing).
 *
 * @example
 * ```ts
 * describe.skipIf(!hasChromium)("the page", () => {
 *   const suite = pageSuite();
 *   it("renders", async () => {
 *     const { page, errors } = await suite.open({ ...BASE_CONFIG, title: "Echo" });
 *     await waitForState(page, "idle");
 *     expect(errors).toEqual([]);
 *   });
 * });
 * ```
 */
export function pageSuite(): PageSuite {
  let app: FakeApp | undefined;
  let bundle: UiBundle | undefined;
  let browser: BrowserHandle | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    bundle = await buildUiBundle();
    app = await startFakeApp(bundle);
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`pageSuite: ${what} is not started (beforeAll)`);
    return value;
  };

  return {
    get app() {
      return started(app, "the fake app");
    },
    get bundle() {
      return started(bundle, "the UI bundle");
    },
    async open(config, options = {}) {
      const fake = started(app, "the fake app");
      if (!options.url) fake.setPage(config);
      const page = await started(context, "Chromium").newPage();
      await options.prepare?.(page);
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(msg.text());
      });
      await page.goto(options.url ?? fake.url);
      await page.waitForSelector(".fastrtc-button");
      return { page, errors };
    },
  };
}
