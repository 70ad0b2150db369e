import { afterEach, describe, expect, it } from "vitest";
import { FastRTCClientError } from "./errors.js";
import { httpEndpoint, normalizePath, websocketEndpoint } from "./url.js";

describe("endpoint URLs", () => {
  afterEach(() => {
    delete (globalThis as { location?: unknown }).location;
  });

  it("maps http(s) to ws(s) and appends path and route", () => {
    expect(websocketEndpoint("http://localhost:8000")).toBe("ws://localhost:8000/websocket/offer");
    expect(websocketEndpoint("https://x.example/")).toBe("wss://x.example/websocket/offer");
    expect(websocketEndpoint("wss://x.example", "voice/")).toBe(
      "wss://x.example/voice/websocket/offer",
    );
    expect(websocketEndpoint("ws://x.example/app/", "/voice")).toBe(
      "ws://x.example/app/voice/websocket/offer",
    );
  });

  it("keeps a query string and drops a fragment", () => {
    expect(websocketEndpoint("https://x.example/app?token=a%20b#frag", "/v")).toBe(
      "wss://x.example/app/v/websocket/offer?token=a%20b",
    );
  });

  it("resolves relative URLs against location in browsers, and refuses them elsewhere", () => {
    expect(() => websocketEndpoint("")).toThrow(FastRTCClientError);
    (globalThis as { location?: unknown }).location = { href: "https://app.example/page/x.html" };
    expect(websocketEndpoint("")).toBe("wss://app.example/websocket/offer");
    expect(websocketEndpoint("/", "/voice")).toBe("wss://app.example/voice/websocket/offer");
    expect(websocketEndpoint("/app?t=1", "voice")).toBe(
      "wss://app.example/app/voice/websocket/offer?t=1",
    );
    expect(websocketEndpoint("app")).toBe("wss://app.example/page/app/websocket/offer");
  });

  it("rejects other schemes", () => {
    expect(() => websocketEndpoint("ftp://x.example")).toThrow(/Unsupported URL scheme/);
  });

  it("builds HTTP routes as the WebRTC client always did", () => {
    expect(httpEndpoint("https://x.example/", "voice", "/webrtc/offer")).toBe(
      "https://x.example/voice/webrtc/offer",
    );
    expect(httpEndpoint("", "", "/webrtc/offer")).toBe("/webrtc/offer");
    expect(normalizePath("/")).toBe("");
  });
});
