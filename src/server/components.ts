import type { InputComponent, OutputComponent } from "../ui/componentTypes.js";
import { boundedEcho } from "./boundedJson.js";
import type { ValidationIssue } from "./offerBody.js";

const INPUT_TYPES = ["textbox", "number", "slider", "dropdown", "checkbox"] as const;
const OUTPUT_TYPES = ["chatbot", "textbox", "json"] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Checks one component's shared fields and fills in `name` and `label`. */
function base<T extends { name?: string; label?: string; type: string }>(
  c: T,
  where: string,
  fallback: string,
): T & { name: string; label: string } {
  const name = c.name ?? fallback;
  if (typeof name !== "string" || !NAME.test(name) || name === "webrtc_id") {
    throw new TypeError(
      `${where}.name must be an identifier (letters, digits, _ or -; not "webrtc_id"), got ${JSON.stringify(c.name)}`,
    );
  }
  if (c.label !== undefined && typeof c.label !== "string") {
    throw new TypeError(`${where}.label must be a string`);
  }
  return { ...c, name, label: c.label ?? name };
}

/**
 * Validates `additionalInputs` and fills in every `name`, `label` and `value`.
 *
 * @throws TypeError / RangeError naming the bad component and field.
 * @internal
 */
export function resolveInputs(list: readonly InputComponent[] | undefined): InputComponent[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError("additionalInputs must be an array");
  const seen = new Set<string>();
  return list.map((raw, i): InputComponent => {
    const where = `additionalInputs[${i}]`;
    if (typeof raw !== "object" || raw === null || !INPUT_TYPES.includes(raw.type as never)) {
      throw new TypeError(`${where}.type must be one of ${INPUT_TYPES.join(", ")}`);
    }
    const c = base(raw, where, `input_${i}`);
    if (seen.has(c.name)) throw new TypeError(`${where}.name "${c.name}" is used twice`);
    seen.add(c.name);
    switch (c.type) {
      case "textbox":
        if (c.value !== undefined && typeof c.value !== "string") {
          throw new TypeError(`${where}.value must be a string`);
        }
        return { ...c, value: c.value ?? "" };
      case "checkbox":
        if (c.value !== undefined && typeof c.value !== "boolean") {
          throw new TypeError(`${where}.value must be a boolean`);
        }
        return { ...c, value: c.value ?? false };
      case "dropdown": {
        if (
          !Array.isArray(c.choices) ||
          c.choices.length === 0 ||
          !c.choices.every((x: unknown) => typeof x === "string")
        ) {
          throw new TypeError(`${where}.choices must be a non-empty array of strings`);
        }
        const value = c.value ?? (c.choices[0] as string);
        if (!c.choices.includes(value)) {
          throw new RangeError(`${where}.value ${JSON.stringify(value)} is not one of its choices`);
        }
        return { ...c, value };
      }
      case "number":
      case "slider": {
        for (const key of ["min", "max", "step", "value"] as const) {
          const v = (c as Record<string, unknown>)[key];
          if (v !== undefined && !finite(v))
            throw new TypeError(`${where}.${key} must be a finite number`);
        }
        if (c.type === "slider" && (!finite(c.min) || !finite(c.max))) {
          throw new TypeError(`${where} (slider) needs numeric min and max`);
        }
        if (finite(c.min) && finite(c.max) && c.min > c.max) {
          throw new RangeError(`${where}.min must not be greater than max`);
        }
        const value = c.value ?? c.min ?? 0;
        if ((finite(c.min) && value < c.min) || (finite(c.max) && value > c.max)) {
          throw new RangeError(`${where}.value ${value} is outside [${c.min}, ${c.max}]`);
        }
        return { ...c, value };
      }
      default:
        throw new TypeError(`${where}.type must be one of ${INPUT_TYPES.join(", ")}`);
    }
  });
}

/**
 * Validates `additionalOutputs` and fills in every `name` and `label`.
 *
 * @internal
 */
export function resolveOutputs(list: readonly OutputComponent[] | undefined): OutputComponent[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError("additionalOutputs must be an array");
  return list.map((raw, i) => {
    const where = `additionalOutputs[${i}]`;
    if (typeof raw !== "object" || raw === null || !OUTPUT_TYPES.includes(raw.type as never)) {
      throw new TypeError(`${where}.type must be one of ${OUTPUT_TYPES.join(", ")}`);
    }
    return base(raw, where, `output_${i}`);
  });
}

/**
 * The initial value of each output component: `[]` for a chatbot, `""` for a textbox, `null`
 * for JSON.
 *
 * @internal
 */
export function initialOutputValues(outputs: readonly OutputComponent[]): unknown[] {
  return outputs.map((o) => (o.type === "chatbot" ? [] : o.type === "textbox" ? "" : null));
}

/** One field's check. Returns the issue, or null when fine. */
function checkValue(c: InputComponent, value: unknown): ValidationIssue | null {
  const loc = ["body", c.name as string];
  const issue = (type: string, msg: string, ctx?: Record<string, unknown>): ValidationIssue => ({
    type,
    loc,
    msg,
    input: boundedEcho(value),
    ...(ctx ? { ctx } : {}),
  });
  switch (c.type) {
    case "textbox":
      return typeof value === "string"
        ? null
        : issue("string_type", "Input should be a valid string");
    case "checkbox":
      return typeof value === "boolean"
        ? null
        : issue("bool_type", "Input should be a valid boolean");
    case "dropdown":
      return typeof value === "string" && c.choices.includes(value)
        ? null
        : issue("enum", `Input should be one of ${c.choices.map((x) => `'${x}'`).join(", ")}`, {
            expected: c.choices,
          });
    case "number":
    case "slider": {
      if (!finite(value)) return issue("float_type", "Input should be a valid number");
      if (finite(c.min) && value < c.min) {
        return issue("greater_than_equal", `Input should be greater than or equal to ${c.min}`, {
          ge: c.min,
        });
      }
      if (finite(c.max) && value > c.max) {
        return issue("less_than_equal", `Input should be less than or equal to ${c.max}`, {
          le: c.max,
        });
      }
      return null;
    }
  }
}

/**
 * Reads an `/input_hook` body (`{"webrtc_id": ..., "<name>": value, ...}`) into the argument list
 * for `setInput`. With declared inputs: one value per input, in order (a missing field keeps the
 * input's default), each type-checked. Without: every other field, in body order.
 *
 * @internal
 */
export function readInputHookBody(
  body: unknown,
  inputs: readonly InputComponent[],
): { ok: true; id: string; values: unknown[] } | { ok: false; detail: ValidationIssue[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      detail: [
        {
          type: "model_attributes_type",
          loc: ["body"],
          msg: "Input should be a valid dictionary",
          input: boundedEcho(body),
        },
      ],
    };
  }
  const record = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const id = record.webrtc_id;
  if (id === undefined) {
    issues.push({
      type: "missing",
      loc: ["body", "webrtc_id"],
      msg: "Field required",
      input: boundedEcho(body),
    });
  } else if (typeof id !== "string" || id === "") {
    issues.push({
      type: "string_type",
      loc: ["body", "webrtc_id"],
      msg: "Input should be a valid string",
      input: boundedEcho(id),
    });
  }
  let values: unknown[];
  if (inputs.length === 0) {
    values = Object.entries(record)
      .filter(([k]) => k !== "webrtc_id")
      .map(([, v]) => v);
  } else {
    values = inputs.map((c) => {
      const v = record[c.name as string];
      if (v === undefined) return c.value;
      const problem = checkValue(c, v);
      if (problem) issues.push(problem);
      return v;
    });
  }
  if (issues.length > 0) return { ok: false, detail: issues };
  return { ok: true, id: id as string, values };
}
