/**
 * Reading the page configuration the server embedded, with FastRTC's defaults applied. Pure
 * (no DOM), so it can be tested in Node.
 */

import { DEFAULT_AUDIO_TITLE, type PageConfig } from "../pageTypes.js";
import { type ResolvedInput, resolveInputs } from "./components.js";
import { type ResolvedOutput, resolveOutputs } from "./outputs.js";

/**
 * Microphone constraints used when the server gives none: FastRTC's defaults for audio (echo
 * cancellation, noise suppression and automatic gain control on, mono, 24 kHz and 16-bit
 * preferred).
 *
 * @example
 * ```ts
 * await navigator.mediaDevices.getUserMedia({ audio: DEFAULT_TRACK_CONSTRAINTS });
 * ```
 */
export const DEFAULT_TRACK_CONSTRAINTS: Readonly<Record<string, unknown>> = Object.freeze({
  echoCancellation: true,
  noiseSuppression: { exact: true },
  autoGainControl: { exact: true },
  sampleRate: { ideal: 24000 },
  sampleSize: { ideal: 16 },
  channelCount: { exact: 1 },
});

/**
 * The page configuration with every default applied and every field checked.
 *
 * @example
 * ```ts
 * const config: ResolvedPageConfig = resolvePageConfig(JSON.parse(text));
 * if (!config.hideTitle) showTitle(config.title);
 * ```
 */
export interface ResolvedPageConfig {
  /** Title text, or HTML when `titleIsHtml`. */
  title: string;
  titleIsHtml: boolean;
  /** Subtitle text, or HTML when `subtitleIsHtml`; absent when none was given. */
  subtitle: string | undefined;
  subtitleIsHtml: boolean;
  icon: string | undefined;
  iconButtonColor: string | undefined;
  pulseColor: string | undefined;
  /** Percent, clamped to 0–50. */
  iconRadius: number;
  hideTitle: boolean;
  fullScreen: boolean;
  mode: PageConfig["mode"];
  /** Route prefix without a trailing slash ("" for the root). */
  path: string;
  rtcConfiguration: Record<string, unknown>;
  trackConstraints: Record<string, unknown>;
  /** The extra inputs (empty when none). */
  inputs: ResolvedInput[];
  /** The extra outputs, one per configured output (`undefined` for one the page cannot show). */
  outputs: Array<ResolvedOutput | undefined>;
  /** True when the app serves `POST {path}/input_hook` and `GET {path}/outputs`. */
  ioRoutes: boolean;
  /** True when the page shows a field for typed turns. */
  textTurns: boolean;
  /** True when the page shows the per-turn latency (end of speech → first reply audio). */
  showLatency: boolean;
  /** When the inputs are sent besides `send_input`: on each change, or on Submit. */
  sendInputOn: "change" | "submit";
}

/**
 * Whether a string should be treated as HTML: true when it contains something that looks like
 * a start or end tag.
 *
 * @example
 * ```ts
 * looksLikeHtml("<h2>Echo</h2>"); // true
 * looksLikeHtml("1 < 2");         // false
 * ```
 */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-zA-Z][^<>]*>/.test(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Applies the defaults to a configuration object as parsed from the page (anything else is
 * treated as an empty configuration, so the page still renders).
 *
 * @param raw - The parsed JSON of `<script id="fastrtc-config">`.
 * @returns The configuration the page uses.
 *
 * @example
 * ```ts
 * const config = resolvePageConfig({ title: "Echo", mode: "send-receive", path: "/api/" });
 * config.path;       // "/api"
 * config.iconRadius; // 50
 * config.inputs;     // []
 * ```
 */
export function resolvePageConfig(raw: unknown): ResolvedPageConfig {
  const c = isRecord(raw) ? raw : {};
  const title = optionalString(c.title) ?? DEFAULT_AUDIO_TITLE;
  const subtitle = optionalString(c.subtitle);
  const radius =
    typeof c.iconRadius === "number" && Number.isFinite(c.iconRadius) ? c.iconRadius : 50;
  const mode = c.mode === "send" || c.mode === "receive" ? c.mode : "send-receive";
  const path = typeof c.path === "string" ? c.path.replace(/\/+$/, "") : "";
  return {
    title,
    titleIsHtml: looksLikeHtml(title),
    subtitle,
    subtitleIsHtml: subtitle !== undefined && looksLikeHtml(subtitle),
    icon: optionalString(c.icon),
    iconButtonColor: optionalString(c.iconButtonColor),
    pulseColor: optionalString(c.pulseColor),
    iconRadius: Math.min(50, Math.max(0, radius)),
    hideTitle: c.hideTitle === true,
    fullScreen: c.fullScreen !== false,
    mode,
    path,
    rtcConfiguration: isRecord(c.rtcConfiguration) ? c.rtcConfiguration : {},
    trackConstraints: isRecord(c.trackConstraints)
      ? c.trackConstraints
      : { ...DEFAULT_TRACK_CONSTRAINTS },
    inputs: resolveInputs(c.additionalInputs),
    outputs: resolveOutputs(c.additionalOutputs),
    ioRoutes: c.ioRoutes === true,
    textTurns: c.textTurns === true,
    showLatency: c.showLatency === true,
    sendInputOn: c.sendInputOn === "submit" ? "submit" : "change",
  };
}
