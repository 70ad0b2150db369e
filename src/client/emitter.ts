/**
 * A tiny typed event emitter that runs anywhere (no dependency on Node's events module).
 *
 * @module
 */

/**
 * A listener for events whose payload is `T`.
 *
 * @example
 * ```ts
 * const onState: Listener<ClientState> = (s) => setBadge(s);
 * ```
 */
export type Listener<T> = (payload: T) => void;

/**
 * Options of a {@link TypedEmitter}.
 *
 * @example
 * ```ts
 * new TypedEmitter<{ tick: number }>({ onListenerError: (err) => report(err) });
 * ```
 */
export interface TypedEmitterOptions {
  /**
   * Called when a listener throws; the other listeners still run. Default: the error is
   * re-thrown from a microtask, so it surfaces as an uncaught error (like a throwing DOM event
   * listener) without breaking the emitter's caller.
   */
  onListenerError?: (error: unknown, event: string) => void;
}

interface Entry {
  fn: Listener<never>;
  once: boolean;
}

/**
 * Typed event emitter: `E` maps event names to payload types. Listeners run synchronously in
 * registration order; a listener added or removed during an emit takes effect from the next
 * emit.
 *
 * @example
 * ```ts
 * const e = new TypedEmitter<{ tick: number; done: undefined }>();
 * const off = e.on("tick", (n) => draw(n));
 * e.once("done", () => off());
 * ```
 */
export class TypedEmitter<E extends object> {
  readonly #listeners = new Map<keyof E, Entry[]>();
  readonly #onListenerError: ((error: unknown, event: string) => void) | undefined;

  constructor(options: TypedEmitterOptions = {}) {
    this.#onListenerError = options.onListenerError;
  }

  /**
   * Adds a listener.
   *
   * @returns a function that removes this listener (calling it twice is harmless).
   */
  on<K extends keyof E & string>(name: K, fn: Listener<E[K]>): () => void {
    return this.#add(name, fn, false);
  }

  /**
   * Adds a listener that is removed after its first call.
   *
   * @returns a function that removes the listener if it has not run yet.
   */
  once<K extends keyof E & string>(name: K, fn: Listener<E[K]>): () => void {
    return this.#add(name, fn, true);
  }

  /** Removes a listener added with {@link on} or {@link once} (one registration of it). */
  off<K extends keyof E & string>(name: K, fn: Listener<E[K]>): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    const i = list.findIndex((e) => e.fn === fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(name);
  }

  /** Number of listeners for `name`. */
  listenerCount<K extends keyof E & string>(name: K): number {
    return this.#listeners.get(name)?.length ?? 0;
  }

  /** Calls every listener of `name` with `payload`. */
  protected emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    for (const entry of [...list]) {
      if (entry.once) this.#remove(name, entry);
      try {
        (entry.fn as Listener<E[K]>)(payload);
      } catch (error) {
        this.#report(error, name);
      }
    }
  }

  #add<K extends keyof E & string>(name: K, fn: Listener<E[K]>, once: boolean): () => void {
    const entry: Entry = { fn: fn as Listener<never>, once };
    let list = this.#listeners.get(name);
    if (list === undefined) {
      list = [];
      this.#listeners.set(name, list);
    }
    list.push(entry);
    return () => this.#remove(name, entry);
  }

  #remove(name: keyof E, entry: Entry): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(name);
  }

  #report(error: unknown, name: string): void {
    const handler = this.#onListenerError;
    if (handler !== undefined) {
      handler(error, name);
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}
