/**
 * The page's behaviour: starts and stops the call, follows the server's turn-taking messages,
 * drives the level ring and reports problems to the person; when configured, sends the extra
 * inputs, shows the outputs stream and sends typed turns.
 */

import { displayLevel, LevelMeter } from "./audioLevel.js";
import { type MicrophoneChoice, NO_MICROPHONE } from "./callTools.js";
import type { ResolvedPageConfig } from "./config.js";
import {
  type Connection,
  describeConnectError,
  openConnection,
  type TurnStep,
} from "./connection.js";
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
  /** What the call sends: the microphone, or silence when typing only. */
  sending: MediaStream | undefined;
  /** The microphone track is disabled. */
  muted: boolean;
  /** Typed messages waiting for the call to connect. */
  pendingTexts: string[];
  /** Typed turns by number, to label their latency "message → reply". */
  typedTurns: number;
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

async function openMicrophone(
  constraints: Record<string, unknown>,
  deviceId?: string,
): Promise<MediaStream> {
  const media = navigator.mediaDevices;
  if (!media?.getUserMedia) {
    throw new MicrophoneError(
      window.isSecureContext
        ? "This browser cannot use a microphone here."
        : "The microphone only works on secure pages: open this app over https:// or on localhost.",
    );
  }
  const device = deviceId === undefined ? {} : { deviceId: { exact: deviceId } };
  try {
    return await media.getUserMedia({
      audio: { ...constraints, ...device } as MediaTrackConstraints,
    });
  } catch (err) {
    // Strict defaults ({exact: true} processing, mono) can fail on some devices: fall back to the
    // plain microphone rather than give up.
    if (err instanceof DOMException && err.name === "OverconstrainedError") {
      return media.getUserMedia({ audio: deviceId === undefined ? true : device });
    }
    throw err;
  }
}

/** A track of silence, sent when the person types without a microphone. */
function silentStream(context: AudioContext | undefined): MediaStream | undefined {
  if (!context) return undefined;
  try {
    return context.createMediaStreamDestination().stream;
  } catch {
    return undefined;
  }
}

/** The microphones, labelled (labels are empty until the person allowed one). */
async function listMicrophones(): Promise<MicrophoneChoice[]> {
  const media = navigator.mediaDevices;
  if (!media?.enumerateDevices) return [];
  const devices = await media.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
  const inputs = devices.filter((d) => d.kind === "audioinput");
  return inputs.map((d, i) => ({
    id: d.deviceId || "default",
    label: d.label || (inputs.length === 1 ? "Microphone" : `Microphone ${i + 1}`),
  }));
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
    for (const track of c.sending?.getTracks() ?? []) track.stop();
    view.devices?.setMuteEnabled(false);
    view.devices?.setMuted(false);
    view.setTypingOnly(false);
    void refreshDevices();
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
    for (const text of c.pendingTexts.splice(0)) sendText(c, text);
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
      connection.connectionToken,
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
        if (!active()) return;
        view.showMessage("error", message || "The app reported an error.");
        // A failed reply sends no response_starting: stop waiting for it.
        dispatch({ type: "error" });
      }),
      connection.on("turn", (step) => {
        if (active()) onTurnStep(c, step);
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

  const onTurnStep = (c: Call, step: TurnStep): void => {
    if (step.type === "turn_ended") dispatch({ type: "turn-ended" });
    if (step.type !== "first_audio_sent" || !view.latency) return;
    const fromSpeech = step.latencies.speechEndToFirstAudioMs;
    const fromTurn = step.latencies.turnDetectedToFirstAudioMs;
    if (fromSpeech !== undefined) {
      view.latency.show({ turn: step.turn, ms: fromSpeech, from: "speech" });
    } else if (fromTurn !== undefined && c.typedTurns > 0) {
      // A typed turn has no end of speech: from the message's arrival instead.
      view.latency.show({ turn: step.turn, ms: fromTurn, from: "message" });
    }
  };

  /** What the person picked in the picker (a device id, or NO_MICROPHONE); kept across calls. */
  let preferred: string | undefined;
  /** The microphone to open (`undefined`: the browser's default). */
  const pickedDevice = (): string | undefined =>
    preferred === undefined || preferred === "default" || preferred === NO_MICROPHONE
      ? undefined
      : preferred;

  let refreshing: Promise<void> = Promise.resolve();
  /** Re-reads the microphones (queued behind a refresh in flight, so the last one wins). */
  const refreshDevices = (): Promise<void> => {
    const bar = view.devices;
    if (!bar) return Promise.resolve();
    refreshing = refreshing.then(async () => {
      const mics = await listMicrophones();
      // During a call: what it sends; otherwise what the person picked last.
      const c = call?.sending ? call : undefined;
      const inUse = c
        ? (c.microphone?.getAudioTracks()[0]?.getSettings().deviceId ?? NO_MICROPHONE)
        : preferred;
      bar.setChoices(mics, inUse);
    });
    return refreshing;
  };

  const applyMute = (c: Call): void => {
    for (const track of c.microphone?.getAudioTracks() ?? []) track.enabled = !c.muted;
  };

  /** Sends another microphone (or silence) on the live call, without renegotiating. */
  const switchMicrophone = async (c: Call, id: string): Promise<void> => {
    const connection = c.connection;
    if (!connection) return;
    let mic: MediaStream | undefined;
    let sending: MediaStream | undefined;
    try {
      if (id === NO_MICROPHONE) {
        sending = silentStream(c.context);
      } else {
        mic = await openMicrophone(config.trackConstraints, id === "default" ? undefined : id);
        sending = mic;
      }
    } catch (err) {
      if (call === c) {
        view.showMessage(
          "error",
          microphoneProblem(err) ?? "That microphone could not be started.",
        );
        void refreshDevices();
      }
      return;
    }
    const track = sending?.getAudioTracks()[0];
    if (call !== c || !track) {
      for (const t of sending?.getTracks() ?? []) t.stop();
      return;
    }
    if (mic) track.enabled = !c.muted;
    if (!(await connection.replaceTrack(track).catch(() => false))) {
      for (const t of sending?.getTracks() ?? []) t.stop();
      if (call === c) view.showMessage("error", "This call cannot change its microphone.");
      return;
    }
    for (const t of c.microphone?.getTracks() ?? []) t.stop();
    for (const t of c.sending?.getTracks() ?? []) t.stop();
    c.microphone = mic;
    c.sending = sending;
    c.localMeter?.dispose();
    c.localMeter = mic && c.context ? new LevelMeter(c.context, mic) : undefined;
    view.devices?.setMuteEnabled(mic !== undefined);
    view.setTypingOnly(mic === undefined);
    void refreshDevices();
  };

  const start = async (options: { typingOnly?: boolean; text?: string } = {}): Promise<void> => {
    view.clearMessages();
    view.latency?.clear();
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
      sending: undefined,
      muted: false,
      pendingTexts: options.text === undefined ? [] : [options.text],
      typedTurns: 0,
    };
    call = c;
    dispatch({ type: "start" });
    try {
      if (config.mode !== "receive") {
        const typingOnly =
          config.textTurns && (options.typingOnly === true || preferred === NO_MICROPHONE);
        if (!typingOnly) {
          try {
            c.microphone = await openMicrophone(config.trackConstraints, pickedDevice());
          } catch (err) {
            // An app that takes typed turns still works without a microphone.
            const problem = microphoneProblem(err);
            if (!config.textTurns || problem === undefined) throw err;
            if (call === c) view.showMessage("warning", `${problem} You can still type.`);
          }
        }
        if (call !== c) {
          release(c);
          return;
        }
        c.sending = c.microphone ?? silentStream(c.context);
        if (c.microphone && c.context) c.localMeter = new LevelMeter(c.context, c.microphone);
        view.setTypingOnly(c.microphone === undefined);
        view.devices?.setMuteEnabled(c.microphone !== undefined);
        void refreshDevices();
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
          post: (values) =>
            postInputs(
              config.path,
              connection.webrtcId,
              values,
              config.inputs,
              connection.connectionToken,
            ),
          onError: (message) => {
            if (call === c) view.showMessage("error", message);
          },
        });
      }
      subscribe(c, connection);
      c.frame = requestAnimationFrame(() => animate(c));
      c.ticker = window.setInterval(() => checkReplyEnded(c), QUIET_CHECK_MS);
      await connection.connect(c.sending ?? null);
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
  const sendText = (c: Call, text: string): boolean => {
    const connection = c.connection;
    if (!connection) return false;
    try {
      connection.send(textTurnMessage(text));
    } catch {
      view.showMessage("error", "The message could not be sent: the call is not connected.");
      return false;
    }
    c.typedTurns += 1;
    // With the outputs stream open the app shows the message itself; otherwise show it here.
    if (!c.closeOutputs) view.outputs?.appendChat({ role: "user", content: text });
    return true;
  };

  view.composer?.onSend((text) => {
    // Typing while idle starts a call that sends no microphone; the text goes once connected.
    if (state === "idle") {
      void start({ typingOnly: true, text });
      return true;
    }
    const c = call;
    if (!c || !inCall()) return false;
    return sendText(c, text);
  });

  view.devices?.onSelect((id) => {
    preferred = id;
    if (call && inCall()) void switchMicrophone(call, id);
  });
  view.devices?.onMute((muted) => {
    if (!call) return;
    call.muted = muted;
    applyMute(call);
  });
  if (view.devices) {
    void refreshDevices();
    navigator.mediaDevices?.addEventListener?.("devicechange", () => void refreshDevices());
  }

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
