/**
 * Typed turns only where the app accepts them (issue 13, item 3): `acceptsText` on ReplyOnPause,
 * its types, the refusal the client sees, and what the page is told (`stream.textTurns`).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { NodeWebSocketClient } from "../client/node.js";
import { Stream } from "../server/Stream.js";
import type { LaunchedServer } from "../server/streamTypes.js";
import { waitFor } from "../server/testing/peers.js";
import { WebRTCData } from "./outputs.js";
import { ReplyOnPause } from "./ReplyOnPause.js";
import { ReplyOnStopWords } from "./ReplyOnStopWords.js";
import type { ReplyOnPauseOptions } from "./replyOnPauseTypes.js";
import { EnergyVad } from "./testing/fakes.js";

const servers: LaunchedServer[] = [];
const clients: NodeWebSocketClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function* speechOnly(audio: AudioChunk) {
  yield audio;
}

async function* speechOrText(input: AudioChunk | WebRTCData) {
  if (input instanceof WebRTCData) yield [24000, new Int16Array(2400).fill(1000)] as AudioChunk;
  else yield input;
}

async function connect(stream: Stream, id: string): Promise<NodeWebSocketClient> {
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  const client = new NodeWebSocketClient({ url: server.url, websocketId: id });
  clients.push(client);
  await client.connect();
  return client;
}

describe("ReplyOnPause acceptsText: types", () => {
  it("ties fn's first parameter to the option (checked by tsc)", () => {
    // Speech only: fn takes AudioChunk; a wider fn is fine too.
    expect(new ReplyOnPause(speechOnly).acceptsText).toBe(false);
    expect(new ReplyOnPause(speechOnly, { acceptsText: false }).acceptsText).toBe(false);
    expect(new ReplyOnPause(speechOrText).acceptsText).toBe(false);
    // Typed turns: fn must take AudioChunk | WebRTCData.
    expect(new ReplyOnPause(speechOrText, { acceptsText: true }).acceptsText).toBe(true);
    // @ts-expect-error a fn typed for AudioChunk cannot take typed turns
    expect(new ReplyOnPause(speechOnly, { acceptsText: true }).acceptsText).toBe(true);
    // Inline, the parameter is inferred from the option.
    new ReplyOnPause(
      async function* (input) {
        const text: string = input instanceof WebRTCData ? input.textbox : "";
        yield [24000, new Int16Array(text.length)] as AudioChunk;
      },
      { acceptsText: true },
    );
    new ReplyOnPause(async function* (audio) {
      const rate: number = audio[0];
      yield [rate, audio[1]] as AudioChunk;
    });
    // Options in a variable typed ReplyOnPauseOptions go with a speech-only fn.
    const options: ReplyOnPauseOptions = { canInterrupt: false };
    expect(new ReplyOnPause(speechOnly, options).canInterrupt).toBe(false);
    const flag: boolean = options.canInterrupt === true;
    expect(new ReplyOnPause(speechOrText, { acceptsText: flag }).acceptsText).toBe(false);
    // @ts-expect-error a run-time flag needs the wider fn as well
    new ReplyOnPause(speechOnly, { acceptsText: flag });
    const words = { stopWords: ["computer"] };
    expect(new ReplyOnStopWords(speechOnly, words).acceptsText).toBe(false);
    expect(new ReplyOnStopWords(speechOrText, { ...words, acceptsText: true }).acceptsText).toBe(
      true,
    );
    // @ts-expect-error the same rule for ReplyOnStopWords
    new ReplyOnStopWords(speechOnly, { ...words, acceptsText: true });
  });

  it("refuses a value that is not a boolean, and keeps the option in each connection's copy", () => {
    expect(
      () => new ReplyOnPause(speechOrText, { acceptsText: "yes" as unknown as boolean }),
    ).toThrow(/acceptsText must be a boolean/);
    const handler = new ReplyOnPause(speechOrText, { acceptsText: true });
    expect(handler.copy().acceptsText).toBe(true);
    expect(new ReplyOnPause(speechOnly).copy().acceptsText).toBe(false);
    const words = new ReplyOnStopWords(speechOrText, { stopWords: ["hey"], acceptsText: true });
    expect(words.copy().acceptsText).toBe(true);
  });
});

describe("ReplyOnPause acceptsText: what the client sees", () => {
  it("without it, the page gets no text field and a typed message is refused with a clear error", async () => {
    const calls: unknown[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (audio: AudioChunk) {
          calls.push(audio);
          yield audio;
        },
        { model: new EnergyVad() },
      ),
    });
    expect(stream.textTurns).toBe(false);
    const client = await connect(stream, "t-refused");
    const errors: string[] = [];
    const logs: string[] = [];
    client.on("error", (m) => errors.push(m.message));
    client.on("log", (m) => logs.push(m.data));
    client.sendText("hello");
    await waitFor(() => errors.length === 1, 5000, "the refusal");
    expect(errors).toEqual(["This app takes speech only: typed messages are not accepted."]);
    // No turn was started: the page never goes to "thinking" for it.
    expect(logs).not.toContain("pause_detected");
    expect(calls).toEqual([]);
  });

  it("with it, the page gets a text field and a typed message reaches fn as WebRTCData", async () => {
    const texts: string[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (input) {
          if (input instanceof WebRTCData) texts.push(input.textbox);
          yield [24000, new Int16Array(2400).fill(1000)] as AudioChunk;
        },
        { acceptsText: true, model: new EnergyVad() },
      ),
    });
    expect(stream.textTurns).toBe(true);
    const client = await connect(stream, "t-accepted");
    client.sendText("what time is it?");
    await waitFor(() => texts.length === 1, 5000, "the typed turn");
    expect(texts).toEqual(["what time is it?"]);
  });
});
