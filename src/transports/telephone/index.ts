/**
 * Telephone building blocks: Twilio request signatures, TwiML for Media Streams, and the
 * message types of Twilio Media Streams.
 *
 * @example
 * ```ts
 * import { validateTwilioSignature, buildStreamTwiml } from "fastrtc-ts";
 * ```
 */
export type * from "./mediaStreamsTypes.js";
export type { PlaybackReport } from "./playbackMarks.js";
export {
  type CreateTwilioCallOptions,
  createTwilioCall,
  TWILIO_API_BASE,
  TwilioApiError,
  type TwilioCall,
  type TwilioCallEvent,
  TwilioNetworkError,
  twilioCallForm,
} from "./twilioCalls.js";
export {
  computeTwilioBodySHA256,
  computeTwilioSignature,
  type TwilioParams,
  type ValidateTwilioSignatureOptions,
  validateTwilioSignature,
} from "./twilioSignature.js";
export {
  buildStreamTwiml,
  DEFAULT_GOODBYE,
  DEFAULT_GREETING,
  type StreamParameter,
  type StreamTwimlOptions,
  streamUrlFor,
} from "./twiml.js";
