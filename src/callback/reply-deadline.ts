/** Races a handler against the reply budget, without cancelling it: late work goes on. */
export type DeadlineOutcome<T> = { inTime: true; value: T } | { inTime: false };

/** Microtask turns a handler gets to answer before it counts as doing I/O. */
const IMMEDIATE_TURNS = 8;

/**
 * The handler's result if it settles within a few microtask turns, as handlers without I/O do.
 * Those need no timer (a timer per push showed in the profile); the rest race the budget.
 */
export async function answeredAtOnce<T>(work: Promise<T>): Promise<{ value: T } | undefined> {
  let result: { value: T } | undefined;
  void work.then((value) => (result = { value }));
  for (let turn = 0; turn < IMMEDIATE_TURNS && !result; turn++) await null;
  return result;
}

export async function withinDeadline<T>(
  work: Promise<T>,
  remainingMs: number,
): Promise<DeadlineOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ inTime: false }), Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([work.then((value) => ({ inTime: true as const, value })), expired]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
