import { openWs, type WsPeer } from "../../server/testing/wsPeer.js";

/**
 * Opens a `/websocket/offer` session with `id` at `url` (a `ws://` URL) and waits for the
 * server's verdict: the messages after `start` wait for the slot claim, so a pong means the
 * session started, and a refusal comes before it.
 */
export async function startSession(url: string, id: string): Promise<WsPeer> {
  const peer = await openWs(url);
  peer.send({ event: "start", websocket_id: id });
  peer.send({ event: "ping" });
  await peer.waitFor(
    () => peer.of("pong").length > 0 || peer.messages.some((m) => m.status === "failed"),
    `verdict for ${id}`,
  );
  return peer;
}

/** The `meta.error` of the failure message a session got, or `null`. */
export function failure(peer: WsPeer): string | null {
  const m = peer.messages.find((x) => x.status === "failed");
  return m ? String((m.meta as { error?: string }).error) : null;
}

/** The `/websocket/offer` URL of a server at `httpUrl`. */
export function websocketUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}/websocket/offer`;
}
