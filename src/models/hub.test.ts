import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureModel, ModelFetchError, modelStatus } from "./cache.js";
import { downloadHubFile, HubDownloadError, hfEndpoint, hubFileUrl } from "./hub.js";
import { sha256Hex } from "./testing/makeTarGz.js";

/** Small stand-ins for the moonshine/base files, served at their real hub paths. */
const FILES: Record<string, Buffer> = {
  "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx": Buffer.alloc(
    4096,
    1,
  ),
  "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/decoder_model_merged.onnx":
    Buffer.alloc(9000, 2),
  "/UsefulSensors/moonshine-base/resolve/main/tokenizer.json":
    Buffer.from('{"model":{"vocab":{}}}'),
};

type Mode = "ok" | "404" | "corrupt" | "truncated" | "no-hash";
let mode: Mode = "ok";
let requests: string[] = [];
let server: Server;
let endpoint: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  requests.push(url);
  if (url.startsWith("/cdn/")) {
    // The "CDN": serves bytes, no hub headers (like the real LFS redirect target).
    const key = decodeURIComponent(url.slice("/cdn/".length));
    const body = FILES[key];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (mode === "truncated") {
      res.writeHead(200, { "content-length": String(body.length) });
      res.write(body.subarray(0, 100));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    const sent = mode === "corrupt" ? Buffer.alloc(body.length, 9) : body;
    res.writeHead(200, { "content-length": String(sent.length), etag: '"abc123"' });
    res.end(sent);
    return;
  }
  const body = FILES[url];
  if (body === undefined || mode === "404") {
    res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
    return;
  }
  if (url.endsWith(".json")) {
    // Small (non-LFS) files are served directly, with a git-blob (SHA-1 style) ETag.
    res.writeHead(200, {
      "content-length": String(body.length),
      etag: '"0123456789abcdef0123456789abcdef01234567"',
    });
    res.end(body);
    return;
  }
  // LFS files: the hub answers with a redirect carrying the size and SHA-256.
  const headers: Record<string, string> = {
    location: `/cdn/${encodeURIComponent(url)}`,
    "x-linked-size": String(body.length),
  };
  if (mode !== "no-hash") headers["x-linked-etag"] = `"${sha256Hex(body)}"`;
  res.writeHead(302, headers).end();
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let cacheDir: string;
beforeEach(async () => {
  mode = "ok";
  requests = [];
  cacheDir = await mkdtemp(join(tmpdir(), "fastrtc-hub-test-"));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe("hub URLs", () => {
  it("builds resolve URLs and picks the endpoint", () => {
    expect(
      hubFileUrl(
        "https://huggingface.co/",
        "UsefulSensors/moonshine",
        "onnx/merged/base/float/encoder_model.onnx",
      ),
    ).toBe(
      "https://huggingface.co/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx",
    );
    expect(hubFileUrl("http://h", "o/r", "a b.txt", "v1.0")).toBe(
      "http://h/o/r/resolve/v1.0/a%20b.txt",
    );
    const saved = process.env.HF_ENDPOINT;
    try {
      delete process.env.HF_ENDPOINT;
      expect(hfEndpoint()).toBe("https://huggingface.co");
      process.env.HF_ENDPOINT = "https://mirror.example/";
      expect(hfEndpoint()).toBe("https://mirror.example");
      expect(hfEndpoint("http://explicit:1")).toBe("http://explicit:1");
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });
});

describe("moonshine/base from the hub", () => {
  it("downloads every file into the cache, then uses the cache", async () => {
    const progress: string[] = [];
    const r = await ensureModel("moonshine/base", {
      cacheDir,
      hfEndpoint: endpoint,
      onProgress: (p) => progress.push(`${p.phase}:${p.file ?? ""}`),
    });
    const dir = join(cacheDir, "moonshine", "base");
    expect(r.fetched).toBe(true);
    expect(r.files).toEqual({
      encoder: join(dir, "encoder_model.onnx"),
      decoder: join(dir, "decoder_model_merged.onnx"),
      tokenizer: join(dir, "tokenizer.json"),
    });
    for (const [role, key] of [
      [
        "encoder",
        "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx",
      ],
      [
        "decoder",
        "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/decoder_model_merged.onnx",
      ],
      ["tokenizer", "/UsefulSensors/moonshine-base/resolve/main/tokenizer.json"],
    ] as const) {
      expect((await readFile(r.files[role]!)).equals(FILES[key]!)).toBe(true);
    }
    expect(progress).toContain("download:encoder_model.onnx");
    expect(progress.at(-1)).toBe("done:");
    const record = JSON.parse(await readFile(join(dir, "encoder_model.onnx.fastrtc.json"), "utf8"));
    expect(record.sha256).toBe(sha256Hex(FILES[Object.keys(FILES)[0]!]!));

    const n = requests.length;
    const again = await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint });
    expect(again.fetched).toBe(false);
    expect(requests.length).toBe(n);
  });

  it("honours HF_ENDPOINT", async () => {
    const saved = process.env.HF_ENDPOINT;
    try {
      process.env.HF_ENDPOINT = endpoint;
      expect((await ensureModel("moonshine/base", { cacheDir })).fetched).toBe(true);
      expect(requests.length).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });

  it("fetches a damaged cached file again (checked against the recorded hash)", async () => {
    const r = await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint });
    await writeFile(r.files.decoder!, Buffer.alloc(9000, 7));
    expect((await modelStatus("moonshine/base", { cacheDir })).problems).toEqual([
      "decoder_model_merged.onnx: SHA-256 mismatch (damaged)",
    ]);
    requests = [];
    expect((await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint })).fetched).toBe(
      true,
    );
    expect(requests.filter((u) => !u.startsWith("/cdn/"))).toEqual([
      "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/decoder_model_merged.onnx",
    ]);
  });

  it("404 gives a clear error naming the model, the URL and the pull command", async () => {
    mode = "404";
    const err = await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFetchError);
    const msg = (err as Error).message;
    expect(msg).toContain('Model "moonshine/base"');
    expect(msg).toContain("not found (404)");
    expect(msg).toContain(
      `${endpoint}/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx`,
    );
    expect(msg).toContain("npx fastrtc-ts models pull moonshine/base");
    expect(await readdir(join(cacheDir, "moonshine", "base"))).toEqual([]);
  });

  it("corrupt bytes (SHA-256 differs from the hub's X-Linked-ETag) are an error", async () => {
    mode = "corrupt";
    const err = await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/corrupt download of .*encoder_model\.onnx: SHA-256 is/);
    expect(await readdir(join(cacheDir, "moonshine", "base"))).toEqual([]);
  });

  it("a connection cut mid-file is an error and leaves nothing behind", async () => {
    mode = "truncated";
    const err = await ensureModel("moonshine/base", { cacheDir, hfEndpoint: endpoint }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/broke off|incomplete/);
    expect(await readdir(join(cacheDir, "moonshine", "base"))).toEqual([]);
  });

  it("an unreachable endpoint is a clear error", async () => {
    const err = await ensureModel("moonshine/base", {
      cacheDir,
      hfEndpoint: "http://127.0.0.1:1",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
    expect((err as Error).message).toContain("HF_ENDPOINT");
  });
});

describe("downloadHubFile", () => {
  it("checks an expected hash when the hub announces none", async () => {
    mode = "no-hash";
    const key = "/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx";
    const dest = join(cacheDir, "enc");
    const file = {
      repo: "UsefulSensors/moonshine",
      path: "onnx/merged/base/float/encoder_model.onnx",
    };
    const ok = await downloadHubFile(file, dest, { endpoint });
    expect(ok).toMatchObject({ size: 4096, sha256: sha256Hex(FILES[key]!), verified: false });
    const bad = await downloadHubFile(file, dest, {
      endpoint,
      expectedSha256: "0".repeat(64),
    }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(HubDownloadError);
    expect((bad as Error).message).toMatch(/corrupt download/);
    const short = await downloadHubFile(file, dest, { endpoint, expectedSize: 5000 }).catch(
      (e: unknown) => e,
    );
    expect((short as Error).message).toMatch(/incomplete download .* got 4096 bytes/);
  });

  it("reports the HTTP status of a 404", async () => {
    const err = await downloadHubFile(
      { repo: "nobody/nothing", path: "x.onnx" },
      join(cacheDir, "x"),
      {
        endpoint,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubDownloadError);
    expect((err as HubDownloadError).status).toBe(404);
  });
});
