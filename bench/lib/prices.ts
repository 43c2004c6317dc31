/**
 * Cloudflare's published list prices (Workers Paid, Standard usage model), as read on the date
 * below: the marginal price of each billable operation beyond the monthly amounts the plan
 * includes. The cost table multiplies the operations the benchmark counts per push by these.
 * Update the figures and the date together when the pages change.
 */
export const PRICES = {
  readOn: "2026-11-30",
  sources: [
    "https://developers.cloudflare.com/workers/platform/pricing/",
    "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    "https://developers.cloudflare.com/kv/platform/pricing/",
  ],
  workers: {
    /** Inbound requests (10 million a month included); subrequests are not billed. */
    requestPerMillion: 0.3,
    /** CPU time (30 million CPU ms a month included). */
    cpuMsPerMillion: 0.02,
  },
  durableObjects: {
    /** HTTP requests, RPC sessions (every method call on a stub) and alarm invocations. */
    requestPerMillion: 0.15,
    /** Wall time while active, charged for the 128 MB each object is allocated. */
    gbSecondPerMillion: 12.5,
    memoryGb: 128 / 1024,
    /** SQLite-backed storage: rows scanned and rows written (index writes included). */
    rowsReadPerMillion: 0.001,
    rowsWrittenPerMillion: 1.0,
    /** Stored data, per GB-month (5 GB included). */
    storageGbMonth: 0.2,
  },
  kv: {
    readPerMillion: 0.5,
    writePerMillion: 5.0,
    deletePerMillion: 5.0,
    listPerMillion: 5.0,
  },
} as const;

/** What one push costs, per million pushes, by billable item (dollars). */
export interface PushCost {
  workerRequests: number;
  doRequests: number;
  doDuration: number;
  rowsRead: number;
  rowsWritten: number;
  kv: number;
  total: number;
  /** total divided by the Workers request fee of one request per push. */
  timesRequestFee: number;
}

export interface PerPushOps {
  workerRequests: number;
  doRequests: number;
  doActiveMs: number;
  rowsRead: number;
  /** Rows written by SQL statements, plus one per setAlarm (billed as a row written). */
  rowsWritten: number;
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  kvLists: number;
}

/** Dollars per million pushes for `ops` per push (CPU is not included: see BENCHMARKS.md). */
export function costPerMillion(ops: PerPushOps): PushCost {
  const { workers, durableObjects: d, kv } = PRICES;
  const parts = {
    workerRequests: ops.workerRequests * workers.requestPerMillion,
    doRequests: ops.doRequests * d.requestPerMillion,
    doDuration: (ops.doActiveMs / 1000) * d.memoryGb * d.gbSecondPerMillion,
    rowsRead: ops.rowsRead * d.rowsReadPerMillion,
    rowsWritten: ops.rowsWritten * d.rowsWrittenPerMillion,
    kv:
      ops.kvReads * kv.readPerMillion +
      ops.kvWrites * kv.writePerMillion +
      ops.kvDeletes * kv.deletePerMillion +
      ops.kvLists * kv.listPerMillion,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { ...parts, total, timesRequestFee: total / workers.requestPerMillion };
}
