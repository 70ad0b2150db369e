/**
 * The page's DOM: header, talk button with its level ring, status line, message area and the
 * remote audio element, plus, when configured, the extra inputs, the extra outputs and the
 * text-turn field (`panels.ts`). No logic beyond presentation.
 */

import {
  createDeviceBar,
  createLatencyReadout,
  type DeviceBar,
  type LatencyReadout,
} from "./callTools.js";
import type { ResolvedPageConfig } from "./config.js";
import { element } from "./dom.js";
import {
  type Composer,
  createComposer,
  createInputsPanel,
  createOutputsPanel,
  type InputsPanel,
  type OutputsPanel,
} from "./panels.js";
import type { TalkState } from "./state.js";

/**
 * Kind of a message shown to the person: errors stay until dismissed or the next call,
 * warnings and notes fade after a while.
 *
 * @example
 * ```ts
 * view.showMessage("warning" satisfies MessageKind, "Your microphone is quiet.");
 * ```
 */
export type MessageKind = "error" | "warning" | "info";

/**
 * Handle on the rendered page.
 *
 * @example
 * ```ts
 * const view = createView(document, config);
 * view.button.addEventListener("click", toggle);
 * view.setState("connecting");
 * ```
 */
export interface View {
  readonly button: HTMLButtonElement;
  /** `<audio id="fastrtc-remote-audio" autoplay>` that plays the reply. */
  readonly audio: HTMLAudioElement;
  /** The extra inputs, when configured. */
  readonly inputs: InputsPanel | undefined;
  /** The extra outputs, when configured. */
  readonly outputs: OutputsPanel | undefined;
  /** The typed-turn field, when `textTurns` is on. */
  readonly composer: Composer | undefined;
  /** The microphone picker and mute button (not in `receive` mode). */
  readonly devices: DeviceBar | undefined;
  /** The per-turn latency readout, when `showLatency` is on. */
  readonly latency: LatencyReadout | undefined;
  /** The call sends no microphone (typing only): the status says so. */
  setTypingOnly(typingOnly: boolean): void;
  /** Shows a state: `data-state` on body and button, labels, status line. */
  setState(state: TalkState): void;
  /** Scales the pulsing ring; 0 (silence) .. 1 (loud). */
  setLevel(level: number): void;
  /** Records the last `log` message as `data-last-log` on body. */
  setLastLog(data: string): void;
  showMessage(kind: MessageKind, text: string): void;
  clearMessages(): void;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const MESSAGE_TIMEOUT_MS = 8000;

function svg(doc: Document, name: string, attrs: Record<string, string>): SVGElement {
  const el = doc.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

function microphoneIcon(doc: Document): SVGElement {
  const root = svg(doc, "svg", {
    viewBox: "0 0 24 24",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "1.8",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
    class: "fastrtc-icon",
  });
  root.append(
    svg(doc, "rect", { x: "9", y: "2.75", width: "6", height: "11.5", rx: "3" }),
    svg(doc, "path", { d: "M5.75 11a6.25 6.25 0 0 0 12.5 0" }),
    svg(doc, "path", { d: "M12 17.25V21" }),
    svg(doc, "path", { d: "M8.75 21h6.5" }),
  );
  return root;
}

function isColor(value: string | undefined): value is string {
  return value !== undefined && typeof CSS !== "undefined" && CSS.supports("color", value);
}

interface Labels {
  aria: string;
  status: string;
  hint: string;
}

function labelsFor(
  state: TalkState,
  mode: ResolvedPageConfig["mode"],
  typingOnly: boolean,
): Labels {
  const receiving = mode === "receive";
  switch (state) {
    case "idle":
      return receiving
        ? { aria: "Start listening", status: "Tap to listen", hint: "" }
        : { aria: "Start talking", status: "Tap to talk", hint: "" };
    case "connecting":
      return { aria: "Connecting. Press to cancel", status: "Connecting…", hint: "Tap to cancel" };
    case "listening":
      if (typingOnly) {
        return { aria: "Connected. Press to stop", status: "Type a message", hint: "Tap to end" };
      }
      return receiving
        ? { aria: "Connected. Press to stop", status: "Connected", hint: "Tap to end" }
        : { aria: "Listening. Press to stop", status: "Listening", hint: "Tap to end" };
    case "thinking":
      return { aria: "Thinking. Press to stop", status: "Thinking…", hint: "Tap to end" };
    case "speaking":
      return { aria: "Replying. Press to stop", status: "Speaking", hint: "Tap to end" };
  }
}

function header(doc: Document, config: ResolvedPageConfig): HTMLElement {
  const head = element(doc, "header", "fastrtc-header");
  if (config.titleIsHtml) {
    // HTML titles come from the app's own configuration and are kept verbatim, as in FastRTC.
    const title = element(doc, "div", "fastrtc-title fastrtc-html");
    title.innerHTML = config.title;
    head.append(title);
  } else {
    head.append(element(doc, "h1", "fastrtc-title", config.title));
  }
  if (config.subtitle !== undefined) {
    const sub = element(doc, "div", "fastrtc-subtitle");
    if (config.subtitleIsHtml) sub.innerHTML = config.subtitle;
    else sub.textContent = config.subtitle;
    head.append(sub);
  }
  return head;
}

/**
 * Renders the page into `#fastrtc-root` (created if absent) and returns its handle.
 *
 * @param doc - The document to render into.
 * @param config - The resolved page configuration.
 *
 * @example
 * ```ts
 * const view = createView(document, resolvePageConfig(raw));
 * ```
 */
export function createView(doc: Document, config: ResolvedPageConfig): View {
  const root = doc.getElementById("fastrtc-root") ?? doc.body.appendChild(element(doc, "main"));
  root.id = "fastrtc-root";
  root.replaceChildren();
  root.classList.add("fastrtc-app");
  root.dataset.fullScreen = String(config.fullScreen);
  root.dataset.mode = config.mode;
  if (isColor(config.iconButtonColor)) {
    root.style.setProperty("--fastrtc-accent", config.iconButtonColor);
  }
  if (isColor(config.pulseColor)) root.style.setProperty("--fastrtc-pulse", config.pulseColor);
  root.style.setProperty("--fastrtc-radius", `${config.iconRadius}%`);

  const messages = element(doc, "div", "fastrtc-messages");
  messages.setAttribute("role", "alert");
  messages.setAttribute("aria-live", "assertive");

  const button = element(doc, "button", "fastrtc-button");
  button.type = "button";
  const fallbackIcon = microphoneIcon(doc);
  if (config.icon !== undefined) {
    const img = element(doc, "img", "fastrtc-icon");
    img.alt = "";
    img.src = config.icon;
    img.addEventListener("error", () => img.replaceWith(fallbackIcon), { once: true });
    button.append(img);
  } else {
    button.append(fallbackIcon);
  }

  // Shown instead of the icon while thinking (three dots) and while speaking (sound bars).
  const glyphs = (className: string, count: number): HTMLSpanElement => {
    const box = element(doc, "span", className);
    box.setAttribute("aria-hidden", "true");
    for (let i = 0; i < count; i++) box.append(element(doc, "span"));
    return box;
  };
  button.append(glyphs("fastrtc-dots", 3), glyphs("fastrtc-bars", 4));

  const orb = element(doc, "div", "fastrtc-orb");
  orb.append(
    element(doc, "span", "fastrtc-ring fastrtc-ring-outer"),
    element(doc, "span", "fastrtc-ring"),
    element(doc, "span", "fastrtc-spinner"),
    button,
  );
  const statusText = element(doc, "span", "fastrtc-status-text");
  const status = element(doc, "p", "fastrtc-status");
  status.setAttribute("aria-live", "polite");
  status.append(element(doc, "span", "fastrtc-dot"), statusText);
  const hint = element(doc, "p", "fastrtc-hint");
  const stage = element(doc, "section", "fastrtc-stage");
  stage.setAttribute("aria-label", "Voice call");
  stage.append(orb, status, hint);
  const devices =
    config.mode === "receive" ? undefined : createDeviceBar(doc, { allowNone: config.textTurns });
  if (devices) {
    devices.element.hidden = true; // until the microphones are known
    stage.append(devices.element);
  }
  const latency = config.showLatency ? createLatencyReadout(doc) : undefined;
  if (latency) stage.append(latency.element);

  const audio = element(doc, "audio");
  audio.id = "fastrtc-remote-audio";
  audio.autoplay = true;

  const inputs =
    config.inputs.length > 0
      ? createInputsPanel(doc, config.inputs, config.sendInputOn)
      : undefined;
  const outputs = config.outputs.some((o) => o !== undefined)
    ? createOutputsPanel(doc, config.outputs)
    : undefined;
  const composer = config.textTurns ? createComposer(doc) : undefined;

  root.append(messages);
  if (!config.hideTitle) root.append(header(doc, config));
  if (!inputs && !outputs && !composer) {
    root.append(stage, audio);
  } else {
    // The talk button with the inputs below it; the outputs (and the text field) beside them
    // on wide screens, below them on narrow ones.
    root.dataset.layout = outputs ? "split" : "stacked";
    const layout = element(doc, "div", "fastrtc-layout");
    const controls = element(doc, "div", "fastrtc-controls");
    controls.append(stage);
    if (composer && !outputs) controls.append(composer.element);
    if (inputs) controls.append(inputs.element);
    layout.append(controls);
    if (outputs) {
      const side = element(doc, "div", "fastrtc-side");
      side.append(outputs.element);
      if (composer) (outputs.chatSection ?? side).append(composer.element);
      layout.append(side);
    }
    root.append(layout, audio);
  }

  const timers = new WeakMap<Element, number>();
  const removeMessage = (item: Element): void => {
    const timer = timers.get(item);
    if (timer !== undefined) clearTimeout(timer);
    item.remove();
  };

  let typingOnly = false;
  let current: TalkState = "idle";
  const view: View = {
    button,
    audio,
    inputs,
    outputs,
    composer,
    devices,
    latency,
    setTypingOnly(value) {
      typingOnly = value;
      root.dataset.typingOnly = String(value);
      view.setState(current);
    },
    setState(state) {
      current = state;
      doc.body.dataset.state = state;
      button.dataset.state = state;
      root.dataset.state = state;
      const labels = labelsFor(state, config.mode, typingOnly);
      button.setAttribute("aria-label", labels.aria);
      button.setAttribute("aria-pressed", String(state !== "idle"));
      statusText.textContent = labels.status;
      hint.textContent = labels.hint;
      if (state === "idle" || state === "connecting" || state === "thinking") view.setLevel(0);
      const inCall = state === "listening" || state === "thinking" || state === "speaking";
      inputs?.setConnected(inCall);
      // Idle: typing starts a call (without the microphone when the person has none).
      composer?.setConnected(inCall || state === "idle");
    },
    setLevel(level) {
      orb.style.setProperty("--level", level.toFixed(3));
    },
    setLastLog(data) {
      doc.body.dataset.lastLog = data;
    },
    showMessage(kind, text) {
      for (const existing of messages.children) {
        if (existing.getAttribute("data-text") === text) removeMessage(existing);
      }
      const item = element(doc, "div", "fastrtc-message");
      item.dataset.kind = kind;
      item.setAttribute("data-text", text);
      const body = element(doc, "p", "fastrtc-message-text", text);
      const close = element(doc, "button", "fastrtc-message-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "Dismiss message");
      close.addEventListener("click", () => removeMessage(item));
      item.append(body, close);
      messages.append(item);
      if (kind !== "error") {
        timers.set(
          item,
          window.setTimeout(() => removeMessage(item), MESSAGE_TIMEOUT_MS),
        );
      }
    },
    clearMessages() {
      for (const item of [...messages.children]) removeMessage(item);
    },
  };
  view.setState("idle");
  return view;
}
