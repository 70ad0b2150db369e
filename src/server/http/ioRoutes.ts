import { getLogger } from "../../logger.js";
import { boundedEcho } from "../boundedJson.js";
import { readInputHookBody } from "../components.js";
import { CONNECTION_TOKEN_FIELD, CONNECTION_TOKEN_HEADER } from "../connectionTokens.js";
import { parseRequestTarget } from "./request.js";
import { type HttpResponse, json, type RouteRequest } from "./router.js";
import type { StreamHost } from "./streamHost.js";

const log = getLogger("http");

/** A comment line sent on idle server-sent-event streams so proxies keep them open. */
const KEEP_ALIVE_MS = 15_000;

async function refused(stream: StreamHost, req: RouteRequest): Promise<HttpResponse | null> {
  const denied = await stream.authorize("http", req.pathAndQuery, req.headers, req.secure);
  return denied ? json(denied.status, { detail: denied.detail }) : null;
}

/**
 * `POST {path}/input_hook`: `{"webrtc_id": id, ...values}` → `stream.setInput(id, ...values)`.
 * 422 (pydantic-style `detail`) for a bad body or values, 404 for an id that is not live,
 * 413 for a body over `maxBodyBytes`.
 *
 * @internal
 */
export async function inputHookRoute(stream: StreamHost, req: RouteRequest): Promise<HttpResponse> {
  const denied = await refused(stream, req);
  if (denied) return denied;
  const body = await req.body();
  if (body.kind === "too-large") {
    return json(413, { detail: `Request body is larger than ${body.limit} bytes` });
  }
  let value: unknown;
  if (body.kind === "parsed") value = body.value;
  else {
    try {
      value = JSON.parse(body.text);
    } catch {
      return json(422, {
        detail: [{ type: "json_invalid", loc: ["body", 0], msg: "JSON decode error", input: {} }],
      });
    }
  }
  const read = readInputHookBody(value, stream.additionalInputs);
  if (!read.ok) return json(422, { detail: read.detail });
  if (read.values.length === 0) {
    return json(422, {
      detail: [
        {
          type: "missing",
          loc: ["body"],
          msg: "No input values besides webrtc_id",
          input: boundedEcho(value),
        },
      ],
    });
  }
  const token = req.headers[CONNECTION_TOKEN_HEADER];
  const { status } = await stream.inputHook(
    read.id,
    read.values,
    typeof token === "string" ? token : null,
  );
  if (status === 403) return json(403, { detail: "Invalid connection token" });
  if (status === 503) {
    return json(503, { detail: "The connection's server cannot be reached; try again" });
  }
  if (status !== 200) {
    return json(404, { detail: `Unknown webrtc_id ${JSON.stringify(boundedEcho(read.id))}` });
  }
  return json(200, { status: "ok" });
}

/** The SSE frame of one value. */
function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET {path}/outputs?webrtc_id=id`: server-sent events named `output`, one per
 * `AdditionalOutputs`; `data` is the JSON array of the declared outputs' values (or the outputs'
 * args when none are declared). Ends with the connection. 422 without `webrtc_id`, 404 for an id
 * that is not live.
 *
 * @internal
 */
export async function outputsRoute(stream: StreamHost, req: RouteRequest): Promise<HttpResponse> {
  const denied = await refused(stream, req);
  if (denied) return denied;
  const query = parseRequestTarget(req.pathAndQuery)?.searchParams;
  const id = query?.get("webrtc_id");
  if (!id) {
    return json(422, {
      detail: [
        { type: "missing", loc: ["query", "webrtc_id"], msg: "Field required", input: null },
      ],
    });
  }
  const token = req.headers[CONNECTION_TOKEN_HEADER] ?? query?.get(CONNECTION_TOKEN_FIELD);
  const opened = await stream.openOutputs(id, token);
  if (!("current" in opened)) {
    if (opened.status === 403) return json(403, { detail: "Invalid connection token" });
    if (opened.status === 503) {
      return json(503, { detail: "The connection's server cannot be reached; try again" });
    }
    return json(404, { detail: `Unknown webrtc_id ${JSON.stringify(boundedEcho(id))}` });
  }
  return {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
    body: outputEvents(stream, id, opened.current, req.signal),
  };
}

async function* outputEvents(
  stream: StreamHost,
  id: string,
  current: unknown[] | null,
  signal: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  const outputs = stream.outputStream(id);
  const left = new Promise<"left">((r) => {
    if (signal.aborted) r("left");
    else signal.addEventListener("abort", () => r("left"), { once: true });
  });
  // Current values first, so a page that (re)connects mid-conversation shows them at once.
  if (current) yield sseFrame("output", current);
  try {
    let pending = outputs.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<"tick">((r) => {
        timer = setTimeout(() => r("tick"), KEEP_ALIVE_MS);
      });
      const got = await Promise.race([pending, tick, left]);
      clearTimeout(timer);
      if (got === "left") return;
      if (got === "tick") {
        yield ": keep-alive\n\n";
        continue;
      }
      if (got.done) return;
      pending = outputs.next();
      try {
        yield sseFrame("output", stream.outputValues(id) ?? got.value.args);
      } catch (err) {
        log.warn("outputs could not be sent as JSON", { err, id });
        yield sseFrame("error", { detail: "These outputs cannot be serialised as JSON" });
      }
    }
  } finally {
    // Not awaited: the bus's iterator may be parked on its queue until the next value.
    void outputs.return(undefined);
  }
}
