/**
 * WeChat's 全网发布 (release) test, answered by the Worker itself: before a 第三方平台 goes live,
 * WeChat's test official accounts authorise it and push scripted messages to
 * `/wechat/<test appid>`, expecting fixed answers (全网发布接入检测说明):
 * - text `TESTCOMPONENT_MSG_TYPE_TEXT` → passive text `TESTCOMPONENT_MSG_TYPE_TEXT_callback`;
 * - text `QUERY_AUTH_CODE:<code>` → an empty reply at once, then, within seconds, a
 *   customer-service text `<code>_from_api` sent with the token that api_query_auth grants;
 * - any event → passive text `<Event>from_callback`.
 *
 * Only WeChat's dedicated test accounts get these answers, and only as authorisers: a real
 * follower of a real account who types `QUERY_AUTH_CODE:` reaches the bot like any text and
 * cannot make this Worker call WeChat's API.
 */
import type { WeChatConfig } from "../config";
import type { Env } from "../env";
import { describeError, log } from "../log";
import { createApiClient } from "../token";
import { sendCustomMessage } from "../wechat/api/custom-service";
import { rawEventName, type InboundMessage } from "../wechat/message";
import { reply, type Reply } from "../wechat/reply";
import { authorizerTokenSource } from "./authorizers";
import { registerAuthorizationCode } from "./registration";

/** The test official accounts of WeChat's 全网发布 check, as its 检测说明 page lists them. */
const RELEASE_TEST_APPIDS: ReadonlySet<string> = new Set([
  "wx570bc396a51b8ff8",
  "wx9252c5e0bb1836fc",
  "wx8e1097c5bc82cde9",
  "wx14550af28c71a144",
  "wxa35b9c23cfe664eb",
]);

const TEXT_CASE = "TESTCOMPONENT_MSG_TYPE_TEXT";
const QUERY_AUTH_CODE = "QUERY_AUTH_CODE:";

/**
 * The answer to one of the release test's pushes, or undefined when `message` is not one (the
 * bot answers it). `account` is the view of the account the push was sent to; `waitUntil` keeps
 * the customer-service send alive after the empty reply has gone.
 */
export function releaseTestReply(
  message: InboundMessage,
  env: Env,
  account: WeChatConfig,
  waitUntil: (promise: Promise<unknown>) => void,
): Reply | undefined {
  if (account.accountSource !== "authorizer" || !RELEASE_TEST_APPIDS.has(account.appId ?? "")) {
    return undefined;
  }
  if (message.msgType === "event") return reply.text(`${rawEventName(message)}from_callback`);
  if (message.msgType !== "text") return undefined;
  if (message.content === TEXT_CASE) return reply.text(`${TEXT_CASE}_callback`);
  if (!message.content.startsWith(QUERY_AUTH_CODE)) return undefined;
  const code = message.content.slice(QUERY_AUTH_CODE.length);
  waitUntil(
    answerWithApi(env, account, code, message.fromUserName).catch((error: unknown) =>
      log.warn("component.release_test_failed", { error: describeError(error) }),
    ),
  );
  return reply.none();
}

/** Registers the auth_code's authoriser and sends `<code>_from_api` with its new token. */
async function answerWithApi(
  env: Env,
  account: WeChatConfig,
  code: string,
  openid: string,
): Promise<void> {
  const authorizer = await registerAuthorizationCode(env, code);
  const api = createApiClient(env, {
    ...account,
    appId: authorizer.appid,
    accessTokens: authorizerTokenSource(env, authorizer.appid),
  });
  await sendCustomMessage(api, {
    touser: openid,
    msgtype: "text",
    text: { content: `${code}_from_api` },
  });
}
