// Rate limiting for progress events: a run's progress goes out at most once per interval, its end always.

/** `push` sends at most once per `ms`; `flush` always sends (the final value). */
export function throttled<T>(ms: number, now: () => number, send: (value: T) => void) {
  let last = Number.NEGATIVE_INFINITY;
  return {
    push(value: T): void {
      if (now() - last >= ms) {
        last = now();
        send(value);
      }
    },
    flush: send,
  };
}
