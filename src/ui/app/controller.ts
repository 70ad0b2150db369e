/**
 * The page's behaviour: starts and stops the call, follows the server's turn-taking messages,
 * drives the level ring and reports problems to the person; when configured, sends the extra
 * inputs, shows the outputs stream and sends typed turns.
 */

import { displayLevel, LevelMeter } from "./audioLevel.js";
import type { ResolvedPageConfig } from "./config.js";
import { type Connection, describeConnectError, openConnection } from "./connection.js";
import { InputSync } from "./inputSync.js";
import { followOutputs, postInputs } from "./io.js";
import { textTurnMessage } from "./outputs.js";
import { nextState, type TalkEvent, type TalkState } from "./state.js";
import type { MessageKind, View } from "./view.js";

/** RMS above which the reply counts as audible (about -42 dBFS). */
const REMOTE_SOUND_RMS = 0.008;
/** The reply is over once it has been quiet this long. */
const REMOTE_QUIET_MS = 400;
/** If no reply audio is heard at all this long after `response_starting`, stop waiting for it. */
const REMOTE_SILENT_REPLY_MS = 2000;
const QUIET_CHECK_MS = 50;

interface Call {
  context: AudioContext | undefined;
  microphone: MediaStream | undefined;
  connection: Connection | undefined;
  unsubscribe: Array<() => void>;
  localMeter: LevelMeter | undefined;
  remoteMeter: LevelMeter | undefined;
  frame: number | undefined;
  ticker: number | undefined;
  speakingSince: number;
  lastRemoteSound: number | undefined;
  /** Sends the inputs (only when there are inputs and the app serves its input route). */
  inputSync: InputSync | undefined;
  /** Closes the outputs stream, once it is open. */
  closeOutputs: (() => void) | undefined;
  /** The app asked for inputs it cannot receive: warned once per call. */
  warnedNoInputRoute: boolean;
}

class MicrophoneError extends Error {}

function microphoneProblem(err: unknown): string | undefined {
  if (err instanceof MicrophoneError) return err.message;
  if (!(err instanceof DOMException)) return undefined;
  switch (err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Microphone access was denied. Allow this site to use the microphone (the icon in the address bar), then try again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again.";
    case "NotReadableError":
    case "AbortError":
      return "The microphone could not be started. Another app may be using it.";
    default:
      return undefined;
  }
}

async function openMicrophone(constraints: Record<string, unknown>): Promise<MediaStream> {
  const media = navigator.mediaDevices;
  if (!media?.getUserMedia) {
    throw new MicrophoneError(
      window.isSecureContext
        ? "This browser cannot use a microphone here."
        : "The microphone only works on secure pages: open this app over https:// or on localhost.",
    );
  }
  try {
    return await media.getUserMedia({ audio: constraints as MediaTrackConstraints });
  } catch (err) {
    // Strict defaults ({exact: true} processing, mono) can fail on some devices: fall back to any
    // microphone rather than give up.
    if (err instanceof DOMException && err.name === "OverconstrainedError") {
      return media.getUserMedia({ audio: true });
    }
    throw err;
  }
}

function createAudioContext(): AudioContext | undefined {
  try {
    return new AudioContext();
  } catch {
    return undefined; // no Web Audio: the page still works, without the level ring
  }
}

/**
 * Wires the page: the button toggles a call, `Escape` ends it.
 *
 * @param config - The resolved page configuration.
 * @param view - The rendered page.
 *
 * @example
 * ```ts
 * startApp(config, createView(document, config));
 * ```
 */
export function startApp(config: ResolvedPageConfig, view: View): void {
  let state: TalkState = "idle";
  let call: Call | undefined;
  const inCall = (): boolean =>
    state === "listening" || state === "thinking" || state === "speaking";

  const dispatch = (event: TalkEvent): void => {
    const next = nextState(state, event);
    if (next === state) return;
    state = next;
    if (next === "speaking" && call) {
      call.speakingSince = performance.now();
      call.lastRemoteSound = undefined;
    }
    view.setState(next);
  };

  const release = (c: Call): void => {
    for (const off of c.unsubscribe.splice(0)) off();
    c.inputSync?.dispose();
    c.closeOutputs?.();
    c.closeOutputs = undefined;
    if (c.frame !== undefined) cancelAnimationFrame(c.frame);
    if (c.ticker !== undefined) clearInterval(c.ticker);
    c.connection?.stop();
    for (const track of c.microphone?.getTracks() ?? []) track.stop();
    c.localMeter?.dispose();
    c.remoteMeter?.dispose();
    void c.context?.close().catch(() => undefined);
    view.audio.srcObject = null;
  };

  const stop = (message?: { kind: MessageKind; text: string }): void => {
    const c = call;
    call = undefined;
    if (c) release(c);
    dispatch({ type: "stop" });
    if (message) view.showMessage(message.kind, message.text);
  };

  /** The call is up: listen, and follow the app's outputs. */
  const connected = (c: Call, connection: Connection): void => {
    dispatch({ type: "connected" });
    if (!config.ioRoutes || !view.outputs || c.closeOutputs) return;
    const outputs = view.outputs;
    c.closeOutputs = followOutputs(
      config.path,
      connection.webrtcId,
      (values) => {
        if (call === c) outputs.setValues(values);
      },
      () => {
        if (call === c) view.showMessage("warning", "The app's outputs could not be loaded.");
      },
    );
  };

  const animate = (c: Call): void => {
    // Listening: the person's microphone (receive mode has none: the stream being played).
    const meter =
      state === "listening"
        ? (c.localMeter ?? c.remoteMeter)
        : state === "speaking"
          ? c.remoteMeter
          : undefined;
    view.setLevel(meter ? displayLevel(meter.level()) : 0);
    c.frame = requestAnimationFrame(() => animate(c));
  };

  const checkReplyEnded = (c: Call): void => {
    if (state !== "speaking") return;
    const now = performance.now();
    const rms = c.remoteMeter?.level() ?? 0;
    if (rms >= REMOTE_SOUND_RMS) {
      c.lastRemoteSound = now;
      return;
    }
    const ended =
      c.lastRemoteSound === undefined
        ? now - c.speakingSince >= REMOTE_SILENT_REPLY_MS
        : now - c.lastRemoteSound >= REMOTE_QUIET_MS;
    if (ended) dispatch({ type: "remote-quiet" });
  };

  const subscribe = (c: Call, connection: Connection): void => {
    const active = (): boolean => call === c;
    c.unsubscribe.push(
      connection.on("log", (data) => {
        if (!active()) return;
        view.setLastLog(data);
        dispatch({ type: "log", data });
      }),
      connection.on("error", (message) => {
        if (active()) view.showMessage("error", message || "The app reported an error.");
      }),
      connection.on("warning", (message) => {
        if (active() && message) view.showMessage("warning", message);
      }),
      connection.on("end_stream", (message) => {
        if (active()) stop({ kind: "info", text: message || "The app ended the conversation." });
      }),
      connection.on("update_connection", (data) => {
        if (active() && data === "closed") {
          stop({ kind: "info", text: "The app closed the conversation." });
        }
      }),
      connection.on("track", (stream) => {
        if (!active()) return;
        view.audio.srcObject = stream;
        void view.audio.play().catch(() => undefined);
        if (c.context && stream.getAudioTracks().length > 0) {
          c.remoteMeter?.dispose();
          c.remoteMeter = new LevelMeter(c.context, stream);
        }
      }),
      connection.on("state", (s) => {
        if (!active()) return;
        if (s === "connected") connected(c, connection);
        // While connecting, a failure is reported by connect()'s rejection, which says why.
        else if (state === "connecting") return;
        else if (s === "failed") {
          stop({ kind: "error", text: "The connection was lost. Start again to reconnect." });
        } else if (s === "closed") stop({ kind: "info", text: "The call ended." });
      }),
      connection.on("send_input", () => {
        if (!active()) return;
        if (c.inputSync) void c.inputSync.sendNow();
        // Without declared inputs there is nothing to send (the input hook refuses an empty body).
        else if (view.inputs && !c.warnedNoInputRoute) {
          c.warnedNoInputRoute = true;
          view.showMessage(
            "warning",
            "The app asked for its inputs but offers no way to send them.",
          );
        }
      }),
      // fetch_output needs nothing: the outputs stream (when the app serves it) delivers them.
    );
  };

  const start = async (): Promise<void> => {
    view.clearMessages();
    // Created inside the click so the browser lets it run.
    const c: Call = {
      context: createAudioContext(),
      microphone: undefined,
      connection: undefined,
      unsubscribe: [],
      localMeter: undefined,
      remoteMeter: undefined,
      frame: undefined,
      ticker: undefined,
      speakingSince: 0,
      lastRemoteSound: undefined,
      inputSync: undefined,
      closeOutputs: undefined,
      warnedNoInputRoute: false,
    };
    call = c;
    dispatch({ type: "start" });
    try {
      if (config.mode !== "receive") {
        c.microphone = await openMicrophone(config.trackConstraints);
        if (call !== c) {
          release(c);
          return;
        }
        if (c.context) c.localMeter = new LevelMeter(c.context, c.microphone);
      }
      const connection = openConnection({
        path: config.path,
        rtcConfiguration: config.rtcConfiguration,
        mode: config.mode,
      });
      c.connection = connection;
      const panel = view.inputs;
      if (config.ioRoutes && panel) {
        c.inputSync = new InputSync({
          collect: () => panel.read(),
          post: (values) => postInputs(config.path, connection.webrtcId, values, config.inputs),
          onError: (message) => {
            if (call === c) view.showMessage("error", message);
          },
        });
      }
      subscribe(c, connection);
      c.frame = requestAnimationFrame(() => animate(c));
      c.ticker = window.setInterval(() => checkReplyEnded(c), QUIET_CHECK_MS);
      await connection.connect(c.microphone ?? null);
      if (call === c) connected(c, connection);
    } catch (err) {
      if (call !== c) return;
      stop({ kind: "error", text: microphoneProblem(err) ?? describeConnectError(err) });
    }
  };

  view.inputs?.onChange(() => {
    if (config.sendInputOn === "change" && inCall()) call?.inputSync?.schedule();
  });
  view.inputs?.onSubmit(() => {
    if (inCall() && call?.inputSync) void call.inputSync.sendNow();
    else view.inputs?.read(); // outside a call: only show what needs fixing
  });
  view.composer?.onSend((text) => {
    const connection = call?.connection;
    if (!connection || !inCall()) return false;
    try {
      connection.send(textTurnMessage(text));
    } catch {
      view.showMessage("error", "The message could not be sent: the call is not connected.");
      return false;
    }
    // With the outputs stream open the app shows the message itself; otherwise show it here.
    if (!call?.closeOutputs) view.outputs?.appendChat({ role: "user", content: text });
    return true;
  });

  view.button.addEventListener("click", () => {
    if (state === "idle") void start();
    else stop();
  });
  document.addEventListener("keydown", (evt) => {
    if (evt.key === "Escape" && state !== "idle") stop();
  });
  window.addEventListener("pagehide", () => {
    if (call) stop();
  });
}
