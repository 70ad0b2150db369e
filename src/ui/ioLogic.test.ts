import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type CollectedInputs,
  collectInputs,
  componentNames,
  describeInputHookError,
  describeInputProblems,
  formatSliderValue,
  inputHookBody,
  inputHookUrl,
  type ResolvedInput,
  readInputValue,
  resolveInputs,
} from "./app/components.js";
import { resolvePageConfig } from "./app/config.js";
import { INPUT_DEBOUNCE_MS, InputSync } from "./app/inputSync.js";
import {
  chatUpdates,
  formatJson,
  normalizeChat,
  outputsUrl,
  outputText,
  parseOutputsEvent,
  resolveOutputs,
  textTurnMessage,
} from "./app/outputs.js";
import type { ChatMessage, InputComponent } from "./componentTypes.js";

const state = (value: string, checked = false) => ({ value, checked });

const configured: InputComponent[] = [
  { type: "textbox", name: "persona", label: "Persona", value: "a pirate", lines: 3 },
  { type: "number", name: "temperature", label: "Temperature", value: 0.7, min: 0, max: 2 },
  { type: "slider", name: "speed", label: "Speed", min: 0.5, max: 2, step: 0.1, value: 1 },
  { type: "dropdown", name: "voice", label: "Voice", choices: ["af", "am"], value: "am" },
  { type: "checkbox", name: "verbose", label: "Verbose", value: true },
];

describe("resolveInputs", () => {
  it("keeps what the server filled in", () => {
    expect(resolveInputs(configured)).toEqual([
      {
        type: "textbox",
        name: "persona",
        label: "Persona",
        value: "a pirate",
        placeholder: undefined,
        lines: 3,
      },
      {
        type: "number",
        name: "temperature",
        label: "Temperature",
        value: 0.7,
        min: 0,
        max: 2,
        step: undefined,
      },
      { type: "slider", name: "speed", label: "Speed", value: 1, min: 0.5, max: 2, step: 0.1 },
      { type: "dropdown", name: "voice", label: "Voice", value: "am", choices: ["af", "am"] },
      { type: "checkbox", name: "verbose", label: "Verbose", value: true },
    ]);
  });

  it("applies the server's defaults to a hand-written config", () => {
    expect(
      resolveInputs([
        { type: "textbox" },
        { type: "number", min: 3 },
        { type: "slider", min: 0, max: 10 },
        { type: "dropdown", choices: ["x", "y"], value: "nope" },
        { type: "checkbox", label: "Loud" },
        { type: "number", value: 50, max: 10 },
      ]),
    ).toMatchObject([
      { type: "textbox", name: "input_0", label: "input_0", value: "", lines: 1 },
      { type: "number", name: "input_1", value: 3 },
      { type: "slider", name: "input_2", value: 0, step: 1 },
      { type: "dropdown", name: "input_3", value: "x" },
      { type: "checkbox", name: "input_4", label: "Loud", value: false },
      { type: "number", value: 10 },
    ]);
  });

  it("leaves out what it cannot show, and duplicate names", () => {
    expect(
      resolveInputs([
        null,
        "x",
        { type: "image" },
        { type: "slider", min: 5 },
        { type: "slider", min: 5, max: 1 },
        { type: "dropdown", choices: [] },
        { type: "textbox", name: "a" },
        { type: "checkbox", name: "a" },
        { type: "textbox", name: "webrtc_id" },
      ]).map((i) => [i.type, i.name]),
    ).toEqual([["textbox", "a"]]);
    expect(resolveInputs(undefined)).toEqual([]);
    expect(resolveInputs({})).toEqual([]);
  });

  it("names components like the server does", () => {
    expect(componentNames({}, 4, "output")).toEqual({ name: "output_4", label: "output_4" });
    expect(componentNames({ name: " x ", label: "" }, 0, "input")).toEqual({
      name: "x",
      label: "x",
    });
  });
});

describe("reading the inputs' values", () => {
  const inputs = resolveInputs(configured);
  const [textbox, number, slider, dropdown, checkbox] = inputs as [
    ResolvedInput,
    ResolvedInput,
    ResolvedInput,
    ResolvedInput,
    ResolvedInput,
  ];

  it("turns each control's state into its value", () => {
    expect(readInputValue(textbox, state("  spaced  "))).toEqual({ ok: true, value: "  spaced  " });
    expect(readInputValue(number, state(" 1.5 "))).toEqual({ ok: true, value: 1.5 });
    expect(readInputValue(slider, state("1.7000000000000002"))).toEqual({
      ok: true,
      value: 1.7000000000000002,
    });
    expect(readInputValue(dropdown, state("af"))).toEqual({ ok: true, value: "af" });
    expect(readInputValue(checkbox, state("on", false))).toEqual({ ok: true, value: false });
    expect(readInputValue(checkbox, state("on", true))).toEqual({ ok: true, value: true });
  });

  it("rejects what the server would reject", () => {
    expect(readInputValue(number, state(""))).toEqual({ ok: false, error: "Enter a number." });
    expect(readInputValue(number, state("abc"))).toEqual({ ok: false, error: "Enter a number." });
    expect(readInputValue(number, state("Infinity"))).toEqual({
      ok: false,
      error: "Enter a number.",
    });
    expect(readInputValue(number, state("2.5"))).toEqual({
      ok: false,
      error: "Must be at most 2.",
    });
    expect(readInputValue(number, state("-1"))).toEqual({
      ok: false,
      error: "Must be at least 0.",
    });
    expect(readInputValue(dropdown, state("xx"))).toEqual({
      ok: false,
      error: "Choose one of the options.",
    });
  });

  it("collects all values by name, or every problem", () => {
    const good = [state("hi"), state("0.2"), state("1.2"), state("af"), state("on", true)];
    expect(collectInputs(inputs, good)).toEqual({
      ok: true,
      values: { persona: "hi", temperature: 0.2, speed: 1.2, voice: "af", verbose: true },
    });
    const bad = collectInputs(inputs, [good[0]!, state("9"), good[2]!, state(""), good[4]!]);
    expect(bad).toEqual({
      ok: false,
      problems: [
        { name: "temperature", label: "Temperature", error: "Must be at most 2." },
        { name: "voice", label: "Voice", error: "Choose one of the options." },
      ],
    });
    expect(describeInputProblems(bad.ok ? [] : bad.problems)).toBe(
      "Check “Temperature”: Must be at most 2. Check “Voice”: Choose one of the options.",
    );
    expect(collectInputs([], [])).toEqual({ ok: true, values: {} });
  });

  it("shows a slider's value with its step's decimals", () => {
    expect(formatSliderValue(1, 0.1)).toBe("1.0");
    expect(formatSliderValue(0.30000000000000004, 0.05)).toBe("0.30");
    expect(formatSliderValue(7, 1)).toBe("7");
    expect(formatSliderValue(250, 50)).toBe("250");
    expect(formatSliderValue(0.1 + 0.2, 1)).toBe("0.3");
  });

  it("builds the input hook's URL and body", () => {
    expect(inputHookUrl("")).toBe("/input_hook");
    expect(inputHookUrl("/api/")).toBe("/api/input_hook");
    const body = inputHookBody("abc", { voice: "af", speed: 1 });
    expect(body).toEqual({ webrtc_id: "abc", voice: "af", speed: 1 });
    expect(Object.keys(body)[0]).toBe("webrtc_id");
  });

  it("explains the input hook's refusals", () => {
    expect(
      describeInputHookError(
        422,
        {
          detail: [
            { type: "float_type", loc: ["body", "speed"], msg: "Input should be a valid number" },
            { type: "missing", loc: ["body", "webrtc_id"], msg: "Field required" },
            { type: "x", loc: ["body"], msg: "Input should be a valid dictionary" },
          ],
        },
        inputs,
      ),
    ).toBe(
      "The app did not accept the inputs: Speed: Input should be a valid number; webrtc_id: Field required; Input should be a valid dictionary",
    );
    expect(describeInputHookError(404, { detail: "Unknown webrtc_id" }, inputs)).toBe(
      "The app did not accept the inputs: Unknown webrtc_id",
    );
    expect(describeInputHookError(400, { detail: { code: 1 } }, inputs)).toBe(
      'The app did not accept the inputs: {"code":1}',
    );
    expect(describeInputHookError(500, undefined, inputs)).toBe(
      "The app did not accept the inputs (HTTP 500).",
    );
    expect(describeInputHookError(400, { detail: [] }, inputs)).toBe(
      "The app did not accept the inputs (HTTP 400).",
    );
  });
});

describe("outputs", () => {
  it("resolves the outputs, keeping every position", () => {
    expect(
      resolveOutputs([
        { type: "chatbot", label: "Conversation" },
        { type: "image", name: "pic" },
        { type: "json", name: "metrics" },
        { type: "textbox", name: "t", label: "Transcript" },
      ]),
    ).toEqual([
      { type: "chatbot", name: "output_0", label: "Conversation" },
      undefined,
      { type: "json", name: "metrics", label: "metrics" },
      { type: "textbox", name: "t", label: "Transcript" },
    ]);
    expect(resolveOutputs(null)).toEqual([]);
  });

  it("normalises chat values: messages, pairs and odd content", () => {
    expect(
      normalizeChat([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "system", content: "hidden" },
        { role: "assistant", content: [{ type: "text", text: "a" }, "b"] },
        { role: "assistant", content: { path: "x.wav" } },
        { role: "user", content: 3 },
        { role: "user" },
        "junk",
        null,
      ]),
    ).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "assistant", content: "ab" },
      { role: "assistant", content: '{"path":"x.wav"}' },
      { role: "user", content: "3" },
    ]);
    expect(
      normalizeChat([
        ["Hi", "Hello!"],
        ["Bye", null],
        [null, "Welcome back"],
      ]),
    ).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Bye" },
      { role: "assistant", content: "Welcome back" },
    ]);
    expect(normalizeChat(null)).toEqual([]);
    expect(normalizeChat("hi")).toEqual([]);
  });

  it("updates a shown transcript with the fewest changes", () => {
    const u = (content: string): ChatMessage => ({ role: "user", content });
    const a = (content: string): ChatMessage => ({ role: "assistant", content });
    expect(chatUpdates([], [u("hi")])).toEqual([{ op: "append", message: u("hi") }]);
    expect(chatUpdates([u("hi")], [u("hi")])).toEqual([]);
    // a streamed reply grows in place
    expect(chatUpdates([u("hi"), a("Hel")], [u("hi"), a("Hello")])).toEqual([
      { op: "set-content", index: 1, content: "Hello" },
    ]);
    expect(chatUpdates([u("hi"), u("x")], [u("hi"), a("y"), u("z")])).toEqual([
      { op: "replace", index: 1, message: a("y") },
      { op: "append", message: u("z") },
    ]);
    expect(chatUpdates([u("a"), a("b"), u("c")], [u("a")])).toEqual([
      { op: "truncate", length: 1 },
    ]);
    expect(chatUpdates([u("a")], [])).toEqual([{ op: "truncate", length: 0 }]);
  });

  it("formats textbox and JSON values", () => {
    expect(outputText("hello")).toBe("hello");
    expect(outputText(null)).toBe("");
    expect(outputText(undefined)).toBe("");
    expect(outputText(4.5)).toBe("4.5");
    expect(outputText(false)).toBe("false");
    expect(outputText({ a: 1 })).toBe('{"a":1}');
    expect(formatJson({ a: [1, 2] })).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(formatJson(null)).toBe("null");
    expect(formatJson(undefined)).toBe("null");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(formatJson(cyclic)).toBe("[object Object]");
  });

  it("builds the outputs stream's URL and reads its events", () => {
    expect(outputsUrl("", "abc")).toBe("/outputs?webrtc_id=abc");
    expect(outputsUrl("/api/", "a b&c")).toBe("/api/outputs?webrtc_id=a%20b%26c");
    expect(parseOutputsEvent('[[{"role":"user","content":"hi"}], "t"]')).toEqual([
      [{ role: "user", content: "hi" }],
      "t",
    ]);
    expect(parseOutputsEvent("[]")).toEqual([]);
    expect(parseOutputsEvent('{"a":1}')).toBeUndefined();
    expect(parseOutputsEvent("not json")).toBeUndefined();
  });

  it("encodes a typed turn for the data channel", () => {
    expect(textTurnMessage('Say "hi"\n')).toBe('{"type":"text","data":"Say \\"hi\\"\\n"}');
    expect(JSON.parse(textTurnMessage("héllo"))).toEqual({ type: "text", data: "héllo" });
  });
});

describe("page config: extra inputs, outputs and text turns", () => {
  it("defaults to none of them", () => {
    expect(resolvePageConfig({ mode: "send-receive" })).toMatchObject({
      inputs: [],
      outputs: [],
      ioRoutes: false,
      textTurns: false,
      sendInputOn: "change",
    });
    expect(resolvePageConfig({ ioRoutes: "yes", textTurns: 1, sendInputOn: "blur" })).toMatchObject(
      { ioRoutes: false, textTurns: false, sendInputOn: "change" },
    );
  });

  it("reads them when configured", () => {
    const c = resolvePageConfig({
      additionalInputs: configured,
      additionalOutputs: [{ type: "chatbot", name: "chat" }],
      ioRoutes: true,
      textTurns: true,
      sendInputOn: "submit",
    });
    expect(c.inputs.map((i) => i.name)).toEqual([
      "persona",
      "temperature",
      "speed",
      "voice",
      "verbose",
    ]);
    expect(c.outputs).toEqual([{ type: "chatbot", name: "chat", label: "chat" }]);
    expect(c).toMatchObject({ ioRoutes: true, textTurns: true, sendInputOn: "submit" });
  });
});

describe("InputSync", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(initial: CollectedInputs = { ok: true, values: { speed: 1 } }) {
    let current = initial;
    const posted: unknown[] = [];
    const errors: string[] = [];
    const gates: Array<() => void> = [];
    let failWith: Error | undefined;
    let hold = false;
    const sync = new InputSync({
      collect: () => current,
      post: (values) => {
        posted.push(values);
        if (failWith) return Promise.reject(failWith);
        if (!hold) return Promise.resolve();
        return new Promise<void>((resolve) => gates.push(resolve));
      },
      onError: (message) => errors.push(message),
    });
    return {
      sync,
      posted,
      errors,
      set: (next: CollectedInputs) => {
        current = next;
      },
      hold: () => {
        hold = true;
      },
      release: () => {
        for (const g of gates.splice(0)) g();
      },
      fail: (err: Error) => {
        failWith = err;
      },
    };
  }

  it("debounces changes", async () => {
    const t = setup();
    t.sync.schedule();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS - 50);
    t.set({ ok: true, values: { speed: 1.5 } });
    t.sync.schedule();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS - 50);
    expect(t.posted).toEqual([]);
    expect(t.sync.busy).toBe(true);
    await vi.advanceTimersByTimeAsync(60);
    expect(t.posted).toEqual([{ speed: 1.5 }]);
    expect(t.sync.busy).toBe(false);
  });

  it("sends now, dropping a scheduled send", async () => {
    const t = setup();
    t.sync.schedule();
    await t.sync.sendNow();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS * 2);
    expect(t.posted).toEqual([{ speed: 1 }]);
  });

  it("never overlaps requests, and ends with the latest values", async () => {
    const t = setup();
    t.hold();
    const first = t.sync.sendNow();
    t.set({ ok: true, values: { speed: 2 } });
    const second = t.sync.sendNow();
    t.set({ ok: true, values: { speed: 3 } });
    void t.sync.sendNow();
    expect(t.posted).toEqual([{ speed: 1 }]);
    t.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.posted).toEqual([{ speed: 1 }, { speed: 3 }]);
    t.release();
    await Promise.all([first, second]);
    expect(t.posted).toHaveLength(2);
    expect(t.errors).toEqual([]);
  });

  it("reports invalid values instead of sending them, and failed requests", async () => {
    const t = setup({
      ok: false,
      problems: [{ name: "temperature", label: "Temperature", error: "Enter a number." }],
    });
    await t.sync.sendNow();
    expect(t.posted).toEqual([]);
    expect(t.errors).toEqual(["Check “Temperature”: Enter a number."]);
    t.set({ ok: true, values: { temperature: 1 } });
    t.fail(new Error("The app did not accept the inputs (HTTP 500)."));
    await t.sync.sendNow();
    expect(t.errors).toEqual([
      "Check “Temperature”: Enter a number.",
      "The app did not accept the inputs (HTTP 500).",
    ]);
    t.fail(new Error(""));
    await t.sync.sendNow();
    expect(t.errors.at(-1)).toBe("The inputs could not be sent to the app.");
  });

  it("skips invalid values silently while the person edits", async () => {
    const t = setup({
      ok: false,
      problems: [{ name: "temperature", label: "Temperature", error: "Enter a number." }],
    });
    t.sync.schedule();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS);
    expect(t.posted).toEqual([]);
    expect(t.errors).toEqual([]);
    t.set({ ok: true, values: { temperature: 1 } });
    t.sync.schedule();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS);
    expect(t.posted).toEqual([{ temperature: 1 }]);
  });

  it("does nothing once disposed", async () => {
    const t = setup();
    t.sync.schedule();
    t.sync.dispose();
    await vi.advanceTimersByTimeAsync(INPUT_DEBOUNCE_MS * 2);
    await t.sync.sendNow();
    expect(t.posted).toEqual([]);
    expect(t.sync.busy).toBe(false);
  });
});
