import { createRequire } from "node:module";
import { Decoder, Encoder } from "@evan/opus";

/**
 * Opus calls that leave their output in the native binding's own buffer instead of copying it
 * into a new array. `@evan/opus`'s native build decodes and encodes into one static buffer each
 * and returns `buffer.slice(0, n)`: a new `ArrayBuffer` per packet each way, which the young
 * generation's collection then has to sweep (on one core, inside its pause). These return a view
 * of the static buffer instead. It is one buffer for the whole process, every thread included,
 * so copy out of it at once, as the binding's own `slice` does (media threads decode at the same
 * time as each other).
 * @internal
 */
export interface OpusNativeCalls {
  /** Decodes `payload`; the interleaved int16 samples as a view of the shared buffer. */
  decode(decoder: Decoder, payload: Uint8Array): Int16Array;
  /** Encodes one frame; the packet as a view of the shared buffer. */
  encode(encoder: Encoder, pcm: Int16Array): Uint8Array;
}

interface NativeBinding {
  buffers?: { decoder?(): Uint8Array; encoder?(): Uint8Array };
}

type NativeCall = (this: unknown, input: ArrayBufferView) => number;

/** The class `cls` extends two levels up (`@evan/opus`'s wrapper, then the native class). */
function nativeMethod(cls: { prototype: object }, name: "decode" | "encode"): NativeCall | null {
  const wrapper = Object.getPrototypeOf(cls.prototype) as object | null;
  const native = wrapper === null ? null : (Object.getPrototypeOf(wrapper) as object | null);
  const method = native === null ? undefined : (native as Record<string, unknown>)[name];
  return typeof method === "function" ? (method as NativeCall) : null;
}

/** A byte count from the binding (it throws on errors; a negative count would be one too). */
function checked(bytes: number): number {
  if (!(bytes >= 0)) throw new Error(`Opus native call failed (${bytes})`);
  return bytes;
}

function load(): OpusNativeCalls | null {
  let binding: NativeBinding;
  try {
    binding = createRequire(import.meta.url)("@evan/opus/node/index.js") as NativeBinding;
  } catch {
    return null; // no native build for this platform: @evan/opus runs its WebAssembly build
  }
  const decodeBytes = binding.buffers?.decoder?.();
  const encodeBytes = binding.buffers?.encoder?.();
  const nativeDecode = nativeMethod(Decoder, "decode");
  const nativeEncode = nativeMethod(Encoder, "encode");
  // Only when the exported classes sit on this binding (not the WebAssembly build, e.g. with
  // OPUS_FORCE_WASM) and the shapes are the ones this was written against.
  const wrapperOf = (cls: { prototype: object }) => Object.getPrototypeOf(cls.prototype) as unknown;
  const bindingClasses = binding as {
    Decoder?: { prototype: unknown };
    Encoder?: { prototype: unknown };
  };
  if (
    decodeBytes === undefined ||
    encodeBytes === undefined ||
    nativeDecode === null ||
    nativeEncode === null ||
    wrapperOf(Decoder) !== bindingClasses.Decoder?.prototype ||
    wrapperOf(Encoder) !== bindingClasses.Encoder?.prototype ||
    decodeBytes.byteOffset % 2 !== 0
  ) {
    return null;
  }
  const samples = new Int16Array(
    decodeBytes.buffer,
    decodeBytes.byteOffset,
    decodeBytes.byteLength >> 1,
  );
  return {
    decode: (decoder, payload) =>
      samples.subarray(0, checked(nativeDecode.call(decoder, payload)) >> 1),
    encode: (encoder, pcm) => encodeBytes.subarray(0, checked(nativeEncode.call(encoder, pcm))),
  };
}

/**
 * The copy-free calls of `@evan/opus`'s native build, or `null` where it runs its WebAssembly
 * build (then the codec classes use the copying calls).
 * @internal
 */
export const opusNative: OpusNativeCalls | null = load();
