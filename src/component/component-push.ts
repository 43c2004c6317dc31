/**
 * Opening a push to the 授权事件接收URL: the component_verify_ticket every ten minutes and the
 * authorisation changes (authorized, updateauthorized, unauthorized).
 *
 * The same protocol as a 公众号's encrypted push, so the same pure core does the work
 * (`verifyRequestSignature`, `verifySignedParts`, `MessageCrypt`): `signature` and the timestamp
 * window first, then `msg_signature` over `Encrypt`, then AES with the component's key, whose
 * trailing receive-id must be the component appid. What differs: component pushes are always
 * encrypted (WeChat sends `<AppId>` and `<Encrypt>`, never plaintext), and their inner XML carries
 * `InfoType`, not `MsgType`, so it is read here rather than by parseMessage. The decrypted
 * `<AppId>` must also be the component appid.
 */
import { MessageCrypt, MessageCryptError } from "../wechat/message-crypt";
import { verifyRequestSignature, type PushFailure, type PushQuery } from "../wechat/push";
import { verifySignedParts } from "../wechat/signature";
import { parseXml, textOf } from "../wechat/xml-read";

export type ComponentNotice =
  | { infoType: "component_verify_ticket"; ticket: string; createTime: number }
  | {
      infoType: "authorized" | "updateauthorized";
      authorizerAppId: string;
      authorizationCode: string;
      createTime: number;
    }
  | { infoType: "unauthorized"; authorizerAppId: string; createTime: number }
  /** Any other InfoType (e.g. notify_third_fasteregister): acknowledged, not acted on. */
  | { infoType: "other"; name: string; createTime: number };

export interface ComponentPushSettings {
  componentAppId: string;
  token: string;
  encodingAESKey: string;
  timestampToleranceSeconds: number;
}

export type OpenedComponentPush = {
  ok: true;
  notice: ComponentNotice;
  timestamp: string;
  nonce: string;
};

const SIGNATURE_PATTERN = /^[0-9a-fA-F]{40}$/;
const APPID_PATTERN = /^wx[0-9a-f]{16}$/;

const fail = (kind: PushFailure["kind"], reason: string, detail?: string): PushFailure => ({
  ok: false,
  kind,
  reason,
  ...(detail ? { detail } : {}),
});

/** Authenticates, decrypts and reads one component push. `now` is Unix seconds. */
export async function openComponentPush(
  query: PushQuery,
  body: string,
  settings: ComponentPushSettings,
  now: number,
): Promise<OpenedComponentPush | PushFailure> {
  if ((query.encrypt_type ?? "").toLowerCase() !== "aes") {
    return fail("bad-request", "component pushes are encrypted: encrypt_type=aes is missing");
  }
  const signatureFailure = await verifyRequestSignature(query, settings, now);
  if (signatureFailure) return signatureFailure;
  const timestamp = query.timestamp!;
  const nonce = query.nonce!;

  const outer = parseXml(body);
  if (!outer.ok) return fail("bad-request", outer.reason);
  const encrypt = textOf(outer.root, "Encrypt");
  if (!encrypt) return fail("bad-request", "the body has no Encrypt");
  const msgSignature = query.msg_signature;
  if (!msgSignature) return fail("bad-request", "msg_signature is missing");
  if (
    !SIGNATURE_PATTERN.test(msgSignature) ||
    !(await verifySignedParts([settings.token, timestamp, nonce, encrypt], msgSignature))
  ) {
    return fail("bad-signature", "invalid msg_signature");
  }

  let message: string;
  try {
    message = (
      await new MessageCrypt(settings.encodingAESKey, settings.componentAppId).decrypt(encrypt)
    ).message;
  } catch (error) {
    // One reason for every failure, as in push.ts: telling them apart would be a padding oracle.
    const detail = error instanceof MessageCryptError ? error.code : "corrupt-ciphertext";
    return fail("bad-request", "cannot decrypt the push", detail);
  }
  const inner = parseXml(message);
  if (!inner.ok) return fail("bad-request", `decrypted ${inner.reason}`);
  if (textOf(inner.root, "AppId") !== settings.componentAppId) {
    return fail("bad-request", "the push is for another component appid");
  }
  const notice = readNotice(inner.root);
  if (typeof notice === "string") return fail("bad-request", notice);
  return { ok: true, notice, timestamp, nonce };
}

function readNotice(root: Parameters<typeof textOf>[0]): ComponentNotice | string {
  const infoType = textOf(root, "InfoType");
  if (!infoType) return "the push has no InfoType";
  const createTime = Number(textOf(root, "CreateTime") ?? "0");
  if (!Number.isSafeInteger(createTime) || createTime < 0) return "CreateTime must be Unix seconds";
  switch (infoType) {
    case "component_verify_ticket": {
      const ticket = textOf(root, "ComponentVerifyTicket");
      if (!ticket) return "component_verify_ticket without ComponentVerifyTicket";
      return { infoType, ticket, createTime };
    }
    case "authorized":
    case "updateauthorized":
    case "unauthorized": {
      const authorizerAppId = textOf(root, "AuthorizerAppid");
      if (!authorizerAppId || !APPID_PATTERN.test(authorizerAppId)) {
        return `${infoType} without a valid AuthorizerAppid`;
      }
      if (infoType === "unauthorized") return { infoType, authorizerAppId, createTime };
      const authorizationCode = textOf(root, "AuthorizationCode");
      if (!authorizationCode) return `${infoType} without AuthorizationCode`;
      return { infoType, authorizerAppId, authorizationCode, createTime };
    }
    default:
      return { infoType: "other", name: infoType.slice(0, 64), createTime };
  }
}
