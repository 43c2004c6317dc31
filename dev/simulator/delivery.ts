/**
 * WeChat's side of one push: sign (and encrypt) it for the chosen mode, POST it to the Worker,
 * and retry as WeChat does: "微信服务器在五秒内收不到响应会断掉连接，并且重新发起请求，总共重试三次".
 * The retry is the very same request (same body, signature, timestamp and nonce), which is what
 * the Worker's deduplication recognises. The answer is then checked the way WeChat checks it:
 * `success` or an empty body means no reply; an encrypted reply must carry a valid MsgSignature
 * and decrypt to our appid (for a 第三方平台's authoriser, the component's appid: WeChat seals
 * both ways with the component's token and key); anything else malformed shows the follower
 * "该公众号暂时无法提供服务，请稍后再试".
 *
 * Each delivery is recorded with when it went out and what it got, for the page's timeline: no
 * answer (a Worker holding the push for a slow handler lets a delivery lapse on purpose, so that
 * WeChat sends it again), a passive reply, the Worker's placeholder text, or `success`.
 */
import { signPush } from "../fake-wechat/sign-push";
import { MessageCrypt } from "../../src/wechat/message-crypt";
import { computeMsgSignature } from "../../src/wechat/signature";
import { parseXml, textOf } from "../../src/wechat/xml";
import type { PushMode } from "../../src/wechat/push";
import { parseReply, type ChatMessage } from "./reply-view";

export const ATTEMPT_TIMEOUT_MS = 5000;
export const MAX_ATTEMPTS = 3;
export const SERVICE_UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试";
/** What the Worker answers at the third delivery when the reply is still not ready and customer
 * service is unavailable; the reply is then kept for the follower's next message. */
export const PLACEHOLDER_TEXT = "正在思考，请稍后回复任意文字获取答案";

export interface DeliveryAccount {
  token: string;
  appId: string;
  encodingAESKey: string;
  openid: string;
  originalId: string;
}

/** What one delivery got: what the follower saw from it, or nothing. */
export type DeliveryGot =
  "no-answer" | "connection-failed" | "passive-reply" | "placeholder" | "success" | "unusable";

export interface AttemptRecord {
  attempt: number;
  /** When this delivery went out, in ms after the first one. */
  startedMs: number;
  /** How long it took, until the answer or until WeChat gave up. */
  ms: number;
  /** "200", "401", …, or "timeout" / "connection failed". */
  outcome: string;
  got: DeliveryGot;
}

export interface ExchangeWire {
  mode: PushMode;
  /** Path and query as WeChat sends them. */
  requestPath: string;
  /** The push before encryption. */
  innerXml: string;
  /** The body on the wire (the envelope in AES modes). */
  requestBody: string;
  responseStatus?: number;
  responseBody?: string;
  /** The reply after checking MsgSignature and decrypting, in AES modes. */
  decryptedReply?: string;
}

export interface DeliveryResult {
  wire: ExchangeWire;
  attempts: AttemptRecord[];
  /** What the follower sees: the bot's reply, nothing, or WeChat's error notice. */
  reply?: ChatMessage;
  /** Why WeChat would show SERVICE_UNAVAILABLE, for the log. */
  problem?: string;
}

export interface DeliveryOptions {
  workerUrl: string;
  mode: PushMode;
  /** The 消息与事件接收URL's path: /wechat, or /wechat/<appid> for a 第三方平台's authoriser. */
  path?: string;
  attemptTimeoutMs?: number;
  /** A delivery goes out (1, 2, 3), `startedMs` after the first. */
  onAttemptStart?: (attempt: number, startedMs: number) => void;
  /** A delivery is over: answered, failed, or given up on. */
  onAttempt?: (record: AttemptRecord) => void;
}

export async function deliverPush(
  account: DeliveryAccount,
  innerXml: string,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const signed = await signPush(account, innerXml, {
    mode: options.mode,
    openid: account.openid,
    ...(options.path ? { path: options.path } : {}),
  });
  const wire: ExchangeWire = {
    mode: options.mode,
    requestPath: signed.path,
    innerXml,
    requestBody: signed.body,
  };
  const attempts: AttemptRecord[] = [];
  const timeoutMs = options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const first = Date.now();
  const finish = (record: AttemptRecord) => {
    attempts.push(record);
    options.onAttempt?.(record);
  };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const started = Date.now();
    options.onAttemptStart?.(attempt, started - first);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response | undefined;
    let body = "";
    let failure: string | undefined;
    try {
      response = await fetch(new URL(signed.path, options.workerUrl), {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8", "user-agent": "Mozilla/4.0" },
        body: signed.body,
        signal: controller.signal,
      });
      body = await response.text();
    } catch {
      failure = controller.signal.aborted ? "timeout" : "connection failed";
    } finally {
      clearTimeout(timer);
    }
    const record = (got: DeliveryGot): AttemptRecord => ({
      attempt,
      startedMs: started - first,
      ms: Date.now() - started,
      outcome: failure ?? String(response!.status),
      got,
    });
    if (failure) {
      finish(record(failure === "timeout" ? "no-answer" : "connection-failed"));
      continue;
    }

    wire.responseStatus = response!.status;
    wire.responseBody = body;
    if (response!.status !== 200) {
      finish(record("unusable"));
      return {
        wire,
        attempts,
        problem: `the Worker answered HTTP ${response!.status}: ${body.slice(0, 200)}`,
      };
    }
    const answer = await readAnswer(account, options.mode, body, wire);
    finish(record(gotFrom(answer)));
    return { wire, attempts, ...answer };
  }
  return {
    wire,
    attempts,
    problem: `no answer within ${timeoutMs / 1000} s, ${MAX_ATTEMPTS} times`,
  };
}

function gotFrom(answer: { reply?: ChatMessage; problem?: string }): DeliveryGot {
  if (answer.problem) return "unusable";
  if (!answer.reply) return "success";
  return answer.reply.kind === "text" && answer.reply.content.trim() === PLACEHOLDER_TEXT
    ? "placeholder"
    : "passive-reply";
}

async function readAnswer(
  account: DeliveryAccount,
  mode: PushMode,
  body: string,
  wire: ExchangeWire,
): Promise<{ reply?: ChatMessage; problem?: string }> {
  // 被动回复: "回复空串或者success（无需加密）即可".
  if (body === "" || body === "success") return {};
  const parsed = parseXml(body);
  if (!parsed.ok) return { problem: `the reply is not XML: ${parsed.reason}` };
  const encrypt = textOf(parsed.root, "Encrypt");
  let replyXml = body;
  if (encrypt !== undefined) {
    if (mode === "plaintext") return { problem: "an encrypted reply to a plaintext push" };
    const timeStamp = textOf(parsed.root, "TimeStamp") ?? "";
    const nonce = textOf(parsed.root, "Nonce") ?? "";
    const expected = await computeMsgSignature(account.token, timeStamp, nonce, encrypt);
    if (textOf(parsed.root, "MsgSignature") !== expected) {
      return { problem: "the reply's MsgSignature does not match" };
    }
    if (!/^\d{1,11}$/.test(timeStamp))
      return { problem: "the reply's TimeStamp is not in seconds" };
    try {
      const opened = await new MessageCrypt(account.encodingAESKey, account.appId).decrypt(encrypt);
      if (opened.appId !== account.appId)
        return { problem: "the reply was encrypted for another appid" };
      replyXml = opened.message;
      wire.decryptedReply = replyXml;
    } catch (error) {
      return { problem: `the reply does not decrypt: ${(error as Error).message}` };
    }
  } else if (mode === "safe") {
    return { problem: "安全模式 (safe mode) requires an encrypted reply" };
  }
  return parseReply(replyXml, account);
}
