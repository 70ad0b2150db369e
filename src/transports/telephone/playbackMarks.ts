/**
 * What the caller actually heard of an interrupted reply, from Twilio's mark echoes.
 *
 * @example
 * ```ts
 * const heard: PlaybackReport = marks.interrupt();
 * log(`${heard.playedMs} of ${heard.sentMs} ms were played`);
 * ```
 */
export interface PlaybackReport {
  /** Audio of the current reply sent to Twilio, in ms. */
  sentMs: number;
  /** Audio of the current reply Twilio confirmed as played (by echoing a mark), in ms. */
  playedMs: number;
}

const MARK_PREFIX = "fastrtc-";

/**
 * Bookkeeping of Twilio `mark` messages on a telephone connection. The server sends a mark
 * every `every` media frames; Twilio echoes a mark once the audio before it has been played, and
 * echoes every pending mark at once when it gets a `clear`. Marks pending at an interruption are
 * retired, so their echoes do not count as played.
 *
 * Accuracy: `playedMs` trails the truth by less than one mark interval (100 ms by default).
 *
 * @example
 * ```ts
 * const marks = new PlaybackMarks();
 * const name = marks.frameSent(frame.discontinuity);
 * if (name) socket.send(markMessage(streamSid, name));
 * // on a mark echo:   marks.echoed(msg.mark.name)
 * // on interruption:  const { sentMs, playedMs } = marks.interrupt();
 * ```
 */
export class PlaybackMarks {
  readonly #every: number;
  readonly #frameMs: number;
  #sent = 0;
  #runStart = 0;
  #played = 0;
  #seq = 0;
  /** Mark sequence number → frames sent when it was sent. */
  readonly #pending = new Map<number, number>();

  /**
   * @param every media frames between marks. Default `5` (100 ms of 20 ms frames).
   * @param frameMs duration of one media frame. Default `20`.
   */
  constructor(every = 5, frameMs = 20) {
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(`every must be a positive integer, got ${every}`);
    }
    this.#every = every;
    this.#frameMs = frameMs;
  }

  /** Marks sent and not yet echoed. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Records one media frame sent; `startsReply` is true for the first frame after a pause.
   *
   * @returns the name of a mark to send after the frame, or `null`.
   */
  frameSent(startsReply: boolean): string | null {
    if (startsReply) this.#runStart = this.#sent;
    this.#sent++;
    if ((this.#sent - this.#runStart) % this.#every !== 0) return null;
    const seq = ++this.#seq;
    this.#pending.set(seq, this.#sent);
    return `${MARK_PREFIX}${seq}`;
  }

  /**
   * Records a mark echoed by Twilio.
   *
   * @returns false for marks this tracker did not send (or already retired).
   */
  echoed(name: string): boolean {
    if (!name.startsWith(MARK_PREFIX)) return false;
    const seq = Number(name.slice(MARK_PREFIX.length));
    const at = this.#pending.get(seq);
    if (at === undefined) return false;
    // Twilio plays in order: every earlier mark has been played too.
    for (const s of this.#pending.keys()) if (s <= seq) this.#pending.delete(s);
    this.#played = Math.max(this.#played, at);
    return true;
  }

  /**
   * Frames sent that no echoed mark has confirmed as played yet: what the caller may not have
   * heard (accurate to one mark interval, erring on the side of "not heard").
   */
  unplayedFrames(): number {
    return Math.max(0, this.#sent - Math.max(this.#played, this.#runStart));
  }

  /**
   * The reply was interrupted (a `clear` is being sent): reports how much of it was sent and
   * played, and retires the pending marks.
   */
  interrupt(): PlaybackReport {
    const report: PlaybackReport = {
      sentMs: (this.#sent - this.#runStart) * this.#frameMs,
      playedMs: Math.max(0, this.#played - this.#runStart) * this.#frameMs,
    };
    this.#pending.clear();
    this.#runStart = this.#sent;
    return report;
  }
}
