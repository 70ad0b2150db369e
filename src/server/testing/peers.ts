import { MediaStreamTrack, RTCPeerConnection } from "werift";

/** What a raw test offer contains. */
export interface OfferShape {
  /** An audio section: sendrecv (true), recvonly, or none. Default true. */
  audio?: boolean | "recvonly";
  /** A video section. Default false. */
  video?: boolean;
  /** A data channel labelled "text". Default true. */
  dataChannel?: boolean;
}

/** A werift peer with a complete offer (all candidates gathered). */
export interface RawOffer {
  pc: RTCPeerConnection;
  /** The sending audio track (sendrecv offers only). */
  audioTrack: MediaStreamTrack | null;
  sdp: string;
  close(): Promise<void>;
}

/** Creates a werift peer and a full-ICE offer of the given shape. */
export async function makeOffer(shape: OfferShape = {}): Promise<RawOffer> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const audio = shape.audio ?? true;
  let audioTrack: MediaStreamTrack | null = null;
  if (audio === "recvonly") pc.addTransceiver("audio", { direction: "recvonly" });
  else if (audio) {
    audioTrack = new MediaStreamTrack({ kind: "audio" });
    pc.addTransceiver(audioTrack, { direction: "sendrecv" });
  }
  if (shape.video)
    pc.addTransceiver(new MediaStreamTrack({ kind: "video" }), { direction: "sendrecv" });
  if (shape.dataChannel ?? true) pc.createDataChannel("text");
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise<void>((resolve) => {
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === "complete") resolve();
      });
    });
  }
  const sdp = pc.localDescription?.sdp ?? "";
  return { pc, audioTrack, sdp, close: () => pc.close() };
}

/** POSTs a JSON (or raw string) body and returns the status and parsed JSON. */
export async function post(
  url: string,
  body: unknown,
  init: { raw?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
    body: init.raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
