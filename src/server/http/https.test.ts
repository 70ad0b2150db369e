/**
 * `launch({ https })`: the page and the routes over HTTPS, the WebSocket route over wss, with a
 * certificate from `selfSignedCertificate()` (node:crypto and a small DER writer; checked here
 * by Node's own X.509 parser and by TLS itself).
 */
import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { Stream } from "../Stream.js";
import type { LaunchedServer } from "../streamTypes.js";
import { FrameEcho } from "../testing/frameEcho.js";
import { selfSignedCertificate } from "./selfSigned.js";

const servers: LaunchedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function get(url: string): Promise<{ status: number; body: string; cert: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      const socket = res.socket as TLSSocket;
      const cert = socket.getPeerCertificate().subject?.CN as string | undefined;
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          cert,
        });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("selfSignedCertificate", () => {
  it("is a valid self-signed X.509 v3 certificate for localhost, loopback and the given names", () => {
    const { key, cert, names } = selfSignedCertificate({
      names: ["localhost", "127.0.0.1", "::1", "192.168.1.20", "voice.local"],
      days: 30,
      now: new Date("2030-01-01T00:00:00Z"),
    });
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const x509 = new X509Certificate(cert);
    expect(x509.verify(x509.publicKey)).toBe(true); // signed by its own key
    expect(x509.subject).toBe("CN=fastrtc-ts local");
    expect(x509.issuer).toBe("CN=fastrtc-ts local");
    expect(x509.ca).toBe(false);
    expect(x509.subjectAltName).toBe(
      "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.20, DNS:voice.local",
    );
    expect(x509.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth (Node lists extKeyUsage)
    expect(new Date(x509.validFrom).toISOString()).toBe("2029-12-31T23:00:00.000Z");
    expect(new Date(x509.validTo).toISOString()).toBe("2030-01-31T00:00:00.000Z");
    expect(x509.checkHost("voice.local")).toBe("voice.local");
    expect(x509.checkIP("192.168.1.20")).toBe("192.168.1.20");
    expect(names).toHaveLength(5);
  });

  it("by default names localhost, the loopback addresses and this machine's addresses; dates past 2049 use GeneralizedTime", () => {
    const { cert } = selfSignedCertificate();
    const x509 = new X509Certificate(cert);
    expect(x509.checkHost("localhost")).toBe("localhost");
    expect(x509.checkIP("127.0.0.1")).toBe("127.0.0.1");
    const late = new X509Certificate(
      selfSignedCertificate({ names: ["localhost"], now: new Date("2060-06-01T12:00:00Z") }).cert,
    );
    expect(new Date(late.validFrom).getUTCFullYear()).toBe(2060);
  });
});

describe("launch({ https })", () => {
  it("serves the page over HTTPS and the WebSocket route over wss", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    const server = await stream.launch({ port: 0, https: selfSignedCertificate() });
    servers.push(server);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const page = await get(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
    expect(page.cert).toBe("fastrtc-ts local");

    const socket = new WebSocket(`${server.url.replace(/^https/, "wss")}/websocket/offer`, {
      rejectUnauthorized: false,
    });
    const media: unknown[] = [];
    socket.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { event?: string };
      if (m.event === "media") media.push(m);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ event: "start", websocket_id: "wss-1" }));
    const silence = Buffer.alloc(480, 0xff).toString("base64"); // µ-law silence, 20 ms at 24 kHz
    for (let i = 0; i < 10; i++) {
      socket.send(JSON.stringify({ event: "media", media: { payload: silence } }));
    }
    const deadline = Date.now() + 10_000;
    while (media.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(media.length).toBeGreaterThan(0); // FrameEcho's echo came back over wss
    expect(stream.isLive("wss-1")).toBe(true);
    socket.close();
  });

  it("refuses https without key and cert", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    await expect(stream.launch({ port: 0, https: { key: "", cert: "" } })).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});
