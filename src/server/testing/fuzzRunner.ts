/**
 * Runs the seeded fuzz cases of `fuzz.ts` against a launched stream with two live neighbour
 * sessions (one WebSocket, one WebRTC) that must keep getting replies throughout. Shared by
 * `src/server/fuzz.test.ts` (a short run) and `bench/fuzz.ts` (a long one).
 *
 * @internal
 */
import { connect } from "node:net";
import { WebSocket } from "ws";
import { NodeAudioClient } from "../../client/node.js";
import { computeTwilioSignature } from "../../transports/telephone/twilioSignature.js";
import { Stream } from "../Stream.js";
import type { LaunchedServer } from "../streamTypes.js";
import { FrameEcho } from "./frameEcho.js";
import {
  FUZZ_ROUTES,
  type FuzzRoute,
  httpRequest,
  inputHookBody,
  offerBody,
  Prng,
  requestLineCase,
  targetId,
  twilioMessage,
  twilioParams,
  type WsFrame,
  websocketMessage,
} from "./fuzz.js";
import { makeOffer, waitFor } from "./peers.js";
import { openWs, type WsPeer } from "./wsPeer.js";

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  seed: number;
  /** Cases per route (see `FUZZ_ROUTES`). */
  casesPerRoute: number;
  /** Cases in flight at once. Default 6. */
  concurrency?: number;
  /** Progress lines (bench only). */
  progress?: (line: string) => void;
}

/** A case that broke a rule: a 5xx that is not FastRTC's, a hang, a crash. */
export interface FuzzFailure {
  route: FuzzRoute;
  outcome: string;
  /** The start of what was sent. */
  sent: string;
}

/** What a fuzz run saw. */
export interface FuzzReport {
  seed: number;
  /** Route → outcome (`200`, `422`, `close 1008`, `http 403`, ...) → count. */
  counts: Record<string, Record<string, number>>;
  failures: FuzzFailure[];
  /** Uncaught exceptions and unhandled rejections during the run. */
  crashes: string[];
  /** Replies the neighbours got (each check sends one frame and waits for audio back). */
  neighbourReplies: { websocket: number; webrtc: number };
  /** Checks where a neighbour got no reply in time. */
  neighbourFailures: string[];
  /** Slots held once the cases were done and the server settled (should be the 2 neighbours). */
  liveAfterCases: number;
  /** Slots held after the neighbours left (should be 0). */
  liveAtEnd: number;
  /** The server closed within 15 s (every pending offer answered). */
  serverClosed: boolean;
  durationMs: number;
}

/** FastRTC's documented 5xx: an offered track of a kind the stream does not take. */
function allowed5xx(status: number, body: string): boolean {
  return status === 500 && body.includes("Unsupported track kind");
}

/** Ends of one HTTP exchange over a fresh TCP connection. */
interface RawResult {
  status: number;
  body: string;
  /** No status line before the deadline. */
  timedOut: boolean;
}

function rawHttp(
  port: number,
  text: string,
  timeoutMs: number,
  streaming: boolean,
): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let out = "";
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(out)?.[1] ?? 0);
      const at = out.indexOf("\r\n\r\n");
      resolve({
        status,
        body: at >= 0 ? out.slice(at + 4, at + 4 + 4096) : "",
        timedOut: timedOut && status === 0,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("data", (d) => {
      if (out.length < 65_536) out += d.toString("latin1");
      // An event stream never ends: once its head is in, leave (as a page that goes away).
      if (streaming && out.includes("\r\n\r\n")) setTimeout(() => finish(false), 50).unref();
    });
    socket.on("close", () => finish(false));
    socket.on("error", () => finish(false));
    socket.write(text);
  });
}

/** What happened to one WebSocket case. */
async function wsCase(
  url: string,
  headers: Record<string, string>,
  frames: WsFrame[],
  end: "close" | "terminate" | "linger",
  lingerMs: number,
): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    let opened = false;
    const ws = new WebSocket(url, { headers, maxPayload: 8 << 20 });
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)
        ws.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(opened ? "open (left)" : "hang"), lingerMs + 5000);
    ws.on("unexpected-response", (_req, res) => finish(`http ${res.statusCode}`));
    ws.on("error", () => finish(opened ? "error" : "refused"));
    ws.on("close", (code) => finish(`close ${code}`));
    ws.on("open", () => {
      opened = true;
      for (const f of frames) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(f);
      }
      if (end === "terminate") {
        setTimeout(() => finish("terminated"), 5).unref();
      } else {
        setTimeout(() => {
          if (end === "close") ws.close(1000);
          else finish("open (left)");
        }, lingerMs).unref();
      }
    });
  });
}

/** One neighbour check: a frame out, audio back. */
interface Neighbour {
  name: "websocket" | "webrtc";
  check(): Promise<void>;
  close(): Promise<void>;
}

function frame(): Int16Array {
  const s = new Int16Array(480);
  for (let i = 0; i < s.length; i++) s[i] = Math.round(6000 * Math.sin(i / 5));
  return s;
}

async function websocketNeighbour(base: string): Promise<Neighbour> {
  const peer: WsPeer = await openWs(`${base.replace(/^http/, "ws")}/websocket/offer`);
  peer.send({ event: "start", websocket_id: "neighbour-ws" });
  return {
    name: "websocket",
    check: async () => {
      const before = peer.of("media").length;
      peer.sendAudio(frame());
      await peer.waitFor(() => peer.of("media").length > before, "websocket neighbour reply", 5000);
    },
    close: () => peer.close(),
  };
}

async function webrtcNeighbour(base: string): Promise<Neighbour> {
  const client = new NodeAudioClient({ url: base, webrtcId: "neighbour-rtc" });
  await client.connect();
  return {
    name: "webrtc",
    // Frames go out every 20 ms, like a microphone, until audio comes back (the packetizer and
    // resamplers hold part of a frame, so one frame alone may not give a packet back).
    check: async () => {
      const before = client.packetsReceived;
      const end = performance.now() + 5000;
      while (client.packetsReceived <= before) {
        if (performance.now() > end)
          throw new Error("Timed out waiting for webrtc neighbour reply");
        client.sendAudio([24000, frame()]);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => client.stop(),
  };
}

/** Runs a fuzz campaign and reports what it saw (see {@link FuzzReport}). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const rng = new Prng(options.seed);
  const crashes: string[] = [];
  const onCrash = (err: unknown) =>
    crashes.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const token = "fuzz-token";
  const stream = new Stream({
    handler: new FrameEcho(),
    concurrencyLimit: 16,
    connectTimeout: 2,
    maxMessageBytes: 64 * 1024,
    ioRoutes: true,
    telephone: { authToken: token },
  });
  const server: LaunchedServer = await stream.launch({ port: 0 });
  const port = server.port;
  const base = server.url;
  const counts: Record<string, Record<string, number>> = {};
  const failures: FuzzFailure[] = [];
  const record = (route: FuzzRoute, outcome: string, bad: boolean, sent: string) => {
    const row = counts[route] ?? {};
    counts[route] = row;
    row[outcome] = (row[outcome] ?? 0) + 1;
    if (bad && failures.length < 100) failures.push({ route, outcome, sent: sent.slice(0, 300) });
  };

  // Real offers to mutate (their peers are closed: answered offers then fail or time out).
  const offers: string[] = [];
  for (const shape of [
    {},
    { dataChannel: false },
    { audio: false },
    { audio: "recvonly" as const },
    { video: true },
    { audio: false, video: true },
  ]) {
    const o = await makeOffer(shape);
    offers.push(o.sdp);
    await o.close();
  }

  const neighbours = [await websocketNeighbour(base), await webrtcNeighbour(base)];
  const live = ["neighbour-ws", "neighbour-rtc"];
  const neighbourReplies = { websocket: 0, webrtc: 0 };
  const neighbourFailures: string[] = [];
  let fuzzing = true;
  const watch = (async () => {
    while (fuzzing) {
      for (const n of neighbours) {
        try {
          await n.check();
          neighbourReplies[n.name]++;
        } catch (err) {
          neighbourFailures.push(`${n.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const httpCase = async (route: FuzzRoute, text: string, streaming = false) => {
    const r = await rawHttp(port, text, 8000, streaming);
    const outcome = r.timedOut ? "hang" : r.status === 0 ? "closed" : String(r.status);
    const bad = r.timedOut || (r.status >= 500 && !allowed5xx(r.status, r.body));
    record(route, outcome, bad, text);
  };

  const makeCase: Record<FuzzRoute, () => () => Promise<void>> = {
    "POST /webrtc/offer": () => {
      const body = offerBody(rng, offers, live);
      const text = httpRequest(rng, port, rng.chance(0.95) ? "POST" : "PUT", "/webrtc/offer", body);
      return () => httpCase("POST /webrtc/offer", text);
    },
    "POST /input_hook": () => {
      const text = httpRequest(rng, port, "POST", "/input_hook", inputHookBody(rng, live));
      return () => httpCase("POST /input_hook", text);
    },
    "GET /outputs": () => {
      const id = targetId(rng, live);
      const query = rng.chance(0.9)
        ? `?${new URLSearchParams({ webrtc_id: id })}`
        : rng.pick(["", "?", "?webrtc_id", "?x=1"]);
      const text = httpRequest(
        rng,
        port,
        rng.chance(0.9) ? "GET" : "POST",
        `/outputs${query}`,
        null,
      );
      return () => httpCase("GET /outputs", text, true);
    },
    "request line / Host": () => {
      const text = requestLineCase(rng, port);
      return () =>
        httpCase("request line / Host", text, /outputs/.test(text.split("\r\n")[0] ?? ""));
    },
    "WS /websocket/offer": () => {
      const flood = rng.chance(0.1);
      const n = flood ? rng.range(100, 400) : rng.range(0, 12);
      const frames: WsFrame[] = [];
      if (rng.chance(0.7))
        frames.push(JSON.stringify({ event: "start", websocket_id: `ws-${rng.int(1e6)}` }));
      for (let i = 0; i < n; i++) frames.push(websocketMessage(rng, live));
      const end = rng.pick(["close", "close", "terminate", "linger"] as const);
      const linger = rng.range(10, 150);
      return async () => {
        const outcome = await wsCase(
          `ws://127.0.0.1:${port}/websocket/offer`,
          {},
          frames,
          end,
          linger,
        );
        record(
          "WS /websocket/offer",
          outcome,
          outcome === "hang" || outcome === "close 1011" || /^http 5/.test(outcome),
          String(frames[0] ?? ""),
        );
      };
    },
    "HTTP /telephone/incoming": () => {
      const params = twilioParams(rng);
      const body = new URLSearchParams(params).toString();
      const query = rng.chance(0.2) ? `?${rng.pick(["a=1", "x=%zz", "b=&c"])}` : "";
      const target = `/telephone/incoming${query}`;
      const method = rng.pick(["POST", "POST", "GET"]);
      let text: string;
      if (rng.chance(0.4)) {
        // Signed as Twilio would sign it for this Host.
        const url = `http://127.0.0.1:${port}${target}`;
        const sig = computeTwilioSignature(token, url, method === "POST" ? params : {});
        text =
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
          `X-Twilio-Signature: ${sig}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Content-Length: ${method === "POST" ? Buffer.byteLength(body) : 0}\r\n\r\n${method === "POST" ? body : ""}`;
      } else {
        const sig = rng.pick([
          "",
          "AAAA",
          "x".repeat(5000),
          computeTwilioSignature(token, "http://other/x", params),
        ]);
        text = httpRequest(
          rng,
          port,
          method,
          target,
          method === "POST" ? body : null,
          sig ? `X-Twilio-Signature: ${sig}\r\n` : "",
        );
      }
      return () => httpCase("HTTP /telephone/incoming", text);
    },
    "WS /telephone/handler": () => {
      const streamSid = `MZ${rng.int(1e9)}`;
      const headers: Record<string, string> = {};
      const signed = rng.chance(0.6);
      if (signed)
        headers["X-Twilio-Signature"] = computeTwilioSignature(
          token,
          `wss://127.0.0.1:${port}/telephone/handler`,
        );
      else if (rng.chance(0.7))
        headers["X-Twilio-Signature"] = rng.pick(["AAAA", "", "=".repeat(40)]) || "x";
      if (rng.chance(0.15))
        headers["X-Forwarded-Host"] = rng.pick(["a:99999", "[:::]", "evil.example", "[::1]:70000"]);
      const frames: WsFrame[] = [];
      const flood = rng.chance(0.1);
      const n = flood ? rng.range(100, 400) : rng.range(0, 12);
      if (rng.chance(0.7))
        frames.push(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
      for (let i = 0; i < n; i++) frames.push(twilioMessage(rng, streamSid, live));
      const end = rng.pick(["close", "close", "terminate", "linger"] as const);
      const linger = rng.range(10, 150);
      return async () => {
        const outcome = await wsCase(
          `ws://127.0.0.1:${port}/telephone/handler`,
          headers,
          frames,
          end,
          linger,
        );
        record(
          "WS /telephone/handler",
          outcome,
          outcome === "hang" || outcome === "close 1011" || /^http 5/.test(outcome),
          `${JSON.stringify(headers)} ${String(frames[0] ?? "")}`,
        );
      };
    },
  };

  // Cases are drawn in a fixed order (routes interleaved), so a seed always gives the same ones.
  const cases: Array<() => Promise<void>> = [];
  for (let i = 0; i < options.casesPerRoute; i++) {
    for (const route of FUZZ_ROUTES) cases.push(makeCase[route]());
  }
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < cases.length) {
      const run = cases[next++] as () => Promise<void>;
      await run();
      done++;
      if (options.progress && done % 500 === 0) options.progress(`${done}/${cases.length} cases`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));

  fuzzing = false;
  await watch;
  // Answered offers that never connect hold their slot until the connect timeout (2 s).
  await waitFor(() => stream.liveConnections <= neighbours.length, 10_000, "slots freed").catch(
    () => {},
  );
  const liveAfterCases = stream.liveConnections;
  for (const n of neighbours) await n.close();
  await waitFor(() => stream.liveConnections === 0, 10_000, "neighbours gone").catch(() => {});
  const liveAtEnd = stream.liveConnections;
  // A server whose close never ends (an offer that never answered) is a failure too.
  const closed = await Promise.race([
    server.close().then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 15_000).unref()),
  ]);
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  return {
    seed: options.seed,
    counts,
    failures,
    crashes,
    neighbourReplies,
    neighbourFailures,
    liveAfterCases,
    liveAtEnd,
    serverClosed: closed,
    durationMs: performance.now() - started,
  };
}
