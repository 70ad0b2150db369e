/**
 * One process of a test service: a Stream with `InputEcho`, one declared input and one output,
 * launched on a free port, configured by the environment:
 * `FASTRTC_TEST_REDIS` (Redis URL, else no Redis), `FASTRTC_TEST_LIMIT` (concurrency limit,
 * default 3), `FASTRTC_TEST_LEASE` (lease seconds, default 2), `FASTRTC_TEST_WORKERS`
 * (`launch({ workers })`, default 1), `FASTRTC_TEST_PORT` (default 0). Prints one JSON line
 * `{"url","port","node","workers"}` on stdout when it listens (the primary, with workers).
 *
 * Run with `node --import tsx src/cluster/testing/clusterNode.ts`.
 */
import cluster from "node:cluster";
import { Stream } from "../../server/Stream.js";
import { InputEcho } from "./inputEcho.js";

const env = process.env;
const redisUrl = env.FASTRTC_TEST_REDIS ?? null;
const stream = new Stream({
  handler: new InputEcho(),
  concurrencyLimit: Number(env.FASTRTC_TEST_LIMIT ?? 3),
  inactivityTimeout: null,
  additionalInputs: [{ type: "textbox", name: "note" }],
  additionalOutputs: [{ type: "json", label: "echo" }],
  cluster: redisUrl ? { redisUrl, leaseSeconds: Number(env.FASTRTC_TEST_LEASE ?? 2) } : null,
});
const server = await stream.launch({
  port: Number(env.FASTRTC_TEST_PORT ?? 0),
  workers: Number(env.FASTRTC_TEST_WORKERS ?? 1),
  drainTimeout: Number(env.FASTRTC_TEST_DRAIN ?? 5),
});
if (cluster.isPrimary) {
  process.stdout.write(
    `${JSON.stringify({ url: server.url, port: server.port, node: stream.nodeId, workers: server.workers })}\n`,
  );
}
