/**
 * Structured log lines (one JSON object each, as Workers Logs indexes them).
 *
 * Callers pass facts, never credentials; as a second line of defence, fields whose names look
 * like secrets are replaced before printing, and so are query parameters that carry them.
 */
const SECRET_FIELD = /secret|token|password|aes|key|signature|ticket|cookie|authorization/i;
const SECRET_QUERY = /([?&](?:access_token|secret|appsecret|refresh_token|code|ticket)=)[^&#\s]*/gi;

type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Strips credentials from a URL or path before it is logged. */
function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, "$1***");
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(name) && !/^(errcode|tokenSource|hasToken)$/.test(name)) {
      out[name] = value === undefined ? undefined : "***";
    } else {
      out[name] = typeof value === "string" ? redactUrl(value) : value;
    }
  }
  return out;
}

function write(level: "info" | "warn" | "error", event: string, fields: LogFields): void {
  // level and event come last so that no field can overwrite them.
  const line = JSON.stringify({ ...redact(fields), level, event });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (event: string, fields: LogFields = {}) => write("info", event, fields),
  warn: (event: string, fields: LogFields = {}) => write("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => write("error", event, fields),
};

/** A one-line description of an unexpected error, without its stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
