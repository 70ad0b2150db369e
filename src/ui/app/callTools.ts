/**
 * The small tools under the talk button: the microphone picker, the mute button, and the
 * per-turn latency readout. Presentation only; the controller decides what they do.
 */

import { element, uniqueId } from "./dom.js";

/** The value of the picker's "no microphone" choice (typing only). */
export const NO_MICROPHONE = "none";

/**
 * One microphone in the picker.
 *
 * @example
 * ```ts
 * const choice: MicrophoneChoice = { id: "default", label: "Default microphone" };
 * ```
 */
export interface MicrophoneChoice {
  /** `deviceId`, or {@link NO_MICROPHONE}. */
  id: string;
  label: string;
}

/**
 * Handle on the microphone picker and the mute button.
 *
 * @example
 * ```ts
 * const bar = createDeviceBar(document, { allowNone: true });
 * bar.setChoices([{ id: "default", label: "Default" }], "default");
 * bar.onSelect((id) => switchTo(id));
 * ```
 */
export interface DeviceBar {
  readonly element: HTMLElement;
  readonly select: HTMLSelectElement;
  readonly mute: HTMLButtonElement;
  /** Replaces the list; keeps `selected` selected (the first entry when it is not listed). */
  setChoices(choices: readonly MicrophoneChoice[], selected: string | undefined): void;
  /** The chosen device id, or {@link NO_MICROPHONE}; `undefined` before any list is known. */
  selected(): string | undefined;
  onSelect(listener: (id: string) => void): void;
  onMute(listener: (muted: boolean) => void): void;
  /** Shows the mute button pressed or not. */
  setMuted(muted: boolean): void;
  /** The mute button works only while a microphone is sending. */
  setMuteEnabled(enabled: boolean): void;
}

function mutedIcon(doc: Document, muted: boolean): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const root = doc.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({
    viewBox: "0 0 24 24",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "1.8",
    "stroke-linecap": "round",
    "aria-hidden": "true",
    class: "fastrtc-mute-icon",
  })) {
    root.setAttribute(k, v);
  }
  const paths = [
    "M9 5a3 3 0 0 1 6 0v6a3 3 0 0 1-6 0z",
    "M5.75 11a6.25 6.25 0 0 0 12.5 0",
    "M12 17.25V21",
  ];
  if (muted) paths.push("M4 4l16 16");
  for (const d of paths) {
    const path = doc.createElementNS(ns, "path");
    path.setAttribute("d", d);
    root.append(path);
  }
  return root;
}

/**
 * Renders the microphone picker (a labelled `<select>`) and the mute toggle.
 *
 * @param doc - The document.
 * @param options - `allowNone`: offer "No microphone (type only)" (when the app takes typed turns).
 *
 * @example
 * ```ts
 * const bar = createDeviceBar(document, { allowNone: false });
 * stage.append(bar.element);
 * ```
 */
export function createDeviceBar(doc: Document, options: { allowNone: boolean }): DeviceBar {
  const bar = element(doc, "div", "fastrtc-devices");
  const id = uniqueId("fastrtc-mic");
  const label = element(doc, "label", "fastrtc-visually-hidden", "Microphone");
  label.htmlFor = id;
  const select = element(doc, "select", "fastrtc-control fastrtc-mic-select");
  select.id = id;
  select.title = "Microphone";
  const mute = element(doc, "button", "fastrtc-mute");
  mute.type = "button";
  bar.append(label, select, mute);

  const selectListeners: Array<(id: string) => void> = [];
  const muteListeners: Array<(muted: boolean) => void> = [];
  let muted = false;
  let known = false;

  const drawMute = (): void => {
    mute.replaceChildren(mutedIcon(doc, muted));
    mute.setAttribute("aria-pressed", String(muted));
    mute.setAttribute("aria-label", muted ? "Unmute microphone" : "Mute microphone");
    mute.title = muted ? "Unmute microphone" : "Mute microphone";
    bar.dataset.muted = String(muted);
  };
  drawMute();
  mute.disabled = true;

  select.addEventListener("change", () => {
    for (const listener of selectListeners) listener(select.value);
  });
  mute.addEventListener("click", () => {
    muted = !muted;
    drawMute();
    for (const listener of muteListeners) listener(muted);
  });

  return {
    element: bar,
    select,
    mute,
    setChoices(choices, selected) {
      const all = options.allowNone
        ? [...choices, { id: NO_MICROPHONE, label: "No microphone (type only)" }]
        : [...choices];
      select.replaceChildren(
        ...all.map((c) => {
          const option = element(doc, "option", undefined, c.label);
          option.value = c.id;
          return option;
        }),
      );
      if (selected !== undefined && all.some((c) => c.id === selected)) select.value = selected;
      known = all.length > 0;
      bar.hidden = !known;
    },
    selected: () => (known ? select.value : undefined),
    onSelect(listener) {
      selectListeners.push(listener);
    },
    onMute(listener) {
      muteListeners.push(listener);
    },
    setMuted(value) {
      muted = value;
      drawMute();
    },
    setMuteEnabled(enabled) {
      mute.disabled = !enabled;
    },
  };
}

/**
 * Handle on the latency readout.
 *
 * @example
 * ```ts
 * readout.show({ turn: 2, ms: 612, from: "speech" });
 * ```
 */
export interface LatencyReadout {
  readonly element: HTMLElement;
  /** Shows one turn's wait: from the end of speech (or the typed message) to the first reply audio. */
  show(entry: { turn: number; ms: number; from: "speech" | "message" }): void;
  clear(): void;
}

/**
 * Renders the latency readout (hidden until the first turn is measured).
 *
 * @example
 * ```ts
 * const readout = createLatencyReadout(document);
 * stage.append(readout.element);
 * ```
 */
export function createLatencyReadout(doc: Document): LatencyReadout {
  const box = element(doc, "p", "fastrtc-latency");
  box.hidden = true;
  const value = element(doc, "span", "fastrtc-latency-value");
  const what = element(doc, "span", "fastrtc-latency-label");
  box.append(value, what);
  return {
    element: box,
    show({ turn, ms, from }) {
      const rounded = Math.max(0, Math.round(ms));
      value.textContent = `${rounded} ms`;
      what.textContent =
        from === "speech"
          ? ` end of speech → reply (turn ${turn})`
          : ` message → reply (turn ${turn})`;
      box.title =
        from === "speech"
          ? "Time from the end of what you said to the first audio of the reply, measured on the server"
          : "Time from your typed message to the first audio of the reply, measured on the server";
      box.dataset.turn = String(turn);
      box.dataset.ms = String(rounded);
      box.hidden = false;
    },
    clear() {
      box.hidden = true;
      value.textContent = "";
      what.textContent = "";
      delete box.dataset.turn;
      delete box.dataset.ms;
    },
  };
}
