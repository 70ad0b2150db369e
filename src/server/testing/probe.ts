import type { AudioChunk } from "../../audio/types.js";
import type { EmitType } from "../../handlers/emit.js";
import { AsyncStreamHandler } from "../../handlers/StreamHandler.js";

/** What the probe handler did, shared by all its copies. */
export interface ProbeLog {
  events: string[];
  frames: number;
}

export type Script = (h: Probe) => Promise<EmitType> | EmitType;

/** A handler that records its lifecycle and emits what the test scripts. */
export class Probe extends AsyncStreamHandler {
  constructor(
    readonly record: ProbeLog,
    readonly script: Script = () => null,
  ) {
    super();
  }
  override async startUp(): Promise<void> {
    this.record.events.push("startUp");
  }
  async receive(_frame: AudioChunk): Promise<void> {
    this.record.frames++;
  }
  async emit(): Promise<EmitType> {
    return this.script(this);
  }
  override async shutdown(): Promise<void> {
    this.record.events.push("shutdown");
  }
  override reset(): void {
    super.reset();
    this.record.events.push("reset");
  }
  copy(): Probe {
    return new Probe(this.record, this.script);
  }
}

export function tone(seconds: number, rate = 24000, hz = 440): AudioChunk {
  const n = Math.round(seconds * rate);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return [rate, s];
}
