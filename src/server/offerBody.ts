import { boundedEcho } from "./boundedJson.js";

/**
 * One entry of a FastAPI/pydantic validation error document (`{"detail": [...]}`), which
 * FastRTC's clients and tests expect for malformed `/webrtc/offer` bodies.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { type: "missing", loc: ["body", "webrtc_id"], msg: "Field required", input: {} };
 * ```
 */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** A validated `POST /webrtc/offer` body.
 *
 * @internal
 */
export interface OfferBody {
  sdp: string | null;
  candidate: Record<string, unknown> | null;
  type: string;
  webrtc_id: string;
  /** The connection token a trickled candidate presents (`fastrtc_token`; see `connectionTokens`). */
  fastrtc_token?: string | null;
}

/** Result of {@link parseOfferBody}.
 *
 * @internal
 */
export type OfferBodyParse =
  | { ok: true; body: OfferBody }
  | { ok: false; detail: ValidationIssue[] };

/**
 * Parses the raw text of a `/webrtc/offer` request the way FastRTC's FastAPI model does:
 * `type` and `webrtc_id` strings required, `sdp` string or null, `candidate` object or null,
 * unknown keys ignored. Invalid JSON, a non-object body and each bad field become one issue.
 *
 * @example
 * ```ts
 * const parsed = parseOfferBody('{"type":"offer"}');
 * if (!parsed.ok) return { status: 422, body: { detail: parsed.detail } };
 * ```
 */
export function parseOfferBody(raw: string | { parsed: unknown }): OfferBodyParse {
  let value: unknown;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return {
        ok: false,
        detail: [
          {
            type: "json_invalid",
            loc: ["body", 0],
            msg: "JSON decode error",
            input: {},
            ctx: { error: err instanceof Error ? err.message : String(err) },
          },
        ],
      };
    }
  } else value = raw.parsed;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {
      ok: false,
      detail: [
        {
          type: "model_attributes_type",
          loc: ["body"],
          msg: "Input should be a valid dictionary or object to extract fields from",
          input: boundedEcho(value ?? null),
        },
      ],
    };
  }
  const obj = value as Record<string, unknown>;
  const detail: ValidationIssue[] = [];
  const optionalString = (key: string) => {
    const v = obj[key];
    if (v !== undefined && v !== null && typeof v !== "string") {
      detail.push({
        type: "string_type",
        loc: ["body", key],
        msg: "Input should be a valid string",
        input: boundedEcho(v),
      });
    }
  };
  const requiredString = (key: string) => {
    const v = obj[key];
    if (v === undefined) {
      detail.push({
        type: "missing",
        loc: ["body", key],
        msg: "Field required",
        input: boundedEcho(obj),
      });
    } else if (typeof v !== "string") {
      detail.push({
        type: "string_type",
        loc: ["body", key],
        msg: "Input should be a valid string",
        input: boundedEcho(v),
      });
    }
  };
  optionalString("sdp");
  const candidate = obj.candidate;
  if (
    candidate !== undefined &&
    candidate !== null &&
    (typeof candidate !== "object" || Array.isArray(candidate))
  ) {
    detail.push({
      type: "dict_type",
      loc: ["body", "candidate"],
      msg: "Input should be a valid dictionary",
      input: boundedEcho(candidate),
    });
  }
  requiredString("type");
  requiredString("webrtc_id");
  if (detail.length > 0) return { ok: false, detail };
  return {
    ok: true,
    body: {
      sdp: (obj.sdp as string | null | undefined) ?? null,
      candidate: (candidate as Record<string, unknown> | null | undefined) ?? null,
      type: obj.type as string,
      webrtc_id: obj.webrtc_id as string,
      ...(typeof obj.fastrtc_token === "string" ? { fastrtc_token: obj.fastrtc_token } : {}),
    },
  };
}
