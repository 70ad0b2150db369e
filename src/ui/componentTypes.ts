/**
 * Plain descriptions of the extra inputs and outputs shown beside the voice controls (FastRTC's
 * `additional_inputs` / `additional_outputs`, without Gradio). They are JSON: the server
 * validates them, the built-in page renders them.
 *
 * @module
 */

interface ComponentBase {
  /**
   * Key of the value in `POST /input_hook` bodies. Default `input_<index>` for inputs,
   * `output_<index>` for outputs.
   */
  name?: string;
  /** Label shown on the page. Default: the name. */
  label?: string;
}

/**
 * A one-line (or multi-line) text field.
 *
 * @example
 * ```ts
 * const prompt: TextboxInput = { type: "textbox", name: "persona", value: "a pirate" };
 * ```
 */
export interface TextboxInput extends ComponentBase {
  type: "textbox";
  /** Default `""`. */
  value?: string;
  placeholder?: string;
  /** Visible lines. Default `1`. */
  lines?: number;
}

/**
 * A number field.
 *
 * @example
 * ```ts
 * const n: NumberInput = { type: "number", name: "temperature", value: 0.7, min: 0, max: 2 };
 * ```
 */
export interface NumberInput extends ComponentBase {
  type: "number";
  /** Default `0` (or `min`). */
  value?: number;
  min?: number;
  max?: number;
  step?: number;
}

/**
 * A slider between `min` and `max`.
 *
 * @example
 * ```ts
 * const speed: SliderInput = { type: "slider", name: "speed", min: 0.5, max: 2, step: 0.1, value: 1 };
 * ```
 */
export interface SliderInput extends ComponentBase {
  type: "slider";
  min: number;
  max: number;
  /** Default `1`. */
  step?: number;
  /** Default `min`. */
  value?: number;
}

/**
 * A choice among strings.
 *
 * @example
 * ```ts
 * const voice: DropdownInput = { type: "dropdown", name: "voice", choices: ["af", "am"], value: "af" };
 * ```
 */
export interface DropdownInput extends ComponentBase {
  type: "dropdown";
  choices: string[];
  /** Default: the first choice. */
  value?: string;
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * const verbose: CheckboxInput = { type: "checkbox", name: "verbose", value: false };
 * ```
 */
export interface CheckboxInput extends ComponentBase {
  type: "checkbox";
  /** Default `false`. */
  value?: boolean;
}

/**
 * Any additional input.
 *
 * @example
 * ```ts
 * const inputs: InputComponent[] = [{ type: "textbox", name: "persona" }];
 * ```
 */
export type InputComponent =
  | TextboxInput
  | NumberInput
  | SliderInput
  | DropdownInput
  | CheckboxInput;

/**
 * A chat transcript. Its value is a list of `{ role: "user" | "assistant", content: string }`.
 *
 * @example
 * ```ts
 * const chat: ChatbotOutput = { type: "chatbot", label: "Conversation" };
 * ```
 */
export interface ChatbotOutput extends ComponentBase {
  type: "chatbot";
}

/**
 * A text shown as is. Its value is a string.
 *
 * @example
 * ```ts
 * const transcript: TextboxOutput = { type: "textbox", label: "Transcript" };
 * ```
 */
export interface TextboxOutput extends ComponentBase {
  type: "textbox";
}

/**
 * Any JSON value, shown pretty-printed.
 *
 * @example
 * ```ts
 * const debug: JsonOutput = { type: "json", label: "Metrics" };
 * ```
 */
export interface JsonOutput extends ComponentBase {
  type: "json";
}

/**
 * Any additional output.
 *
 * @example
 * ```ts
 * const outputs: OutputComponent[] = [{ type: "chatbot" }];
 * ```
 */
export type OutputComponent = ChatbotOutput | TextboxOutput | JsonOutput;

/**
 * One message of a chatbot output's value.
 *
 * @example
 * ```ts
 * const m: ChatMessage = { role: "assistant", content: "Hello!" };
 * ```
 */
export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}
