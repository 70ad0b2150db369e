import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTwilioCall,
  TwilioApiError,
  TwilioNetworkError,
  twilioCallForm,
} from "./twilioCalls.js";

const ACCOUNT = `AC${"a1".repeat(16)}`;
const TOKEN = "stub-auth-token";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  form: URLSearchParams;
}

/**
 * A local stand-in for Twilio's Calls endpoint, answering with the documented shapes: 201 and the
 * Call JSON; 401 code 20003 for wrong credentials; 404 code 20404 for an unknown account; 400 code
 * 21211 for an invalid `To`. `To` values starting with "+1555000" pick other answers.
 */
async function twilioStub(): Promise<{ base: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, form });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) =>
        json(status, {
          code,
          message,
          more_info: `https://www.twilio.com/docs/errors/${code}`,
          status,
        });
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/.exec(req.url ?? "");
      const expectedAuth = `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString("base64")}`;
      const to = form.get("To") ?? "";
      if (to === "+15550000999") {
        req.socket.destroy(); // the connection drops mid-request
        return;
      }
      if (to === "+15550000502") {
        res.writeHead(502, { "Content-Type": "text/html" });
        res.end("<html>Bad Gateway</html>");
        return;
      }
      if (!match || req.method !== "POST")
        return error(404, 20404, "The requested resource was not found");
      if (match[1] !== ACCOUNT)
        return error(
          404,
          20404,
          `The requested resource /2010-04-01/Accounts/${match[1]}/Calls.json was not found`,
        );
      if (req.headers.authorization !== expectedAuth) return error(401, 20003, "Authenticate");
      if (!/^\+[1-9]\d{6,14}$/.test(to))
        return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      json(201, {
        sid: "CA0123456789abcdef0123456789abcdef",
        account_sid: ACCOUNT,
        to,
        from: form.get("From"),
        status: "queued",
        direction: "outbound-api",
        duration: null,
        price: null,
        date_created: "Tue, 31 Aug 2010 20:36:28 +0000",
        uri: `/2010-04-01/Accounts/${ACCOUNT}/Calls/CA0123456789abcdef0123456789abcdef.json`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

const TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/media-stream"/></Connect></Response>';

describe("createTwilioCall against a local Twilio stub", () => {
  it("POSTs the documented form with basic auth and returns the created call", async () => {
    const { base, requests } = await twilioStub();
    const call = await createTwilioCall({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      to: "+14155550100",
      from: "+14155550199",
      twiml: TWIML,
      statusCallback: "https://voice.example.com/call-status",
      statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
      statusCallbackMethod: "POST",
      timeout: 20,
      baseUrl: base,
    });
    expect(call).toMatchObject({
      sid: "CA0123456789abcdef0123456789abcdef",
      accountSid: ACCOUNT,
      to: "+14155550100",
      from: "+14155550199",
      status: "queued",
      direction: "outbound-api",
    });
    expect(requests).toHaveLength(1);
    const [r] = requests;
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
    expect(r?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(r?.form.get("Twiml")).toBe(TWIML);
    expect(r?.form.get("Url")).toBeNull();
    expect(r?.form.getAll("StatusCallbackEvent")).toEqual([
      "initiated",
      "ringing",
      "answered",
      "completed",
    ]);
    expect(r?.form.get("StatusCallback")).toBe("https://voice.example.com/call-status");
    expect(r?.form.get("Timeout")).toBe("20");
  });

  it("a TwiML URL instead of TwiML", async () => {
    const { base, requests } = await twilioStub();
    await createTwilioCall({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      to: "+14155550100",
      from: "+14155550199",
      url: "https://voice.example.com/incoming-call",
      method: "POST",
      baseUrl: `${base}/`,
    });
    expect(requests[0]?.form.get("Url")).toBe("https://voice.example.com/incoming-call");
    expect(requests[0]?.form.get("Method")).toBe("POST");
    expect(requests[0]?.form.has("Twiml")).toBe(false);
  });

  it.each([
    ["wrong token", { authToken: "nope" }, 401, 20003, "Authenticate"],
    ["invalid To", { to: "12" }, 400, 21211, "The 'To' number 12 is not a valid phone number."],
    ["unknown account", { accountSid: `AC${"0".repeat(32)}` }, 404, 20404, "not found"],
  ] as const)(
    "%s -> TwilioApiError with Twilio's status, code and more_info",
    async (_name, change, status, code, message) => {
      const { base } = await twilioStub();
      const err = await createTwilioCall({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        to: "+14155550100",
        from: "+14155550199",
        twiml: TWIML,
        baseUrl: base,
        ...change,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioApiError);
      const e = err as TwilioApiError;
      expect(e.status).toBe(status);
      expect(e.code).toBe(code);
      expect(e.message).toContain(message);
      expect(e.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
    },
  );

  it("a non-JSON error page -> TwilioApiError with the status and no code", async () => {
    const { base } = await twilioStub();
    const err = await createTwilioCall({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      to: "+15550000502",
      from: "+14155550199",
      twiml: TWIML,
      baseUrl: base,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioApiError);
    expect((err as TwilioApiError).status).toBe(502);
    expect((err as TwilioApiError).code).toBeNull();
    expect((err as TwilioApiError).body).toBe("<html>Bad Gateway</html>");
  });

  it("the connection drops -> TwilioNetworkError with the cause", async () => {
    const { base } = await twilioStub();
    const err = await createTwilioCall({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      to: "+15550000999",
      from: "+14155550199",
      twiml: TWIML,
      baseUrl: base,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioNetworkError);
    expect((err as TwilioNetworkError).message).toContain(base);
    expect((err as TwilioNetworkError).cause).toBeInstanceOf(Error);
  });

  it("an aborted request rejects with the abort reason, not a Twilio error", async () => {
    const { base } = await twilioStub();
    const controller = new AbortController();
    controller.abort(new Error("user gave up"));
    await expect(
      createTwilioCall({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        to: "+14155550100",
        from: "+14155550199",
        twiml: TWIML,
        baseUrl: base,
        signal: controller.signal,
      }),
    ).rejects.toThrow("user gave up");
  });

  it("bad options fail before anything is sent", () => {
    const base = { accountSid: ACCOUNT, authToken: TOKEN, to: "+1415", from: "+1416" };
    expect(() => twilioCallForm({ ...base })).toThrow(/exactly one of twiml or url/);
    expect(() => twilioCallForm({ ...base, twiml: TWIML, url: "https://x" })).toThrow(
      /exactly one/,
    );
    expect(() => twilioCallForm({ ...base, twiml: "x".repeat(4001) })).toThrow(RangeError);
    expect(() => twilioCallForm({ ...base, url: "/relative" })).toThrow(/absolute/);
    expect(() =>
      twilioCallForm({ ...base, twiml: TWIML, statusCallbackEvent: ["answered"] }),
    ).toThrow(/needs a statusCallback/);
    expect(() => twilioCallForm({ ...base, to: "", twiml: TWIML })).toThrow(/to must be/);
  });
});
