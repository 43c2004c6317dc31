/**
 * Command-line access to the Worker's admin endpoints, for publishing the menu and sending
 * messages from a laptop or CI. It never talks to WeChat itself: fetching a token of its own
 * would invalidate the Worker's, so every call goes through the Worker (Bearer ADMIN_KEY).
 *
 *   npm run menu -- push examples/menu.json --url https://your-worker.example
 *   npm run menu -- check examples/menu.json          (local validation only)
 *   npm run menu -- get --url …    |    npm run menu -- delete --url …
 *   npm run template -- send message.json --url …
 *   npm run mass -- send mass.json --url …   |  preview file.json  |  status <msg_id>  |  delete <msg_id> [--article-idx N]
 *   npm run custom -- send message.json --url …
 *   npm run subscribe -- send notice.json --url …   |   npm run subscribe -- templates --url …
 *   npm run media -- upload photo.jpg --type image [--permanent] [--title T --introduction I] --url …
 *   npm run draft -- add draft.json --url …  |  list [--offset N --count N]  |  delete <media_id>
 *   npm run freepublish -- <media_id> --url …  |  status <publish_id>
 *     (not `npm run publish`: npm runs a script named "publish" by itself after `npm publish`)
 *   npm run tags -- list --url …  |  create <name>  |  rename <id> <name>  |  delete <id>
 *                |  tag <id> <openid>…  |  untag <id> <openid>…  |  of <openid>
 *   npm run diagnose -- --url …     what is wrong with the account and what to do (exit 1 on problems)
 *   npm run quota -- clear [--force] --url …   |   npm run rid -- <rid> --url …
 *
 * ADMIN_KEY comes from the environment, else from .dev.vars; the URL from --url, else WORKER_URL.
 * With several accounts (WECHAT_ACCOUNTS), `--appid wx…` names the one each call is for; without
 * it the Worker means its single account.
 * Runs on Node 24 directly (type stripping), so it imports with `.ts` extensions.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { describeMenuProblems, validateMenu } from "../../src/wechat/api/menu-validation.ts";
import { ProblemsFound, reportOrThrow } from "./diagnosis-report.ts";

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--"))
    throw new UsageError(`--${name} needs a value`);
  args.splice(index, 2);
  return value;
}

function flag(args: string[], name: string): boolean {
  const index = args.indexOf(`--${name}`);
  if (index >= 0) args.splice(index, 1);
  return index >= 0;
}

/** KEY=value lines of .dev.vars (wrangler's format), quotes optional. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith("#")) continue;
    vars[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

async function adminKey(): Promise<string> {
  if (process.env.ADMIN_KEY) return process.env.ADMIN_KEY;
  const devVars = await readFile(".dev.vars", "utf8").catch(() => "");
  const key = parseDevVars(devVars).ADMIN_KEY;
  if (!key) throw new UsageError("set ADMIN_KEY in the environment or in .dev.vars");
  return key;
}

function workerUrl(args: string[]): string {
  const url = option(args, "url") ?? process.env.WORKER_URL;
  if (!url) throw new UsageError("give the Worker's URL with --url https://… (or WORKER_URL)");
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new UsageError("--url must be http(s)");
  return parsed.origin;
}

async function readJson(file: string | undefined): Promise<unknown> {
  if (!file) throw new UsageError("give a JSON file");
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `--appid`: the account the call is for (passed on as ?appid=). */
function accountAppid(args: string[]): string | undefined {
  const appid = option(args, "appid");
  if (appid !== undefined && !/^wx[0-9a-f]{16}$/.test(appid))
    throw new UsageError("--appid must be wx followed by 16 lowercase hex digits");
  return appid;
}

async function call(args: string[], method: string, path: string, body?: BodyInit, json = true) {
  const base = workerUrl(args);
  const appid = accountAppid(args);
  const headers: Record<string, string> = { authorization: `Bearer ${await adminKey()}` };
  if (body !== undefined && json) headers["content-type"] = "application/json";
  const query = appid === undefined ? "" : `${path.includes("?") ? "&" : "?"}appid=${appid}`;
  const response = await fetch(`${base}/admin${path}${query}`, { method, headers, body });
  const text = await response.text();
  if (!response.ok) {
    const hint =
      response.status === 404
        ? appid === undefined
          ? " (is ADMIN_KEY set on the Worker?)"
          : " (is ADMIN_KEY set on the Worker, and the account in its WECHAT_ACCOUNTS?)"
        : response.status === 401
          ? " (wrong ADMIN_KEY)"
          : "";
    throw new Error(`HTTP ${response.status}${hint}: ${text}`);
  }
  return text;
}

function checkedMenu(menu: unknown) {
  const check = validateMenu(menu);
  if (!check.ok)
    throw new UsageError(
      `the menu breaks WeChat's rules:\n${describeMenuProblems(check.problems)}`,
    );
  return check.menu;
}

export async function run(argv: string[]): Promise<string> {
  // Verbs without an action: npm run diagnose -- --url …, npm run rid -- <rid> --url …
  if (argv[0] === "diagnose") return reportOrThrow(await call(argv.slice(1), "GET", "/diagnose"));
  if (argv[0] === "rid") {
    const [rid, ...rest] = argv.slice(1);
    if (!rid || rid.startsWith("--")) throw new UsageError("rid <rid> (from an errmsg: rid: …)");
    return call(rest, "GET", `/rid/${encodeURIComponent(rid)}`);
  }
  const args = [...argv];
  const [area, action, target] = [args.shift(), args.shift(), args[0]];
  switch (`${area} ${action}`) {
    case "menu check":
      checkedMenu(await readJson(target));
      return `${target}: valid`;
    case "menu push":
      return call(
        args.slice(1),
        "POST",
        "/menu",
        JSON.stringify(checkedMenu(await readJson(target))),
      );
    case "menu get":
      return call(args, "GET", "/menu");
    case "menu delete":
      return call(args, "DELETE", "/menu");
    case "template send":
      return call(args.slice(1), "POST", "/template/send", JSON.stringify(await readJson(target)));
    case "mass send":
      return call(args.slice(1), "POST", "/mass/send", JSON.stringify(await readJson(target)));
    case "mass preview":
      return call(args.slice(1), "POST", "/mass/preview", JSON.stringify(await readJson(target)));
    case "mass status":
      return call(args.slice(1), "GET", `/mass/status?msg_id=${encodeURIComponent(target ?? "")}`);
    case "mass delete": {
      const rest = args.slice(1);
      const articleIdx = option(rest, "article-idx");
      const body = { msg_id: target, ...(articleIdx ? { article_idx: Number(articleIdx) } : {}) };
      return call(rest, "POST", "/mass/delete", JSON.stringify(body));
    }
    case "subscribe send":
      // The Worker checks the notice against each keyword type's rule and answers 400 naming it.
      return call(args.slice(1), "POST", "/subscribe/send", JSON.stringify(await readJson(target)));
    case "subscribe templates":
      return call(args, "GET", "/subscribe/templates");
    case "custom send":
      return call(args.slice(1), "POST", "/custom/send", JSON.stringify(await readJson(target)));
    case "media upload": {
      const rest = args.slice(1);
      const type = option(rest, "type");
      if (!type || !target)
        throw new UsageError("media upload <file> --type image|voice|video|thumb");
      const permanent = flag(rest, "permanent");
      const form = new FormData();
      form.append("media", new Blob([await readFile(target)]), basename(target));
      const title = option(rest, "title");
      if (title) form.append("title", title);
      const introduction = option(rest, "introduction");
      if (introduction) form.append("introduction", introduction);
      const query = `type=${encodeURIComponent(type)}${permanent ? "&permanent=1" : ""}`;
      return call(rest, "POST", `/media/upload?${query}`, form, false);
    }
    case "draft add":
      return call(args.slice(1), "POST", "/drafts", JSON.stringify(await readJson(target)));
    case "draft list": {
      const offset = option(args, "offset") ?? "0";
      const count = option(args, "count") ?? "20";
      const query = `offset=${encodeURIComponent(offset)}&count=${encodeURIComponent(count)}`;
      return call(args, "GET", `/drafts?${query}&no_content=1`);
    }
    case "draft delete":
      if (!target) throw new UsageError("draft delete <media_id>");
      return call(args.slice(1), "DELETE", `/drafts/${encodeURIComponent(target)}`);
    case "freepublish status":
      if (!target) throw new UsageError("freepublish status <publish_id>");
      return call(args.slice(1), "GET", `/publish/${encodeURIComponent(target)}`);
    case "tags list":
      return call(args, "GET", "/tags");
    case "tags create":
      return call(args.slice(1), "POST", "/tags", JSON.stringify({ name: target }));
    case "tags rename":
      return call(
        args.slice(2),
        "PUT",
        `/tags/${encodeURIComponent(target ?? "")}`,
        JSON.stringify({ name: args[1] }),
      );
    case "tags delete":
      return call(args.slice(1), "DELETE", `/tags/${encodeURIComponent(target ?? "")}`);
    case "tags tag":
    case "tags untag": {
      const rest = args.slice(1);
      const options = ["url", "appid"].flatMap((name) => {
        const value = option(rest, name);
        return value === undefined ? [] : [`--${name}`, value];
      });
      return call(
        options,
        action === "tag" ? "POST" : "DELETE",
        `/tags/${encodeURIComponent(target ?? "")}/members`,
        JSON.stringify({ openid_list: rest }),
      );
    }
    case "quota clear": {
      const force = flag(args, "force");
      return call(args, "POST", `/quota/clear${force ? "?force=1" : ""}`);
    }
    case "tags of":
      return call(args.slice(1), "GET", `/followers/${encodeURIComponent(target ?? "")}/tags`);
    default:
      // npm run freepublish -- <media_id>: the draft to publish stands where an action would.
      if (area === "freepublish" && action && !action.startsWith("--")) {
        return call(args, "POST", "/publish", JSON.stringify({ media_id: action }));
      }
      throw new UsageError(
        "usage: menu push|check|get|delete, template send, mass send|preview|status|delete, custom send, subscribe send|templates, media upload, draft add|list|delete, freepublish <media_id>|status, tags list|create|rename|delete|tag|untag|of, diagnose, quota clear, rid <rid> (see the file header)",
      );
  }
}

if (/wechat-admin\.ts$/.test(String(process.argv[1]))) {
  run(process.argv.slice(2)).then(
    (output) => console.log(output),
    (error: unknown) => {
      if (error instanceof ProblemsFound) {
        console.log(error.report);
        process.exitCode = 1;
        return;
      }
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
