/**
 * Test support for the browser tests of the built-in page (not part of the build): a small HTTP
 * server that serves the rendered page and fakes the app's routes, and a werift answerer that
 * plays the server side of one WebRTC call.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type RTCDataChannel, RTCPeerConnection as WeriftPeerConnection } from "werift";
import type { PageConfig, UiBundle } from "../pageTypes.js";
import { renderPage } from "../render.js";

/** Answers one `POST {path}/webrtc/offer` body. */
export type OfferHandler = (body: Record<string, unknown>) => Promise<unknown>;

/** An answer of the fake input hook. */
export interface HookResponse {
  status: number;
  body: unknown;
}

/** One open `GET {path}/outputs` stream. */
export interface OutputsStream {
  webrtcId: string;
  /** Sends `event: output` with `data` = the JSON of `values`. */
  send(values: unknown[]): void;
  /** Sends raw SSE text. */
  sendRaw(text: string): void;
  /** Resolves when the page (or {@link end}) closed the stream. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Ends the stream from the server side. */
  end(): void;
}

/** The fake app. */
export interface FakeApp {
  /** The page's URL (`http://127.0.0.1:<port>/`). */
  url: string;
  /** Every offer and ICE candidate body received. */
  offers: Record<string, unknown>[];
  /** Every input hook body received. */
  inputs: Record<string, unknown>[];
  /** Every outputs stream opened. */
  streams: OutputsStream[];
  /** Renders the page served at "/" (routes are served under `config.path`). */
  setPage(config: PageConfig): void;
  setOfferHandler(handler: OfferHandler): void;
  /** How the input hook answers (default 200 `{"status":"ok"}`). */
  setHookResponse(response: HookResponse): void;
  /** Makes `GET {path}/outputs` answer 404 (as for an unknown id) instead of streaming. */
  setRefuseOutputs(refuse: boolean): void;
  /** Waits until `count` input hook bodies have arrived. */
  waitForInputs(count: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  /** Waits for the next outputs stream. */
  waitForStream(timeoutMs?: number): Promise<OutputsStream>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

async function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts the fake app on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const app = await startFakeApp(await buildUiBundle());
 * app.setPage(config);
 * await page.goto(app.url);
 * ```
 */
export async function startFakeApp(bundle: UiBundle): Promise<FakeApp> {
  let html = "";
  let prefix = "";
  let onOffer: OfferHandler = async () => ({ status: "failed", meta: { error: "not_set" } });
  let hook: HookResponse = { status: 200, body: { status: "ok" } };
  let refuseOutputs = false;
  const offers: Record<string, unknown>[] = [];
  const inputs: Record<string, unknown>[] = [];
  const streams: OutputsStream[] = [];
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
      res.end(body);
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "";
    if (req.method === "GET" && url.pathname === "/") {
      send(200, "text/html; charset=utf-8", html);
    } else if (req.method === "POST" && route === "/webrtc/offer") {
      readJson(req)
        .then(async (body) => {
          offers.push(body);
          send(200, "application/json", JSON.stringify(await onOffer(body)));
        })
        .catch((err: unknown) => send(500, "text/plain", String(err)));
    } else if (req.method === "POST" && route === "/input_hook") {
      readJson(req)
        .then((body) => {
          inputs.push(body);
          send(hook.status, "application/json", JSON.stringify(hook.body));
        })
        .catch((err: unknown) => send(500, "text/plain", String(err)));
    } else if (req.method === "GET" && route === "/outputs" && refuseOutputs) {
      send(404, "application/json", JSON.stringify({ detail: "Unknown webrtc_id" }));
    } else if (req.method === "GET" && route === "/outputs") {
      res.writeHead(200, {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-store",
        Connection: "keep-alive",
      });
      res.flushHeaders();
      open.add(res);
      let closed = false;
      const closedPromise = new Promise<void>((resolve) => {
        res.on("close", () => {
          closed = true;
          open.delete(res);
          resolve();
        });
      });
      streams.push({
        webrtcId: url.searchParams.get("webrtc_id") ?? "",
        send: (values) => {
          res.write(`event: output\ndata: ${JSON.stringify(values)}\n\n`);
        },
        sendRaw: (text) => {
          res.write(text);
        },
        closed: closedPromise,
        isClosed: () => closed,
        end: () => res.end(),
      });
    } else {
      send(404, "text/plain", "not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let seenStreams = 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    offers,
    inputs,
    streams,
    setPage: (config) => {
      prefix = config.path.replace(/\/+$/, "");
      html = renderPage(config, bundle);
    },
    setOfferHandler: (handler) => {
      onOffer = handler;
    },
    setHookResponse: (response) => {
      hook = response;
    },
    setRefuseOutputs: (refuse) => {
      refuseOutputs = refuse;
    },
    waitForInputs: (count, timeoutMs = 10_000) =>
      waitFor(
        () => (inputs.length >= count ? inputs.slice(0, count) : undefined),
        timeoutMs,
        `${count} input hook request(s) (got ${inputs.length})`,
      ),
    waitForStream: async (timeoutMs = 10_000) => {
      const stream = await waitFor(() => streams[seenStreams], timeoutMs, "an outputs stream");
      seenStreams += 1;
      return stream;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of open) res.end();
        server.close(() => resolve());
      }),
  };
}

/**
 * The server side of one call, on werift: answers the offer, adopts the data channel and
 * records the text the page sends on it.
 *
 * @example
 * ```ts
 * const answerer = new Answerer();
 * app.setOfferHandler((body) => answerer.handle(body));
 * await answerer.send({ type: "send_input", data: [] });
 * ```
 */
export class Answerer {
  readonly pc = new WeriftPeerConnection({ iceServers: [] });
  readonly channel: Promise<RTCDataChannel>;
  /** Every text message the page sent on the data channel. */
  readonly received: string[] = [];

  constructor() {
    this.channel = new Promise((resolve) => {
      this.pc.onDataChannel.subscribe((channel) => {
        channel.onMessage.subscribe((data) => {
          this.received.push(typeof data === "string" ? data : data.toString("utf8"));
        });
        resolve(channel);
      });
    });
  }

  async handle(body: Record<string, unknown>): Promise<unknown> {
    if (body.type === "ice-candidate") {
      const c = body.candidate as { candidate: string; sdpMid?: string; sdpMLineIndex?: number };
      await this.pc.addIceCandidate(c).catch(() => undefined);
      return { status: "success" };
    }
    await this.pc.setRemoteDescription({ type: "offer", sdp: String(body.sdp) });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    if (this.pc.iceGatheringState !== "complete") {
      await new Promise<void>((resolve) => {
        const sub = this.pc.iceGatheringStateChange.subscribe((s) => {
          if (s === "complete") {
            sub.unSubscribe();
            resolve();
          }
        });
      });
    }
    return { sdp: this.pc.localDescription?.sdp, type: "answer" };
  }

  async send(message: Record<string, unknown>): Promise<void> {
    (await this.channel).send(JSON.stringify(message));
  }

  /** Waits until the page has sent `count` messages. */
  waitForReceived(count: number, timeoutMs = 10_000): Promise<string[]> {
    return waitFor(
      () => (this.received.length >= count ? this.received.slice(0, count) : undefined),
      timeoutMs,
      `${count} data channel message(s) (got ${this.received.length})`,
    );
  }
}
