/**
 * Request lines and Host headers that the URL parser refuses (issue 12, D1 and D2): each is
 * sent raw over TCP to a live server, which must answer with a 4xx (or pass it on as not its
 * route) and keep serving.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioChunk } from "../../audio/types.js";
import { ReplyOnPause } from "../../handlers/ReplyOnPause.js";
import { EnergyVad } from "../../handlers/testing/fakes.js";
import { Stream } from "../Stream.js";
import type { LaunchedServer } from "../streamTypes.js";
import { parseRequestTarget, requestOrigin } from "./request.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}

/** Sends raw bytes and returns everything the server wrote before closing (or 2 s). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let out = "";
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on("data", (d) => {
      out += d.toString("latin1");
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on("error", reject);
    socket.write(text);
  });
}

function status(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

const BAD_TARGETS = ["//", "///", "//a:b", "http://[/", "//%2f/..", "//%2f/websocket/offer"];
const BAD_HOSTS = ["a:99999", "[:::]", "[1.2.3]", "[::1]:70000"];

let stream: Stream;
let server: LaunchedServer;

beforeAll(async () => {
  stream = new Stream({
    handler: new ReplyOnPause(echo, { model: new EnergyVad() }),
    modality: "audio",
    telephone: { authToken: "secret-token" },
  });
  server = await stream.launch({ port: 0 });
});

afterAll(async () => {
  await server.close();
});

async function alive(): Promise<void> {
  const r = await fetch(`${server.url}/`);
  expect(r.status).toBe(200);
}

describe("request targets the URL parser refuses (D1)", () => {
  for (const method of ["GET", "HEAD", "POST"]) {
    for (const target of BAD_TARGETS) {
      it(`${method} ${target} -> 4xx, server keeps serving`, async () => {
        const r = await raw(
          server.port,
          `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
        );
        expect(status(r)).toBeGreaterThanOrEqual(400);
        expect(status(r)).toBeLessThan(500);
        await alive();
      });
    }
  }

  for (const target of BAD_TARGETS) {
    it(`upgrade on ${target} -> refused, server keeps serving`, async () => {
      const r = await raw(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      expect(status(r)).toBeGreaterThanOrEqual(400);
      expect(status(r)).toBeLessThan(500);
      await alive();
    });
  }
});

describe("Host and X-Forwarded-Host values the URL parser refuses (D2)", () => {
  for (const host of BAD_HOSTS) {
    for (const header of ["Host", "X-Forwarded-Host"]) {
      it(`${header}: ${host} on the signed Media Streams upgrade -> 403, server keeps serving`, async () => {
        const hostLine =
          header === "Host" ? `Host: ${host}` : `Host: localhost\r\n${header}: ${host}`;
        const r = await raw(
          server.port,
          `GET /telephone/handler HTTP/1.1\r\n${hostLine}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "X-Twilio-Signature: AAAA\r\n\r\n",
        );
        expect(status(r)).toBe(403);
        await alive();
      });

      it(`${header}: ${host} on /telephone/incoming -> 4xx, not 500`, async () => {
        const hostLine =
          header === "Host" ? `Host: ${host}` : `Host: localhost\r\n${header}: ${host}`;
        const body = "CallSid=CA1";
        const r = await raw(
          server.port,
          `POST /telephone/incoming HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n` +
            "Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: AAAA\r\n" +
            `Content-Length: ${body.length}\r\n\r\n${body}`,
        );
        expect(status(r)).toBeGreaterThanOrEqual(400);
        expect(status(r)).toBeLessThan(500);
        await alive();
      });
    }
  }
});

describe("parseRequestTarget / requestOrigin never throw", () => {
  it("reads origin-form targets as paths, even with a leading //", () => {
    expect(parseRequestTarget("//a:b")?.pathname).toBe("//a:b");
    expect(parseRequestTarget("/outputs?webrtc_id=x")?.searchParams.get("webrtc_id")).toBe("x");
    expect(parseRequestTarget(undefined)?.pathname).toBe("/");
  });

  it("takes absolute-form http(s) targets and refuses the rest", () => {
    expect(parseRequestTarget("http://example.com/webrtc/offer")?.pathname).toBe("/webrtc/offer");
    expect(parseRequestTarget("http://[/")).toBeNull();
    expect(parseRequestTarget("javascript:alert(1)")).toBeNull();
    expect(parseRequestTarget("*")).toBeNull();
    expect(parseRequestTarget(`/${"a".repeat(20_000)}`)).toBeNull();
  });

  it("returns no origin for hosts that match the pattern but do not parse", () => {
    for (const host of BAD_HOSTS) expect(requestOrigin({ host }, false)).toBeNull();
    expect(requestOrigin({ host: "voice.example.com:8443" }, true)).toBe(
      "https://voice.example.com:8443",
    );
  });
});
