/**
 * The app's input and output routes (`PageConfig.ioRoutes`): `POST {path}/input_hook` and the
 * `GET {path}/outputs?webrtc_id=...` event stream.
 */

import {
  describeInputHookError,
  type InputValue,
  inputHookBody,
  inputHookUrl,
  type ResolvedInput,
} from "./components.js";
import { outputsUrl, parseOutputsEvent } from "./outputs.js";

/**
 * Posts the inputs' values for a call.
 *
 * @param path - Route prefix ("" for the root).
 * @param webrtcId - The call's id.
 * @param values - One value per input, by name.
 * @param inputs - The inputs (to name them in error messages).
 * @throws Error with a message for the person when the app refuses or cannot be reached.
 *
 * @example
 * ```ts
 * await postInputs("", connection.webrtcId, { voice: "af" }, config.inputs);
 * ```
 */
export async function postInputs(
  path: string,
  webrtcId: string,
  values: Readonly<Record<string, InputValue>>,
  inputs: readonly ResolvedInput[],
  token: string | null = null,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(inputHookUrl(path), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(token === null ? {} : { "X-FastRTC-Token": token }),
      },
      body: JSON.stringify(inputHookBody(webrtcId, values)),
    });
  } catch {
    throw new Error("The inputs could not be sent: the app could not be reached.");
  }
  if (response.ok) return;
  const body: unknown = await response.json().catch(() => undefined);
  throw new Error(describeInputHookError(response.status, body, inputs));
}

/**
 * Follows the outputs of a call: calls `onValues` with each `output` event's values.
 *
 * @param path - Route prefix ("" for the root).
 * @param webrtcId - The call's id.
 * @param onValues - One value per output component, in order.
 * @param onFailure - Called once if the stream cannot be opened at all. (A stream that was open
 *   and ends is retried by `EventSource`; once the app refuses the retry, e.g. because the call
 *   ended, it is closed quietly.)
 * @param token - The call's connection token (`connectionTokens`), sent as `fastrtc_token`.
 * @returns A function that closes the stream.
 *
 * @example
 * ```ts
 * const close = followOutputs("", id, (values) => panel.setValues(values), showWarning);
 * // when the call ends:
 * close();
 * ```
 */
export function followOutputs(
  path: string,
  webrtcId: string,
  onValues: (values: unknown[]) => void,
  onFailure: () => void,
  token: string | null = null,
): () => void {
  if (typeof EventSource === "undefined") {
    onFailure();
    return () => undefined;
  }
  const url = outputsUrl(path, webrtcId);
  const source = new EventSource(
    token === null ? url : `${url}&fastrtc_token=${encodeURIComponent(token)}`,
  );
  let closed = false;
  let opened = false;
  source.addEventListener("open", () => {
    opened = true;
  });
  source.addEventListener("output", (event) => {
    if (closed) return;
    const values = parseOutputsEvent(String((event as MessageEvent).data));
    if (values) onValues(values);
  });
  source.addEventListener("error", () => {
    // A dropped stream is retried by EventSource (readyState CONNECTING); a refused one is not.
    if (!closed && source.readyState === EventSource.CLOSED) {
      closed = true;
      if (!opened) onFailure();
    }
  });
  return () => {
    closed = true;
    source.close();
  };
}
