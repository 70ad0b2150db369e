import { describe, expect, it } from "vitest";
import { type RTCPFB, RTCRtpReceiver, useNACK, usePLI, useTWCC } from "werift";
import { seeded } from "../../testing/prng.js";
import { installReceiverFeedbackLookup, lowestCodecFeedback } from "./receiverFeedback.js";

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
function withCodecs(codecs: Record<number, { payloadType: number; rtcpFeedback: RTCPFB[] }>) {
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

describe("installReceiverFeedbackLookup", () => {
  it("answers as werift's getters on random codec tables, and allocates no sorted copy", () => {
    installReceiverFeedbackLookup();
    installReceiverFeedbackLookup(); // once per process: a second call changes nothing
    const rand = seeded(7);
    const kinds = [useNACK, usePLI, useTWCC, () => ({ type: "goog-remb" })];
    for (let t = 0; t < 2000; t++) {
      const codecs: Record<number, { payloadType: number; rtcpFeedback: RTCPFB[] }> = {};
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
});
