import { afterEach, describe, expect, it } from "vitest";
import { fixturePath } from "../audio/testing/fixtures.js";
import type { AudioChunk } from "../audio/types.js";
import { readWavFile } from "../audio/wav.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad, silence, tone } from "../handlers/testing/fakes.js";
import { TwilioCallSimulator } from "../transports/telephone/testing/twilioSimulator.js";
import { computeTwilioSignature } from "../transports/telephone/twilioSignature.js";
import { EnergyFrameVad } from "../vad/testing/energyFrameVad.js";
import { Stream } from "./Stream.js";
import type { InterruptionEvent } from "./streamEvents.js";
import type { LaunchedServer, StreamOptions } from "./streamTypes.js";
import { waitFor } from "./testing/peers.js";
import { Probe, type ProbeLog } from "./testing/probe.js";

const TOKEN = "12345-test-auth-token";

const servers: LaunchedServer[] = [];
const sims: TwilioCallSimulator[] = [];

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function* echo(audio: AudioChunk) {
  yield audio;
}

async function serve(options: Partial<StreamOptions> = {}) {
  const stream = new Stream({
    handler: new ReplyOnPause(echo),
    telephone: { authToken: null },
    ...options,
  });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  const handlerUrl = `${server.url.replace(/^http/, "ws")}/telephone/handler`;
  const call = async (
    extra: Partial<ConstructorParameters<typeof TwilioCallSimulator>[0]> = {},
  ) => {
    const sim = new TwilioCallSimulator({ url: handlerUrl, ...extra });
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  return { stream, server, handlerUrl, call };
}

/** Serves a stream whose public URL is the launched server itself (so signatures can match). */
async function serveSigned(options: Partial<StreamOptions> = {}) {
  // The port is only known after launch: launch once to learn it, then build the real stream.
  const probe = await new Stream({ handler: new ReplyOnPause(echo) }).launch({ port: 0 });
  const port = probe.port;
  await probe.close();
  const stream = new Stream({
    handler: new ReplyOnPause(echo, { model: new EnergyVad() }),
    telephone: { authToken: TOKEN, publicUrl: `http://127.0.0.1:${port}` },
    ...options,
  });
  const server = await stream.launch({ port });
  servers.push(server);
  return { stream, server };
}

describe("/telephone/handler: a call from the Twilio Media Streams simulator", () => {
  it("leopard 8 kHz µ-law at real-time pace -> exactly one echo reply, as µ-law media with our streamSid", async () => {
    const { call, stream } = await serve();
    const sim = await call();
    await waitFor(() => stream.handlers.has(sim.streamSid), 5000, "call registered");
    const wav = await readWavFile(fixturePath("leopard__test__8k_mulaw.wav"));
    const utteranceMs = wav.durationSeconds * 1000;
    const sent = await sim.sendAudio(fixturePath("leopard__test__8k_mulaw.wav"));
    expect(sent.complete).toBe(true);
    await sim.sendAudio(new Int16Array(8000 * 2)); // the caller goes quiet for 2 s
    await sim.waitFor((s) => s.receivedMedia.length > 0, 10_000);
    // Let the whole reply play out: done when no media came for 1.5 s.
    for (let last = -1; last !== sim.receivedMedia.length; ) {
      last = sim.receivedMedia.length;
      await new Promise((r) => setTimeout(r, 1500));
    }
    const media = sim.receivedMedia;
    expect(media.every((m) => m.streamSid === sim.streamSid && m.accepted)).toBe(true);
    expect(media.every((m) => m.samples === 160)).toBe(true);
    const replyMs = (media.length * 160) / 8;
    expect(replyMs).toBeGreaterThan(utteranceMs * 0.8);
    expect(replyMs).toBeLessThan(utteranceMs * 1.2);
    // One reply: one contiguous run of media (arrival gaps < 300 ms), no clear, no protocol errors.
    const gaps = media.slice(1).map((m, i) => m.at - (media[i]?.at ?? 0));
    expect(gaps.filter((g) => g > 300)).toHaveLength(0);
    expect(sim.clears).toHaveLength(0);
    expect(sim.protocolErrors).toEqual([]);
    // Marks: answered as Twilio does, once the audio before them played.
    await sim.waitFor((s) => s.marksEchoed.length > 0, 5000);
    expect(sim.marksEchoed.every((m) => !m.flushed)).toBe(true);
    await sim.stop();
    await waitFor(() => stream.liveConnections === 0, 5000, "call cleaned up");
  }, 60_000);

  it("89: each 20 ms µ-law message reaches receive() as one frame resampled to inputSampleRate", async () => {
    const frames: Array<[number, number]> = [];
    class Recorder extends Probe {
      override async receive(frame: AudioChunk) {
        frames.push([frame[0], frame[1].length]);
        await super.receive(frame);
      }
      override copy(): Recorder {
        return new Recorder(this.record, this.script);
      }
    }
    const record: ProbeLog = { events: [], frames: 0 };
    const { call } = await serve({ handler: new Recorder(record) });
    const sim = await call();
    await sim.sendAudio(tone(0.5, 8000, 440, 8000), { pace: "fast" });
    // 25 messages of 160 samples; the resampler's delay holds back part of the last one.
    await waitFor(() => frames.length >= 24, 5000, "24 frames");
    expect(frames.slice(0, 24)).toEqual(Array(24).fill([48000, 960]));
    await sim.stop();
  });

  it("phone mode: no send_input; fn gets the audio only, even with needsArgs", async () => {
    const calls: number[] = [];
    const { call } = await serve({
      handler: new ReplyOnPause(
        async function* (audio: AudioChunk, ...rest: unknown[]) {
          calls.push(rest.length);
          yield audio;
        },
        { model: new EnergyVad(), needsArgs: true },
      ),
    });
    const sim = await call();
    await sim.sendAudio(tone(1, 8000, 440, 8000), { pace: "fast" });
    await sim.sendAudio(new Int16Array(8000 * 1.5), { pace: "fast" });
    await sim.waitFor((s) => s.receivedMedia.length > 10, 10_000);
    expect(calls).toEqual([0]);
    const texts = sim.received.map((r) => (r.message as { type?: string; event?: string }) ?? {});
    // Twilio only ever gets media / mark / clear: no side-band JSON.
    expect(texts.filter((m) => m.type !== undefined)).toEqual([]);
    expect(new Set(texts.map((m) => m.event))).toEqual(new Set(["media", "mark"]));
  });

  it("barge-in: interrupting a long reply sends clear; marks tell how much was heard", async () => {
    const events: InterruptionEvent[] = [];
    const { call, stream } = await serve({
      handler: new ReplyOnPause(
        async function* () {
          yield [24000, tone(8, 24000, 300, 6000)] as AudioChunk;
        },
        { model: new EnergyVad() },
      ),
    });
    stream.on("interrupted", (e) => events.push(e));
    const sim = await call();
    await sim.sendAudio(tone(1, 8000, 440, 8000));
    await sim.sendAudio(new Int16Array(8000));
    await sim.waitFor((s) => s.playedMs >= 1500, 15_000);
    // The caller talks over the reply; the turn ends when they pause (FastRTC's Q7 timing).
    await sim.sendAudio(tone(0.8, 8000, 440, 8000));
    await sim.sendAudio(new Int16Array(8000));
    await sim.waitFor((s) => s.clears.length === 1, 15_000);
    const clear = sim.clears[0];
    expect(clear?.accepted).toBe(true);
    expect(clear?.streamSid).toBe(sim.streamSid);
    // Marks pending at the clear come back at once, as Twilio answers them.
    expect(sim.marksEchoed.some((m) => m.flushed)).toBe(true);
    await waitFor(() => events.length === 1, 5000, "interrupted event");
    const e = events[0] as InterruptionEvent;
    expect(e.transport).toBe("telephone");
    expect(e.id).toBe(sim.streamSid);
    // Twilio discarded what was sent and not yet played; the marks say the same, to within one
    // mark interval (100 ms) plus the time a mark echo takes to come back.
    expect(e.sentMs).toBeGreaterThan(1500);
    expect(e.playedMs).toBeLessThanOrEqual(e.sentMs);
    expect(Math.abs(e.sentMs - e.playedMs - (clear?.discardedMs ?? 0))).toBeLessThanOrEqual(150);
    expect(e.sentMs + e.droppedMs).toBeLessThanOrEqual(8000);
  }, 60_000);

  it("barge-in at onset: a short noise pauses the reply (clear) and it resumes with nothing lost", async () => {
    const events: InterruptionEvent[] = [];
    const { call, stream } = await serve({
      handler: new ReplyOnPause(
        async function* () {
          yield [24000, tone(4, 24000, 300, 6000)] as AudioChunk;
        },
        { frameVad: new EnergyFrameVad(), turnTaking: { dynamic: false }, turnDetector: null },
      ),
    });
    stream.on("interrupted", (e) => events.push(e));
    const sim = await call();
    await sim.sendAudio(tone(1, 8000, 440, 8000));
    await sim.sendAudio(silence(1, 8000));
    await sim.waitFor((s) => s.playedMs >= 1000, 15_000);
    // A cough: 150 ms, then quiet. The reply pauses at once (Twilio is told to clear its
    // buffer) and resumes from what the caller had actually heard (marks).
    await sim.sendAudio(tone(0.15, 8000, 440, 8000));
    await sim.sendAudio(silence(0.6, 8000));
    await sim.waitFor((s) => s.clears.length >= 1, 5_000);
    await sim.sendAudio(silence(1, 8000));
    await sim.waitFor((s) => s.playedMs >= 4000 + (s.clears[0]?.discardedMs ?? 0) - 100, 15_000);
    expect(sim.clears).toHaveLength(1);
    expect(events).toEqual([]); // paused and resumed, never interrupted
    // Everything Twilio discarded at the clear was sent again: the caller heard the whole
    // reply (4 s), give or take one mark interval heard twice.
    const heard = sim.playedMs;
    expect(heard).toBeGreaterThanOrEqual(4000 - 20);
    expect(heard).toBeLessThanOrEqual(4000 + 120);
  }, 60_000);

  it("dtmf reaches stream.on('dtmf'); connected and unknown events are ignored", async () => {
    const { call, stream } = await serve({
      handler: new ReplyOnPause(echo, { model: new EnergyVad() }),
    });
    const digits: string[] = [];
    stream.on("dtmf", (e) => digits.push(e.digit));
    const sim = await call();
    sim.sendRaw(JSON.stringify({ event: "something-new", streamSid: sim.streamSid }));
    sim.sendDtmf("7");
    await waitFor(() => digits.length === 1, 5000, "dtmf");
    expect(digits).toEqual(["7"]);
    expect(stream.liveConnections).toBe(1);
  });
});

describe("/telephone/incoming TwiML (spec §6.5, checklist 88)", () => {
  it("answers POST and GET (Q27 fixed) with XML that connects to the stream", async () => {
    const { server } = await serve();
    for (const method of ["POST", "GET"]) {
      const res = await fetch(`${server.url}/telephone/incoming`, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/xml");
      const xml = await res.text();
      const host = new URL(server.url).host;
      expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
      expect(xml).toContain("<Say>Connecting to the AI assistant.</Say>");
      expect(xml).toContain(`<Connect><Stream url="wss://${host}/telephone/handler"`);
      expect(xml).toContain("<Say>The call has been disconnected.</Say>");
    }
  });

  it("passes the caller's From and To on as <Parameter>s (POST form and GET query), escaped", async () => {
    const { server } = await serve();
    const posted = await fetch(`${server.url}/telephone/incoming`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ CallSid: "CA1", From: "+14155550100", To: "<+1>&" }).toString(),
    });
    const xml = await posted.text();
    expect(xml).toContain('<Parameter name="From" value="+14155550100"/>');
    expect(xml).toContain('<Parameter name="To" value="&lt;+1&gt;&amp;"/>');
    expect(xml).toContain("</Stream></Connect>");
    const got = await fetch(`${server.url}/telephone/incoming?From=%2B4930123&To=%2B4930456`);
    const xml2 = await got.text();
    expect(xml2).toContain('<Parameter name="From" value="+4930123"/>');
    expect(xml2).toContain('<Parameter name="To" value="+4930456"/>');
  });

  it("builds the stream URL from telephone.publicUrl, not from the Host header", async () => {
    const { server } = await serve({
      telephone: { authToken: null, publicUrl: "https://voice.example.com/base", greeting: null },
    });
    const res = await fetch(`${server.url}/telephone/incoming`, {
      method: "POST",
      headers: { "x-forwarded-host": "evil.example" },
    });
    const xml = await res.text();
    expect(xml).toContain('url="wss://voice.example.com/base/telephone/handler"');
    expect(xml).not.toContain("evil");
    expect(xml).not.toContain("Connecting to the AI assistant.");
  });

  it("refuses a hostile forwarded host instead of echoing it into the XML", async () => {
    const { server } = await serve();
    const res = await fetch(`${server.url}/telephone/incoming`, {
      method: "POST",
      headers: { "x-forwarded-host": '"><Hangup/><x a="' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: "No usable Host header: set telephone.publicUrl" });
  });

  it("telephone: false serves no telephone routes", async () => {
    const { server } = await serve({ telephone: false });
    expect((await fetch(`${server.url}/telephone/incoming`, { method: "POST" })).status).toBe(404);
    const sim = new TwilioCallSimulator({
      url: `${server.url.replace(/^http/, "ws")}/telephone/handler`,
    });
    await expect(sim.connect()).rejects.toThrow();
  });
});

describe("X-Twilio-Signature (webhook and Media Streams upgrade)", () => {
  const params = { CallSid: "CA123", From: "+14155550100", To: "+14155550199" };

  async function webhook(url: string, signature: string | null, body = params) {
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
    };
    if (signature !== null) headers["x-twilio-signature"] = signature;
    return fetch(url, { method: "POST", headers, body: new URLSearchParams(body).toString() });
  }

  it("webhook: valid 200; missing, wrong token, wrong URL, tampered params 403", async () => {
    const { server } = await serveSigned();
    const url = `${server.url}/telephone/incoming?team=sales`;
    const good = computeTwilioSignature(TOKEN, url, params);
    expect((await webhook(url, good)).status).toBe(200);
    expect((await webhook(url, null)).status).toBe(403);
    expect((await webhook(url, computeTwilioSignature("other-token", url, params))).status).toBe(
      403,
    );
    const otherUrl = `${server.url}/telephone/incoming?team=support`;
    expect((await webhook(url, computeTwilioSignature(TOKEN, otherUrl, params))).status).toBe(403);
    expect((await webhook(url, good, { ...params, From: "+10000000000" })).status).toBe(403);
    const refused = await webhook(url, null);
    expect(await refused.json()).toEqual({ detail: "Invalid or missing X-Twilio-Signature" });
    // A GET webhook signs its query string.
    const getSig = computeTwilioSignature(TOKEN, url);
    const get = await fetch(url, { headers: { "x-twilio-signature": getSig } });
    expect(get.status).toBe(200);
  });

  it("Media Streams upgrade: valid connects; missing, wrong, wrong URL get 403 and no socket", async () => {
    const { server, stream } = await serveSigned();
    const url = `${server.url.replace(/^http/, "ws")}/telephone/handler`;
    const ok = new TwilioCallSimulator({ url, authToken: TOKEN });
    sims.push(ok);
    await ok.connect();
    await waitFor(() => stream.handlers.has(ok.streamSid), 5000, "signed call registered");
    const refused = [
      new TwilioCallSimulator({ url }),
      new TwilioCallSimulator({ url, authToken: "wrong-token" }),
      new TwilioCallSimulator({
        url,
        headers: { "X-Twilio-Signature": computeTwilioSignature(TOKEN, `${url}?x=1`) },
      }),
    ];
    for (const sim of refused) {
      sims.push(sim);
      await expect(sim.connect()).rejects.toThrow(/403/);
    }
    expect(stream.liveConnections).toBe(1);
  });
});
