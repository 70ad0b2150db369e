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

/** Each receiver's answer of {@link lowestCodecFeedback} (`null`: no codec), until it negotiates again. */
const feedbackOf = new WeakMap<object, RTCPFB[] | null>();

/** A settled promise for `runRtcp` calls that have nothing to start. */
const settled: Promise<void> = Promise.resolve();

let installed = false;

/**
 * Takes the allocation out of two things werift's `RTCRtpReceiver` does for every RTP packet
 * (process-wide, once; every peer of this library calls it). werift 0.24.4:
 *
 * - answers `nackEnabled`, `twccEnabled` and `pliEnabled` by copying its codec table into an array
 *   and sorting it, and asks `twccEnabled` for every packet of a stream without transport-wide
 *   congestion control (every audio stream here): a tenth of a WebRTC session's allocation. Here
 *   the lowest payload type's feedback is found once per negotiation (`prepareReceive`, the one
 *   place werift changes the table) and the answers are the same: its first entry of the type.
 * - calls the async `runRtcp()` for every packet, which makes a promise each time although only
 *   the first call starts the report loop. Here a call while the loop runs (or after `stop`)
 *   returns a settled promise without entering it; werift never awaits it.
 * @internal
 */
export function installReceiverFastPaths(): void {
  if (installed) return;
  installed = true;
  const proto = RTCRtpReceiver.prototype as unknown as Record<string, unknown>;
  const feedback = (receiver: object): RTCPFB[] | null => {
    let found = feedbackOf.get(receiver);
    if (found === undefined) {
      const codecs = (receiver as { codecs: Record<number, CodecLike> }).codecs;
      found = lowestCodecFeedback(codecs) ?? null;
      feedbackOf.set(receiver, found);
    }
    return found;
  };
  const lookup = (type: string) =>
    function (this: object): RTCPFB | undefined {
      const list = feedback(this);
      if (list === null) return undefined;
      for (const f of list) if (f.type === type) return f;
      return undefined;
    };
  const prepareReceive = proto.prepareReceive;
  const runRtcp = proto.runRtcp;
  const getters = [
    ["nackEnabled", "nack"],
    ["twccEnabled", useTWCC().type],
    ["pliEnabled", usePLI().type],
  ] as const;
  // Only while werift still has the shape this replaces.
  if (
    typeof prepareReceive !== "function" ||
    typeof runRtcp !== "function" ||
    getters.some(
      ([name]) => typeof Object.getOwnPropertyDescriptor(proto, name)?.get !== "function",
    )
  ) {
    return;
  }
  proto.prepareReceive = function (this: object, ...args: unknown[]) {
    feedbackOf.delete(this);
    return prepareReceive.apply(this, args);
  };
  for (const [name, type] of getters) {
    Object.defineProperty(proto, name, { configurable: true, get: lookup(type) });
  }
  proto.runRtcp = function (this: { rtcpRunning?: boolean; stopped?: boolean }) {
    if (this.rtcpRunning || this.stopped) return settled;
    return runRtcp.call(this);
  };
}
