/**
 * Moonshine constants (no dependencies, so the main thread can use them without loading
 * onnxruntime).
 */

/**
 * Moonshine's decoder start token (`<s>`).
 *
 * @example
 * ```ts
 * const first = MOONSHINE_START_TOKEN; // 1
 * ```
 */
export const MOONSHINE_START_TOKEN = 1;
/**
 * Moonshine's end-of-sequence token (`</s>`).
 *
 * @example
 * ```ts
 * if (token === MOONSHINE_EOS_TOKEN) stop();
 * ```
 */
export const MOONSHINE_EOS_TOKEN = 2;
/**
 * Sample rate the Moonshine encoder expects (16000 Hz).
 *
 * @example
 * ```ts
 * const audio16k = resample(audio, rate, MOONSHINE_SAMPLE_RATE);
 * ```
 */
export const MOONSHINE_SAMPLE_RATE = 16000;
/**
 * Default cap on generated tokens per second of audio (Moonshine's own rule of thumb): 6.
 *
 * @example
 * ```ts
 * const maxTokens = Math.ceil(seconds * DEFAULT_TOKENS_PER_SECOND);
 * ```
 */
export const DEFAULT_TOKENS_PER_SECOND = 6;
/**
 * Audio shorter than this (in 16 kHz samples, 0.1 s) is not run through the model: the
 * encoder's strided convolutions need a minimum length, and such a clip holds no word.
 *
 * @example
 * ```ts
 * if (audio16k.length < MIN_STT_SAMPLES) return "";
 * ```
 */
export const MIN_STT_SAMPLES = 1600;
