/**
 * Sending the inputs' values to the app during a call: debounced while the person edits, at
 * once when the server asks (`send_input`) or on Submit, one request at a time and always with
 * the latest values. No DOM, so it can be tested in Node.
 */

import { type CollectedInputs, describeInputProblems, type InputValue } from "./components.js";

/** How long edits must pause before the values are sent (change mode). */
export const INPUT_DEBOUNCE_MS = 300;

/**
 * What an {@link InputSync} needs.
 *
 * @example
 * ```ts
 * const options: InputSyncOptions = {
 *   collect: () => panel.read(),
 *   post: (values) => postInputs(path, webrtcId, values),
 *   onError: (message) => view.showMessage("error", message),
 * };
 * ```
 */
export interface InputSyncOptions {
  /** Reads the current values (marking invalid fields on the page). */
  collect(): CollectedInputs;
  /** Sends them; rejects with an `Error` whose message is shown to the person. */
  post(values: Record<string, InputValue>): Promise<void>;
  /** Shows a problem to the person. */
  onError(message: string): void;
  /** Default {@link INPUT_DEBOUNCE_MS}. */
  debounceMs?: number;
}

/**
 * The input sender of one call. Requests never overlap: asking again while one is in flight
 * sends once more, with the values of that moment, when it completes.
 *
 * @example
 * ```ts
 * const sync = new InputSync(options);
 * connection.on("send_input", () => void sync.sendNow());
 * input.addEventListener("input", () => sync.schedule());
 * // when the call ends:
 * sync.dispose();
 * ```
 */
export class InputSync {
  readonly #o: InputSyncOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<void> | undefined;
  #again = false;
  #reportInvalid = false;
  #disposed = false;

  constructor(options: InputSyncOptions) {
    this.#o = options;
  }

  /**
   * Sends the values once edits have paused for the debounce time. Invalid values are skipped
   * silently (the page marks the field; the person is still editing).
   */
  schedule(): void {
    if (this.#disposed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sendNow(false);
    }, this.#o.debounceMs ?? INPUT_DEBOUNCE_MS);
  }

  /**
   * Sends the current values now (dropping a scheduled send). Invalid values are not sent: the
   * problem is reported instead (unless `reportInvalid` is false). Resolves when this request
   * (or the one it joined) is done; never rejects.
   */
  sendNow(reportInvalid = true): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    if (reportInvalid) this.#reportInvalid = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        const collected = this.#o.collect();
        const report = this.#reportInvalid;
        this.#reportInvalid = false;
        if (!collected.ok) {
          if (report) this.#o.onError(describeInputProblems(collected.problems));
          continue;
        }
        try {
          await this.#o.post(collected.values);
        } catch (err) {
          if (!this.#disposed) {
            this.#o.onError(
              err instanceof Error && err.message
                ? err.message
                : "The inputs could not be sent to the app.",
            );
          }
        }
      } while (this.#again && !this.#disposed);
    };
    this.#inFlight = run().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** True while a send is scheduled or in flight. */
  get busy(): boolean {
    return this.#timer !== undefined || this.#inFlight !== undefined;
  }

  /** Stops: drops a scheduled send; a request in flight completes but reports nothing. */
  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
