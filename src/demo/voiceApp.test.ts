import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { NodeWebSocketClient } from "../client/node.js";
import { EnergyVad, silence, tone } from "../handlers/testing/fakes.js";
import type { LaunchedServer } from "../server/streamTypes.js";
import { waitFor } from "../server/testing/peers.js";
import type { SttModel } from "../stt/sttTypes.js";
import type { ChatMessage } from "../ui/componentTypes.js";
import { builtinResponder, openAiResponder } from "./responder.js";
import { createVoiceApp } from "./voiceApp.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("builtinResponder", () => {
  const respond = builtinResponder(() => new Date(2026, 10, 21, 15, 4));
  const ask = (content: string) => respond([{ role: "user", content }]);
  it("knows the time and the date, greets, and echoes the rest", async () => {
    expect(await ask("What time is it?")).toBe("It is 3:04 PM.");
    expect(await ask("what's the date")).toBe("Today is Saturday, November 21.");
    expect(await ask("Hello there")).toMatch(/^Hello!/);
    expect(await ask("The quilter is the apostle.")).toBe("You said: The quilter is the apostle.");
    expect(await ask("   ")).toMatch(/did not catch/);
  });
});

describe("openAiResponder", () => {
  async function fakeLlm(answer: (body: unknown, req: IncomingMessage) => [number, unknown]) {
    const seen: Array<{ body: unknown; auth: string | undefined; url: string | undefined }> = [];
    const server = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        const body = JSON.parse(text) as unknown;
        seen.push({ body, auth: req.headers.authorization, url: req.url });
        const [status, json] = answer(body, req);
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
  }

  it("posts the history with a system prompt and returns the first choice", async () => {
    const llm = await fakeLlm(() => [
      200,
      { choices: [{ message: { content: " Sure thing. " } }] },
    ]);
    const respond = openAiResponder({ baseUrl: `${llm.url}/`, apiKey: "sk-test", model: "m1" });
    const history: ChatMessage[] = [{ role: "user", content: "hi" }];
    expect(await respond(history)).toBe("Sure thing.");
    expect(llm.seen[0]?.url).toBe("/v1/chat/completions");
    expect(llm.seen[0]?.auth).toBe("Bearer sk-test");
    expect(llm.seen[0]?.body).toMatchObject({
      model: "m1",
      messages: [{ role: "system" }, { role: "user", content: "hi" }],
    });
  });

  it("an HTTP error or a malformed answer becomes a spoken apology", async () => {
    const llm = await fakeLlm(() => [500, { error: "down" }]);
    const respond = openAiResponder({ baseUrl: llm.url });
    expect(await respond([{ role: "user", content: "hi" }])).toMatch(/could not reach/);
    const odd = await fakeLlm(() => [200, { nope: true }]);
    expect(await openAiResponder({ baseUrl: odd.url })([])).toMatch(/could not reach/);
    expect(() => openAiResponder({ baseUrl: "ftp://x" })).toThrow(/http\(s\) baseUrl/);
  });
});

describe("createVoiceApp (fake speech models, real server and client)", () => {
  it("a spoken turn: transcript and answer in the chatbot outputs, then the spoken answer", async () => {
    const heard: number[] = [];
    const stt: SttModel = {
      stt: async (audio: AudioChunk) => {
        heard.push(audio[1].length / audio[0]);
        return "what time is it";
      },
      warmup: async () => {},
      close: async () => {},
    };
    const tts = {
      async *streamTts(text: string) {
        yield [
          16000,
          new Float32Array(1600 * Math.max(1, text.split(" ").length)).fill(0.1),
        ] as AudioChunk;
      },
    };
    const stream = createVoiceApp({
      stt,
      tts,
      vad: new EnergyVad(),
      responder: async (history) => `answer ${history.length}`,
    });
    const server: LaunchedServer = await stream.launch({ port: 0 });
    cleanups.push(() => server.close());
    expect(stream.ioRoutes).toBe(true);
    expect(stream.textTurns).toBe(true);
    const client = new NodeWebSocketClient({ url: server.url, websocketId: "demo-1" });
    cleanups.push(() => client.stop());
    await client.connect();
    const speech = new Int16Array([
      ...silence(0.6, 48000),
      ...tone(1, 48000),
      ...silence(1.2, 48000),
    ]);
    await client.playAudio(speech, 48000, { realtime: false });
    await waitFor(() => client.received.length > 0, 10_000, "spoken answer");
    expect(heard).toHaveLength(1);
    expect(stream.outputValues("demo-1")).toEqual([
      [
        { role: "user", content: "what time is it" },
        { role: "assistant", content: "answer 1" },
      ],
    ]);
    client.sendText("and the date?");
    await waitFor(
      () => ((stream.outputValues("demo-1")?.[0] as unknown[]) ?? []).length === 4,
      10_000,
      "typed turn answered",
    );
    const chat = (stream.outputValues("demo-1")?.[0] ?? []) as ChatMessage[];
    expect(chat.slice(2)).toEqual([
      { role: "user", content: "and the date?" },
      { role: "assistant", content: "answer 3" },
    ]);
  }, 30_000);
});
