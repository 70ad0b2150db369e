/**
 * The JSON messages of Twilio Media Streams, both ways, as documented at
 * https://www.twilio.com/docs/voice/media-streams/websocket-messages. Every message is one JSON
 * text frame with an `event` discriminator. Counters and timestamps (`sequenceNumber`, `chunk`,
 * `timestamp`) are decimal **strings**. Audio is base64 G.711 µ-law, 8000 Hz, mono, without any
 * file header.
 */

/**
 * Media format of a stream; Twilio documents each value as fixed.
 *
 * @example
 * ```ts
 * const f: TwilioMediaFormat = { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 };
 * ```
 */
export interface TwilioMediaFormat {
  /** Always `"audio/x-mulaw"`. */
  encoding: "audio/x-mulaw";
  /** Always `8000`. */
  sampleRate: 8000;
  /** Always `1`. */
  channels: 1;
}

/**
 * A media flow of the call: `inbound` is the caller's audio (what a bidirectional stream
 * carries), `outbound` is what Twilio plays to the caller (unidirectional streams only).
 *
 * @example
 * ```ts
 * const tracks: TwilioTrack[] = ["inbound"];
 * ```
 */
export type TwilioTrack = "inbound" | "outbound";

/**
 * First message on a new connection: the protocol to expect. Carries no `streamSid` or
 * `sequenceNumber`.
 *
 * @example
 * ```ts
 * const m: TwilioConnectedMessage = { event: "connected", protocol: "Call", version: "1.0.0" };
 * ```
 */
export interface TwilioConnectedMessage {
  event: "connected";
  /** `"Call"`. */
  protocol: string;
  /** Semantic version of the protocol, e.g. `"1.0.0"`. */
  version: string;
}

/**
 * Stream metadata, sent once right after `connected`; its `sequenceNumber` is `"1"`.
 *
 * @example
 * ```ts
 * const m: TwilioStartMessage = {
 *   event: "start", sequenceNumber: "1", streamSid: "MZ...",
 *   start: {
 *     streamSid: "MZ...", accountSid: "AC...", callSid: "CA...", tracks: ["inbound"],
 *     customParameters: {}, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
 *   },
 * };
 * ```
 */
export interface TwilioStartMessage {
  event: "start";
  /** Order of the message in the stream; starts at `"1"` and counts up for each message. */
  sequenceNumber: string;
  /** The stream's id (also in `start.streamSid`). */
  streamSid: string;
  start: {
    /** Unique identifier of the stream (`MZ…`). */
    streamSid: string;
    /** SID of the account that created the stream (`AC…`). */
    accountSid: string;
    /** SID of the call (`CA…`). */
    callSid: string;
    /** Media flows to expect in `media` messages. */
    tracks: TwilioTrack[];
    /** The `<Parameter>` name/value pairs of the TwiML `<Stream>`. */
    customParameters: Record<string, string>;
    mediaFormat: TwilioMediaFormat;
  };
}

/**
 * A piece of call audio (for inbound audio: 20 ms, 160 bytes of µ-law, in practice).
 *
 * @example
 * ```ts
 * const m: TwilioMediaMessage = {
 *   event: "media", sequenceNumber: "2", streamSid: "MZ...",
 *   media: { track: "inbound", chunk: "1", timestamp: "0", payload: "//////8=" },
 * };
 * ```
 */
export interface TwilioMediaMessage {
  event: "media";
  sequenceNumber: string;
  streamSid: string;
  media: {
    track: TwilioTrack;
    /** Chunk number of the track; starts at `"1"` and counts up. */
    chunk: string;
    /** Presentation timestamp in ms from the start of the stream. */
    timestamp: string;
    /** Base64 µ-law/8000 audio. */
    payload: string;
  };
}

/**
 * Twilio's answer to a server `mark`: sent when the audio queued before that mark has played, or
 * at once when a `clear` discards it.
 *
 * @example
 * ```ts
 * const m: TwilioMarkMessage = { event: "mark", sequenceNumber: "9", streamSid: "MZ...", mark: { name: "turn-1" } };
 * ```
 */
export interface TwilioMarkMessage {
  event: "mark";
  sequenceNumber: string;
  streamSid: string;
  mark: { name: string };
}

/**
 * A key the caller pressed (bidirectional streams only).
 *
 * @example
 * ```ts
 * const m: TwilioDtmfMessage = { event: "dtmf", sequenceNumber: "5", streamSid: "MZ...", dtmf: { track: "inbound_track", digit: "1" } };
 * ```
 */
export interface TwilioDtmfMessage {
  event: "dtmf";
  sequenceNumber: string;
  streamSid: string;
  dtmf: {
    /** `"inbound_track"`. */
    track: "inbound_track";
    /** The key: `0`–`9`, `*` or `#`. */
    digit: string;
  };
}

/**
 * The stream stopped or the call ended.
 *
 * @example
 * ```ts
 * const m: TwilioStopMessage = { event: "stop", sequenceNumber: "7", streamSid: "MZ...", stop: { accountSid: "AC...", callSid: "CA..." } };
 * ```
 */
export interface TwilioStopMessage {
  event: "stop";
  sequenceNumber: string;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

/**
 * Any message Twilio sends to the server.
 *
 * @example
 * ```ts
 * function sidOf(m: FromTwilioMessage): string | undefined {
 *   return m.event === "connected" ? undefined : m.streamSid;
 * }
 * ```
 */
export type FromTwilioMessage =
  | TwilioConnectedMessage
  | TwilioStartMessage
  | TwilioMediaMessage
  | TwilioMarkMessage
  | TwilioDtmfMessage
  | TwilioStopMessage;

/**
 * Audio for Twilio to play to the caller (bidirectional streams). Any length; Twilio buffers the
 * messages and plays them in order. No file header in the payload.
 *
 * @example
 * ```ts
 * ws.send(JSON.stringify({ event: "media", streamSid, media: { payload } } satisfies ServerMediaMessage));
 * ```
 */
export interface ServerMediaMessage {
  event: "media";
  streamSid: string;
  media: {
    /** Base64 µ-law/8000 audio. */
    payload: string;
  };
}

/**
 * Asks Twilio to say when the audio sent before it has played: Twilio answers with a
 * {@link TwilioMarkMessage} of the same name.
 *
 * @example
 * ```ts
 * const m: ServerMarkMessage = { event: "mark", streamSid, mark: { name: "end-of-reply-3" } };
 * ```
 */
export interface ServerMarkMessage {
  event: "mark";
  streamSid: string;
  mark: { name: string };
}

/**
 * Discards all audio Twilio has buffered (barge-in); every pending mark is sent back at once.
 *
 * @example
 * ```ts
 * const m: ServerClearMessage = { event: "clear", streamSid };
 * ```
 */
export interface ServerClearMessage {
  event: "clear";
  streamSid: string;
}

/**
 * Any message the server may send to Twilio.
 *
 * @example
 * ```ts
 * const out: ToTwilioMessage[] = [{ event: "clear", streamSid }];
 * ```
 */
export type ToTwilioMessage = ServerMediaMessage | ServerMarkMessage | ServerClearMessage;
