/**
 * A seeded generator of hostile requests for every route of a stream (issue 12): SDP
 * mutations, JSON shapes and depths, body sizes, methods, request lines, Host and forwarded
 * headers, WebSocket frames and floods, Twilio messages and signatures. Everything is drawn
 * from one small PRNG, so a seed gives the same cases on every run.
 *
 * @internal
 */
import { Prng } from "../../testing/prng.js";

export { Prng };

/** Characters that break naive parsers: controls, quotes, separators, non-BMP, RTL, NUL. */
const NASTY = [
  "\0",
  "\r",
  "\n",
  "\r\n",
  "\t",
  '"',
  "\\",
  "%",
  "%00",
  "%2f",
  "/",
  "//",
  "?",
  "#",
  "&",
  "=",
  ":",
  "@",
  "[",
  "]",
  "{",
  "}",
  "\u2028",
  "\u202e",
  "\ud83d\ude00",
  "\ud800",
  "\uffff",
  "é",
];

/** A short string with some nasty characters. */
export function nastyString(rng: Prng, max = 24): string {
  const n = rng.range(0, max);
  let s = "";
  for (let i = 0; i < n; i++) s += rng.chance(0.3) ? rng.pick(NASTY) : rng.string(1);
  return s;
}

/** A JSON text nested `depth` levels deep (built as text: no recursion anywhere). */
export function deepJsonText(rng: Prng, depth: number): string {
  const kind = rng.int(3);
  if (kind === 0) return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  if (kind === 1) return `${'{"a":'.repeat(depth)}null${"}".repeat(depth)}`;
  // Mixed arrays and objects.
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    if (rng.chance(0.5)) {
      open += "[";
      close = `]${close}`;
    } else {
      open += '{"k":';
      close = `}${close}`;
    }
  }
  return `${open}"x"${close}`;
}

/** A random JSON value (shallow: depth at most `depth`). */
export function randomJson(rng: Prng, depth = 3): unknown {
  const k = rng.int(depth > 0 ? 9 : 6);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, -1e-308, 3.5, 2 ** 53 + 1, 7]);
    case 3:
      return nastyString(rng);
    case 4:
      return "";
    case 5:
      return rng.string(rng.range(0, 300));
    case 6:
    case 7: {
      const n = rng.range(0, 4);
      return Array.from({ length: n }, () => randomJson(rng, depth - 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.range(0, 4); i > 0; i--) o[nastyString(rng, 8)] = randomJson(rng, depth - 1);
      return o;
    }
  }
}

// ------------------------------------------------------------------------------------------
// SDP
// ------------------------------------------------------------------------------------------

/** Offers known to have broken servers (issue 12), tried as they are. */
export const KNOWN_BAD_SDPS: readonly string[] = [
  "v=0\r\n\nm=",
  "v=0\nm=",
  "v=0\r\nm=\r\n",
  "v=0\r\nm=audio\r\n",
  "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF\r\n",
  "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
  "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sctp-port:5000\r\n",
  "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n",
  "v=0\r\n",
  "",
  "v=1\r\nm=audio 9 RTP/AVP 0\r\n",
  "v=0\r\r\nm=audio 9 RTP/AVP 0\r\n",
];

const SDP_ATTRIBUTE_NOISE = [
  "a=ice-ufrag:",
  "a=ice-pwd:",
  "a=fingerprint:sha-256 ZZ",
  "a=fingerprint:md5 00",
  "a=setup:holdconn",
  "a=setup:active",
  "a=mid:",
  "a=mid:0",
  "a=group:BUNDLE 0 1 2 3 4 5",
  "a=group:BUNDLE",
  "a=rtpmap:111 opus/48000/2",
  "a=rtpmap:999999 x/0",
  "a=fmtp:111 minptime=-1",
  "a=sctp-port:0",
  "a=sctp-port:99999",
  "a=max-message-size:-5",
  "a=candidate:1 1 udp 1 999.1.1.1 0 typ host",
  "a=candidate:",
  "a=end-of-candidates",
  "a=sendonly",
  "a=recvonly",
  "a=inactive",
  "a=ssrc:1 cname:x",
  "a=ssrc-group:FID 1",
  "a=extmap:1 urn:x",
  "a=rtcp-mux",
  "a=rtcp:0",
  "c=IN IP4 ",
  "c=IN IP6 ::::",
  "b=AS:-1",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "m=application 0 UDP/DTLS/SCTP webrtc-datachannel",
  "m=text 9 RTP/AVP 0",
  "m=audio 70000 RTP/AVP 0",
  "m=audio 0 UDP/TLS/RTP/SAVPF 111",
  "x=",
  "=",
  "",
];

/**
 * Mutates a real offer: drops, duplicates, swaps and truncates lines, changes line endings,
 * inserts noise lines and empty lines, renames media kinds, cuts it short.
 */
export function mutateSdp(rng: Prng, base: string): string {
  let lines = base.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  const ops = rng.range(1, 4);
  for (let i = 0; i < ops; i++) {
    const at = rng.int(Math.max(1, lines.length));
    switch (rng.int(11)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[at] ?? "");
        break;
      case 2: {
        const j = rng.int(lines.length);
        const a = lines[at] ?? "";
        lines[at] = lines[j] ?? "";
        lines[j] = a;
        break;
      }
      case 3:
        lines.splice(at, 0, rng.pick(SDP_ATTRIBUTE_NOISE));
        break;
      case 4:
        lines.splice(at, 0, "");
        break;
      case 5:
        lines[at] = (lines[at] ?? "").slice(0, rng.int((lines[at] ?? "").length + 1));
        break;
      case 6:
        lines = lines.map((l) =>
          l.startsWith("m=") && rng.chance(0.5)
            ? l.replace(/^m=\w+/, `m=${rng.pick(["video", "application", "text", "foo", ""])}`)
            : l,
        );
        break;
      case 7:
        lines = lines.filter(
          (l) => !(rng.chance(0.7) && /^a=(ice-|fingerprint|setup|mid|rtpmap|sctp)/.test(l)),
        );
        break;
      case 8:
        lines[at] = `${lines[at] ?? ""}${nastyString(rng, 8)}`;
        break;
      case 9:
        lines = lines.slice(0, rng.int(lines.length + 1));
        break;
      default:
        lines.splice(at, 0, `a=${rng.string(rng.range(1, 5000))}`);
    }
  }
  const eol = rng.pick(["\r\n", "\r\n", "\n", "\r", "\n\r"]);
  return lines.join(eol) + (rng.chance(0.8) ? eol : "");
}

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

/** Routes a fuzz run reports on. */
export const FUZZ_ROUTES = [
  "POST /webrtc/offer",
  "POST /input_hook",
  "GET /outputs",
  "request line / Host",
  "WS /websocket/offer",
  "HTTP /telephone/incoming",
  "WS /telephone/handler",
] as const;

/** One of {@link FUZZ_ROUTES}. */
export type FuzzRoute = (typeof FUZZ_ROUTES)[number];

/** A raw HTTP request to send as it is. */
export interface RawHttpCase {
  kind: "http";
  route: FuzzRoute;
  /** Request text (head and body), sent over a fresh TCP connection. */
  text: string;
  /** The response may be a never-ending event stream: read its status, then leave. */
  streaming?: boolean;
}

const HOSTS_OK = ["127.0.0.1", "localhost", "voice.example.com", "[::1]", "a.b.c:8443"];
const HOSTS_BAD = [
  "a:99999",
  "[:::]",
  "[1.2.3]",
  "[::1]:70000",
  "",
  " ",
  "a b",
  "a/b",
  "@evil",
  "x".repeat(400),
  "%00",
  "ä.example",
  "host:",
  ":80",
  "[",
  "]",
];

/** Host, X-Forwarded-* lines (some missing, some hostile). */
export function hostHeaders(rng: Prng, port: number): string {
  let out = "";
  const host = rng.chance(0.6)
    ? `127.0.0.1:${port}`
    : rng.pick([...HOSTS_OK, ...HOSTS_BAD, headerSafe(nastyString(rng, 12))]);
  if (rng.chance(0.95)) out += `Host: ${host}\r\n`;
  if (rng.chance(0.05)) out += `Host: ${rng.pick(HOSTS_BAD)}\r\n`;
  if (rng.chance(0.3)) {
    const fh = rng.pick([...HOSTS_OK, ...HOSTS_BAD]);
    out += `X-Forwarded-Host: ${rng.chance(0.2) ? `${fh}, ${rng.pick(HOSTS_BAD)}` : fh}\r\n`;
  }
  if (rng.chance(0.2)) {
    out += `X-Forwarded-Proto: ${rng.pick(["https", "http", "wss", "HTTPS", "", "gopher", "https, http"])}\r\n`;
  }
  return out;
}

/** Strips characters Node refuses in a header value before sending (they would fail client-side). */
function headerSafe(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if ((c >= 0x20 && c !== 0x7f && c <= 0xff) || c === 0x09) out += ch;
  }
  return out;
}

/** Drops CR and LF (they would end the request line early). */
function lineSafe(s: string): string {
  return s.replace(/[\r\n]/g, "");
}

/** A full request text with a body and a consistent Content-Length. */
export function httpRequest(
  rng: Prng,
  port: number,
  method: string,
  target: string,
  body: string | null,
  extraHeaders = "",
): string {
  const bytes = body === null ? 0 : Buffer.byteLength(body);
  const type = rng.pick([
    "application/json",
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "",
    "multipart/form-data; boundary=x",
  ]);
  let head = `${method} ${target} HTTP/1.1\r\n${hostHeaders(rng, port)}Connection: close\r\n`;
  if (type) head += `Content-Type: ${type}\r\n`;
  if (body !== null) head += `Content-Length: ${bytes}\r\n`;
  head += extraHeaders;
  return `${head}\r\n${body ?? ""}`;
}

/** Ids a case may target: unknown ones, empty, hostile, and the live neighbours'. */
export function targetId(rng: Prng, live: readonly string[]): string {
  return rng.pick([
    ...live,
    ...live,
    `id-${rng.int(1000)}`,
    "",
    nastyString(rng, 20),
    "x".repeat(rng.range(100, 3000)),
  ]);
}

/** A `/webrtc/offer` body: a mutated real offer, a known-bad one, or an odd JSON shape. */
export function offerBody(rng: Prng, offers: readonly string[], live: readonly string[]): string {
  const r = rng.int(20);
  const id = rng.chance(0.9) ? `fz-${rng.int(1_000_000)}` : targetId(rng, live);
  if (r < 8) {
    const base = rng.pick(offers);
    const sdp = rng.chance(0.25) ? base : mutateSdp(rng, base);
    return JSON.stringify({ sdp, type: "offer", webrtc_id: id });
  }
  if (r < 10)
    return JSON.stringify({ sdp: rng.pick(KNOWN_BAD_SDPS), type: "offer", webrtc_id: id });
  if (r < 12) {
    return JSON.stringify({
      type: "ice-candidate",
      webrtc_id: targetId(rng, live),
      candidate: rng.chance(0.5)
        ? {
            candidate: rng.pick([
              "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host generation 0",
              `candidate:${nastyString(rng)}`,
              "",
              "candidate:1 1 tcp 1 ::1 1 typ relay",
            ]),
            sdpMid: rng.pick(["0", "1", null, 5, ""]),
            sdpMLineIndex: rng.pick([0, -1, 1e9, null, "0"]),
          }
        : randomJson(rng),
    });
  }
  if (r < 14) {
    const depth = rng.pick([10, 100, 1000, 2000, 5000, 6000]);
    const deep = deepJsonText(rng, depth);
    const at = rng.int(4);
    if (at === 0) return deep;
    if (at === 1) return `{"sdp":${deep},"type":"offer","webrtc_id":"d"}`;
    if (at === 2) return `{"type":"offer","webrtc_id":${deep}}`;
    return `{"type":"offer","candidate":${deep}}`;
  }
  if (r < 17) {
    const o: Record<string, unknown> = {};
    for (const key of ["sdp", "type", "webrtc_id", "candidate"]) {
      if (rng.chance(0.7))
        o[key] = rng.chance(0.5) ? randomJson(rng) : key === "type" ? "offer" : "x";
    }
    return JSON.stringify(o);
  }
  if (r < 18) return JSON.stringify(randomJson(rng, 4));
  if (r < 19) return rng.string(rng.range(0, 200));
  // Big but under the limit, or over it.
  return JSON.stringify({
    sdp: `v=0\r\n${"a=x\r\n".repeat(rng.range(100, 20_000))}`,
    type: "offer",
    webrtc_id: id,
  });
}

/** A `/input_hook` body. */
export function inputHookBody(rng: Prng, live: readonly string[]): string {
  const r = rng.int(10);
  if (r < 4) {
    const o: Record<string, unknown> = { webrtc_id: targetId(rng, live) };
    for (let i = rng.range(0, 3); i > 0; i--) o[nastyString(rng, 6)] = randomJson(rng);
    if (rng.chance(0.5)) o.text = randomJson(rng);
    return JSON.stringify(o);
  }
  if (r < 6) {
    const deep = deepJsonText(rng, rng.pick([50, 1000, 5000, 6000]));
    return rng.chance(0.5)
      ? deep
      : `{"webrtc_id":${JSON.stringify(targetId(rng, live))},"v":${deep}}`;
  }
  if (r < 8) return JSON.stringify(randomJson(rng, 4));
  if (r < 9) return rng.string(rng.range(0, 100));
  return JSON.stringify({
    webrtc_id: targetId(rng, live),
    big: "x".repeat(rng.range(1000, 80_000)),
  });
}

const METHODS = [
  "GET",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "HEAD",
  "TRACE",
  "CONNECT",
  "PROPFIND",
  "G\tET",
  "get",
  "FOO",
  "",
];
const PATHS = [
  "/",
  "/webrtc/offer",
  "/input_hook",
  "/outputs",
  "/websocket/offer",
  "/telephone/incoming",
  "/telephone/handler",
  "/nope",
];

/** A request target: a route with odd prefixes, encodings, queries, absolute forms. */
export function requestTarget(rng: Prng): string {
  const path = rng.pick(PATHS);
  switch (rng.int(12)) {
    case 0:
      return `//${path}`;
    case 1:
      return `/${"/".repeat(rng.int(4))}${rng.pick(["%2f", "%00", "..", ".", "%", "%zz"])}${path}`;
    case 2:
      return `http://${rng.pick([...HOSTS_OK, ...HOSTS_BAD])}${path}`;
    case 3:
      return rng.pick(["*", "http://[/", "//a:b", "///", "javascript:x", "a", "?x", "#"]);
    case 4:
      return `${path}?${rng.pick(["webrtc_id=", "webrtc_id=neighbour-ws", "webrtc_id=%zz", "a=1&a=2", "webrtc_id[]=1", "x".repeat(rng.range(1, 20_000))])}`;
    case 5:
      return `/${rng.string(rng.range(1, 30), "abcdef/%.")}`;
    case 6:
      return path.toUpperCase();
    case 7:
      return `${path}/`;
    default:
      return path;
  }
}

/** A request of any method/target/version with odd headers (route "request line / Host"). */
export function requestLineCase(rng: Prng, port: number): string {
  const method = rng.pick(METHODS);
  const target = rng.chance(0.05) ? "" : requestTarget(rng);
  const version = rng.pick([
    "HTTP/1.1",
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/2.0",
    "HTTP/1.1 ",
    "HTTP/9",
    "",
  ]);
  const body = rng.chance(0.3) ? JSON.stringify(randomJson(rng)) : null;
  let head = lineSafe(`${method} ${target} ${version}`.trimEnd());
  if (rng.chance(0.05)) head = lineSafe(nastyString(rng, 40));
  head += `\r\n${hostHeaders(rng, port)}Connection: close\r\n`;
  if (rng.chance(0.3))
    head +=
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  if (rng.chance(0.1))
    head += `X-Twilio-Signature: ${rng.pick(["AAAA", "", nastyString(rng, 8)])}\r\n`;
  if (rng.chance(0.1))
    head += `${rng.string(rng.range(1, 10), "abcXYZ-")}: ${headerSafe(nastyString(rng))}\r\n`;
  if (body !== null)
    head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${head}\r\n${body ?? ""}`;
}

// ------------------------------------------------------------------------------------------
// WebSocket and Twilio
// ------------------------------------------------------------------------------------------

/** One frame to send: text or binary. */
export type WsFrame = string | Buffer;

function base64Audio(rng: Prng, bytes: number): string {
  return rng.bytes(bytes).toString("base64");
}

/** One `/websocket/offer` message. */
export function websocketMessage(rng: Prng, live: readonly string[]): WsFrame {
  switch (rng.int(16)) {
    case 0:
      return JSON.stringify({ event: "start", websocket_id: targetId(rng, live) });
    case 1:
      return JSON.stringify({ event: "start", websocket_id: `ws-${rng.int(1_000_000)}` });
    case 2:
    case 3:
      return JSON.stringify({
        event: "media",
        media: { payload: base64Audio(rng, rng.range(0, 1000)) },
      });
    case 4:
      return JSON.stringify({
        event: "media",
        media: { payload: rng.pick(["!!", "", "=", "A", nastyString(rng)]) },
      });
    case 5:
      return JSON.stringify({ event: "media", media: randomJson(rng) });
    case 6:
      return JSON.stringify({ event: "text", text: randomJson(rng) });
    case 7:
      return JSON.stringify({
        event: rng.pick(["ping", "stop", "mark", "dtmf", "clear", "connected"]),
        ...(randomJson(rng) as object),
      });
    case 8:
      return JSON.stringify({ event: randomJson(rng, 1) });
    case 9:
      return rng.string(rng.range(0, 100));
    case 10:
      return rng.bytes(rng.range(0, 200));
    case 11:
      return deepJsonText(rng, rng.pick([100, 5000]));
    case 12:
      return JSON.stringify(randomJson(rng, 3));
    case 13:
      return "";
    case 14:
      return JSON.stringify({ event: "start", websocket_id: rng.int(10) });
    default:
      return JSON.stringify({
        event: "media",
        media: { payload: "A".repeat(rng.range(1000, 90_000)) },
      });
  }
}

/** One Twilio Media Streams message (well-formed or not). */
export function twilioMessage(rng: Prng, streamSid: string, live: readonly string[]): WsFrame {
  switch (rng.int(13)) {
    case 0:
      return JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" });
    case 1:
    case 2:
      return JSON.stringify({
        event: "start",
        sequenceNumber: "1",
        streamSid: rng.chance(0.85) ? streamSid : targetId(rng, live),
        start: rng.chance(0.8)
          ? {
              streamSid,
              callSid: `CA${rng.int(1e9)}`,
              accountSid: "AC1",
              tracks: ["inbound"],
              customParameters: rng.chance(0.5) ? {} : randomJson(rng),
              mediaFormat: rng.chance(0.8)
                ? { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }
                : randomJson(rng),
            }
          : randomJson(rng),
      });
    case 3:
    case 4:
    case 5:
      return JSON.stringify({
        event: "media",
        streamSid,
        media: {
          track: "inbound",
          chunk: "1",
          timestamp: "0",
          payload: base64Audio(rng, rng.pick([160, 160, 0, 1, 999])),
        },
      });
    case 6:
      return JSON.stringify({
        event: "mark",
        streamSid,
        mark: rng.chance(0.5) ? { name: nastyString(rng) } : randomJson(rng),
      });
    case 7:
      return JSON.stringify({
        event: "dtmf",
        streamSid,
        dtmf: rng.chance(0.5) ? { digit: rng.pick(["1", "#", "", "12"]) } : randomJson(rng),
      });
    case 8:
      return JSON.stringify({ event: "stop", streamSid, stop: randomJson(rng) });
    case 9:
      return JSON.stringify({ event: "media", media: randomJson(rng) });
    case 10:
      return rng.string(rng.range(0, 50));
    case 11:
      return deepJsonText(rng, rng.pick([100, 5000]));
    default:
      return JSON.stringify(randomJson(rng, 3));
  }
}

/** Twilio webhook form parameters. */
export function twilioParams(rng: Prng): Record<string, string> {
  const out: Record<string, string> = {};
  if (rng.chance(0.8)) out.CallSid = `CA${rng.int(1e9)}`;
  if (rng.chance(0.7)) out.From = rng.pick(["+14155550100", "", nastyString(rng)]);
  if (rng.chance(0.5)) out.To = "+14155550199";
  for (let i = rng.range(0, 3); i > 0; i--) out[nastyString(rng, 8)] = nastyString(rng);
  return out;
}
