/**
 * The DOM of the extra inputs, the extra outputs and the text-turn field. Presentation only:
 * the values are read and checked by `components.ts`, the outputs formatted by `outputs.ts`.
 */

import type { ChatMessage } from "../componentTypes.js";
import {
  type CollectedInputs,
  collectInputs,
  formatSliderValue,
  type RawInputState,
  type ResolvedInput,
  readInputValue,
} from "./components.js";
import { element, uniqueId } from "./dom.js";
import {
  type ChatUpdate,
  chatUpdates,
  formatJson,
  normalizeChat,
  outputText,
  type ResolvedOutput,
} from "./outputs.js";

/**
 * The extra inputs: one labelled control per input, and a Submit button in submit mode.
 *
 * @example
 * ```ts
 * const panel = createInputsPanel(document, config.inputs, "change");
 * panel.onChange(() => sync.schedule());
 * ```
 */
export interface InputsPanel {
  readonly element: HTMLFormElement;
  /** The controls, in the order of the inputs. */
  readonly controls: ReadonlyArray<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>;
  /** Reads every value, marking invalid fields (and clearing fixed ones). */
  read(): CollectedInputs;
  /** Calls `listener` whenever a value changes (each keystroke, each slider step). */
  onChange(listener: () => void): void;
  /** Calls `listener` on Submit (the button, or Enter in a one-line field). */
  onSubmit(listener: () => void): void;
  /** Enables the Submit button during a call. */
  setConnected(connected: boolean): void;
}

/**
 * The extra outputs, each in its own labelled section with a live region.
 *
 * @example
 * ```ts
 * const panel = createOutputsPanel(document, config.outputs);
 * panel.setValues([[{ role: "assistant", content: "Hi!" }]]);
 * ```
 */
export interface OutputsPanel {
  readonly element: HTMLElement;
  /** True when one of the outputs is a chatbot. */
  readonly hasChatbot: boolean;
  /** The first chatbot's section (the text field goes at its bottom), if any. */
  readonly chatSection: HTMLElement | undefined;
  /** Shows new values: `values[i]` replaces output `i`'s value (missing entries are kept). */
  setValues(values: readonly unknown[]): void;
  /** Adds a message to the first chatbot; false when there is none. */
  appendChat(message: ChatMessage): boolean;
}

/**
 * The typed-turn field and its Send button.
 *
 * @example
 * ```ts
 * const composer = createComposer(document);
 * composer.onSend((text) => trySend(text)); // return true to clear the field
 * ```
 */
export interface Composer {
  readonly element: HTMLFormElement;
  readonly input: HTMLInputElement;
  /** `listener` returns true when the text was sent (the field is then cleared). */
  onSend(listener: (text: string) => boolean): void;
  /** The field works only during a call. */
  setConnected(connected: boolean): void;
}

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

function stateOf(control: Control): RawInputState {
  return {
    value: control.value,
    checked: control instanceof HTMLInputElement ? control.checked : false,
  };
}

function panelTitle(doc: Document, text: string): HTMLHeadingElement {
  const title = element(doc, "h2", "fastrtc-panel-title", text);
  title.id = uniqueId("fastrtc-title");
  return title;
}

function createControl(doc: Document, input: ResolvedInput, id: string): Control {
  switch (input.type) {
    case "textbox": {
      if (input.lines > 1) {
        const area = element(doc, "textarea", "fastrtc-control");
        area.rows = input.lines;
        area.value = input.value;
        if (input.placeholder) area.placeholder = input.placeholder;
        area.id = id;
        return area;
      }
      const field = element(doc, "input", "fastrtc-control");
      field.type = "text";
      field.value = input.value;
      if (input.placeholder) field.placeholder = input.placeholder;
      field.id = id;
      return field;
    }
    case "number": {
      const field = element(doc, "input", "fastrtc-control");
      field.type = "number";
      field.inputMode = "decimal";
      if (input.min !== undefined) field.min = String(input.min);
      if (input.max !== undefined) field.max = String(input.max);
      field.step = input.step !== undefined ? String(input.step) : "any";
      field.value = String(input.value);
      field.id = id;
      return field;
    }
    case "slider": {
      const field = element(doc, "input", "fastrtc-slider");
      field.type = "range";
      field.min = String(input.min);
      field.max = String(input.max);
      field.step = String(input.step);
      field.value = String(input.value);
      field.id = id;
      return field;
    }
    case "dropdown": {
      const select = element(doc, "select", "fastrtc-control");
      for (const choice of input.choices) {
        const option = element(doc, "option", undefined, choice);
        option.value = choice;
        select.append(option);
      }
      select.value = input.value;
      select.id = id;
      return select;
    }
    case "checkbox": {
      const box = element(doc, "input", "fastrtc-checkbox");
      box.type = "checkbox";
      box.checked = input.value;
      box.id = id;
      return box;
    }
  }
}

/**
 * Renders the extra inputs.
 *
 * @param doc - The document.
 * @param inputs - The inputs, with their initial values.
 * @param sendInputOn - `"submit"` adds a Submit button (enabled during a call).
 *
 * @example
 * ```ts
 * stage.after(createInputsPanel(document, config.inputs, config.sendInputOn).element);
 * ```
 */
export function createInputsPanel(
  doc: Document,
  inputs: readonly ResolvedInput[],
  sendInputOn: "change" | "submit",
): InputsPanel {
  const form = element(doc, "form", "fastrtc-panel fastrtc-inputs");
  form.noValidate = true; // checked by readInputValue, shown under each field
  const title = panelTitle(doc, "Settings");
  form.setAttribute("aria-labelledby", title.id);
  form.append(title);

  const controls: Control[] = [];
  const errors: HTMLParagraphElement[] = [];
  const changeListeners: Array<() => void> = [];
  const submitListeners: Array<() => void> = [];

  const showError = (index: number, error: string | undefined): void => {
    const control = controls[index];
    const text = errors[index];
    if (!control || !text) return;
    text.textContent = error ?? "";
    text.hidden = error === undefined;
    if (error === undefined) control.removeAttribute("aria-invalid");
    else control.setAttribute("aria-invalid", "true");
  };

  inputs.forEach((input, index) => {
    const id = uniqueId("fastrtc-input");
    const control = createControl(doc, input, id);
    control.name = input.name;
    const field = element(doc, "div", "fastrtc-field");
    field.dataset.type = input.type;
    field.dataset.name = input.name;
    const label = element(doc, "label", "fastrtc-label", input.label);
    label.htmlFor = id;
    const error = element(doc, "p", "fastrtc-field-error");
    error.id = `${id}-error`;
    error.hidden = true;
    control.setAttribute("aria-describedby", error.id);

    if (input.type === "checkbox") {
      const row = element(doc, "div", "fastrtc-check-row");
      row.append(control, label);
      field.append(row);
    } else if (input.type === "slider") {
      const head = element(doc, "div", "fastrtc-label-row");
      const shown = element(doc, "output", "fastrtc-slider-value");
      shown.htmlFor.add(id);
      shown.setAttribute("aria-hidden", "true"); // the slider announces its own value
      const step = input.step;
      const update = (): void => {
        shown.textContent = formatSliderValue(Number(control.value), step);
      };
      update();
      control.addEventListener("input", update);
      head.append(label, shown);
      field.append(head, control);
    } else {
      field.append(label, control);
    }
    field.append(error);
    form.append(field);
    controls.push(control);
    errors.push(error);

    const changed = (): void => {
      if (control.hasAttribute("aria-invalid")) {
        const reading = readInputValue(input, stateOf(control));
        showError(index, reading.ok ? undefined : reading.error);
      }
      for (const listener of changeListeners) listener();
    };
    // Text fields report every keystroke; selects and checkboxes only "change".
    control.addEventListener(
      input.type === "dropdown" || input.type === "checkbox" ? "change" : "input",
      changed,
    );
  });

  let submit: HTMLButtonElement | undefined;
  if (sendInputOn === "submit") {
    submit = element(doc, "button", "fastrtc-submit", "Submit");
    submit.type = "submit";
    submit.disabled = true;
    submit.title = "Start the call to submit";
    const actions = element(doc, "div", "fastrtc-panel-actions");
    actions.append(submit);
    form.append(actions);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const listener of submitListeners) listener();
  });

  return {
    element: form,
    controls,
    read() {
      const result = collectInputs(inputs, controls.map(stateOf));
      const failed = new Map(result.ok ? [] : result.problems.map((p) => [p.name, p.error]));
      inputs.forEach((input, index) => {
        showError(index, failed.get(input.name));
      });
      return result;
    },
    onChange(listener) {
      changeListeners.push(listener);
    },
    onSubmit(listener) {
      submitListeners.push(listener);
    },
    setConnected(connected) {
      if (!submit) return;
      submit.disabled = !connected;
      submit.title = connected ? "" : "Start the call to submit";
    },
  };
}

/** A message of the transcript: a bubble with a prefix read by screen readers only. */
function chatMessage(doc: Document, message: ChatMessage): HTMLDivElement {
  const item = element(doc, "div", "fastrtc-chat-message");
  item.dataset.role = message.role;
  const who = element(
    doc,
    "span",
    "fastrtc-visually-hidden",
    message.role === "user" ? "You: " : "Assistant: ",
  );
  const bubble = element(doc, "div", "fastrtc-chat-bubble", message.content);
  item.append(who, bubble);
  return item;
}

interface OutputView {
  section: HTMLElement;
  set(value: unknown): void;
  append?(message: ChatMessage): void;
}

function chatbotView(doc: Document, section: HTMLElement, titleId: string): OutputView {
  const log = element(doc, "div", "fastrtc-chat");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-labelledby", titleId);
  log.tabIndex = 0; // scrollable with the keyboard
  const empty = element(doc, "p", "fastrtc-chat-empty", "The conversation will appear here.");
  const frame = element(doc, "div", "fastrtc-chat-frame");
  frame.append(log, empty);
  section.append(frame);
  let shown: ChatMessage[] = [];

  const apply = (next: ChatMessage[], ops: ChatUpdate[]): void => {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    for (const op of ops) {
      switch (op.op) {
        case "append":
          log.append(chatMessage(doc, op.message));
          break;
        case "replace":
          log.children[op.index]?.replaceWith(chatMessage(doc, op.message));
          break;
        case "set-content": {
          const bubble = log.children[op.index]?.querySelector(".fastrtc-chat-bubble");
          if (bubble) bubble.textContent = op.content;
          break;
        }
        case "truncate":
          while (log.children.length > op.length) log.lastElementChild?.remove();
          break;
      }
    }
    shown = next;
    empty.hidden = next.length > 0;
    if (nearBottom || ops.some((op) => op.op === "append")) log.scrollTop = log.scrollHeight;
  };

  return {
    section,
    set(value) {
      const next = normalizeChat(value);
      apply(next, chatUpdates(shown, next));
    },
    append(message) {
      apply([...shown, message], [{ op: "append", message }]);
    },
  };
}

/**
 * Renders the extra outputs. Each starts empty; `output` events fill them.
 *
 * @param doc - The document.
 * @param outputs - One entry per configured output (`undefined` for one the page cannot show,
 *   which keeps the positions of the others).
 *
 * @example
 * ```ts
 * layout.append(createOutputsPanel(document, config.outputs).element);
 * ```
 */
export function createOutputsPanel(
  doc: Document,
  outputs: ReadonlyArray<ResolvedOutput | undefined>,
): OutputsPanel {
  const container = element(doc, "div", "fastrtc-outputs");
  const views: Array<OutputView | undefined> = outputs.map((output) => {
    if (!output) return undefined;
    const section = element(doc, "section", "fastrtc-panel fastrtc-output");
    section.dataset.type = output.type;
    section.dataset.name = output.name;
    const title = panelTitle(doc, output.label);
    section.setAttribute("aria-labelledby", title.id);
    section.append(title);
    container.append(section);
    if (output.type === "chatbot") return chatbotView(doc, section, title.id);
    const box =
      output.type === "json"
        ? element(doc, "pre", "fastrtc-output-json")
        : element(doc, "div", "fastrtc-output-text");
    box.setAttribute("aria-live", "polite");
    box.setAttribute("aria-labelledby", title.id);
    box.tabIndex = 0; // may scroll
    section.append(box);
    const format = output.type === "json" ? formatJson : outputText;
    return {
      section,
      set(value) {
        box.textContent = format(value);
      },
    };
  });
  const firstChat = views.find((v) => v?.append !== undefined);
  return {
    element: container,
    hasChatbot: firstChat !== undefined,
    chatSection: firstChat?.section,
    setValues(values) {
      values.forEach((value, index) => {
        views[index]?.set(value);
      });
    },
    appendChat(message) {
      if (!firstChat?.append) return false;
      firstChat.append(message);
      return true;
    },
  };
}

/**
 * Renders the typed-turn field: a labelled text field and a Send button; Enter sends.
 *
 * @example
 * ```ts
 * const composer = createComposer(document);
 * composer.setConnected(true);
 * ```
 */
export function createComposer(doc: Document): Composer {
  const form = element(doc, "form", "fastrtc-composer");
  form.setAttribute("aria-label", "Type a message");
  const id = uniqueId("fastrtc-message");
  const label = element(doc, "label", "fastrtc-visually-hidden", "Message");
  label.htmlFor = id;
  const input = element(doc, "input", "fastrtc-control fastrtc-composer-input");
  input.type = "text";
  input.id = id;
  input.autocomplete = "off";
  input.enterKeyHint = "send";
  const send = element(doc, "button", "fastrtc-send", "Send");
  send.type = "submit";
  form.append(label, input, send);

  const listeners: Array<(text: string) => boolean> = [];
  let connected = false;
  const refresh = (): void => {
    input.disabled = !connected;
    send.disabled = !connected || input.value.trim() === "";
    input.placeholder = connected ? "Type a message…" : "Start the call to type a message";
  };
  input.addEventListener("input", refresh);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!connected || text === "") return;
    if (listeners.some((listener) => listener(text))) {
      input.value = "";
      refresh();
    }
  });
  refresh();
  return {
    element: form,
    input,
    onSend(listener) {
      listeners.push(listener);
    },
    setConnected(value) {
      connected = value;
      refresh();
    },
  };
}
