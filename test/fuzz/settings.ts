/// <reference types="vite/client" />
/**
 * One seed for every fuzz property, so that a failure in CI reproduces anywhere.
 *
 * Vite hands tests only the variables prefixed VITE_ (through import.meta.env), so the overrides
 * are `VITE_FUZZ_SEED=<integer>` (the seed fast-check prints with a failure) and
 * `VITE_FUZZ_SCALE=<factor>` (more runs for a long local session; CI uses 1, sized to stay
 * within about 40 s on two cores).
 */
import type { Parameters } from "fast-check";

const DEFAULT_SEED = 20_261_201;

// Written out as `import.meta.env`: Vite replaces that exact expression when it loads the file.
const variables: Record<string, unknown> = import.meta.env;

function wholeNumber(name: string, fallback: number): number {
  const value = variables[name];
  if (typeof value !== "string" || value.trim() === "") return fallback;
  if (!/^-?\d{1,10}$/.test(value.trim())) throw new Error(`${name} must be an integer`);
  return Number(value);
}

export const FUZZ_SEED = wholeNumber("VITE_FUZZ_SEED", DEFAULT_SEED);
const FUZZ_SCALE = Math.max(1, wholeNumber("VITE_FUZZ_SCALE", 1));

/** fast-check parameters: the suite's seed and `numRuns` times the scale. */
export function fuzzParameters<T>(numRuns: number): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: numRuns * FUZZ_SCALE };
}

/** Test timeout for a property of `numRuns` runs of about `msPerRun` each, with a margin. */
export function fuzzTimeout(numRuns: number, msPerRun: number): number {
  return 30_000 + numRuns * FUZZ_SCALE * msPerRun * 4;
}
