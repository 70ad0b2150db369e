import { describe, expect, it } from "vitest";
import { InvalidSdpError, NegotiationTimeoutError } from "../WebRtcConnection.js";
import type { PeerState } from "../webrtcTypes.js";
import { type MediaThreadLink, restoreError, ThreadedPeer } from "./ThreadedPeer.js";
import type { PeerCall, ToMediaThread } from "./threadMessages.js";

/** A link that records what the peer posts and answers calls from a script. */
function fakeLink(answer: (body: PeerCall) => Promise<unknown> = async () => undefined) {
  const posted: ToMediaThread[] = [];
  const transfers: (ArrayBuffer | undefined)[] = [];
  const calls: PeerCall[] = [];
  const released: number[] = [];
  const link: MediaThreadLink = {
    post: (m, t) => {
      posted.push(m);
      transfers.push(t);
    },
    call: (_h, body) => {
      calls.push(body);
      return answer(body);
    },
    release: (h) => released.push(h),
  };
  return { link, posted, transfers, calls, released };
}

describe("ThreadedPeer", () => {
  it("mirrors the thread's state, data channel and counters, and forwards its events", () => {
    const { link } = fakeLink();
    const states: PeerState[] = [];
    const audio: Int16Array[] = [];
    const texts: string[] = [];
    let channel = "";
    const peer = new ThreadedPeer(7, link, {
      onStateChange: (s) => states.push(s),
      onAudio: (pcm) => audio.push(pcm),
      onDataChannelMessage: (t) => texts.push(t),
      onDataChannel: (label) => {
        channel = label;
      },
    });
    expect(peer.state).toBe("new");
    expect(peer.hasDataChannel).toBe(false);
    peer.deliver({ k: "state", h: 7, state: "connected" });
    peer.deliver({ k: "channel", h: 7, label: "text" });
    peer.deliver({ k: "text", h: 7, text: "hi" });
    peer.deliver({ k: "audio", h: 7, pcm: new Int16Array(1920) });
    peer.deliver({ k: "counters", h: 7, inbound: 5, sent: 3, received: 4 });
    expect(peer.state).toBe("connected");
    expect(peer.hasDataChannel).toBe(true);
    expect(channel).toBe("text");
    expect(texts).toEqual(["hi"]);
    expect(audio).toHaveLength(1);
    expect([peer.inboundDatagrams, peer.packetsSent, peer.packetsReceived]).toEqual([5, 3, 4]);
    expect(states).toEqual(["connected"]);
  });

  it("sends audio as a moved copy, so the caller's frame stays intact", () => {
    const { link, posted, transfers } = fakeLink();
    const peer = new ThreadedPeer(1, link, {});
    const frame = new Int16Array([1, 2, 3, 4]);
    expect(peer.sendAudio(frame, 24000, true)).toBe(1);
    const m = posted[0] as Extract<ToMediaThread, { k: "audio" }>;
    expect(m).toMatchObject({ k: "audio", h: 1, rate: 24000, disc: true });
    expect(Array.from(m.samples)).toEqual([1, 2, 3, 4]);
    expect(m.samples.buffer).not.toBe(frame.buffer);
    expect(transfers[0]).toBe(m.samples.buffer);
    peer.dropQueuedAudio();
    expect(posted[1]).toEqual({ k: "drop", h: 1 });
  });

  it("refuses a malformed offer on the main thread, before any message to the thread", async () => {
    const { link, calls } = fakeLink();
    const peer = new ThreadedPeer(1, link, {});
    await expect(peer.applyOffer("v=1\r\n")).rejects.toBeInstanceOf(InvalidSdpError);
    expect(calls).toEqual([]);
  });

  it("closes once: the thread is asked, the handle released, 'closed' reported once", async () => {
    const { link, calls, released } = fakeLink();
    const states: PeerState[] = [];
    const peer = new ThreadedPeer(3, link, { onStateChange: (s) => states.push(s) });
    await Promise.all([peer.close(), peer.close()]);
    await peer.close();
    expect(calls).toEqual([{ op: "close" }]);
    expect(released).toEqual([3]);
    expect(states).toEqual(["closed"]);
    expect(peer.state).toBe("closed");
    expect(peer.sendMessage("x")).toBe(false);
    expect(peer.sendAudio(new Int16Array(2), 48000, false)).toBe(0);
    await expect(peer.createAnswer()).rejects.toThrow(/closed/);
  });

  it("a peer the thread closed reports 'closed' once and is not asked to close again", async () => {
    const { link, calls } = fakeLink();
    const states: PeerState[] = [];
    const peer = new ThreadedPeer(3, link, { onStateChange: (s) => states.push(s) });
    peer.deliver({ k: "state", h: 3, state: "closed" });
    await peer.close();
    expect(calls).toEqual([]);
    expect(states).toEqual(["closed"]);
  });

  it("a dead thread fails the peer (failed, then closed) and its close needs no thread", async () => {
    const { link, calls } = fakeLink(() => new Promise(() => {}));
    const states: PeerState[] = [];
    const peer = new ThreadedPeer(3, link, { onStateChange: (s) => states.push(s) });
    peer.threadDied();
    peer.threadDied();
    await peer.close();
    expect(states).toEqual(["failed", "closed"]);
    expect(calls).toEqual([]);
  });

  it("restores the class of errors that crossed the thread boundary", () => {
    expect(restoreError({ name: "InvalidSdpError", message: "a" })).toBeInstanceOf(InvalidSdpError);
    const timeout = restoreError({ name: "NegotiationTimeoutError", message: "b" });
    expect(timeout).toBeInstanceOf(NegotiationTimeoutError);
    expect(timeout).toBeInstanceOf(InvalidSdpError);
    const other = restoreError({ name: "TypeError", message: "c" });
    expect(other).not.toBeInstanceOf(InvalidSdpError);
    expect([other.name, other.message]).toEqual(["TypeError", "c"]);
  });
});
