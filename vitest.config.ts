import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["scripts/vitest-models.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The library logs warnings and errors to stderr by default; many tests trigger them on
    // purpose (throwing handlers, bad input), about 120 records in src/handlers, src/session and
    // src/server alone. Tests that check logging install their own sink or start a fresh process;
    // `FASTRTC_LOG=warn npx vitest run ...` shows the records.
    env: { FASTRTC_LOG: process.env.FASTRTC_LOG ?? "silent" },
  },
});
