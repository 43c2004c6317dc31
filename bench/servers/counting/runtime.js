/**
 * The benchmark's counting layer, loaded on workerd next to the deployed bundle (never inside
 * it): bench/servers/counting/entry.ts generates the Worker's entry module, which imports the
 * bundle unchanged, hands its fetch and scheduled handlers an env whose bindings count what they
 * do, and exports a subclass of each Durable Object class whose storage counts the same way.
 *
 * What is counted is what Cloudflare bills (see bench/lib/prices.ts):
 * - Durable Object requests: every RPC method call and fetch on a stub (each is one billed
 *   session), per binding and method, and every alarm invocation;
 * - the wall time each Durable Object instance has a request in flight, from the caller's side
 *   (an object with nothing in flight and no timers is eligible for hibernation and not billed);
 * - SQLite rows read and written, from each cursor's rowsRead / rowsWritten, per class and
 *   statement; the storage API's calls (setAlarm, get, put, deleteAll, ...) per class;
 * - KV reads, writes, deletes and lists; outbound fetches (subrequests), per host.
 *
 * `delayMs` adds a round trip to every Durable Object call (half before, half after): a Durable
 * Object in another location. The bench reads and resets the counters and sets the delay through
 * `/__bench/*` on this wrapper, which the product never sees.
 */

/** @type {ReturnType<typeof emptyCounters>} */
let counters = emptyCounters();
let delayMs = 0;

function emptyCounters() {
  return {
    workerRequests: 0,
    /** binding → method → calls */
    doCalls: {},
    /** binding → ms with at least one call in flight, summed over its instances */
    doActiveMs: {},
    /** binding → instances that got a call */
    doInstances: {},
    alarms: {},
    /** class → statement → { statements, rowsRead, rowsWritten } */
    sql: {},
    /** class → storage method → calls */
    storage: {},
    kv: { reads: 0, writes: 0, deletes: 0, lists: 0 },
    /** host → outbound fetches */
    fetches: {},
  };
}

const bump = (table, key, by = 1) => {
  table[key] = (table[key] ?? 0) + by;
};
const nested = (table, key) => (table[key] ??= {});

// ---- Durable Object stubs -----------------------------------------------------------------

/** Instance key → { inFlight, since } for the active-time union. */
const active = new Map();
const instancesSeen = new Set();

function callStarted(binding, instance) {
  const key = `${binding}\u0000${instance}`;
  if (!instancesSeen.has(key)) {
    instancesSeen.add(key);
    bump(counters.doInstances, binding);
  }
  const state = active.get(key) ?? { inFlight: 0, since: 0 };
  if (state.inFlight === 0) state.since = Date.now();
  state.inFlight++;
  active.set(key, state);
  return key;
}

function callEnded(binding, key) {
  const state = active.get(key);
  if (!state) return;
  state.inFlight--;
  if (state.inFlight === 0) {
    bump(counters.doActiveMs, binding, Date.now() - state.since);
    active.delete(key);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function countedCall(stub, method, args, binding, instance) {
  bump(nested(counters.doCalls, binding), method);
  const delay = delayMs;
  if (delay > 0) await sleep(delay / 2);
  const key = callStarted(binding, instance);
  try {
    return await stub[method](...args);
  } finally {
    callEnded(binding, key);
    if (delay > 0) await sleep(delay / 2);
  }
}

function countedStub(stub, binding, instance) {
  return new Proxy(stub, {
    get(target, prop) {
      // Stubs are never awaited; a "then" here would make the proxy look like a promise.
      if (typeof prop === "symbol" || prop === "then") return undefined;
      if (prop === "id" || prop === "name") return Reflect.get(target, prop);
      return (...args) => countedCall(target, prop, args, binding, instance);
    },
  });
}

function bindTo(target, prop) {
  const value = Reflect.get(target, prop);
  return typeof value === "function" ? value.bind(target) : value;
}

function countedNamespace(namespace, binding) {
  return new Proxy(namespace, {
    get(target, prop) {
      if (prop === "get") {
        return (id, options) => countedStub(target.get(id, options), binding, String(id));
      }
      if (prop === "getByName") {
        return (name, options) =>
          countedStub(target.getByName(name, options), binding, String(target.idFromName(name)));
      }
      return bindTo(target, prop);
    },
  });
}

// ---- KV -------------------------------------------------------------------------------------

const keysIn = (key) => (Array.isArray(key) ? key.length : 1);

function countedKv(kv) {
  return new Proxy(kv, {
    get(target, prop) {
      const value = bindTo(target, prop);
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getWithMetadata") {
        return (key, ...rest) => {
          counters.kv.reads += keysIn(key);
          return value(key, ...rest);
        };
      }
      const kind = { put: "writes", delete: "deletes", list: "lists" }[prop];
      if (!kind) return value;
      return (...args) => {
        counters.kv[kind]++;
        return value(...args);
      };
    },
  });
}

// ---- env ------------------------------------------------------------------------------------

/** The product keys isolate state on binding identity: one proxy per binding, kept. */
const proxies = new WeakMap();
const envs = new WeakMap();

function kindOf(value) {
  if (value === null || typeof value !== "object") return undefined;
  if (typeof value.idFromName === "function" && typeof value.get === "function") return "do";
  if (typeof value.getWithMetadata === "function" && typeof value.put === "function") return "kv";
  return undefined;
}

export function countedEnv(env) {
  let wrapped = envs.get(env);
  if (wrapped) return wrapped;
  wrapped = {};
  for (const [name, value] of Object.entries(env)) {
    const kind = kindOf(value);
    if (!kind) {
      wrapped[name] = value;
      continue;
    }
    let proxy = proxies.get(value);
    if (!proxy) {
      proxy = kind === "do" ? countedNamespace(value, name) : countedKv(value);
      proxies.set(value, proxy);
    }
    wrapped[name] = proxy;
  }
  envs.set(env, wrapped);
  return wrapped;
}

// ---- Durable Object storage ---------------------------------------------------------------

/** Cursors are read once the statement that made them has been consumed (same turn). */
let pendingCursors = [];
let flushQueued = false;

function statementLabel(query) {
  return String(query)
    .replace(/\s+/g, " ")
    .replace(/(\(\?(?:, \?)*\))(?:, \(\?(?:, \?)*\))+/g, "$1, …")
    .trim()
    .slice(0, 90);
}

function flushCursors() {
  flushQueued = false;
  const cursors = pendingCursors;
  pendingCursors = [];
  for (const [cursor, className, query] of cursors) {
    const entry = (nested(counters.sql, className)[statementLabel(query)] ??= {
      statements: 0,
      rowsRead: 0,
      rowsWritten: 0,
    });
    entry.statements++;
    entry.rowsRead += cursor.rowsRead;
    entry.rowsWritten += cursor.rowsWritten;
  }
}

function countedSql(sql, className) {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop !== "exec") return bindTo(target, prop);
      return (query, ...bindings) => {
        const cursor = target.exec(query, ...bindings);
        pendingCursors.push([cursor, className, query]);
        if (!flushQueued) {
          flushQueued = true;
          queueMicrotask(flushCursors);
        }
        return cursor;
      };
    },
  });
}

const STORAGE_METHODS = new Set([
  "get",
  "put",
  "delete",
  "list",
  "deleteAll",
  "getAlarm",
  "setAlarm",
  "deleteAlarm",
  "transaction",
  "transactionSync",
]);

function countedStorage(storage, className) {
  const sql = countedSql(storage.sql, className);
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === "sql") return sql;
      const value = bindTo(target, prop);
      if (typeof value !== "function" || !STORAGE_METHODS.has(prop)) return value;
      return (...args) => {
        bump(nested(counters.storage, className), prop);
        return value(...args);
      };
    },
  });
}

/**
 * The runtime accepts only its own DurableObjectState in the base constructor, so the state
 * itself gets a counted `storage` (an own property shadowing the prototype's getter).
 */
function countedState(ctx, className) {
  Object.defineProperty(ctx, "storage", {
    value: countedStorage(ctx.storage, className),
    configurable: true,
  });
  return ctx;
}

/** A subclass of a product Durable Object class whose storage, env and alarms are counted. */
export function countedClass(Base, className) {
  class Counted extends Base {
    constructor(ctx, env) {
      super(countedState(ctx, className), countedEnv(env));
    }
  }
  if (typeof Base.prototype.alarm === "function") {
    Counted.prototype.alarm = function alarm(...args) {
      bump(counters.alarms, className);
      return Base.prototype.alarm.apply(this, args);
    };
  }
  Object.defineProperty(Counted, "name", { value: className });
  return Counted;
}

// ---- outbound fetch -------------------------------------------------------------------------

const originalFetch = globalThis.fetch;
globalThis.fetch = function countedFetch(input, init) {
  let host = "?";
  try {
    host = new URL(typeof input === "string" ? input : (input.url ?? String(input))).host;
  } catch {
    // counted under "?"
  }
  bump(counters.fetches, host);
  return originalFetch(input, init);
};

// ---- the wrapper's handlers -----------------------------------------------------------------

function benchEndpoint(request) {
  const url = new URL(request.url);
  if (url.pathname === "/__bench/ops") {
    flushCursors();
    return Response.json(counters);
  }
  if (url.pathname === "/__bench/reset" && request.method === "POST") {
    flushCursors();
    counters = emptyCounters();
    instancesSeen.clear();
    // Calls in flight now count from here.
    for (const state of active.values()) state.since = Date.now();
    return Response.json({ ok: true });
  }
  if (url.pathname === "/__bench/delay" && request.method === "POST") {
    delayMs = Math.max(0, Number(url.searchParams.get("ms")) || 0);
    return Response.json({ delayMs });
  }
  return new Response("unknown bench endpoint", { status: 404 });
}

/** The Worker's default export around the product's. */
export function countedHandler(product) {
  return {
    fetch(request, env, ctx) {
      if (request.url.includes("/__bench/")) return benchEndpoint(request);
      counters.workerRequests++;
      return product.fetch(request, countedEnv(env), ctx);
    },
    scheduled(controller, env, ctx) {
      return product.scheduled?.(controller, countedEnv(env), ctx);
    },
  };
}
