import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmitType } from "../handlers/emit.js";
import { AdditionalOutputs, WebRTCData } from "../handlers/outputs.js";
import type { ChatMessage } from "../ui/componentTypes.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { post, waitFor } from "./testing/peers.js";
import { Probe, type ProbeLog } from "./testing/probe.js";
import { openWs, type WsPeer } from "./testing/wsPeer.js";

/** Reads server-sent events until `count` events arrived or the stream ended. */
async function readEvents(
  url: string,
  count: number,
  signal?: AbortSignal,
): Promise<{ status: number; events: Array<{ event: string; data: unknown }>; ended: boolean }> {
  const res = await fetch(url, { signal });
  const events: Array<{ event: string; data: unknown }> = [];
  if (!res.body || res.status !== 200) return { status: res.status, events, ended: true };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { status: res.status, events, ended: true };
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
      if (events.length >= count) {
        await reader.cancel();
        return { status: res.status, events, ended: false };
      }
      cut = buffer.indexOf("\n\n");
    }
  }
}

const record: ProbeLog = { events: [], frames: 0 };
let stream: Stream;
let server: LaunchedServer;
let peer: WsPeer;
const emitQueue: EmitType[] = [];

beforeAll(async () => {
  stream = new Stream({
    handler: new Probe(record, () => emitQueue.shift() ?? null),
    additionalInputs: [
      { type: "textbox", name: "persona", value: "a pirate" },
      { type: "slider", name: "speed", min: 0.5, max: 2, step: 0.1, value: 1 },
      { type: "dropdown", name: "voice", choices: ["af", "am"] },
      { type: "checkbox", name: "verbose" },
    ],
    additionalOutputs: [{ type: "chatbot", label: "Conversation" }, { type: "json" }],
    additionalOutputsHandler: (current, message, metrics) => [
      [...(current[0] as ChatMessage[]), message],
      metrics ?? current[1],
    ],
  });
  server = await stream.launch({ port: 0 });
  peer = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
  peer.send({ event: "start", websocket_id: "io-1" });
  await waitFor(() => stream.isLive("io-1"), 5000, "registered");
});

afterAll(async () => {
  await peer.close();
  await server.close();
});

describe("POST /input_hook", () => {
  it("sets the inputs in declaration order; missing fields keep their defaults", async () => {
    const res = await post(`${server.url}/input_hook`, {
      webrtc_id: "io-1",
      speed: 1.5,
      persona: "a poet",
    });
    expect(res).toMatchObject({ status: 200, json: { status: "ok" } });
    expect(stream.handlers.get("io-1")?.latestArgs).toEqual([
      "__webrtc_value__",
      "a poet",
      1.5,
      "af",
      false,
    ]);
  });

  it("422 with a pydantic-style detail for wrong types and out-of-range values", async () => {
    const res = await post(`${server.url}/input_hook`, {
      webrtc_id: "io-1",
      speed: 9,
      voice: "zz",
      verbose: "yes",
      persona: 3,
    });
    expect(res.status).toBe(422);
    const detail = (res.json as { detail: Array<{ loc: unknown[]; type: string }> }).detail;
    expect(detail.map((d) => [d.loc[1], d.type])).toEqual([
      ["persona", "string_type"],
      ["speed", "less_than_equal"],
      ["voice", "enum"],
      ["verbose", "bool_type"],
    ]);
  });

  it("422 for a body that is not JSON, not an object, or has no webrtc_id", async () => {
    const notJson = await post(`${server.url}/input_hook`, "{nope", { raw: true });
    expect(notJson.status).toBe(422);
    expect(notJson.json).toMatchObject({ detail: [{ type: "json_invalid" }] });
    const array = await post(`${server.url}/input_hook`, [1, 2]);
    expect(array.json).toMatchObject({ detail: [{ type: "model_attributes_type" }] });
    const noId = await post(`${server.url}/input_hook`, { persona: "x" });
    expect(noId.json).toMatchObject({ detail: [{ type: "missing", loc: ["body", "webrtc_id"] }] });
    const badId = await post(`${server.url}/input_hook`, { webrtc_id: 5 });
    expect(badId.json).toMatchObject({ detail: [{ type: "string_type" }] });
  });

  it("404 for an id that is not live; 413 for a huge body; 405 for GET", async () => {
    const unknown = await post(`${server.url}/input_hook`, { webrtc_id: "nobody", persona: "x" });
    expect(unknown).toMatchObject({ status: 404, json: { detail: 'Unknown webrtc_id "nobody"' } });
    const huge = await post(`${server.url}/input_hook`, "x".repeat(200_000), { raw: true });
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/input_hook`)).status).toBe(405);
    // Nothing else disturbed: the connection still answers.
    peer.send({ event: "ping" });
    await peer.waitFor(() => peer.of("pong").length >= 1, "pong");
  });
});

describe("GET /outputs (server-sent events)", () => {
  it("422 without webrtc_id, 404 for an unknown id", async () => {
    const missing = await fetch(`${server.url}/outputs`);
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ detail: [{ loc: ["query", "webrtc_id"] }] });
    const unknown = await fetch(`${server.url}/outputs?webrtc_id=nobody`);
    expect(unknown.status).toBe(404);
  });

  it("streams `output` events with the merged values, in order", async () => {
    const reading = readEvents(`${server.url}/outputs?webrtc_id=io-1`, 3);
    await new Promise((r) => setTimeout(r, 100));
    emitQueue.push(
      new AdditionalOutputs({ role: "user", content: "hi" }),
      new AdditionalOutputs({ role: "assistant", content: "hello" }, { ms: 12 }),
    );
    const { status, events } = await reading;
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(["output", "output", "output"]);
    // First the current values, then one event per AdditionalOutputs.
    expect(events[0]?.data).toEqual([[], null]);
    expect(events[2]?.data).toEqual([
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
      { ms: 12 },
    ]);
    expect(stream.outputValues("io-1")).toEqual(events[2]?.data);
    // The WebSocket client was told (fetch_output) as well.
    await peer.waitFor(() => peer.of("fetch_output").length === 2, "fetch_output");
  });

  it("ends when the connection ends", async () => {
    const other = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    other.send({ event: "start", websocket_id: "io-2" });
    await waitFor(() => stream.isLive("io-2"), 5000, "registered");
    const reading = readEvents(`${server.url}/outputs?webrtc_id=io-2`, 10);
    await new Promise((r) => setTimeout(r, 100));
    other.send({ event: "stop" });
    const { ended, events } = await reading;
    expect(ended).toBe(true);
    expect(events).toHaveLength(1);
  });
});

describe("text turns reach receiveText()", () => {
  it("a WebSocket text event is refused by a handler without text turns, with a clear error", async () => {
    expect(stream.textTurns).toBe(false);
    peer.send({ event: "text", text: "hello" });
    await peer.waitFor(() => peer.of("error").length >= 1, "error");
    expect(peer.of("error").at(-1)).toEqual({
      type: "error",
      message: "Probe does not take text messages",
    });
  });

  it("WebRTCData for text turns is exported for apps", () => {
    expect(new WebRTCData({ webrtcId: "x", textbox: "hi" }).textbox).toBe("hi");
  });
});
