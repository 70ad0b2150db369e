import type { InputComponent, OutputComponent } from "./componentTypes.js";

/**
 * The configuration the server embeds in the built-in page. Node-side and DOM-free: the browser
 * code imports only its type.
 */

/**
 * Look of the built-in page: the camelCase forms of FastRTC's `UIArgs` (`icon_button_color` →
 * `iconButtonColor`, ...). Every field is optional; the page applies FastRTC's defaults.
 *
 * @example
 * ```ts
 * const uiArgs: UIArgs = { title: "Echo", pulseColor: "#e11d48", iconRadius: 30 };
 * ```
 */
export interface UIArgs {
  /**
   * Page title. Kept verbatim as HTML when it contains a tag, otherwise shown as a centred
   * heading. Default: "Audio Streaming (Powered by FastRTC ⚡️)".
   */
  title?: string;
  /** Line under the title (same HTML rule as `title`). */
  subtitle?: string;
  /** URL of an svg/png/jpeg shown in the talk button instead of the built-in microphone. */
  icon?: string;
  /** Any CSS colour: the talk button's background. */
  iconButtonColor?: string;
  /** Any CSS colour: the ring that pulses with the audio level. */
  pulseColor?: string;
  /** Corner radius of the talk button, in percent of its size (0–50). Default 50: round. */
  iconRadius?: number;
  /** Hide the title and subtitle. Default false. */
  hideTitle?: boolean;
  /** Fill the whole viewport. Default true; false shows a compact card. */
  fullScreen?: boolean;
  /** When the page answers `send_input`: on every change or on submit. Default `"change"`. */
  sendInputOn?: "change" | "submit";
  /**
   * Show a small per-turn latency readout under the button: end of speech → first reply audio
   * (`speechEndToFirstAudioMs`; for a typed turn, message → first reply audio). It needs the
   * turn events on the data channel, so a `Stream` with this set sends them to WebRTC
   * connections (`sendTurnMetrics`) unless `sendTurnMetrics` is `false`. Default `false`.
   */
  showLatency?: boolean;
}

/**
 * Everything the built-in page needs to know, embedded as JSON in
 * `<script id="fastrtc-config" type="application/json">` by {@link renderPage}.
 *
 * The presentation fields are the camelCase forms of FastRTC's `UIArgs` (`icon_button_color` →
 * `iconButtonColor`, ...); every one is optional and the page applies FastRTC's defaults.
 *
 * @example
 * ```ts
 * const config: PageConfig = {
 *   title: "Echo",
 *   subtitle: "Say something, then pause.",
 *   iconButtonColor: "#0f766e",
 *   mode: "send-receive",
 *   modality: "audio",
 *   path: "",
 *   rtcConfiguration: { iceServers: [{ urls: "stun:stun.l.google.com:19302" }] },
 * };
 * ```
 */
export interface PageConfig extends UIArgs {
  /** What the page does with audio: talk and listen, only talk, or only listen. */
  mode: "send-receive" | "send" | "receive";
  /** Only audio is supported by the built-in page. */
  modality: "audio";
  /** Prefix the stream's routes are mounted under ("" for the root), e.g. "/api". */
  path: string;
  /** The `RTCConfiguration` given to the browser's peer connection (ICE/TURN servers). */
  rtcConfiguration: object;
  /**
   * `MediaTrackConstraints` for the microphone. Absent or null: echo cancellation, noise
   * suppression and automatic gain on, mono, 24 kHz / 16-bit preferred.
   */
  trackConstraints?: object | null;
  /** Extra inputs, with every `name` and `value` filled in by the server. Default `[]`. */
  additionalInputs?: InputComponent[];
  /** Extra outputs, with every `name` filled in by the server. Default `[]`. */
  additionalOutputs?: OutputComponent[];
  /**
   * True when `POST {path}/input_hook` and `GET {path}/outputs` are served. Default `false`.
   *
   * When true, the page posts `{"webrtc_id": id, "<input name>": value, ...}` to the input hook
   * when the server sends `send_input` (and on each change, or on Submit, per `sendInputOn`),
   * and during a call follows `GET {path}/outputs?webrtc_id=id`, whose `output` events carry a
   * JSON array with the new value of each output. When false, the inputs are shown but never
   * sent, and the outputs stay empty.
   */
  ioRoutes?: boolean;
  /**
   * True when the handler takes typed turns (the page shows a text field). Default `false`.
   * The page sends `{"type":"text","data":"<text>"}` on the data channel.
   */
  textTurns?: boolean;
}

/**
 * The page's script and stylesheet, as produced by `scripts/build-ui.mjs`.
 *
 * @example
 * ```ts
 * const bundle: UiBundle = await loadUiBundle();
 * const html = renderPage(config, bundle);
 * ```
 */
export interface UiBundle {
  /** The browser script (an ES module). */
  js: string;
  /** The stylesheet. */
  css: string;
}

/**
 * The title the page shows when `PageConfig.title` is not set.
 *
 * @example
 * ```ts
 * const shown = config.title ?? DEFAULT_AUDIO_TITLE;
 * ```
 */
export const DEFAULT_AUDIO_TITLE = "Audio Streaming (Powered by FastRTC ⚡️)";
