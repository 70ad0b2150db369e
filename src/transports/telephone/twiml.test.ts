import { describe, expect, it } from "vitest";
import { buildStreamTwiml, DEFAULT_GOODBYE, DEFAULT_GREETING, streamUrlFor } from "./twiml.js";

const URL_ = "wss://voice.example.com/telephone/handler";

/** Undoes the XML escaping of a text or attribute value. */
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_m, e: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    return named[e] ?? String.fromCharCode(Number(e.slice(1)));
  });
}

describe("buildStreamTwiml", () => {
  it("produces FastRTC's document by default", () => {
    expect(buildStreamTwiml({ streamUrl: URL_ })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        "<Say>Connecting to the AI assistant.</Say>" +
        `<Connect><Stream url="${URL_}"/></Connect>` +
        "<Say>The call has been disconnected.</Say>" +
        "</Response>",
    );
    expect(DEFAULT_GREETING).toBe("Connecting to the AI assistant.");
    expect(DEFAULT_GOODBYE).toBe("The call has been disconnected.");
  });

  it("null omits a <Say>; a custom text replaces it", () => {
    const xml = buildStreamTwiml({ streamUrl: URL_, greeting: null, goodbye: "Bye." });
    expect(xml).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${URL_}"/></Connect><Say>Bye.</Say></Response>`,
    );
    expect(buildStreamTwiml({ streamUrl: URL_, greeting: null, goodbye: null })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${URL_}"/></Connect></Response>`,
    );
    // An empty string is a (silent) Say, not an omission.
    expect(buildStreamTwiml({ streamUrl: URL_, greeting: "" })).toContain("<Say></Say><Connect>");
  });

  it("adds <Parameter> children in order, from a record or a list", () => {
    const fromRecord = buildStreamTwiml({
      streamUrl: URL_,
      greeting: null,
      goodbye: null,
      parameters: { tenant: "acme", caller: "+14155550100" },
    });
    expect(fromRecord).toContain(
      `<Stream url="${URL_}"><Parameter name="tenant" value="acme"/><Parameter name="caller" value="+14155550100"/></Stream>`,
    );
    const fromList = buildStreamTwiml({
      streamUrl: URL_,
      greeting: null,
      goodbye: null,
      parameters: [
        { name: "b", value: "2" },
        { name: "a", value: "" },
      ],
    });
    expect(fromList).toContain(
      '<Parameter name="b" value="2"/><Parameter name="a" value=""/></Stream>',
    );
    expect(buildStreamTwiml({ streamUrl: URL_, parameters: {} })).toContain(
      `<Stream url="${URL_}"/>`,
    );
  });

  it("escapes hostile texts and attribute values", () => {
    const hostile = `</Say><Hangup/><Say a="1" b='2'> & &amp; <!-- ]]> <?x?>`;
    const xml = buildStreamTwiml({
      streamUrl: URL_,
      greeting: hostile,
      goodbye: hostile,
      parameters: { '"><Hangup/>': `' onload="x" & <b>` },
    });
    // No markup got through: exactly the expected elements, in order.
    const tags = [...xml.matchAll(/<\/?([A-Za-z?]+)/g)].map((m) => m[1]);
    expect(tags).toEqual([
      "?xml",
      "Response",
      "Say",
      "Say",
      "Connect",
      "Stream",
      "Parameter",
      "Stream",
      "Connect",
      "Say",
      "Say",
      "Response",
    ]);
    for (const ch of ["&", "<", ">", '"', "'"]) {
      // Outside the markup itself, these characters only appear escaped.
      const text = xml.replace(/<[^<>]*>/g, "");
      if (ch !== "&") expect(text.includes(ch), ch).toBe(false);
    }
    const say = /<Say>([^<]*)<\/Say>/.exec(xml)?.[1] ?? "";
    expect(unescapeXml(say)).toBe(hostile);
    const param = /<Parameter name="([^"]*)" value="([^"]*)"\/>/.exec(xml);
    expect(unescapeXml(param?.[1] ?? "")).toBe(`"><Hangup/>`);
    expect(unescapeXml(param?.[2] ?? "")).toBe(`' onload="x" & <b>`);
    expect(say).toContain("&amp;amp;");
  });

  it("keeps tabs and newlines of attribute values as character references", () => {
    const xml = buildStreamTwiml({
      streamUrl: URL_,
      parameters: { note: "a\tb\nc\rd" },
    });
    expect(xml).toContain('value="a&#9;b&#10;c&#13;d"');
    // In text, newlines are fine as they are.
    expect(buildStreamTwiml({ streamUrl: URL_, greeting: "one\ntwo" })).toContain(
      "<Say>one\ntwo</Say>",
    );
  });

  it("escapes the stream URL", () => {
    const xml = buildStreamTwiml({ streamUrl: "wss://h.example/a'b/telephone/handler" });
    expect(xml).toContain(`url="wss://h.example/a&apos;b/telephone/handler"`);
  });

  it("rejects characters XML 1.0 cannot carry", () => {
    expect(() => buildStreamTwiml({ streamUrl: URL_, greeting: "a\u0000b" })).toThrow(/U\+0000/);
    expect(() => buildStreamTwiml({ streamUrl: URL_, goodbye: "\u001b[31m" })).toThrow(/U\+001B/);
    expect(() => buildStreamTwiml({ streamUrl: URL_, parameters: { k: "\uFFFF" } })).toThrow(
      /U\+FFFF/,
    );
    expect(() => buildStreamTwiml({ streamUrl: URL_, greeting: "lone \uD800" })).toThrow(/U\+D800/);
    // Astral characters are fine.
    expect(buildStreamTwiml({ streamUrl: URL_, greeting: "hi 👋" })).toContain("<Say>hi 👋</Say>");
  });

  it("rejects bad stream URLs with clear errors", () => {
    const bad: Array<[unknown, RegExp]> = [
      [undefined, /non-empty URL string/],
      ["", /non-empty URL string/],
      [42, /non-empty URL string/],
      ["voice.example.com/telephone/handler", /not an absolute URL/],
      ["https://voice.example.com/telephone/handler", /wss: \(or ws:\)/],
      ["wss://voice.example.com/telephone/handler?token=1", /query string/],
      ["wss://voice.example.com/telephone/handler#x", /fragment/],
    ];
    for (const [streamUrl, message] of bad) {
      expect(() => buildStreamTwiml({ streamUrl: streamUrl as string }), String(streamUrl)).toThrow(
        message,
      );
    }
    expect(() => buildStreamTwiml(undefined as never)).toThrow(TypeError);
  });

  it("rejects bad texts and parameters", () => {
    expect(() => buildStreamTwiml({ streamUrl: URL_, greeting: 5 as never })).toThrow(
      /greeting must be a string or null/,
    );
    expect(() => buildStreamTwiml({ streamUrl: URL_, parameters: { a: 1 as never } })).toThrow(
      /value must be a string/,
    );
    expect(() =>
      buildStreamTwiml({ streamUrl: URL_, parameters: [{ name: "", value: "x" }] }),
    ).toThrow(/non-empty/);
    expect(() => buildStreamTwiml({ streamUrl: URL_, parameters: "a=b" as never })).toThrow(
      /record or an array/,
    );
    // Twilio's limit: name + value under 500 characters.
    expect(() => buildStreamTwiml({ streamUrl: URL_, parameters: { k: "x".repeat(499) } })).toThrow(
      /500/,
    );
    expect(buildStreamTwiml({ streamUrl: URL_, parameters: { k: "x".repeat(498) } })).toContain(
      "x".repeat(498),
    );
  });
});

describe("streamUrlFor", () => {
  it("maps https→wss and http→ws, keeping an explicit port", () => {
    expect(streamUrlFor("https://voice.example.com")).toBe(
      "wss://voice.example.com/telephone/handler",
    );
    expect(streamUrlFor("http://localhost:8000")).toBe("ws://localhost:8000/telephone/handler");
    expect(streamUrlFor("wss://voice.example.com:8443/")).toBe(
      "wss://voice.example.com:8443/telephone/handler",
    );
    expect(streamUrlFor("ws://127.0.0.1:9000")).toBe("ws://127.0.0.1:9000/telephone/handler");
    // A default port is dropped by URL normalization.
    expect(streamUrlFor("https://voice.example.com:443")).toBe(
      "wss://voice.example.com/telephone/handler",
    );
    expect(streamUrlFor("HTTPS://Voice.Example.COM")).toBe(
      "wss://voice.example.com/telephone/handler",
    );
    expect(streamUrlFor("http://[::1]:8000")).toBe("ws://[::1]:8000/telephone/handler");
  });

  it("appends the prefix, and keeps a path of the public URL as a base", () => {
    expect(streamUrlFor("https://voice.example.com", "/phone")).toBe(
      "wss://voice.example.com/phone/telephone/handler",
    );
    expect(streamUrlFor("https://voice.example.com/", "/phone/")).toBe(
      "wss://voice.example.com/phone/telephone/handler",
    );
    expect(streamUrlFor("https://example.com/apps/voice/", "/v1")).toBe(
      "wss://example.com/apps/voice/v1/telephone/handler",
    );
    expect(streamUrlFor("https://example.com", "")).toBe("wss://example.com/telephone/handler");
    expect(streamUrlFor("https://example.com", "/a b")).toBe(
      "wss://example.com/a%20b/telephone/handler",
    );
  });

  it("rejects bad input with clear errors", () => {
    const bad: Array<[unknown, unknown, RegExp]> = [
      [undefined, "", /non-empty URL string/],
      ["  ", "", /non-empty URL string/],
      ["voice.example.com", "", /not an absolute URL/],
      ["ftp://voice.example.com", "", /http:, https:, ws: or wss:/],
      ["https://user:pw@voice.example.com", "", /credentials/],
      ["https://voice.example.com/?x=1", "", /query string/],
      ["https://voice.example.com/?", "", /query string/],
      ["https://voice.example.com/#top", "", /fragment/],
      ["https://voice.example.com", "phone", /start with "\/"/],
      ["https://voice.example.com", "/p?x", /without "\?" or "#"/],
      ["https://voice.example.com", 5, /prefix must be a string/],
    ];
    for (const [url, prefix, message] of bad) {
      expect(() => streamUrlFor(url as string, prefix as string), `${url} ${prefix}`).toThrow(
        message,
      );
    }
  });

  it("its output is accepted by buildStreamTwiml", () => {
    const xml = buildStreamTwiml({ streamUrl: streamUrlFor("https://voice.example.com", "/p") });
    expect(xml).toContain('<Stream url="wss://voice.example.com/p/telephone/handler"/>');
  });
});
