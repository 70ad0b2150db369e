/**
 * The extra inputs of the page (`PageConfig.additionalInputs`): reading them from the embedded
 * configuration, turning what the person typed into values, and the `/input_hook` body. Pure
 * (no DOM), so it can be tested in Node.
 */

import type { InputComponent } from "../componentTypes.js";

/**
 * A value sent for one input: a string (textbox, dropdown), a number (number, slider) or a
 * boolean (checkbox).
 *
 * @example
 * ```ts
 * const values: Record<string, InputValue> = { persona: "a pirate", speed: 1.2, verbose: false };
 * ```
 */
export type InputValue = string | number | boolean;

interface Named {
  /** Key in the `/input_hook` body. */
  name: string;
  /** Shown on the page. */
  label: string;
}

/**
 * An input component with every field the page needs filled in.
 *
 * @example
 * ```ts
 * const input: ResolvedInput = { type: "checkbox", name: "verbose", label: "Verbose", value: false };
 * ```
 */
export type ResolvedInput = Named &
  (
    | { type: "textbox"; value: string; placeholder: string | undefined; lines: number }
    | {
        type: "number";
        value: number;
        min: number | undefined;
        max: number | undefined;
        step: number | undefined;
      }
    | { type: "slider"; value: number; min: number; max: number; step: number }
    | { type: "dropdown"; value: string; choices: string[] }
    | { type: "checkbox"; value: boolean }
  );

/**
 * What a form control holds: its `value` text and, for a checkbox, whether it is checked.
 *
 * @example
 * ```ts
 * const raw: RawInputState = { value: input.value, checked: input.checked };
 * ```
 */
export interface RawInputState {
  value: string;
  checked: boolean;
}

/**
 * One input's value read from its control, or why it cannot be sent.
 *
 * @example
 * ```ts
 * const r: InputReading = readInputValue(input, { value: "abc", checked: false });
 * if (!r.ok) showFieldError(r.error);
 * ```
 */
export type InputReading = { ok: true; value: InputValue } | { ok: false; error: string };

/**
 * All inputs' values keyed by name, or the inputs that cannot be sent.
 *
 * @example
 * ```ts
 * const c: CollectedInputs = collectInputs(inputs, states);
 * if (c.ok) await post(c.values);
 * ```
 */
export type CollectedInputs =
  | { ok: true; values: Record<string, InputValue> }
  | { ok: false; problems: Array<{ name: string; label: string; error: string }> };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  let v = value;
  if (min !== undefined && v < min) v = min;
  if (max !== undefined && v > max) v = max;
  return v;
}

/**
 * The name and label of the component at `index`: the server fills both in; this falls back
 * to `<prefix>_<index>` and the name, as the server does, so a hand-written config still works.
 *
 * @example
 * ```ts
 * componentNames({ label: "Voice" }, 2, "input"); // { name: "input_2", label: "Voice" }
 * ```
 */
export function componentNames(raw: Record<string, unknown>, index: number, prefix: string): Named {
  const name = text(raw.name)?.trim() || `${prefix}_${index}`;
  const label = text(raw.label)?.trim() || name;
  return { name, label };
}

function resolveInput(raw: unknown, index: number): ResolvedInput | undefined {
  if (!isRecord(raw)) return undefined;
  const named = componentNames(raw, index, "input");
  switch (raw.type as InputComponent["type"] | undefined) {
    case "textbox": {
      const lines = finite(raw.lines) ? Math.max(1, Math.min(20, Math.round(raw.lines))) : 1;
      return {
        ...named,
        type: "textbox",
        value: text(raw.value) ?? "",
        placeholder: text(raw.placeholder),
        lines,
      };
    }
    case "number": {
      const min = finite(raw.min) ? raw.min : undefined;
      const max = finite(raw.max) ? raw.max : undefined;
      const step = finite(raw.step) && raw.step > 0 ? raw.step : undefined;
      const value = clamp(finite(raw.value) ? raw.value : (min ?? 0), min, max);
      return { ...named, type: "number", value, min, max, step };
    }
    case "slider": {
      if (!finite(raw.min) || !finite(raw.max) || raw.min > raw.max) return undefined;
      const step = finite(raw.step) && raw.step > 0 ? raw.step : 1;
      const value = clamp(finite(raw.value) ? raw.value : raw.min, raw.min, raw.max);
      return { ...named, type: "slider", value, min: raw.min, max: raw.max, step };
    }
    case "dropdown": {
      const choices = Array.isArray(raw.choices)
        ? raw.choices.filter((c): c is string => typeof c === "string")
        : [];
      const first = choices[0];
      if (first === undefined) return undefined;
      const given = text(raw.value);
      const value = given !== undefined && choices.includes(given) ? given : first;
      return { ...named, type: "dropdown", value, choices };
    }
    case "checkbox":
      return { ...named, type: "checkbox", value: raw.value === true };
    default:
      return undefined;
  }
}

/**
 * Reads `PageConfig.additionalInputs` as embedded in the page. Components the page cannot show
 * (an unknown type, a slider without bounds, a dropdown without choices) are left out, and a
 * name used twice keeps its first component, so a broken config still renders.
 *
 * @param raw - The `additionalInputs` field of the parsed config.
 * @returns The inputs to render, in order.
 *
 * @example
 * ```ts
 * resolveInputs([{ type: "slider", name: "speed", min: 0.5, max: 2, step: 0.1 }]);
 * // [{ type: "slider", name: "speed", label: "speed", min: 0.5, max: 2, step: 0.1, value: 0.5 }]
 * ```
 */
export function resolveInputs(raw: unknown): ResolvedInput[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>(["webrtc_id"]);
  const inputs: ResolvedInput[] = [];
  raw.forEach((item, index) => {
    const input = resolveInput(item, index);
    if (input === undefined || seen.has(input.name)) return;
    seen.add(input.name);
    inputs.push(input);
  });
  return inputs;
}

/** Shortest decimal form of a number (no float noise like 0.30000000000000004). */
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/**
 * The value a slider shows beside its label: with as many decimals as its step has.
 *
 * @example
 * ```ts
 * formatSliderValue(1, 0.1);    // "1.0"
 * formatSliderValue(0.3, 0.05); // "0.30"
 * formatSliderValue(7, 1);      // "7"
 * ```
 */
export function formatSliderValue(value: number, step: number): string {
  const stepText = formatNumber(step);
  const dot = stepText.indexOf(".");
  const decimals = stepText.includes("e") ? 0 : dot === -1 ? 0 : stepText.length - dot - 1;
  return decimals > 0 ? value.toFixed(Math.min(decimals, 10)) : formatNumber(value);
}

/**
 * Turns a control's state into the value sent for `input`, checking it as the server will: a
 * number field must hold a number within its bounds, a dropdown one of its choices.
 *
 * @param input - The component.
 * @param raw - What its control holds.
 * @returns The value, or the message to show under the field.
 *
 * @example
 * ```ts
 * readInputValue(temperature, { value: "0.7", checked: false }); // { ok: true, value: 0.7 }
 * readInputValue(temperature, { value: "9", checked: false });
 * // { ok: false, error: "Must be at most 2." }
 * ```
 */
export function readInputValue(input: ResolvedInput, raw: RawInputState): InputReading {
  switch (input.type) {
    case "textbox":
      return { ok: true, value: raw.value };
    case "checkbox":
      return { ok: true, value: raw.checked };
    case "dropdown":
      return input.choices.includes(raw.value)
        ? { ok: true, value: raw.value }
        : { ok: false, error: "Choose one of the options." };
    case "number":
    case "slider": {
      const trimmed = raw.value.trim();
      const value = Number(trimmed);
      if (trimmed === "" || !Number.isFinite(value)) return { ok: false, error: "Enter a number." };
      if (input.min !== undefined && value < input.min) {
        return { ok: false, error: `Must be at least ${formatNumber(input.min)}.` };
      }
      if (input.max !== undefined && value > input.max) {
        return { ok: false, error: `Must be at most ${formatNumber(input.max)}.` };
      }
      return { ok: true, value };
    }
  }
}

/**
 * Reads every input (`states[i]` belongs to `inputs[i]`).
 *
 * @example
 * ```ts
 * const c = collectInputs(inputs, controls.map((el) => ({ value: el.value, checked: el.checked })));
 * if (!c.ok) showError(describeInputProblems(c.problems));
 * ```
 */
export function collectInputs(
  inputs: readonly ResolvedInput[],
  states: readonly RawInputState[],
): CollectedInputs {
  const values: Record<string, InputValue> = {};
  const problems: Array<{ name: string; label: string; error: string }> = [];
  inputs.forEach((input, i) => {
    const reading = readInputValue(input, states[i] ?? { value: "", checked: false });
    if (reading.ok) values[input.name] = reading.value;
    else problems.push({ name: input.name, label: input.label, error: reading.error });
  });
  return problems.length === 0 ? { ok: true, values } : { ok: false, problems };
}

/**
 * The message shown when inputs cannot be sent.
 *
 * @example
 * ```ts
 * describeInputProblems([{ name: "t", label: "Temperature", error: "Enter a number." }]);
 * // "Check “Temperature”: Enter a number."
 * ```
 */
export function describeInputProblems(
  problems: ReadonlyArray<{ label: string; error: string }>,
): string {
  return problems.map((p) => `Check “${p.label}”: ${p.error}`).join(" ");
}

/**
 * The JSON body of `POST {path}/input_hook`: `webrtc_id` first, then one field per input.
 *
 * @example
 * ```ts
 * inputHookBody("abc", { voice: "af" }); // { webrtc_id: "abc", voice: "af" }
 * ```
 */
export function inputHookBody(
  webrtcId: string,
  values: Readonly<Record<string, InputValue>>,
): Record<string, InputValue> {
  return { webrtc_id: webrtcId, ...values };
}

/**
 * The URL of the input hook for a route prefix (same origin as the page).
 *
 * @example
 * ```ts
 * inputHookUrl("/api"); // "/api/input_hook"
 * ```
 */
export function inputHookUrl(path: string): string {
  return `${path.replace(/\/+$/, "")}/input_hook`;
}

/**
 * What to tell the person when the input hook refused the values: the `detail` of the error
 * body (a string, or FastAPI-style `[{loc, msg}]`, named by the input's label), else the status.
 *
 * @param status - The HTTP status.
 * @param body - The parsed JSON body (anything).
 * @param inputs - To name the fields by their labels.
 *
 * @example
 * ```ts
 * describeInputHookError(422, { detail: [{ loc: ["body", "speed"], msg: "Input should be a valid number" }] }, inputs);
 * // "The app did not accept the inputs: Speed: Input should be a valid number"
 * ```
 */
export function describeInputHookError(
  status: number,
  body: unknown,
  inputs: readonly ResolvedInput[],
): string {
  const detail = isRecord(body) ? body.detail : undefined;
  let reason: string | undefined;
  if (typeof detail === "string" && detail.trim() !== "") {
    reason = detail;
  } else if (Array.isArray(detail)) {
    const parts = detail.flatMap((issue) => {
      if (!isRecord(issue) || typeof issue.msg !== "string") return [];
      const loc = Array.isArray(issue.loc) ? issue.loc : [];
      const field = loc[loc.length - 1];
      const input = inputs.find((i) => i.name === field);
      const where = input?.label ?? (typeof field === "string" && field !== "body" ? field : "");
      return [where ? `${where}: ${issue.msg}` : issue.msg];
    });
    if (parts.length > 0) reason = parts.join("; ");
  } else if (detail !== undefined && detail !== null) {
    reason = JSON.stringify(detail);
  }
  return reason
    ? `The app did not accept the inputs: ${reason}`
    : `The app did not accept the inputs (HTTP ${status}).`;
}
