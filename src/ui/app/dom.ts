/**
 * Small DOM helpers shared by the page's views.
 */

/**
 * Creates an element with an optional class name and text.
 *
 * @example
 * ```ts
 * const hint = element(document, "p", "fastrtc-hint", "Tap to talk");
 * ```
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

let counter = 0;

/**
 * A document-unique id with the given prefix, for `for`, `aria-labelledby` and
 * `aria-describedby`.
 *
 * @example
 * ```ts
 * label.htmlFor = input.id = uniqueId("fastrtc-input");
 * ```
 */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
