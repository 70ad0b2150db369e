import { type RTCPFB, RTCRtpReceiver, usePLI, useTWCC } from "werift";

/** The parts of a werift codec that its receiver's feedback getters read. */
interface CodecLike {
  payloadType: number;
  rtcpFeedback: RTCPFB[];
}

/**
 * The RTCP feedback of the codec with the lowest payload type among `codecs` (keyed by payload
 * type), the one werift's receiver consults (`codecArray[0]`), found without sorting a copy.
 * @internal
 */
export function lowestCodecFeedback(
  codecs: Readonly<Record<number, CodecLike>>,
): RTCPFB[] | undefined {
  let lowest: CodecLike | undefined;
  for (const key in codecs) {
    const codec = codecs[key as unknown as number];
    if (codec !== undefined && (lowest === undefined || codec.payloadType < lowest.payloadType)) {
      lowest = codec;
    }
  }
  return lowest?.rtcpFeedback;
}

let installed = false;

/**
 * Makes werift's `RTCRtpReceiver` answer `nackEnabled`, `twccEnabled` and `pliEnabled` without
 * allocating (process-wide, once). werift 0.24.4 computes each by copying its codec table into an
 * array and sorting it; the receiver asks `twccEnabled` for every RTP packet of a stream without
 * transport-wide congestion control (every audio stream here), which made a tenth of the
 * allocation of a WebRTC session. The answers are the same: the first matching feedback entry of
 * the lowest payload type's codec. Every peer of this library calls it.
 * @internal
 */
export function installReceiverFeedbackLookup(): void {
  if (installed) return;
  installed = true;
  const twcc = useTWCC().type;
  const pli = usePLI().type;
  const lookup = (type: string) =>
    function (this: RTCRtpReceiver): RTCPFB | undefined {
      const codecs = (this as unknown as { codecs: Record<number, CodecLike> }).codecs;
      const feedback = lowestCodecFeedback(codecs);
      if (feedback === undefined) return undefined;
      for (const f of feedback) if (f.type === type) return f;
      return undefined;
    };
  const proto = RTCRtpReceiver.prototype;
  for (const [name, type] of [
    ["nackEnabled", "nack"],
    ["twccEnabled", twcc],
    ["pliEnabled", pli],
  ] as const) {
    // Only where werift still has the getter this replaces.
    if (typeof Object.getOwnPropertyDescriptor(proto, name)?.get !== "function") continue;
    Object.defineProperty(proto, name, { configurable: true, get: lookup(type) });
  }
}
