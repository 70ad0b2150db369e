/**
 * Extra data sent beside the audio: the values reach `stream.outputStream(id)` consumers and the
 * client is told to fetch them (`{"type":"fetch_output"}`).
 *
 * @example
 * ```ts
 * async function* reply(audio: AudioChunk) {
 *   yield new AdditionalOutputs({ role: "assistant", content: "Hi!" });
 *   yield [24000, speech];
 * }
 * ```
 */
export class AdditionalOutputs<Args extends unknown[] = unknown[]> {
  /** The values passed to the constructor, in order. */
  readonly args: Args;
  constructor(...args: Args) {
    this.args = args;
  }
}

/**
 * Returned or yielded by a handler to end the stream once the audio already queued has played.
 * The client receives `{"type":"end_stream","data": msg}`.
 *
 * @example
 * ```ts
 * function* goodbye() {
 *   yield [24000, byeAudio];
 *   yield new CloseStream("bye"); // default message: "Stream closed"
 * }
 * ```
 */
export class CloseStream {
  /** Message sent to the client. Default `"Stream closed"`. */
  readonly msg: string;
  constructor(msg = "Stream closed") {
    if (typeof msg !== "string") throw new TypeError("CloseStream message must be a string");
    this.msg = msg;
  }
}

/**
 * FastRTC's `WebRTCData`: the value of a text-capable input (the textbox variant). When the
 * first argument given to `setInput` is a `WebRTCData`, audio handlers keep it as is and
 * `ReplyOnPause` fills in its `audio` before calling the reply function.
 *
 * @example
 * ```ts
 * stream.setInput(id, new WebRTCData({ webrtcId: id, textbox: "hello" }));
 * ```
 */
export class WebRTCData {
  /** The connection id. */
  webrtcId: string;
  /** Typed text, `""` when none. */
  textbox: string;
  /** The turn's audio, filled in by `ReplyOnPause`. Default `null`. */
  audio: unknown;
  constructor(init: { webrtcId: string; textbox?: string; audio?: unknown }) {
    if (!init || typeof init.webrtcId !== "string") {
      throw new TypeError("WebRTCData needs a string webrtcId");
    }
    if (init.textbox !== undefined && typeof init.textbox !== "string") {
      throw new TypeError("WebRTCData.textbox must be a string");
    }
    this.webrtcId = init.webrtcId;
    this.textbox = init.textbox ?? "";
    this.audio = init.audio ?? null;
  }
}
