/**
 * An AbortController that also aborts when any of `parents` aborts. Call `dispose()` when done
 * so the parents do not keep listeners (unlike `AbortSignal.any`, nothing lingers).
 * @internal
 */
export function linkedAbort(...parents: AbortSignal[]): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  for (const p of parents) {
    if (p.aborted) ac.abort();
    else p.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: ac.signal,
    dispose: () => {
      for (const p of parents) p.removeEventListener("abort", onAbort);
      ac.abort();
    },
  };
}
