/**
 * An input that breaks one of WeChat's documented limits, caught before the call: no request is
 * made, no quota spent. `problem` names the field and the rule in one line
 * (`articles[1].title is 40 characters, at most 32 allowed`), ready for a 400 answer.
 */
export class ApiInputError extends Error {
  override readonly name = "ApiInputError";
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** Throws `ApiInputError` when `problem` is set: the modules' one-line guard. */
export function refuse(problem: string | undefined): void {
  if (problem) throw new ApiInputError(problem);
}
