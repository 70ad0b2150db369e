/**
 * Calls relayed by a real coturn (Debian's `turnserver`, started here on free loopback ports
 * with shared-secret auth): the server (werift, `serverRtcConfiguration` with
 * `iceTransportPolicy: "relay"`) and the Node client (werift, relay only) each allocate a relay
 * with credentials from `getSharedSecretTurnCredentials`, over UDP and over TCP to the TURN
 * server. The reply is heard, both ends of the selected pair are relay candidates, the answer
 * holds relay candidates only, and coturn saw both allocations. Wrong credentials get no relay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAudioClient } from "../../../client/node.js";
import { Stream } from "../../../server/Stream.js";
import type { LaunchedServer } from "../../../server/streamTypes.js";
import { FrameEcho } from "../../../server/testing/frameEcho.js";
import { waitFor } from "../../../server/testing/peers.js";
import { getSharedSecretTurnCredentials } from "./credentials.js";
import { type Coturn, hasCoturn, startCoturn } from "./testing/coturn.js";

let turn: Coturn;

beforeAll(async () => {
  if (hasCoturn) turn = await startCoturn();
});
afterAll(async () => {
  await turn?.close();
});

/** A 440 Hz tone, 24 kHz int16. */
function tone(seconds: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * 24000));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000));
  return out;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** The candidate types of the client's nominated pair, and how it reaches the TURN server. */
function nominated(
  client: NodeAudioClient,
): { local: string; remote: string; turnTransport: unknown } | null {
  for (const dtls of client.peerConnection?.dtlsTransports ?? []) {
    const pair = dtls.iceTransport.connection.nominated;
    if (pair) {
      const turn = (pair.protocol as { turn?: { transport?: { type?: unknown } } }).turn;
      return {
        local: pair.localCandidate.type,
        remote: pair.remoteCandidate.type,
        turnTransport: turn?.transport?.type,
      };
    }
  }
  return null;
}

describe.skipIf(!hasCoturn)("relay-only calls through coturn (werift server and client)", () => {
  for (const transport of ["udp", "tcp"] as const) {
    it(`over ${transport.toUpperCase()} to the TURN server: the reply is heard, the pair is relay/relay`, async () => {
      const url = transport === "udp" ? turn.udpUrl : turn.tcpUrl;
      const serverUser = `server-${transport}`;
      const clientUser = `client-${transport}`;
      let serverMinted = 0;
      const serverConfig = () => ({
        ...getSharedSecretTurnCredentials({ urls: url, secret: turn.secret, user: serverUser }),
        iceTransportPolicy: "relay" as const,
      });
      const stream = new Stream({
        handler: new FrameEcho(),
        // UDP: a fixed object; TCP: an async function called for each offer.
        serverRtcConfiguration:
          transport === "udp"
            ? serverConfig()
            : async () => {
                serverMinted++;
                return serverConfig();
              },
      });
      const server: LaunchedServer = await stream.launch({ port: 0 });
      const client = new NodeAudioClient({
        url: server.url,
        webrtcId: `turn-${transport}`,
        rtcConfiguration: {
          ...getSharedSecretTurnCredentials({ urls: url, secret: turn.secret, user: clientUser }),
          iceTransportPolicy: "relay",
        },
      });
      try {
        const received: Int16Array[] = [];
        client.on("audio", (a: { samples: Int16Array }) => received.push(a.samples));
        await client.connect();
        expect(client.state).toBe("connected");
        // The server answered with relay candidates only.
        const answer = client.peerConnection?.remoteDescription?.sdp ?? "";
        const candidates = answer.split(/\r?\n/).filter((l) => l.startsWith("a=candidate:"));
        expect(candidates.length).toBeGreaterThan(0);
        for (const c of candidates) expect(c).toMatch(/ typ relay/);
        expect(nominated(client)).toEqual({
          local: "relay",
          remote: "relay",
          turnTransport: transport,
        });

        await client.playAudio([24000, tone(1.5)]);
        await waitFor(
          () => received.reduce((n, s) => n + s.length, 0) >= 48000 * 0.5,
          10_000,
          "the echoed audio",
        );
        const heard = new Int16Array(received.reduce((n, s) => n + s.length, 0));
        let at = 0;
        for (const s of received) {
          heard.set(s, at);
          at += s.length;
        }
        expect(rms(heard)).toBeGreaterThan(500); // the tone came back (silence is ~0)

        // coturn allocated a relay for each side, with the shared-secret usernames.
        const log = await turn.log();
        expect(log).toMatch(new RegExp(`username=<\\d+:${serverUser}>`));
        expect(log).toMatch(new RegExp(`username=<\\d+:${clientUser}>`));
        expect(serverMinted).toBe(transport === "udp" ? 0 : 1);
      } finally {
        await client.stop();
        await server.close();
      }
    }, 60_000);
  }

  it("credentials minted with a wrong secret get no relay: the client cannot connect", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    const server = await stream.launch({ port: 0 });
    try {
      await expect(
        new NodeAudioClient({
          url: server.url,
          webrtcId: "turn-bad",
          rtcConfiguration: {
            ...getSharedSecretTurnCredentials({ urls: turn.udpUrl, secret: "not-the-secret" }),
            iceTransportPolicy: "relay",
          },
          connectTimeoutMs: 5000,
        }).connect(),
      ).rejects.toThrow();
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("serverRtcConfiguration as a function", () => {
  it("one that throws answers the offer 503 and holds no slot", async () => {
    const stream = new Stream({
      handler: new FrameEcho(),
      serverRtcConfiguration: async () => {
        throw new Error("TURN API down");
      },
    });
    const server = await stream.launch({ port: 0 });
    try {
      const client = new NodeAudioClient({ url: server.url, webrtcId: "srv-rtc-fails" });
      await expect(client.connect()).rejects.toThrow();
      await client.stop();
      expect(stream.liveConnections).toBe(0);
    } finally {
      await server.close();
    }
  });
});
