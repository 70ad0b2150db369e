import { makeOffer, type RawOffer } from "../../server/testing/peers.js";

/** A trickled ICE candidate as the page posts it. */
export interface TrickledCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number;
}

/**
 * A werift offer with its candidates taken out of the SDP, to be posted separately as trickled
 * `ice-candidate` messages (to another process of the service, in the cluster tests).
 */
export async function offerWithoutCandidates(): Promise<
  RawOffer & { bareSdp: string; candidates: TrickledCandidate[] }
> {
  const offer = await makeOffer({ audio: true, dataChannel: true });
  const candidates: TrickledCandidate[] = [];
  const kept: string[] = [];
  let section = -1;
  let mid: string | null = null;
  for (const line of offer.sdp.split(/\r\n/)) {
    if (line.startsWith("m=")) {
      section++;
      mid = null;
    }
    if (line.startsWith("a=mid:")) mid = line.slice(6);
    if (line.startsWith("a=candidate:")) {
      candidates.push({ candidate: line.slice(2), sdpMid: mid, sdpMLineIndex: section });
      continue;
    }
    if (line === "a=end-of-candidates") continue;
    kept.push(line);
  }
  // The mid comes after the candidates in some sections: fill it in from the section index.
  const mids = [...offer.sdp.matchAll(/^a=mid:(.*)$/gm)].map((m) => m[1] ?? null);
  for (const c of candidates) c.sdpMid ??= mids[c.sdpMLineIndex] ?? null;
  return { ...offer, bareSdp: kept.join("\r\n"), candidates };
}
