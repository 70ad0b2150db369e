import { describe, expect, it } from "vitest";
import { type RTCPFB, RTCRtpReceiver, useNACK, usePLI, useTWCC } from "werift";
import { seeded } from "../../testing/prng.js";
import { installReceiverFastPaths, lowestCodecFeedback } from "./receiverFastPaths.js";

type Codec = { payloadType: number; rtcpFeedback: RTCPFB[] };

const GETTERS = ["nackEnabled", "twccEnabled", "pliEnabled"] as const;

/** werift's own getters, read before the lookup replaces them. */
const original = Object.fromEntries(
  GETTERS.map((name) => {
    const get = Object.getOwnPropertyDescriptor(RTCRtpReceiver.prototype, name)?.get;
    if (get === undefined) throw new Error(`werift's receiver has no ${name} getter`);
    return [name, get];
  }),
) as Record<(typeof GETTERS)[number], () => RTCPFB | undefined>;

/** A receiver-shaped object with a codec table (all the getters read). */
function withCodecs(codecs: Record<number, Codec>) {
  const receiver = Object.create(RTCRtpReceiver.prototype) as RTCRtpReceiver;
  Object.defineProperty(receiver, "codecs", { value: codecs });
  return receiver;
}

describe("lowestCodecFeedback", () => {
  it("is the feedback of the lowest payload type, undefined without codecs", () => {
    expect(lowestCodecFeedback({})).toBeUndefined();
    const low = [useNACK()];
    expect(
      lowestCodecFeedback({
        111: { payloadType: 111, rtcpFeedback: [useTWCC()] },
        9: { payloadType: 9, rtcpFeedback: low },
        96: { payloadType: 96, rtcpFeedback: [] },
      }),
    ).toBe(low);
  });
});

describe("installReceiverFastPaths", () => {
  it("answers as werift's getters on random codec tables, and allocates no sorted copy", () => {
    installReceiverFastPaths();
    installReceiverFastPaths(); // once per process: a second call changes nothing
    const rand = seeded(7);
    const kinds = [useNACK, usePLI, useTWCC, () => ({ type: "goog-remb" })];
    for (let t = 0; t < 2000; t++) {
      const codecs: Record<number, Codec> = {};
      const n = Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) {
        const payloadType = Math.floor(rand() * 128);
        const rtcpFeedback = kinds.filter(() => rand() < 0.4).map((k) => k());
        codecs[payloadType] = { payloadType, rtcpFeedback };
      }
      const receiver = withCodecs(codecs);
      for (const name of GETTERS) {
        expect(receiver[name], `${name} of ${JSON.stringify(codecs)}`).toBe(
          original[name].call(receiver),
        );
      }
    }
  });

  it("answers anew after the receiver negotiates codecs again", () => {
    installReceiverFastPaths();
    const codecs: Record<number, Codec> = { 111: { payloadType: 111, rtcpFeedback: [] } };
    const receiver = withCodecs(codecs);
    expect(receiver.twccEnabled).toBeUndefined();
    const twcc = useTWCC();
    receiver.prepareReceive({
      codecs: [{ payloadType: 96, rtcpFeedback: [twcc] }],
      encodings: [],
    } as unknown as Parameters<RTCRtpReceiver["prepareReceive"]>[0]);
    expect(receiver.twccEnabled).toBe(twcc);
    expect(original.twccEnabled.call(receiver)).toBe(twcc);
  });

  it("starts the RTCP loop once; later calls return at once, as werift's did", async () => {
    installReceiverFastPaths();
    const receiver = withCodecs({}) as unknown as {
      rtcpRunning: boolean;
      stopped: boolean;
      runRtcp(): Promise<void>;
    };
    receiver.rtcpRunning = true;
    receiver.stopped = false;
    const a = receiver.runRtcp();
    expect(a).toBe(receiver.runRtcp());
    await expect(a).resolves.toBeUndefined();
    receiver.rtcpRunning = false;
    receiver.stopped = true;
    await expect(receiver.runRtcp()).resolves.toBeUndefined();
  });
});
