import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeTwilioBodySHA256,
  computeTwilioSignature,
  validateTwilioSignature,
} from "./twilioSignature.js";

// The worked example of Twilio's request-validation docs: Auth Token "12345", a <Gather> POST to
// https://mycompany.com/myapp.php?foo=1&bar=2. Two versions of the docs use two caller numbers.
const TOKEN = "12345";
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+14158675309",
  Digits: "1234",
  From: "+14158675309",
  To: "+18005551212",
};
const EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
const OLD_PARAMS = { ...PARAMS, Caller: "+12349013030", From: "+12349013030" };
const OLD_EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

function hmac(token: string, data: string): string {
  return createHmac("sha1", token).update(data).digest("base64");
}

describe("computeTwilioSignature", () => {
  it("reproduces the docs' worked examples", () => {
    expect(computeTwilioSignature(TOKEN, URL_, PARAMS)).toBe(EXPECTED);
    expect(computeTwilioSignature(TOKEN, URL_, OLD_PARAMS)).toBe(OLD_EXPECTED);
  });

  it("signs url + names and values sorted by name, no delimiters", () => {
    expect(computeTwilioSignature("k", "https://a.example/x", { b: "2", a: "1" })).toBe(
      hmac("k", "https://a.example/xa1b2"),
    );
    // The parameter order of the input makes no difference.
    const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(computeTwilioSignature(TOKEN, URL_, reversed)).toBe(EXPECTED);
    expect(computeTwilioSignature(TOKEN, URL_, new URLSearchParams(PARAMS))).toBe(EXPECTED);
  });

  it("sorts names by byte order (case-sensitive), not by name+value", () => {
    // "Reason" < "ReasonConferenceEnded" by name, although "ReasonC…" < "ReasonP…" by name+value.
    const sig = computeTwilioSignature("k", "https://a.example/", {
      ReasonConferenceEnded: "x",
      Reason: "Participant",
      a: "lower",
      Z: "upper",
    });
    expect(sig).toBe(
      hmac("k", "https://a.example/ReasonParticipantReasonConferenceEndedxZuppera" + "lower"),
    );
  });

  it("appends a repeated name once per value, values sorted", () => {
    const url = "https://a.example/conv";
    const expected = hmac("k", `${url}Addr+1833Addr+1855Bodyhi`);
    expect(computeTwilioSignature("k", url, { Addr: ["+1855", "+1833"], Body: "hi" })).toBe(
      expected,
    );
    const form = new URLSearchParams([
      ["Addr", "+1855"],
      ["Body", "hi"],
      ["Addr", "+1833"],
    ]);
    expect(computeTwilioSignature("k", url, form)).toBe(expected);
  });

  it("with no params signs the URL alone (GET, WebSocket upgrade)", () => {
    expect(computeTwilioSignature("k", "wss://a.example/telephone/handler")).toBe(
      hmac("k", "wss://a.example/telephone/handler"),
    );
    expect(computeTwilioSignature("k", "https://a.example/?x=1", {})).toBe(
      hmac("k", "https://a.example/?x=1"),
    );
  });

  it("rejects non-string inputs", () => {
    expect(() => computeTwilioSignature(1 as unknown as string, URL_)).toThrow(TypeError);
    expect(() => computeTwilioSignature(TOKEN, undefined as unknown as string)).toThrow(TypeError);
    expect(() => computeTwilioSignature(TOKEN, URL_, { a: 1 as unknown as string })).toThrow(
      /parameter "a"/,
    );
  });
});

describe("validateTwilioSignature", () => {
  const valid = { authToken: TOKEN, signature: EXPECTED, url: URL_, params: PARAMS };

  it("accepts the docs' worked example", () => {
    expect(validateTwilioSignature(valid)).toBe(true);
    expect(validateTwilioSignature({ ...valid, params: new URLSearchParams(PARAMS) })).toBe(true);
  });

  it("rejects a missing or empty signature", () => {
    expect(validateTwilioSignature({ ...valid, signature: undefined })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: null })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: "" })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: [EXPECTED] })).toBe(false);
  });

  it("rejects a wrong token, and an empty token", () => {
    expect(validateTwilioSignature({ ...valid, authToken: "12346" })).toBe(false);
    expect(validateTwilioSignature({ ...valid, authToken: "" })).toBe(false);
  });

  it("rejects other signatures, including near misses and other lengths", () => {
    expect(validateTwilioSignature({ ...valid, signature: OLD_EXPECTED })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: `${EXPECTED.slice(0, -2)}A=` })).toBe(
      false,
    );
    expect(validateTwilioSignature({ ...valid, signature: EXPECTED.slice(0, -1) })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: `${EXPECTED}=` })).toBe(false);
  });

  it("rejects a different URL: query, path, host, scheme, trailing slash", () => {
    for (const url of [
      "https://mycompany.com/myapp.php?foo=1&bar=3",
      "https://mycompany.com/myapp.php?bar=2&foo=1",
      "https://mycompany.com/myapp.php",
      "https://mycompany.com/other.php?foo=1&bar=2",
      "https://evil.example/myapp.php?foo=1&bar=2",
      "http://mycompany.com/myapp.php?foo=1&bar=2",
      "https://mycompany.com/myapp.php/?foo=1&bar=2",
    ]) {
      expect(validateTwilioSignature({ ...valid, url }), url).toBe(false);
    }
  });

  it("rejects tampered parameters: changed, added, removed, renamed", () => {
    expect(validateTwilioSignature({ ...valid, params: { ...PARAMS, Digits: "9999" } })).toBe(
      false,
    );
    expect(validateTwilioSignature({ ...valid, params: { ...PARAMS, Extra: "1" } })).toBe(false);
    const { Digits: _omit, ...without } = PARAMS;
    expect(validateTwilioSignature({ ...valid, params: without })).toBe(false);
    expect(validateTwilioSignature({ ...valid, params: {} })).toBe(false);
    expect(validateTwilioSignature({ ...valid, params: { ...without, digits: "1234" } })).toBe(
      false,
    );
    expect(validateTwilioSignature({ ...valid, params: { ...PARAMS, To: "+18005551213" } })).toBe(
      false,
    );
  });

  describe("port variants", () => {
    const sign = (url: string, params?: Record<string, string>) =>
      computeTwilioSignature(TOKEN, url, params);

    it("https: signed without the port validates with :443, and the other way round", () => {
      const bare = "https://example.com/telephone/incoming";
      const withPort = "https://example.com:443/telephone/incoming";
      expect(
        validateTwilioSignature({ authToken: TOKEN, signature: sign(bare), url: withPort }),
      ).toBe(true);
      expect(
        validateTwilioSignature({ authToken: TOKEN, signature: sign(withPort), url: bare }),
      ).toBe(true);
    });

    it("http: signed without the port validates with :80, and the other way round", () => {
      const bare = "http://example.com/hook?x=1";
      const withPort = "http://example.com:80/hook?x=1";
      expect(
        validateTwilioSignature({ authToken: TOKEN, signature: sign(bare), url: withPort }),
      ).toBe(true);
      expect(
        validateTwilioSignature({ authToken: TOKEN, signature: sign(withPort), url: bare }),
      ).toBe(true);
    });

    it("wss (the Media Streams upgrade) behaves like https", () => {
      const bare = "wss://example.com/telephone/handler";
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign(bare),
          url: "wss://example.com:443/telephone/handler",
        }),
      ).toBe(true);
      // A signature over the wss URL does not validate against the https URL a proxy reports.
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign(bare),
          url: "https://example.com/telephone/handler",
        }),
      ).toBe(false);
    });

    it("https with a custom port: signed with or without it both validate (docs: Twilio drops the HTTPS port)", () => {
      const url = "https://example.com:8443/hook";
      expect(validateTwilioSignature({ authToken: TOKEN, signature: sign(url), url })).toBe(true);
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign("https://example.com/hook"),
          url,
        }),
      ).toBe(true);
      // …but not a signature made for another port.
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign("https://example.com:9443/hook"),
          url,
        }),
      ).toBe(false);
    });

    it("http with a custom port keeps it: a signature without the port does not validate", () => {
      const url = "http://example.com:8080/hook";
      expect(validateTwilioSignature({ authToken: TOKEN, signature: sign(url), url })).toBe(true);
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign("http://example.com/hook"),
          url,
        }),
      ).toBe(false);
    });

    it("drops user:password@ as Twilio does before signing", () => {
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: sign("https://example.com/hook", { a: "1" }),
          url: "https://user:pass@example.com/hook",
          params: { a: "1" },
        }),
      ).toBe(true);
    });

    it("the worked example with :443 added still validates", () => {
      expect(
        validateTwilioSignature({
          ...valid,
          url: "https://mycompany.com:443/myapp.php?foo=1&bar=2",
        }),
      ).toBe(true);
    });
  });

  it("repeated names: accepts sorted values and the received order", () => {
    const url = "https://a.example/conv";
    const received = new URLSearchParams([
      ["Addr", "+1855"],
      ["Addr", "+1833"],
    ]);
    const sorted = hmac(TOKEN, `${url}Addr+1833Addr+1855`);
    const asReceived = hmac(TOKEN, `${url}Addr+1855Addr+1833`);
    expect(
      validateTwilioSignature({ authToken: TOKEN, signature: sorted, url, params: received }),
    ).toBe(true);
    expect(
      validateTwilioSignature({ authToken: TOKEN, signature: asReceived, url, params: received }),
    ).toBe(true);
    expect(
      validateTwilioSignature({
        authToken: TOKEN,
        signature: hmac(TOKEN, `${url}Addr+1833`),
        url,
        params: received,
      }),
    ).toBe(false);
  });

  describe("JSON bodies (bodySHA256)", () => {
    const body = '{"CallSid":"CA123","CallStatus":"ringing"}';
    const hash = computeTwilioBodySHA256(body);
    const url = `https://example.com/hook?bodySHA256=${hash}`;
    const signature = computeTwilioSignature(TOKEN, url);

    it("computes the hex SHA-256 of the body", () => {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(computeTwilioBodySHA256(Buffer.from(body))).toBe(hash);
      // A known digest: SHA-256 of the empty string.
      expect(computeTwilioBodySHA256("")).toBe(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      );
    });

    it("accepts the body whose hash is in the signed URL (string or bytes)", () => {
      expect(validateTwilioSignature({ authToken: TOKEN, signature, url, body })).toBe(true);
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature,
          url,
          body: new TextEncoder().encode(body),
        }),
      ).toBe(true);
      const upper = `https://example.com/hook?bodySHA256=${hash.toUpperCase()}`;
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: computeTwilioSignature(TOKEN, upper),
          url: upper,
          body,
        }),
      ).toBe(true);
    });

    it("accepts a base64 hash too, encoded or not", () => {
      const b64 = Buffer.from(hash, "hex").toString("base64");
      for (const u of [
        `https://example.com/hook?bodySHA256=${encodeURIComponent(b64)}`,
        `https://example.com/hook?bodySHA256=${b64}`,
      ]) {
        const sig = computeTwilioSignature(TOKEN, u);
        expect(validateTwilioSignature({ authToken: TOKEN, signature: sig, url: u, body }), u).toBe(
          true,
        );
      }
    });

    it("rejects a tampered body, a missing or duplicated hash, and a wrong signature", () => {
      expect(validateTwilioSignature({ authToken: TOKEN, signature, url, body: `${body} ` })).toBe(
        false,
      );
      const noHash = "https://example.com/hook";
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: computeTwilioSignature(TOKEN, noHash),
          url: noHash,
          body,
        }),
      ).toBe(false);
      const twice = `${url}&bodySHA256=${hash}`;
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature: computeTwilioSignature(TOKEN, twice),
          url: twice,
          body,
        }),
      ).toBe(false);
      expect(validateTwilioSignature({ authToken: "other", signature, url, body })).toBe(false);
      // A valid body hash does not rescue a signature made over another URL.
      expect(
        validateTwilioSignature({
          authToken: TOKEN,
          signature,
          url: `https://example.com/other?bodySHA256=${hash}`,
          body,
        }),
      ).toBe(false);
    });

    it("port variants apply to JSON requests too", () => {
      const withPort = `https://example.com:443/hook?bodySHA256=${hash}`;
      expect(validateTwilioSignature({ authToken: TOKEN, signature, url: withPort, body })).toBe(
        true,
      );
    });

    it("refuses params and body together", () => {
      expect(() =>
        validateTwilioSignature({ authToken: TOKEN, signature, url, body, params: {} }),
      ).toThrow(TypeError);
    });
  });

  it("throws on a non-string url (a programming error, not a bad request)", () => {
    expect(() =>
      validateTwilioSignature({
        authToken: TOKEN,
        signature: EXPECTED,
        url: 5 as unknown as string,
      }),
    ).toThrow(TypeError);
  });
});
