/**
 * TURN credentials, as FastRTC's `get_*_turn_credentials` helpers mint them: the standard TURN
 * REST "shared secret" scheme (coturn's `use-auth-secret`), Cloudflare Realtime TURN keys,
 * Twilio Network Traversal tokens and FastRTC's Hugging Face endpoint. Each returns an
 * {@link RtcConfiguration} to serve to the page (`rtcConfiguration`, as a function so every page
 * load gets fresh credentials) and, if wanted, to the server (`serverRtcConfiguration`).
 */
import { createHmac } from "node:crypto";
import type { IceServer, RtcConfiguration } from "../webrtcTypes.js";

/**
 * Default lifetime of minted credentials, in seconds (FastRTC's `ttl=600`).
 *
 * @example
 * ```ts
 * getSharedSecretTurnCredentials({ urls, secret, ttl: DEFAULT_TURN_TTL_S * 6 }); // an hour
 * ```
 */
export const DEFAULT_TURN_TTL_S = 600;
/**
 * Default bound of each HTTP call to a credentials API, in ms.
 *
 * @example
 * ```ts
 * await getTwilioTurnCredentials({ timeoutMs: DEFAULT_TURN_FETCH_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_TURN_FETCH_TIMEOUT_MS = 10_000;
/**
 * Cloudflare Realtime's API base URL (the default `baseUrl` of {@link getCloudflareTurnCredentials}).
 *
 * @example
 * ```ts
 * await getCloudflareTurnCredentials({ baseUrl: CLOUDFLARE_TURN_BASE_URL });
 * ```
 */
export const CLOUDFLARE_TURN_BASE_URL = "https://rtc.live.cloudflare.com";
/**
 * Twilio's REST API base URL (the default `baseUrl` of {@link getTwilioTurnCredentials}).
 *
 * @example
 * ```ts
 * await getTwilioTurnCredentials({ baseUrl: TWILIO_API_BASE_URL });
 * ```
 */
export const TWILIO_API_BASE_URL = "https://api.twilio.com";
/**
 * FastRTC's credentials endpoint for Hugging Face tokens (the default `baseUrl` of
 * {@link getHfTurnCredentials}).
 *
 * @example
 * ```ts
 * await getHfTurnCredentials({ baseUrl: HF_TURN_BASE_URL, token: process.env.HF_TOKEN });
 * ```
 */
export const HF_TURN_BASE_URL = "https://turn.fastrtc.org";

/**
 * Credentials could not be obtained: the provider answered with an error status, the call
 * failed or timed out, or the answer had no ICE servers.
 *
 * @example
 * ```ts
 * try {
 *   await getCloudflareTurnCredentials();
 * } catch (err) {
 *   if (err instanceof TurnCredentialsError && err.status === 401) rotateKey();
 * }
 * ```
 */
export class TurnCredentialsError extends Error {
  override name = "TurnCredentialsError";
  /** `"cloudflare"`, `"twilio"` or `"hf"`. */
  readonly provider: string;
  /** The HTTP status, when the provider answered. */
  readonly status: number | undefined;
  /** The start of the provider's answer (at most 500 characters), when it answered. */
  readonly body: string | undefined;
  constructor(
    provider: string,
    message: string,
    details: { status?: number; body?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = provider;
    this.status = details.status;
    this.body = details.body;
  }
}

/**
 * A helper was called without the keys it needs (neither in its options nor in the
 * environment), or with a value it cannot use (FastRTC's `ValueError`).
 *
 * @example
 * ```ts
 * getSharedSecretTurnCredentials({ urls: "turn:turn.example.com" }); // throws without a secret
 * ```
 */
export class TurnConfigurationError extends Error {
  override name = "TurnConfigurationError";
}

/**
 * What every HTTP helper takes besides its keys.
 *
 * @example
 * ```ts
 * const http: TurnFetchOptions = { ttl: 3600, timeoutMs: 5000, baseUrl: "http://127.0.0.1:8080" };
 * ```
 */
export interface TurnFetchOptions {
  /** Lifetime of the credentials, in seconds. Default {@link DEFAULT_TURN_TTL_S}. */
  ttl?: number;
  /** The provider's base URL (a proxy, a stub in tests). Default: the provider's. */
  baseUrl?: string;
  /** Bound of the HTTP call. Default {@link DEFAULT_TURN_FETCH_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
  /** Environment to read keys from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Options of {@link getSharedSecretTurnCredentials}.
 *
 * @example
 * ```ts
 * const o: SharedSecretTurnOptions = { urls: ["turn:turn.example.com:3478"], secret: "s3cret" };
 * ```
 */
export interface SharedSecretTurnOptions {
  /** The TURN server's URLs, e.g. `["turn:turn.example.com:3478?transport=udp", "turn:...?transport=tcp"]`. */
  urls: string | string[];
  /** The secret shared with the TURN server (coturn's `static-auth-secret`). Default: env `TURN_SHARED_SECRET`. */
  secret?: string;
  /** Who the credentials are for; part of the username (`expiry:user`). Default none (`expiry`). */
  user?: string;
  /** Lifetime in seconds. Default {@link DEFAULT_TURN_TTL_S}. */
  ttl?: number;
  /** `"relay"` to ask clients for relay candidates only. Default: not set. */
  iceTransportPolicy?: "all" | "relay";
  /** Current time in ms (tests). Default `Date.now`. */
  now?: () => number;
  /** Environment to read the secret from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Mints TURN REST API ("shared secret", draft-uberti-behave-turn-rest) credentials, the scheme of
 * coturn's `use-auth-secret` and most self-hosted TURN servers: the username is
 * `<unix expiry>:<user>` and the password is base64(HMAC-SHA1(secret, username)). Synchronous:
 * no call leaves the machine.
 *
 * @throws TurnConfigurationError without a secret or URLs, or with a bad ttl or user.
 * @example
 * ```ts
 * const stream = new Stream({
 *   handler,
 *   rtcConfiguration: () =>
 *     getSharedSecretTurnCredentials({ urls: "turn:turn.example.com:3478", secret: process.env.TURN_SECRET }),
 * });
 * ```
 */
export function getSharedSecretTurnCredentials(options: SharedSecretTurnOptions): RtcConfiguration {
  const env = options.env ?? process.env;
  const secret = options.secret ?? env.TURN_SHARED_SECRET;
  if (!secret) {
    throw new TurnConfigurationError(
      "getSharedSecretTurnCredentials needs a secret (option secret or env TURN_SHARED_SECRET)",
    );
  }
  const urls = Array.isArray(options.urls) ? options.urls : [options.urls];
  if (urls.length === 0 || urls.some((u) => typeof u !== "string" || !/^turns?:/i.test(u))) {
    throw new TurnConfigurationError("urls must be one or more turn: or turns: URLs");
  }
  const ttl = checkTtl(options.ttl);
  const user = options.user;
  if (user !== undefined && (user.includes(":") || user.length === 0)) {
    throw new TurnConfigurationError("user must be a non-empty string without ':'");
  }
  const expiry = Math.floor((options.now ?? Date.now)() / 1000) + ttl;
  const username = user === undefined ? String(expiry) : `${expiry}:${user}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  const config: RtcConfiguration = { iceServers: [{ urls, username, credential }] };
  if (options.iceTransportPolicy) config.iceTransportPolicy = options.iceTransportPolicy;
  return config;
}

/**
 * Options of {@link getCloudflareTurnCredentials}.
 *
 * @example
 * ```ts
 * const o: CloudflareTurnOptions = { turnKeyId: "abc", turnKeyApiToken: "token", ttl: 3600 };
 * ```
 */
export interface CloudflareTurnOptions extends TurnFetchOptions {
  /** The TURN key id. Default: env `CLOUDFLARE_TURN_KEY_ID`. */
  turnKeyId?: string;
  /** The TURN key's API token. Default: env `CLOUDFLARE_TURN_KEY_API_TOKEN`. */
  turnKeyApiToken?: string;
  /**
   * A Hugging Face token for FastRTC's free endpoint (`turn.fastrtc.org`, Cloudflare behind it).
   * Default: env `HF_TOKEN`, used only when no Cloudflare key is given.
   */
  hfToken?: string;
  /** Base URL of the Hugging Face endpoint. Default {@link HF_TURN_BASE_URL}. */
  hfBaseUrl?: string;
}

/**
 * Gets short-lived credentials for Cloudflare Realtime TURN (FastRTC's
 * `get_cloudflare_turn_credentials`): `POST {baseUrl}/v1/turn/keys/{id}/credentials/generate-ice-servers`
 * with the key's API token and `{"ttl": ttl}`. With a Hugging Face token instead (and no
 * Cloudflare key), FastRTC's endpoint `GET https://turn.fastrtc.org/credentials?ttl=` is asked.
 *
 * @throws TurnConfigurationError without a key pair or a Hugging Face token;
 *   TurnCredentialsError when the call fails, times out or answers without ICE servers.
 * @example
 * ```ts
 * const stream = new Stream({ handler, rtcConfiguration: () => getCloudflareTurnCredentials({ ttl: 3600 }) });
 * ```
 */
export async function getCloudflareTurnCredentials(
  options: CloudflareTurnOptions = {},
): Promise<RtcConfiguration> {
  const env = options.env ?? process.env;
  const id = options.turnKeyId ?? env.CLOUDFLARE_TURN_KEY_ID;
  const token = options.turnKeyApiToken ?? env.CLOUDFLARE_TURN_KEY_API_TOKEN;
  const explicitKey = options.turnKeyId !== undefined || options.turnKeyApiToken !== undefined;
  const hfToken = options.hfToken ?? (explicitKey ? undefined : env.HF_TOKEN);
  if (hfToken && !(explicitKey && id && token)) {
    return getHfTurnCredentials({ ...options, token: hfToken, baseUrl: options.hfBaseUrl });
  }
  if (!id || !token) {
    throw new TurnConfigurationError(
      "Cloudflare TURN needs a key id and API token (options turnKeyId/turnKeyApiToken or env CLOUDFLARE_TURN_KEY_ID/CLOUDFLARE_TURN_KEY_API_TOKEN), or a Hugging Face token (hfToken or env HF_TOKEN)",
    );
  }
  const ttl = checkTtl(options.ttl);
  const base = trimBase(options.baseUrl ?? CLOUDFLARE_TURN_BASE_URL);
  const json = await callProvider(
    "cloudflare",
    options,
    `${base}/v1/turn/keys/${encodeURIComponent(id)}/credentials/generate-ice-servers`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl }),
    },
  );
  return { iceServers: iceServersOf("cloudflare", (json as { iceServers?: unknown }).iceServers) };
}

/**
 * Options of {@link getHfTurnCredentials}.
 *
 * @example
 * ```ts
 * const o: HfTurnOptions = { token: process.env.HF_TOKEN, ttl: 600 };
 * ```
 */
export interface HfTurnOptions extends TurnFetchOptions {
  /** The Hugging Face token. Default: env `HF_TOKEN`. */
  token?: string;
}

/**
 * Gets credentials from FastRTC's endpoint for Hugging Face users
 * (`GET {baseUrl}/credentials?ttl=` with the token as bearer; FastRTC's deprecated
 * `get_hf_turn_credentials`). The answer is returned as the endpoint gives it.
 *
 * @throws TurnConfigurationError without a token; TurnCredentialsError when the call fails.
 * @example
 * ```ts
 * const config = await getHfTurnCredentials({ token: process.env.HF_TOKEN });
 * ```
 */
export async function getHfTurnCredentials(options: HfTurnOptions = {}): Promise<RtcConfiguration> {
  const token = options.token ?? (options.env ?? process.env).HF_TOKEN;
  if (!token) {
    throw new TurnConfigurationError(
      "getHfTurnCredentials needs a token (option token or env HF_TOKEN)",
    );
  }
  const ttl = checkTtl(options.ttl);
  const base = trimBase(options.baseUrl ?? HF_TURN_BASE_URL);
  const json = await callProvider("hf", options, `${base}/credentials?ttl=${ttl}`, {
    method: "GET",
    headers: { authorization: `Bearer ${token}` },
  });
  const config = json as RtcConfiguration;
  return { ...config, iceServers: iceServersOf("hf", config.iceServers) };
}

/**
 * Options of {@link getTwilioTurnCredentials}.
 *
 * @example
 * ```ts
 * const o: TwilioTurnOptions = { accountSid: "AC...", authToken: "...", ttl: 3600 };
 * ```
 */
export interface TwilioTurnOptions extends TurnFetchOptions {
  /** The account SID. Default: env `TWILIO_ACCOUNT_SID` (when neither option is given). */
  accountSid?: string;
  /** The auth token. Default: env `TWILIO_AUTH_TOKEN` (when neither option is given). */
  authToken?: string;
}

/**
 * Creates a Twilio Network Traversal token (`POST {baseUrl}/2010-04-01/Accounts/{sid}/Tokens.json`,
 * HTTP Basic auth, form field `Ttl`) and returns its ICE servers with
 * `iceTransportPolicy: "relay"`, as FastRTC's `get_twilio_turn_credentials` does. Without a
 * `ttl` option Twilio's default lifetime (24 h) applies.
 *
 * @throws TurnConfigurationError without an account SID and auth token;
 *   TurnCredentialsError when the call fails or the token has no ICE servers.
 * @example
 * ```ts
 * const stream = new Stream({ handler, rtcConfiguration: () => getTwilioTurnCredentials({ ttl: 3600 }) });
 * ```
 */
export async function getTwilioTurnCredentials(
  options: TwilioTurnOptions = {},
): Promise<RtcConfiguration> {
  const env = options.env ?? process.env;
  const fromEnv = !options.accountSid && !options.authToken;
  const sid = fromEnv ? env.TWILIO_ACCOUNT_SID : options.accountSid;
  const token = fromEnv ? env.TWILIO_AUTH_TOKEN : options.authToken;
  if (!sid || !token) {
    throw new TurnConfigurationError(
      "Twilio TURN needs an account SID and auth token (options accountSid/authToken or env TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN)",
    );
  }
  const form = new URLSearchParams();
  if (options.ttl !== undefined) form.set("Ttl", String(checkTtl(options.ttl)));
  const base = trimBase(options.baseUrl ?? TWILIO_API_BASE_URL);
  const json = await callProvider(
    "twilio",
    options,
    `${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Tokens.json`,
    {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form.toString(),
    },
  );
  return {
    iceServers: iceServersOf("twilio", (json as { ice_servers?: unknown }).ice_servers),
    iceTransportPolicy: "relay",
  };
}

/**
 * Which provider {@link getTurnCredentials} asks.
 *
 * @example
 * ```ts
 * const method: TurnMethod = "cloudflare";
 * ```
 */
export type TurnMethod = "cloudflare" | "twilio" | "hf" | "shared-secret";

/**
 * Options of {@link getTurnCredentials}: those of the chosen provider's helper.
 *
 * @example
 * ```ts
 * const o: TurnCredentialsOptions = { ttl: 600 };
 * ```
 */
export type TurnCredentialsOptions = CloudflareTurnOptions &
  TwilioTurnOptions &
  HfTurnOptions &
  Partial<SharedSecretTurnOptions>;

/**
 * FastRTC's `get_turn_credentials(method)`: calls the helper of `method` (default
 * `"cloudflare"`) with `options`.
 *
 * @throws TurnConfigurationError for an unknown method, and what the helper throws.
 * @example
 * ```ts
 * const stream = new Stream({ handler, rtcConfiguration: () => getTurnCredentials("twilio") });
 * ```
 */
export async function getTurnCredentials(
  method: TurnMethod = "cloudflare",
  options: TurnCredentialsOptions = {},
): Promise<RtcConfiguration> {
  switch (method) {
    case "cloudflare":
      return getCloudflareTurnCredentials(options);
    case "twilio":
      return getTwilioTurnCredentials(options);
    case "hf":
      return getHfTurnCredentials(options);
    case "shared-secret": {
      if (options.urls === undefined) {
        throw new TurnConfigurationError('method "shared-secret" needs urls');
      }
      return getSharedSecretTurnCredentials({ ...options, urls: options.urls });
    }
    default:
      throw new TurnConfigurationError(
        `Invalid method ${JSON.stringify(method)}. Must be 'hf', 'twilio', 'cloudflare' or 'shared-secret'`,
      );
  }
}

function checkTtl(ttl: number | undefined): number {
  const value = ttl ?? DEFAULT_TURN_TTL_S;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TurnConfigurationError(
      `ttl must be a positive whole number of seconds, got ${String(ttl)}`,
    );
  }
  return value;
}

function trimBase(base: string): string {
  return base.replace(/\/+$/, "");
}

async function callProvider(
  provider: string,
  options: TurnFetchOptions,
  url: string,
  init: RequestInit,
): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TURN_FETCH_TIMEOUT_MS;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw new TurnCredentialsError(
      provider,
      timedOut
        ? `Failed to get TURN credentials from ${provider}: no answer within ${timeoutMs} ms`
        : `Failed to get TURN credentials from ${provider}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const body = text.slice(0, 500);
  if (!res.ok) {
    throw new TurnCredentialsError(
      provider,
      `Failed to get TURN credentials from ${provider}: ${res.status} ${body}`,
      { status: res.status, body },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TurnCredentialsError(
      provider,
      `${provider} answered with something that is not JSON`,
      {
        status: res.status,
        body,
        cause: err,
      },
    );
  }
}

/**
 * The ICE servers of a provider's answer, checked and in the browser's shape: Cloudflare gives
 * an array (older answers one object), Twilio entries carry `urls` as a string and a legacy
 * `url`.
 */
function iceServersOf(provider: string, value: unknown): IceServer[] {
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? [value] : [];
  const servers: IceServer[] = [];
  for (const item of list) {
    if (!item || typeof item !== "object") continue;
    const entry = item as {
      urls?: unknown;
      url?: unknown;
      username?: unknown;
      credential?: unknown;
    };
    const raw = entry.urls ?? entry.url;
    const urls = (Array.isArray(raw) ? raw : [raw]).filter(
      (u): u is string => typeof u === "string",
    );
    if (urls.length === 0) continue;
    const server: IceServer = { urls: Array.isArray(raw) ? urls : (urls[0] as string) };
    if (typeof entry.username === "string") server.username = entry.username;
    if (typeof entry.credential === "string") server.credential = entry.credential;
    servers.push(server);
  }
  if (servers.length === 0) {
    throw new TurnCredentialsError(provider, `${provider} answered without ICE servers`);
  }
  return servers;
}
