import type { AudioChunk } from "../audio/types.js";
import { getCurrentContext } from "../handlers/context.js";
import { AdditionalOutputs, WebRTCData } from "../handlers/outputs.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { Stream } from "../server/Stream.js";
import type { StreamOptions } from "../server/streamTypes.js";
import type { SttModel } from "../stt/sttTypes.js";
import type { TtsModel } from "../tts/ttsTypes.js";
import type { TurnDetector } from "../turns/turnDetectorTypes.js";
import type { ChatMessage } from "../ui/componentTypes.js";
import type { PauseDetectionModel } from "../vad/types.js";
import { builtinResponder, type Responder } from "./responder.js";

/** Messages of history kept per connection (and sent to an LLM). */
const MAX_HISTORY = 20;

/**
 * What the demo voice app is made of; every part can be swapped.
 *
 * @example
 * ```ts
 * const stream = createVoiceApp({ stt: await getSttModel(), tts: await getTtsModel("espeak") });
 * await stream.launch({ port: 7860 });
 * ```
 */
export interface VoiceAppOptions {
  /** Speech to text. Required. */
  stt: SttModel;
  /** Text to speech. Required. */
  tts: Pick<TtsModel, "streamTts">;
  /** Answers the user. Default {@link builtinResponder}. */
  responder?: Responder;
  /**
   * A chunk VAD: selects FastRTC's turn taking with it. Default: none, the streaming policy
   * (Silero v6.2 frames) with preemptive replies.
   */
  vad?: PauseDetectionModel | null;
  /** Turn detector consulted at candidate end points. Default: `ReplyOnPause`'s (prosody). */
  turnDetector?: TurnDetector | null;
  /** More `Stream` options (title, limits, ...). */
  stream?: Partial<StreamOptions>;
}

/**
 * The demo voice app: the person speaks (or types), Moonshine transcribes, a responder answers,
 * the answer is spoken, and the conversation is shown in a chatbot beside the talk button.
 *
 * @example
 * ```ts
 * const stream = createVoiceApp({ stt, tts, responder: openAiResponder({ baseUrl }) });
 * const server = await stream.launch();
 * ```
 */
export function createVoiceApp(options: VoiceAppOptions): Stream {
  const { stt, tts } = options;
  const respond = options.responder ?? builtinResponder();
  const histories = new Map<string, ChatMessage[]>();

  async function* reply(input: AudioChunk | WebRTCData) {
    const { webrtcId } = getCurrentContext();
    const text = input instanceof WebRTCData ? input.textbox.trim() : (await stt.stt(input)).trim();
    if (text === "") return;
    const history = histories.get(webrtcId) ?? [];
    const user: ChatMessage = { role: "user", content: text };
    // Preemptive replies: everything up to the first yield may run for a turn that goes on,
    // so the history changes only after it.
    const answer = await respond([...history, user]);
    yield new AdditionalOutputs(user);
    histories.set(webrtcId, history);
    history.push(user);
    const bot: ChatMessage = { role: "assistant", content: answer };
    history.push(bot);
    history.splice(0, Math.max(0, history.length - MAX_HISTORY));
    yield new AdditionalOutputs(bot);
    for await (const chunk of tts.streamTts(answer)) yield chunk;
  }

  const stream = new Stream({
    handler: new ReplyOnPause(
      reply,
      options.vad
        ? { acceptsText: true, model: options.vad }
        : {
            acceptsText: true,
            preemptive: true,
            ...(options.turnDetector !== undefined ? { turnDetector: options.turnDetector } : {}),
          },
    ),
    modality: "audio",
    mode: "send-receive",
    additionalOutputs: [{ type: "chatbot", name: "conversation", label: "Conversation" }],
    additionalOutputsHandler: (current, message) => [
      [...((current[0] as ChatMessage[] | undefined) ?? []), message],
    ],
    uiArgs: {
      title: "fastrtc-ts voice assistant",
      subtitle: "Press the button and talk, or type below. Everything runs on this computer.",
      showLatency: true,
    },
    ...options.stream,
  });
  stream.on("disconnect", ({ id }) => histories.delete(id));
  return stream;
}
