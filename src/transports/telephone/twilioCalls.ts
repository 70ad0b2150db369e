/**
 * Outbound calls through Twilio's REST API, with `fetch` (no SDK), written from Twilio's Call
 * resource documentation (https://www.twilio.com/docs/voice/api/call-resource) and its API
 * responses page (https://www.twilio.com/docs/usage/twilios-response):
 *
 * - `POST {base}/2010-04-01/Accounts/{AccountSid}/Calls.json`, HTTP basic auth (Account SID and
 *   Auth Token), body `application/x-www-form-urlencoded` with `To`, `From` and one of `Url`
 *   (Twilio fetches the TwiML there) or `Twiml` (the TwiML itself, at most 4,000 characters);
 *   `StatusCallback` with `StatusCallbackEvent` repeated once per event (`initiated`, `ringing`,
 *   `answered`, `completed`) and `StatusCallbackMethod`.
 * - Success is `201 Created` with the Call as JSON in snake_case (`sid`, `account_sid`, `to`,
 *   `from`, `status` — `queued` at first —, `direction`, `date_created`, `uri`, ...).
 * - Errors are JSON `{ code, message, more_info, status }` (e.g. 401 `20003` "Authenticate",
 *   400 `21211` for an invalid `To`, 404 `20404`).
 */

/**
 * Twilio's default API base URL.
 *
 * @example
 * ```ts
 * await createTwilioCall({ ...opts, baseUrl: TWILIO_API_BASE });
 * ```
 */
export const TWILIO_API_BASE = "https://api.twilio.com";

/** Twilio's documented limit of the `Twiml` parameter. */
const MAX_TWIML_CHARS = 4000;

/**
 * Call progress events a status callback can ask for.
 *
 * @example
 * ```ts
 * const events: TwilioCallEvent[] = ["initiated", "ringing", "answered", "completed"];
 * ```
 */
export type TwilioCallEvent = "initiated" | "ringing" | "answered" | "completed";

/**
 * Options of {@link createTwilioCall}.
 *
 * @example
 * ```ts
 * const opts: CreateTwilioCallOptions = {
 *   accountSid: process.env.TWILIO_ACCOUNT_SID ?? "",
 *   authToken: process.env.TWILIO_AUTH_TOKEN ?? "",
 *   to: "+14155550100",
 *   from: "+14155550199",
 *   url: "https://voice.example.com/incoming-call",
 * };
 * ```
 */
export interface CreateTwilioCallOptions {
  /** The account (`AC…`): part of the URL and the basic-auth user. */
  accountSid: string;
  /** The account's Auth Token: the basic-auth password. */
  authToken: string;
  /** The number to call (E.164, `+14155550100`), a `client:` or `sip:` address. */
  to: string;
  /** A Twilio number or verified caller ID of the account. */
  from: string;
  /** TwiML to run when the call connects (e.g. `stream.twiml({...})`). Give this or `url`. */
  twiml?: string;
  /** URL Twilio fetches the TwiML from when the call connects (your `/incoming-call`). */
  url?: string;
  /** HTTP method for `url`. Default Twilio's (`POST`). */
  method?: "GET" | "POST";
  /** URL Twilio notifies of the call's progress. */
  statusCallback?: string;
  /** Events sent to `statusCallback`. Default Twilio's (`completed` only). */
  statusCallbackEvent?: readonly TwilioCallEvent[];
  /** HTTP method for `statusCallback`. Default Twilio's (`POST`). */
  statusCallbackMethod?: "GET" | "POST";
  /** Seconds to let the phone ring. Default Twilio's (60). */
  timeout?: number;
  /** Any other documented Call parameter, sent as is (`{ Record: "true" }`). */
  extra?: Readonly<Record<string, string | readonly string[]>>;
  /** API base URL. Default {@link TWILIO_API_BASE}; tests point it at a stub. */
  baseUrl?: string;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof fetch;
  /** Aborts the request (the promise rejects with the abort reason). */
  signal?: AbortSignal;
}

/**
 * The created call, as Twilio answered (the documented fields in camelCase, and the raw body).
 *
 * @example
 * ```ts
 * const call: TwilioCall = await createTwilioCall(opts);
 * console.log(call.sid, call.status); // "CA…", "queued"
 * ```
 */
export interface TwilioCall {
  /** The Call SID (`CA…`); the `start` message of its Media Stream carries it as `callSid`. */
  sid: string;
  accountSid: string | null;
  to: string | null;
  from: string | null;
  /** `queued` at first, then `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, `canceled`. */
  status: string | null;
  /** `outbound-api` for calls created this way. */
  direction: string | null;
  dateCreated: string | null;
  uri: string | null;
  /** The whole JSON body. */
  raw: Readonly<Record<string, unknown>>;
}

/**
 * Twilio answered with an error (HTTP 4xx/5xx): `status` is the HTTP status; `code`, `message`
 * and `moreInfo` are Twilio's (`null` when the body was not Twilio's error JSON).
 *
 * @example
 * ```ts
 * try {
 *   await createTwilioCall(opts);
 * } catch (err) {
 *   if (err instanceof TwilioApiError && err.code === 21211) console.error("bad number:", err.message);
 * }
 * ```
 */
export class TwilioApiError extends Error {
  override name = "TwilioApiError";
  /** HTTP status of the answer. */
  readonly status: number;
  /** Twilio's error code (`20003`, `21211`, ...), or `null`. */
  readonly code: number | null;
  /** Link to Twilio's page about the code (`more_info`), or `null`. */
  readonly moreInfo: string | null;
  /** The parsed JSON body, or the text when it was not JSON. */
  readonly body: unknown;

  constructor(
    message: string,
    details: { status: number; code: number | null; moreInfo: string | null; body: unknown },
  ) {
    super(message);
    this.status = details.status;
    this.code = details.code;
    this.moreInfo = details.moreInfo;
    this.body = details.body;
  }
}

/**
 * Twilio could not be reached, or its answer could not be read (DNS, refused or reset
 * connection, TLS, a 2xx body that is not a Call). `cause` holds the underlying error.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof TwilioNetworkError) retryLater(); }
 * ```
 */
export class TwilioNetworkError extends Error {
  override name = "TwilioNetworkError";
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`createTwilioCall: ${name} must be a non-empty string`);
  }
  return value;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * The form body of the request (exported for tests and logging; no credentials in it).
 *
 * @throws TypeError for missing or contradictory options; RangeError for TwiML over 4,000 characters.
 * @example
 * ```ts
 * const form = twilioCallForm({ accountSid, authToken, to, from, url });
 * form.get("To"); // "+14155550100"
 * ```
 */
export function twilioCallForm(options: CreateTwilioCallOptions): URLSearchParams {
  if (options === null || typeof options !== "object") {
    throw new TypeError("createTwilioCall needs an options object");
  }
  const form = new URLSearchParams();
  form.append("To", requireString(options.to, "to"));
  form.append("From", requireString(options.from, "from"));
  const hasTwiml = options.twiml !== undefined;
  const hasUrl = options.url !== undefined;
  if (hasTwiml === hasUrl) {
    throw new TypeError("createTwilioCall: give exactly one of twiml or url");
  }
  if (hasTwiml) {
    const twiml = requireString(options.twiml, "twiml");
    if (twiml.length > MAX_TWIML_CHARS) {
      throw new RangeError(
        `createTwilioCall: twiml has ${twiml.length} characters; Twilio takes at most ${MAX_TWIML_CHARS} (use url instead)`,
      );
    }
    form.append("Twiml", twiml);
  } else {
    form.append("Url", absoluteUrl(options.url, "url"));
    if (options.method) form.append("Method", options.method);
  }
  if (options.statusCallback !== undefined) {
    form.append("StatusCallback", absoluteUrl(options.statusCallback, "statusCallback"));
    for (const e of options.statusCallbackEvent ?? []) form.append("StatusCallbackEvent", e);
    if (options.statusCallbackMethod)
      form.append("StatusCallbackMethod", options.statusCallbackMethod);
  } else if (options.statusCallbackEvent?.length) {
    throw new TypeError("createTwilioCall: statusCallbackEvent needs a statusCallback URL");
  }
  if (options.timeout !== undefined) {
    if (!Number.isInteger(options.timeout) || options.timeout < 1) {
      throw new RangeError("createTwilioCall: timeout must be a positive number of seconds");
    }
    form.append("Timeout", String(options.timeout));
  }
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    for (const v of typeof value === "string" ? [value] : value) form.append(name, v);
  }
  return form;
}

function absoluteUrl(value: unknown, name: string): string {
  const text = requireString(value, name);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`createTwilioCall: ${name} must be an absolute http(s) URL, got ${text}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`createTwilioCall: ${name} must be an http(s) URL, got ${text}`);
  }
  return text;
}

/**
 * Asks Twilio to call a number (FastRTC's guide does it with the Twilio SDK's
 * `client.calls.create(...)`); when the callee answers, Twilio runs `twiml` (or fetches `url`),
 * whose `<Connect><Stream>` brings the call into the stream like an incoming one.
 *
 * @returns the created call (`status` is `queued`).
 * @throws TypeError/RangeError for bad options (nothing is sent); {@link TwilioApiError} when
 * Twilio answers with an error; {@link TwilioNetworkError} when it cannot be reached or its
 * answer is unreadable; the abort reason when `signal` aborts.
 * @example
 * ```ts
 * const call = await createTwilioCall({
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   to: "+14155550100",
 *   from: "+14155550199",
 *   twiml: stream.twiml({ streamUrl: "wss://voice.example.com/media-stream" }),
 *   statusCallback: "https://voice.example.com/call-status",
 *   statusCallbackEvent: ["initiated", "answered", "completed"],
 * });
 * ```
 */
export async function createTwilioCall(options: CreateTwilioCallOptions): Promise<TwilioCall> {
  const form = twilioCallForm(options);
  const accountSid = requireString(options.accountSid, "accountSid");
  const authToken = requireString(options.authToken, "authToken");
  const base = (options.baseUrl ?? TWILIO_API_BASE).replace(/\/+$/, "");
  const endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Calls.json`;
  const doFetch = options.fetch ?? globalThis.fetch;
  const auth = Buffer.from(`${accountSid}:${authToken}`, "utf8").toString("base64");
  let response: Response;
  let text: string;
  try {
    response = await doFetch(endpoint, {
      method: "POST",
      headers: {
        Authorization: `Basic ${auth}`,
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: form.toString(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    text = await response.text();
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason ?? err;
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause : err) : null;
    throw new TwilioNetworkError(
      `could not reach Twilio at ${base}: ${reason?.message ?? String(err)}`,
      { cause: err },
    );
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  const record =
    body !== null && typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  if (!response.ok) {
    const code = typeof record?.code === "number" ? record.code : null;
    const message =
      typeof record?.message === "string" && record.message !== ""
        ? record.message
        : `HTTP ${response.status}`;
    throw new TwilioApiError(
      `Twilio refused the call (HTTP ${response.status}${code === null ? "" : `, code ${code}`}): ${message}`,
      { status: response.status, code, moreInfo: stringOrNull(record?.more_info), body },
    );
  }
  if (!record || typeof record.sid !== "string") {
    throw new TwilioNetworkError(
      `Twilio answered HTTP ${response.status} without a call (no "sid" in the body)`,
    );
  }
  return {
    sid: record.sid,
    accountSid: stringOrNull(record.account_sid),
    to: stringOrNull(record.to),
    from: stringOrNull(record.from),
    status: stringOrNull(record.status),
    direction: stringOrNull(record.direction),
    dateCreated: stringOrNull(record.date_created),
    uri: stringOrNull(record.uri),
    raw: record,
  };
}
