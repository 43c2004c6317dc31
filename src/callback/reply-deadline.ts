/** Races a handler against the reply budget, without cancelling it: late work goes on. */
export type DeadlineOutcome<T> = { inTime: true; value: T } | { inTime: false };

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
