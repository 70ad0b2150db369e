/**
 * Audio level of a media stream, read from an AnalyserNode.
 */

/**
 * Measures how loud a stream is. The stream is only analysed, never played through the
 * AudioContext.
 *
 * @example
 * ```ts
 * const meter = new LevelMeter(audioContext, micStream);
 * const rms = meter.level(); // 0 (silence) .. ~1 (full scale)
 * meter.dispose();
 * ```
 */
export class LevelMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #samples: Float32Array<ArrayBuffer>;

  constructor(context: AudioContext, stream: MediaStream) {
    this.#source = context.createMediaStreamSource(stream);
    this.#analyser = context.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  /** Root mean square of the most recent ~20 ms of audio. */
  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const s of this.#samples) sum += s * s;
    return Math.sqrt(sum / this.#samples.length);
  }

  /** Disconnects from the stream. */
  dispose(): void {
    this.#source.disconnect();
    this.#analyser.disconnect();
  }
}

/**
 * Maps an RMS level to 0..1 for display: speech sits around 0.02–0.2 RMS, so the scale is
 * logarithmic from -50 dBFS (0) to -10 dBFS (1).
 *
 * @example
 * ```ts
 * ring.style.setProperty("--level", String(displayLevel(meter.level())));
 * ```
 */
export function displayLevel(rms: number): number {
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 50) / 40));
}
