/**
 * A voice chat with a transcript: the person talks (or types), the app transcribes with
 * Moonshine, answers in the chosen style, speaks the answer with espeak, and shows both sides in
 * a chatbot next to the talk button (through `/outputs`, server-sent events).
 *
 *   npx tsx examples/chat.ts            then open http://127.0.0.1:7861
 */
import {
  AdditionalOutputs,
  type AudioChunk,
  getSttModel,
  getTtsModel,
  ReplyOnPause,
  Stream,
  type SttModel,
  type TtsModel,
  WebRTCData,
} from "../src/index.js";

/** One message of the chatbot. */
interface Message {
  role: "user" | "assistant";
  content: string;
}

/** The answer in a style: the app's "LLM". */
function answer(text: string, style: string): string {
  const base = /time/i.test(text)
    ? `It is ${new Date().toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" })}.`
    : `You said: ${text}`;
  return style === "pirate" ? `Arr! ${base}` : base;
}

/**
 * The chat app. `stt`/`tts` default to Moonshine tiny and espeak.
 *
 * @example
 * ```ts
 * const stream = await createChatApp();
 * await stream.launch({ port: 7861 });
 * ```
 */
export async function createChatApp(
  models: { stt?: SttModel; tts?: Pick<TtsModel, "streamTts"> } = {},
): Promise<Stream> {
  const stt = models.stt ?? (await getSttModel());
  const tts = models.tts ?? (await getTtsModel("espeak"));

  // fn(audio | WebRTCData, style): the style comes from the page's dropdown (send_input).
  async function* reply(input: AudioChunk | WebRTCData, style: string) {
    const text = input instanceof WebRTCData ? input.textbox : await stt.stt(input);
    if (text.trim() === "") return;
    yield new AdditionalOutputs({ role: "user", content: text } satisfies Message);
    const response = answer(text, style);
    yield new AdditionalOutputs({ role: "assistant", content: response } satisfies Message);
    for await (const chunk of tts.streamTts(response)) yield chunk;
  }

  return new Stream({
    handler: new ReplyOnPause(reply, { acceptsText: true, needsArgs: true, preemptive: true }),
    modality: "audio",
    mode: "send-receive",
    additionalInputs: [
      { type: "dropdown", name: "style", label: "Answer style", choices: ["plain", "pirate"] },
    ],
    additionalOutputs: [{ type: "chatbot", name: "chat", label: "Conversation" }],
    // Each AdditionalOutputs carries one message: append it to the chatbot's value.
    additionalOutputsHandler: (current, message) => [[...(current[0] as Message[]), message]],
    uiArgs: { title: "Voice chat", subtitle: "Talk or type; the transcript appears on the right." },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stream = await createChatApp();
  const server = await stream.launch({ port: Number(process.env.PORT ?? 7861) });
  console.log(`Open ${server.url} (Ctrl+C to stop).`);
  process.once("SIGINT", () => void server.close().then(() => process.exit(0)));
}
