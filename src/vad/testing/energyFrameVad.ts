/**
 * Test double of the frame VAD: a 32 ms frame (of the input rate) is speech (probability 0.9)
 * when its peak exceeds `level`, else silence (0.05). Deterministic and instant, so policy tests
 * on virtual time know exactly which frame is which.
 */
import type { AudioChunk } from "../../audio/types.js";
import { FRAME_VAD_MS, type FrameVad, type FrameVadStream } from "../frameVadTypes.js";

/** A {@link FrameVad} that reads loudness instead of running a model. */
export class EnergyFrameVad implements FrameVad {
  streams = 0;
  warmups = 0;
  constructor(
    private readonly level = 500,
    private readonly speechProbability = 0.9,
  ) {}

  createStream(): FrameVadStream {
    this.streams++;
    let pending: number[] = [];
    let closed = false;
    const level = this.level;
    const speech = this.speechProbability;
    return {
      async push([rate, samples]: AudioChunk): Promise<Float32Array> {
        if (closed) throw new Error("stream closed");
        const size = Math.round((rate * FRAME_VAD_MS) / 1000);
        const out: number[] = [];
        for (const s of samples) {
          pending.push(Math.abs(s as number) * (samples instanceof Float32Array ? 32768 : 1));
          if (pending.length === size) {
            out.push(Math.max(...pending) > level ? speech : 0.05);
            pending = [];
          }
        }
        return Float32Array.from(out);
      },
      reset() {
        pending = [];
      },
      close() {
        closed = true;
      },
    };
  }

  async warmup(): Promise<void> {
    this.warmups++;
  }
}
