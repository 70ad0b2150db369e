/**
 * B11 server process (started by b11-scale-out.ts; modelled on src/cluster/testing/clusterNode.ts):
 * a Stream with `ReplyOnPause(echo)` (default turn taking, real Silero; the echo yields the turn
 * back), no concurrency limit, no inactivity timeout, telephone routes on (the default),
 * `launch({ port: 0, workers })`. `B11_WORKERS` sets the worker count (default 1). Prints one
 * JSON line `{"url","port","pid","workers"}` on stdout when it listens (the primary, with
 * workers). SIGTERM drains (up to 2 s) and exits.
 *
 * Run with `node --import tsx bench/b11-server.ts`.
 */
import cluster from "node:cluster";
import type { AudioChunk } from "../src/audio/types.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}

const stream = new Stream({
  handler: new ReplyOnPause(echo),
  concurrencyLimit: null,
  inactivityTimeout: null,
});
const server = await stream.launch({
  port: 0,
  workers: Number(process.env.B11_WORKERS ?? 1),
  drainTimeout: 2,
});
if (cluster.isPrimary) {
  process.stdout.write(
    `${JSON.stringify({ url: server.url, port: server.port, pid: process.pid, workers: server.workers })}\n`,
  );
}
