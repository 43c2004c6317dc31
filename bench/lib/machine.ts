/** What the figures were measured on. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "./build";

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  workerd: string;
  wrangler: string;
  kernel: string;
  summary: string;
}

function packageVersion(name: string) {
  const path = join(PROJECT_DIR, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

export function describeMachine(): Machine {
  const nproc = Number(execFileSync("nproc").toString().trim());
  const cpuModel = cpus()[0]?.model.trim() ?? "unknown";
  const memoryGiB = Math.round((totalmem() / 2 ** 30) * 10) / 10;
  const kernel = execFileSync("uname", ["-sr"]).toString().trim();
  const workerd = packageVersion("workerd");
  const wrangler = packageVersion("wrangler");
  return {
    nproc,
    cpuModel,
    memoryGiB,
    node: process.version,
    workerd,
    wrangler,
    kernel,
    summary: `${nproc} × ${cpuModel}, ${memoryGiB} GiB, ${kernel}, node ${process.version}, workerd ${workerd}`,
  };
}
