/**
 * Downloads single files from the Hugging Face hub (`{endpoint}/{repo}/resolve/{revision}/{path}`)
 * with integrity checks: the byte count against `Content-Length` / `X-Linked-Size`, and the
 * SHA-256 against the hub's `X-Linked-ETag` (large files) or an expected hash.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** The public hub. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/**
 * The hub endpoint in use: `explicit` when given, else `HF_ENDPOINT`, else
 * `https://huggingface.co` (trailing slashes removed).
 *
 * @example
 * ```ts
 * hfEndpoint("http://127.0.0.1:8080/"); // "http://127.0.0.1:8080"
 * ```
 */
export function hfEndpoint(explicit?: string): string {
  const raw = explicit ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT;
  return (raw.trim() === "" ? DEFAULT_HF_ENDPOINT : raw.trim()).replace(/\/+$/, "");
}

/**
 * The download URL of a file in a hub repository.
 *
 * @param revision - Branch, tag or commit. Default `"main"`.
 * @example
 * ```ts
 * hubFileUrl("https://huggingface.co", "UsefulSensors/moonshine", "onnx/merged/base/float/encoder_model.onnx");
 * // "https://huggingface.co/UsefulSensors/moonshine/resolve/main/onnx/merged/base/float/encoder_model.onnx"
 * ```
 */
export function hubFileUrl(
  endpoint: string,
  repo: string,
  path: string,
  revision = "main",
): string {
  const enc = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/+$/, "")}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`;
}

/**
 * Thrown when a hub download fails: unreachable server, HTTP error, incomplete or corrupt body.
 * `status` is the HTTP status when there was one.
 *
 * @example
 * ```ts
 * downloadHubFile(file, dest).catch((e) => { if (e instanceof HubDownloadError && e.status === 404) … });
 * ```
 */
export class HubDownloadError extends Error {
  /** HTTP status of the failing response, if any. */
  readonly status: number | undefined;
  /** The URL that was requested. */
  readonly url: string;

  constructor(message: string, url: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HubDownloadError";
    this.url = url;
    this.status = status;
  }
}

/**
 * Options of {@link downloadHubFile}.
 *
 * @example
 * ```ts
 * await downloadHubFile(file, dest, { endpoint: "http://127.0.0.1:8080", expectedSize: 1234 });
 * ```
 */
export interface HubDownloadOptions {
  /** Hub endpoint. Default: {@link hfEndpoint}(). */
  endpoint?: string;
  /** `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Called as bytes arrive, with the total when the server announced it. */
  onProgress?: (bytes: number, totalBytes: number | undefined) => void;
  /** Expected size in bytes. Default: none (the server's announced size is still checked). */
  expectedSize?: number;
  /** Expected SHA-256, lower-case hex. Default: none (the hub's `X-Linked-ETag` is used). */
  expectedSha256?: string;
  /** Cancels the download. */
  signal?: AbortSignal;
}

/**
 * What {@link downloadHubFile} wrote.
 *
 * @example
 * ```ts
 * const { size, sha256, verified } = await downloadHubFile(file, dest);
 * ```
 */
export interface HubDownloadResult {
  url: string;
  size: number;
  sha256: string;
  /** Whether the SHA-256 was checked against an expected or server-announced value. */
  verified: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function unquote(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  const v = etag.replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return SHA256_HEX.test(v) ? v : undefined;
}

function positiveInt(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/**
 * Downloads one hub file to `dest` (overwritten; use a temporary name and rename it once this
 * resolves). Redirects are followed by hand (up to 5) so the hub's `X-Linked-Size` and
 * `X-Linked-ETag` headers are seen even when the bytes come from a CDN.
 *
 * @throws HubDownloadError - unreachable endpoint, HTTP error (404: file or repository not
 *   found), body shorter or longer than announced, or SHA-256 mismatch.
 * @example
 * ```ts
 * await downloadHubFile(
 *   { repo: "UsefulSensors/moonshine-base", path: "tokenizer.json" },
 *   "/tmp/tokenizer.json.part",
 * );
 * ```
 */
export async function downloadHubFile(
  file: { repo: string; path: string; revision?: string },
  dest: string,
  options: HubDownloadOptions = {},
): Promise<HubDownloadResult> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const first = hubFileUrl(hfEndpoint(options.endpoint), file.repo, file.path, file.revision);
  let url = first;
  let linkedSize: number | undefined;
  let linkedSha: string | undefined;
  let res: Response | undefined;
  for (let hop = 0; hop <= 5; hop++) {
    try {
      res = await doFetch(url, {
        redirect: "manual",
        headers: { "user-agent": "fastrtc-ts" },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      throw new HubDownloadError(
        `cannot reach ${new URL(url).origin} for ${file.repo}/${file.path}: ${(err as Error).message}`,
        url,
        undefined,
        { cause: err },
      );
    }
    linkedSize ??= positiveInt(res.headers.get("x-linked-size"));
    linkedSha ??= unquote(res.headers.get("x-linked-etag"));
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await res.body?.cancel().catch(() => undefined);
      url = new URL(location, url).href;
      continue;
    }
    break;
  }
  if (res === undefined || (res.status >= 300 && res.status < 400)) {
    throw new HubDownloadError(`too many redirects for ${first}`, first);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    const what =
      res.status === 404
        ? "not found (404): no such repository, revision or file"
        : res.status === 401 || res.status === 403
          ? `access denied (${res.status}): the repository is gated or private`
          : `HTTP ${res.status} ${res.statusText}`;
    throw new HubDownloadError(`${first}: ${what}`, first, res.status);
  }
  // Without redirects the endpoint served the bytes itself: a SHA-256-shaped ETag is its hash
  // (a CDN's ETag after a redirect is something else, e.g. an MD5).
  if (url === first) linkedSha ??= unquote(res.headers.get("etag"));
  const contentLength = positiveInt(res.headers.get("content-length"));
  const total = options.expectedSize ?? linkedSize ?? contentLength;

  const hash = createHash("sha256");
  let size = 0;
  const fh = await open(dest, "w");
  try {
    if (res.body !== null) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        await fh.write(chunk);
        size += chunk.length;
        options.onProgress?.(size, total);
      }
    }
  } catch (err) {
    throw new HubDownloadError(
      `download of ${first} broke off after ${size} bytes: ${(err as Error).message}`,
      first,
      res.status,
      { cause: err },
    );
  } finally {
    await fh.close();
  }
  for (const [label, expected] of [
    ["Content-Length", contentLength],
    ["X-Linked-Size", linkedSize],
    ["the expected size", options.expectedSize],
  ] as const) {
    if (expected !== undefined && size !== expected) {
      throw new HubDownloadError(
        `incomplete download of ${first}: got ${size} bytes, ${label} says ${expected}`,
        first,
        res.status,
      );
    }
  }
  const sha256 = hash.digest("hex");
  const expectedSha = options.expectedSha256?.toLowerCase() ?? linkedSha;
  if (expectedSha !== undefined && sha256 !== expectedSha) {
    throw new HubDownloadError(
      `corrupt download of ${first}: SHA-256 is ${sha256}, expected ${expectedSha}`,
      first,
      res.status,
    );
  }
  return { url: first, size, sha256, verified: expectedSha !== undefined };
}
