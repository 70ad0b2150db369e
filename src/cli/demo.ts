/**
 * `fastrtc-ts demo`: the echo voice app with the built-in page. Open the printed URL, press the
 * button, talk, pause: you hear what you said. Offline: Silero VAD ships in an npm package and
 * the page is bundled with the library.
 */
import type { AudioChunk } from "../audio/types.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { Stream } from "../server/Stream.js";

/** Parses `--port N` / `--host H` (also `--port=N`). */
export function parseServeArgs(args: string[]): { port?: number; host?: string; error?: string } {
  const out: { port?: number; host?: string; error?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = inline ?? args[++i];
    if (flag === "--port") {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return { error: `Invalid --port ${String(value)}` };
      out.port = port;
    } else if (flag === "--host") {
      if (!value) return { error: "--host needs a value" };
      out.host = value;
    } else return { error: `Unknown option ${arg}` };
  }
  return out;
}

async function* echo(audio: AudioChunk) {
  yield audio;
}

export async function runDemo(args: string[]): Promise<number> {
  const options = parseServeArgs(args);
  if (options.error) {
    console.error(`${options.error}\nUsage: fastrtc-ts demo [--port 7860] [--host 127.0.0.1]`);
    return 2;
  }
  console.log("fastrtc-ts demo: loading Silero VAD ...");
  const stream = new Stream({
    handler: new ReplyOnPause(echo),
    modality: "audio",
    mode: "send-receive",
    uiArgs: {
      title: "fastrtc-ts echo",
      subtitle: "Press the button, say something, then pause: you will hear it back.",
    },
  });
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
