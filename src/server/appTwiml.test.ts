import { describe, expect, it } from "vitest";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad } from "../handlers/testing/fakes.js";
import { Stream } from "./Stream.js";
import type { StreamOptions } from "./streamTypes.js";

function stream(options: Partial<StreamOptions> = {}) {
  return new Stream({
    handler: new ReplyOnPause(
      async function* (a) {
        yield a;
      },
      { model: new EnergyVad() },
    ),
    telephone: { authToken: null },
    ...options,
  });
}

const request = (host: string, extra: Record<string, string> = {}) => ({
  url: "/incoming-call",
  headers: { host, ...extra },
});

describe("stream.twiml for an app's own /incoming-call", () => {
  it("an absolute URL, say, parameters and the caller's From/To, every value escaped", () => {
    const xml = stream().twiml({
      streamUrl: "wss://voice.example.com/media-stream",
      say: `Hello "you" & <friends>`,
      goodbye: null,
      parameters: { tenant: `a&b"<c>'`, skipped: undefined },
      call: { From: "+14155550100", To: "+14155550199", CallSid: "CA1" },
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        "<Say>Hello &quot;you&quot; &amp; &lt;friends&gt;</Say>" +
        '<Connect><Stream url="wss://voice.example.com/media-stream">' +
        '<Parameter name="tenant" value="a&amp;b&quot;&lt;c&gt;&apos;"/>' +
        '<Parameter name="From" value="+14155550100"/>' +
        '<Parameter name="To" value="+14155550199"/>' +
        "</Stream></Connect></Response>",
    );
  });

  it("defaults: the stream's greeting and goodbye (FastRTC's), no parameters", () => {
    const xml = stream().twiml({ streamUrl: "wss://x.example/media-stream" });
    expect(xml).toContain("<Say>Connecting to the AI assistant.</Say>");
    expect(xml).toContain("<Say>The call has been disconnected.</Say>");
    expect(xml).toContain('<Stream url="wss://x.example/media-stream"/>');
  });

  it("a path resolves against telephone.publicUrl, else the request's host as wss://", () => {
    const withPublic = stream({
      telephone: { authToken: null, publicUrl: "https://voice.example.com/app" },
    });
    expect(withPublic.twiml({ streamUrl: "/media-stream", say: null, goodbye: null })).toContain(
      'url="wss://voice.example.com/app/media-stream"',
    );
    const s = stream();
    expect(
      s.twiml({ streamUrl: "/media-stream", request: request("abc.ngrok.app"), say: null }),
    ).toContain('url="wss://abc.ngrok.app/media-stream"');
    // Fetch API requests (Hono's c.req.raw) work too.
    const fetchRequest = new Request("http://abc.ngrok.app/incoming-call", {
      method: "POST",
      headers: { host: "abc.ngrok.app" },
    });
    expect(s.twiml({ streamUrl: "/media-stream", request: fetchRequest })).toContain(
      'url="wss://abc.ngrok.app/media-stream"',
    );
    // URLSearchParams of the webhook body.
    expect(
      s.twiml({
        streamUrl: "/m",
        request: request("h.example"),
        call: new URLSearchParams("From=%2B1555&To=%2B1666"),
      }),
    ).toContain('<Parameter name="From" value="+1555"/><Parameter name="To" value="+1666"/>');
  });

  it("refuses what Twilio would refuse, or what cannot be resolved", () => {
    const s = stream();
    expect(() => s.twiml({ streamUrl: "/media-stream" })).toThrow(/pass the webhook request/);
    expect(() => s.twiml({ streamUrl: "/m", request: request("evil host/") })).toThrow(TypeError);
    expect(() => s.twiml({ streamUrl: "wss://x.example/m?token=1" })).toThrow(/query/);
    expect(() => s.twiml({ streamUrl: "https://x.example/m" })).toThrow(/wss:/);
    expect(() =>
      s.twiml({ streamUrl: "wss://x.example/m", parameters: { big: "x".repeat(600) } }),
    ).toThrow(/500/);
    expect(() => s.twiml({ streamUrl: "wss://x.example/m", say: "bell \u0007" })).toThrow(/XML/);
  });
});
