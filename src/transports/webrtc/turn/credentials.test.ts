/**
 * The TURN credential helpers against local HTTP stubs that answer as Cloudflare Realtime TURN,
 * Twilio's Tokens resource and FastRTC's Hugging Face endpoint document (request method, path,
 * auth, body; answer shapes), and the shared-secret scheme's shape. That coturn accepts
 * shared-secret credentials is shown in turn.coturn.test.ts.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  getCloudflareTurnCredentials,
  getHfTurnCredentials,
  getSharedSecretTurnCredentials,
  getTurnCredentials,
  getTwilioTurnCredentials,
  TurnConfigurationError,
  TurnCredentialsError,
} from "./credentials.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A stub API: records each request and answers with `reply(seen)`. */
async function stub(
  reply: (seen: Seen) => { status: number; body: unknown; delayMs?: number },
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(s);
      const { status, body, delayMs } = reply(s);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      }, delayMs ?? 0);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const NO_ENV = {};

describe("getSharedSecretTurnCredentials (TURN REST API, coturn use-auth-secret)", () => {
  it("username is expiry:user, credential is base64 HMAC-SHA1(secret, username)", () => {
    const config = getSharedSecretTurnCredentials({
      urls: ["turn:turn.example.com:3478?transport=udp"],
      secret: "s3cret",
      user: "alice",
      ttl: 600,
      now: () => 1_700_000_000_000,
      env: NO_ENV,
    });
    const server = config.iceServers?.[0];
    expect(server?.urls).toEqual(["turn:turn.example.com:3478?transport=udp"]);
    expect(server?.username).toBe("1700000600:alice");
    // RFC 2104 HMAC-SHA1 of the username with the secret, base64: computed independently.
    expect(server?.credential).toBe(
      createHmac("sha1", "s3cret").update("1700000600:alice").digest("base64"),
    );
    expect(server?.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/); // 20 bytes
  });

  it("without user the username is the expiry alone; env TURN_SHARED_SECRET is read", () => {
    const config = getSharedSecretTurnCredentials({
      urls: "turn:t.example:3478",
      now: () => 0,
      ttl: 60,
      env: { TURN_SHARED_SECRET: "x" },
      iceTransportPolicy: "relay",
    });
    expect(config.iceServers?.[0]?.username).toBe("60");
    expect(config.iceTransportPolicy).toBe("relay");
  });

  it("refuses a missing secret, non-TURN URLs, bad ttl and a user with ':'", () => {
    expect(() => getSharedSecretTurnCredentials({ urls: "turn:a", env: NO_ENV })).toThrow(
      TurnConfigurationError,
    );
    expect(() =>
      getSharedSecretTurnCredentials({ urls: "stun:a", secret: "s", env: NO_ENV }),
    ).toThrow(TurnConfigurationError);
    expect(() =>
      getSharedSecretTurnCredentials({ urls: "turn:a", secret: "s", ttl: 0, env: NO_ENV }),
    ).toThrow(TurnConfigurationError);
    expect(() =>
      getSharedSecretTurnCredentials({ urls: "turn:a", secret: "s", user: "a:b", env: NO_ENV }),
    ).toThrow(TurnConfigurationError);
  });
});

describe("getCloudflareTurnCredentials (Cloudflare Realtime TURN keys)", () => {
  const ICE = [
    { urls: ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"] },
    {
      urls: [
        "turn:turn.cloudflare.com:3478?transport=udp",
        "turn:turn.cloudflare.com:3478?transport=tcp",
        "turns:turn.cloudflare.com:5349?transport=tcp",
      ],
      username:
        "bc91b63e2b5d759f8eb9f3b58062439e0a0e15893d76317d833265ad08d6631099ce7c7087caabb31ad3e1c386424e3e",
      credential:
        "ebd71f1d3edbc2b0edae3cd5a6d82284aeb5c3b8fdaa9b8e3bf9cec683e0d45fe9f5b44e5145db3300f06c250a15b4a0",
    },
  ];

  it("POSTs {ttl} to /v1/turn/keys/{id}/credentials/generate-ice-servers with the bearer token", async () => {
    const api = await stub(() => ({ status: 201, body: { iceServers: ICE } }));
    const config = await getCloudflareTurnCredentials({
      turnKeyId: "key-1",
      turnKeyApiToken: "tok",
      ttl: 86_400,
      baseUrl: `${api.url}/`,
      env: { HF_TOKEN: "ignored when a key is given" },
    });
    expect(config).toEqual({ iceServers: ICE });
    expect(api.seen).toHaveLength(1);
    const req = api.seen[0] as Seen;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/v1/turn/keys/key-1/credentials/generate-ice-servers");
    expect(req.headers.authorization).toBe("Bearer tok");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({ ttl: 86_400 });
  });

  it("reads env CLOUDFLARE_TURN_KEY_ID / _API_TOKEN; accepts the older single-object answer", async () => {
    const api = await stub(() => ({ status: 201, body: { iceServers: ICE[1] } }));
    const config = await getTurnCredentials("cloudflare", {
      baseUrl: api.url,
      env: { CLOUDFLARE_TURN_KEY_ID: "k", CLOUDFLARE_TURN_KEY_API_TOKEN: "t" },
    });
    expect(config.iceServers).toEqual([ICE[1]]);
    expect(JSON.parse(api.seen[0]?.body ?? "")).toEqual({ ttl: 600 });
  });

  it("a non-2xx answer throws TurnCredentialsError with status and body", async () => {
    const api = await stub(() => ({
      status: 401,
      body: { success: false, errors: [{ code: 10000, message: "Authentication error" }] },
    }));
    const err = await getCloudflareTurnCredentials({
      turnKeyId: "k",
      turnKeyApiToken: "bad",
      baseUrl: api.url,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnCredentialsError);
    expect((err as TurnCredentialsError).status).toBe(401);
    expect((err as TurnCredentialsError).provider).toBe("cloudflare");
    expect((err as TurnCredentialsError).message).toContain("401");
    expect((err as TurnCredentialsError).body).toContain("Authentication error");
  });

  it("an answer without ICE servers, non-JSON, a slow API and a closed port are TurnCredentialsErrors", async () => {
    const empty = await stub(() => ({ status: 201, body: { iceServers: [] } }));
    const html = await stub(() => ({ status: 200, body: "<html>oops</html>" }));
    const slow = await stub(() => ({ status: 201, body: { iceServers: ICE }, delayMs: 2000 }));
    const keys = { turnKeyId: "k", turnKeyApiToken: "t" };
    const calls = [
      () => getCloudflareTurnCredentials({ ...keys, baseUrl: empty.url }),
      () => getCloudflareTurnCredentials({ ...keys, baseUrl: html.url }),
      () => getCloudflareTurnCredentials({ ...keys, baseUrl: slow.url, timeoutMs: 100 }),
      () => getCloudflareTurnCredentials({ ...keys, baseUrl: "http://127.0.0.1:1" }),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(TurnCredentialsError);
  });

  it("without keys: HF_TOKEN goes to FastRTC's endpoint; nothing at all is a TurnConfigurationError", async () => {
    const hf = await stub(() => ({ status: 200, body: { iceServers: ICE } }));
    const config = await getCloudflareTurnCredentials({
      hfBaseUrl: hf.url,
      ttl: 120,
      env: { HF_TOKEN: "hf_x" },
    });
    expect(config.iceServers).toEqual(ICE);
    expect(hf.seen[0]?.method).toBe("GET");
    expect(hf.seen[0]?.url).toBe("/credentials?ttl=120");
    expect(hf.seen[0]?.headers.authorization).toBe("Bearer hf_x");
    await expect(getCloudflareTurnCredentials({ env: NO_ENV })).rejects.toBeInstanceOf(
      TurnConfigurationError,
    );
    await expect(getHfTurnCredentials({ env: NO_ENV })).rejects.toBeInstanceOf(
      TurnConfigurationError,
    );
  });
});

describe("getTwilioTurnCredentials (Network Traversal Service Tokens)", () => {
  // The Tokens resource's answer (fields as documented: snake_case, ice_servers entries with
  // `url` and `urls` strings).
  const TOKEN = {
    account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    date_created: "Fri, 24 May 2019 18:39:49 +0000",
    date_updated: "Fri, 24 May 2019 18:39:49 +0000",
    ice_servers: [
      { url: "stun:global.stun.twilio.com:3478", urls: "stun:global.stun.twilio.com:3478" },
      {
        credential: "tE2DajzSJwnsSbc123",
        url: "turn:global.turn.twilio.com:3478?transport=udp",
        urls: "turn:global.turn.twilio.com:3478?transport=udp",
        username: "dc2d2894d5a9023620c467b0e71cfa6a35457e6679785ed6ae9856fe5bdfa269",
      },
      {
        credential: "tE2DajzSJwnsSbc123",
        url: "turn:global.turn.twilio.com:443?transport=tcp",
        urls: "turn:global.turn.twilio.com:443?transport=tcp",
        username: "dc2d2894d5a9023620c467b0e71cfa6a35457e6679785ed6ae9856fe5bdfa269",
      },
    ],
    password: "tE2DajzSJwnsSbc123",
    ttl: "86400",
    username: "dc2d2894d5a9023620c467b0e71cfa6a35457e6679785ed6ae9856fe5bdfa269",
  };

  it("POSTs Ttl as a form to /2010-04-01/Accounts/{sid}/Tokens.json with Basic auth; relay policy", async () => {
    const api = await stub(() => ({ status: 201, body: TOKEN }));
    const config = await getTwilioTurnCredentials({
      accountSid: "AC123",
      authToken: "secret",
      ttl: 3600,
      baseUrl: api.url,
    });
    expect(config.iceTransportPolicy).toBe("relay");
    expect(config.iceServers).toEqual([
      { urls: "stun:global.stun.twilio.com:3478" },
      {
        urls: "turn:global.turn.twilio.com:3478?transport=udp",
        username: TOKEN.username,
        credential: TOKEN.password,
      },
      {
        urls: "turn:global.turn.twilio.com:443?transport=tcp",
        username: TOKEN.username,
        credential: TOKEN.password,
      },
    ]);
    const req = api.seen[0] as Seen;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/2010-04-01/Accounts/AC123/Tokens.json");
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from("AC123:secret").toString("base64")}`,
    );
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.body).toBe("Ttl=3600");
  });

  it("falls back to env only when neither option is given; errors are typed", async () => {
    const api = await stub((s) =>
      s.headers.authorization?.includes(Buffer.from("ACenv:tok").toString("base64"))
        ? { status: 201, body: TOKEN }
        : { status: 401, body: { code: 20003, message: "Authenticate", status: 401 } },
    );
    const env = { TWILIO_ACCOUNT_SID: "ACenv", TWILIO_AUTH_TOKEN: "tok" };
    const ok = await getTurnCredentials("twilio", { baseUrl: api.url, env });
    expect(ok.iceServers).toHaveLength(3);
    expect(api.seen[0]?.body).toBe(""); // no ttl: Twilio's default
    await expect(
      getTwilioTurnCredentials({ accountSid: "ACenv", env }), // token not taken from env
    ).rejects.toBeInstanceOf(TurnConfigurationError);
    const err = await getTwilioTurnCredentials({
      accountSid: "ACx",
      authToken: "wrong",
      baseUrl: api.url,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnCredentialsError);
    expect((err as TurnCredentialsError).status).toBe(401);
  });
});

describe("getTurnCredentials", () => {
  it("dispatches shared-secret and refuses an unknown method", async () => {
    const config = await getTurnCredentials("shared-secret", {
      urls: "turn:a:3478",
      secret: "s",
    });
    expect(config.iceServers?.[0]?.username).toMatch(/^\d+$/);
    await expect(getTurnCredentials("x" as never)).rejects.toThrow(/Invalid method/);
  });
});
