// The bare parrot: the least a correct Worker can do for a push, written by hand with no framework,
// no parser and no dedupe. It checks the signature, opens safe-mode pushes, answers text with the
// same text and a follow with the welcome line, and seals the reply. It shows what the protocol
// work costs on this runtime, between the floor (no work) and the product (all of it).
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let aesKey;
let aesIv;
async function key(env) {
  if (!aesKey) {
    const raw = Uint8Array.from(atob(`${env.WECHAT_ENCODING_AES_KEY}=`), (c) => c.charCodeAt(0));
    aesIv = raw.slice(0, 16);
    aesKey = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
  }
  return aesKey;
}

async function sha1Hex(parts) {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(parts.sort().join("")));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

const field = (xml, name) => {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(
    xml,
  );
  return match ? (match[1] ?? match[2]) : undefined;
};

async function open(env, encrypted) {
  const bytes = Uint8Array.from(atob(encrypted), (c) => c.charCodeAt(0));
  // WeChat pads to 32 bytes, which WebCrypto refuses as PKCS#7: append one block that decrypts to
  // a full 16-byte pad (CBC: encrypt 16 × 0x10 chained after the last block), then strip the
  // 32-byte pad by hand.
  const last = bytes.subarray(bytes.length - 16);
  const extra = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-CBC", iv: last },
      await key(env),
      new Uint8Array(16).fill(16),
    ),
  ).subarray(0, 16);
  const chained = new Uint8Array(bytes.length + 16);
  chained.set(bytes);
  chained.set(extra, bytes.length);
  const plain = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-CBC", iv: aesIv }, await key(env), chained),
  );
  let end = plain.length;
  const pad = plain[end - 1];
  if (pad >= 1 && pad <= 32 && end >= pad && plain[end - pad] === pad) end -= pad;
  const length = new DataView(plain.buffer).getUint32(16);
  return decoder.decode(plain.subarray(20, 20 + length));
}

async function seal(env, xml) {
  const message = encoder.encode(xml);
  const appId = encoder.encode(env.WECHAT_APPID);
  const size = 20 + message.length + appId.length;
  const pad = 32 - (size % 32);
  const plain = new Uint8Array(size + pad);
  crypto.getRandomValues(plain.subarray(0, 16));
  new DataView(plain.buffer).setUint32(16, message.length);
  plain.set(message, 20);
  plain.set(appId, 20 + message.length);
  plain.fill(pad, size);
  const cipher = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv: aesIv }, await key(env), plain),
  );
  // Drop the block WebCrypto's own padding added: the 32-byte pad is already there.
  let binary = "";
  for (const byte of cipher.subarray(0, plain.length)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const cdata = (text) => `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const query = url.searchParams;
    const timestamp = query.get("timestamp") ?? "";
    const nonce = query.get("nonce") ?? "";
    const token = env.WECHAT_TOKEN;
    if ((await sha1Hex([token, timestamp, nonce])) !== query.get("signature")) {
      return new Response("bad signature", { status: 401 });
    }
    const body = await request.text();
    const safe = query.get("encrypt_type") === "aes";
    let xml = body;
    if (safe) {
      const encrypted = field(body, "Encrypt") ?? "";
      if ((await sha1Hex([token, timestamp, nonce, encrypted])) !== query.get("msg_signature")) {
        return new Response("bad msg_signature", { status: 401 });
      }
      xml = await open(env, encrypted);
    }
    const type = field(xml, "MsgType");
    const content =
      type === "text"
        ? field(xml, "Content")
        : field(xml, "Event") === "subscribe"
          ? env.WELCOME
          : "";
    const reply =
      `<xml><ToUserName>${cdata(field(xml, "FromUserName"))}</ToUserName>` +
      `<FromUserName>${cdata(field(xml, "ToUserName"))}</FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>` +
      `<MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content></xml>`;
    const headers = { "content-type": "application/xml; charset=utf-8" };
    if (!safe) return new Response(reply, { headers });
    const encrypt = await seal(env, reply);
    const replyNonce = nonce;
    const signature = await sha1Hex([token, timestamp, replyNonce, encrypt]);
    return new Response(
      `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
        `<TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${replyNonce}]]></Nonce></xml>`,
      { headers },
    );
  },
};
