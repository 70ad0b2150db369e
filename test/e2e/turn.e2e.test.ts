/**
 * The built-in page in Chromium, relayed by a real coturn: the page gets its configuration from
 * `rtcConfiguration` given as a function (fresh shared-secret credentials per page load) with
 * `iceTransportPolicy: "relay"`, so Chromium may only use a TURN relay; the first call has the
 * server relay-only too (`serverRtcConfiguration`), over UDP to the TURN server; the second
 * reaches the TURN server over TCP. The fake microphone's speech is echoed back frame by frame
 * and heard by the page, and the pair Chromium selected (getStats) is a relay candidate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { type LaunchedServer, Stream } from "../../src/index.js";
import { FrameEcho } from "../../src/server/testing/frameEcho.js";
import { getSharedSecretTurnCredentials } from "../../src/transports/webrtc/turn/credentials.js";
import {
  type Coturn,
  hasCoturn,
  startCoturn,
} from "../../src/transports/webrtc/turn/testing/coturn.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  newProbedPage,
  peakLevel,
  readProbe,
  SKIP_REASON,
  speechSegments,
  waitUntil,
} from "./harness.js";

/** Keeps every peer connection the page makes, for getStats. */
const KEEP_PCS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();`;

/** The selected candidate pair of the page's first peer connection, from getStats. */
const SELECTED_PAIR = `(async () => {
  const pc = window.__pcs[0];
  if (!pc) return null;
  const stats = await pc.getStats();
  let pairId = null;
  stats.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
  const pair = pairId ? stats.get(pairId) : null;
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return {
    local: local && local.candidateType,
    remote: remote && remote.candidateType,
    relayProtocol: local && local.relayProtocol,
    bytesReceived: pair.bytesReceived,
    config: pc.getConfiguration().iceTransportPolicy,
  };
})()`;

const ready = hasChromium && hasCoturn;

describe.skipIf(!ready)(
  `built-in page relayed by coturn${ready ? "" : ` (${hasChromium ? "no coturn" : SKIP_REASON})`}`,
  () => {
    let turn: Coturn;
    let browser: BrowserHandle;

    beforeAll(async () => {
      turn = await startCoturn();
      browser = await launchChromium(fixturePath("synthetic/48k/two_turns.wav"));
    });
    afterAll(async () => {
      await browser?.close();
      await turn?.close();
    });

    const cases = [
      { name: "UDP, server relay-only too", transport: "udp", serverRelay: true },
      { name: "TCP to the TURN server", transport: "tcp", serverRelay: false },
      { name: "TCP, server relay", transport: "tcp", serverRelay: true },
      { name: "UDP, server host", transport: "udp", serverRelay: false },
    ] as const;

    for (const c of cases) {
      it(`relay-only page (${c.name}): the echo is heard, Chromium's selected pair is a relay`, async () => {
        const url = c.transport === "udp" ? turn.udpUrl : turn.tcpUrl;
        let minted = 0;
        const stream = new Stream({
          handler: new FrameEcho(),
          rtcConfiguration: () => {
            minted++;
            return {
              ...getSharedSecretTurnCredentials({ urls: [url], secret: turn.secret, user: "page" }),
              iceTransportPolicy: "relay",
            };
          },
          ...(c.serverRelay
            ? {
                serverRtcConfiguration: {
                  ...getSharedSecretTurnCredentials({
                    urls: url,
                    secret: turn.secret,
                    user: "srv",
                  }),
                  iceTransportPolicy: "relay",
                },
              }
            : // coturn relays from 127.0.0.1: the server offers a loopback host candidate too.
              { additionalHostAddresses: ["127.0.0.1"] }),
        });
        const server: LaunchedServer = await stream.launch({ port: 0 });
        const page = await newProbedPage(browser.context);
        try {
          await page.addInitScript({ content: KEEP_PCS });
          await page.goto(server.url);
          expect(minted).toBeGreaterThanOrEqual(1);
          await page.locator("button.fastrtc-button").click();
          let lastRecords: Awaited<ReturnType<typeof readProbe>> | undefined;
          const records = await waitUntil(
            async () => {
              const r = await readProbe(page);
              lastRecords = r;
              return speechSegments(r.levels).length >= 1 ? r : undefined;
            },
            20_000,
            () =>
              `no echo heard ${JSON.stringify(lastRecords?.pcStates)} ${JSON.stringify(lastRecords?.notes)}`,
            250,
          );
          expect(peakLevel(records.levels)).toBeGreaterThan(0.01);
          const pair = (await page.evaluate(SELECTED_PAIR)) as {
            local: string;
            remote: string;
            relayProtocol: string;
            config: string;
          } | null;
          expect(pair?.config).toBe("relay");
          expect(pair?.local).toBe("relay");
          expect(pair?.relayProtocol).toBe(c.transport);
          if (c.serverRelay) expect(pair?.remote).toBe("relay");
          const log = await turn.log();
          expect(log).toMatch(/username=<\d+:page>/);
          if (c.serverRelay) expect(log).toMatch(/username=<\d+:srv>/);
        } finally {
          await page.close();
          await server.close();
        }
      }, 60_000);
    }
  },
);
