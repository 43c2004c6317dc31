// How the follower's phone shows each kind of message, as WeChat draws them. Everything is built
// with DOM calls (never innerHTML), so text from the bot is shown, not interpreted.

/** Creates an element: h("div", { class: "x" }, "text", child). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An <img> that falls back to a plain tile: offline, external pictures do not load. */
function picture(url, className) {
  if (!url) return h("div", { class: className });
  const img = h("img", { class: className, src: url, alt: "", referrerpolicy: "no-referrer" });
  img.addEventListener("error", () => img.replaceWith(h("div", { class: className })));
  return img;
}

const VIA = {
  "customer-service": "客服消息 customer-service message",
  template: "模板消息 template message",
  mass: "群发消息 mass message",
  subscribe: "订阅通知 subscription notice",
};

/** A message from the account, in a bubble or a card, with its avatar. */
export function botMessage(message, options = {}) {
  const content = messageContent(message, options);
  return h(
    "li",
    { class: "msg bot", "data-kind": message.kind, "data-via": options.via ?? "reply" },
    h("div", { class: "avatar", "aria-hidden": "true" }, options.avatar ?? "🦜"),
    h(
      "div",
      { class: "body" },
      content,
      options.via ? h("span", { class: "meta via" }, VIA[options.via] ?? options.via) : null,
    ),
  );
}

/** What the follower sent, on the right, with `extra` (status, timeline) below it. */
export function followerMessage(text, ...extra) {
  return h(
    "li",
    { class: "msg follower" },
    h("div", { class: "avatar", "aria-hidden": "true" }, "🙂"),
    h("div", { class: "body" }, h("div", { class: "bubble" }, text), extra),
  );
}

const GOT = {
  "no-answer": "无应答 no answer",
  "connection-failed": "连接失败 connection failed",
  "passive-reply": "被动回复 passive reply",
  placeholder: "占位回复 placeholder",
  success: "success (no reply)",
  unusable: "回复无效 unusable reply",
};
const NUMBERS = ["①", "②", "③"];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * WeChat's deliveries of one push, as a timeline: when each went out and what it got. A delivery
 * under way carries `data-since` (epoch ms), so the page can count its seconds up.
 */
export function deliveryTimeline(exchange) {
  const items = exchange.attempts.map((attempt) =>
    h(
      "li",
      { "data-attempt": attempt.attempt, "data-got": attempt.got },
      `${NUMBERS[attempt.attempt - 1] ?? attempt.attempt} ${seconds(attempt.startedMs)} → `,
      h("b", {}, GOT[attempt.got] ?? attempt.got),
      attempt.got === "no-answer" || attempt.got === "connection-failed"
        ? ` (${seconds(attempt.ms)})`
        : ` at ${seconds(attempt.startedMs + attempt.ms)}`,
    ),
  );
  const now = exchange.status === "sending" ? exchange.delivering : undefined;
  if (now) {
    items.push(
      h(
        "li",
        { "data-attempt": now.attempt, "data-got": "pending", class: "pending" },
        `${NUMBERS[now.attempt - 1] ?? now.attempt} ${seconds(now.startedMs)} → 等待 waiting `,
        h("span", { class: "elapsed", "data-since": exchange.at + now.startedMs }, ""),
      ),
    );
  }
  return h("ol", { class: "deliveries" }, items);
}

/** A grey line in the middle of the chat (events, WeChat's own notices). */
export function systemLine(text, className = "") {
  return h("li", { class: `system ${className}`.trim() }, text);
}

function messageContent(message, options) {
  switch (message.kind) {
    case "text":
      return h("div", { class: "bubble" }, message.content);
    case "image":
      return h(
        "div",
        { class: "card-msg", title: `media_id ${message.mediaId}` },
        h(
          "div",
          { class: "media-tile" },
          h("span", {}, h("span", { class: "big" }, "🖼"), "图片 image"),
        ),
        h("div", { class: "foot" }, `media_id ${short(message.mediaId)}`),
      );
    case "voice":
      return h(
        "div",
        { class: "bubble voice-bubble", title: `media_id ${message.mediaId}` },
        "🔊 ▎▍▌▋ 语音 voice",
      );
    case "video":
      return h(
        "div",
        { class: "card-msg" },
        h(
          "div",
          { class: "media-tile video" },
          h("span", {}, h("span", { class: "big" }, "▶"), "视频 video"),
        ),
        h(
          "div",
          { class: "pad" },
          h("h4", {}, message.title || "视频 Video"),
          message.description ? h("p", {}, message.description) : null,
        ),
      );
    case "music":
      return h(
        "div",
        { class: "card-msg" },
        h(
          "div",
          { class: "pad music-row" },
          h("div", { class: "note", "aria-hidden": "true" }, "♪"),
          h(
            "div",
            {},
            h("h4", {}, message.title || "音乐 Music"),
            h("p", {}, message.description || ""),
          ),
        ),
        h("div", { class: "foot" }, message.musicUrl ? `♫ ${message.musicUrl}` : "音乐 music"),
      );
    case "news":
      return newsCard(message.articles);
    case "menu":
      return h(
        "div",
        { class: "bubble" },
        message.head ?? "",
        h(
          "ul",
          { class: "menu-items" },
          message.items.map((item) =>
            h(
              "li",
              {},
              h(
                "button",
                { type: "button", onclick: () => options.onMenuItem?.(item) },
                item.content,
              ),
            ),
          ),
        ),
        message.tail ?? "",
      );
    case "template":
      return h(
        "div",
        { class: "card-msg template" },
        h(
          "div",
          { class: "pad" },
          h("h4", {}, "模板消息 Template"),
          h("p", {}, message.templateId),
        ),
        h(
          "div",
          { class: "pad" },
          message.fields.map((field) =>
            h("div", { class: "field" }, h("b", {}, field.name), h("span", {}, field.value)),
          ),
        ),
        message.url ? h("div", { class: "foot" }, `详情 Details → ${message.url}`) : null,
      );
    case "service-notice":
      return serviceNotice(message);
    case "transfer":
      return h(
        "div",
        { class: "bubble" },
        `转接客服 Transferred to customer service${message.kfAccount ? ` (${message.kfAccount})` : ""}`,
      );
    default:
      return h("div", { class: "bubble" }, message.label ?? `[${message.kind}]`);
  }
}

/**
 * A subscription notice as WeChat draws it (服务通知): the title, the time, one row per keyword
 * with its name on the left, and the tap target below a rule (查看详情 for a web page,
 * 进入小程序查看 for a mini program).
 */
function serviceNotice(message) {
  const opens = message.opens;
  const action =
    opens?.kind === "miniprogram" ? "进入小程序查看" : opens?.kind === "page" ? "查看详情" : null;
  const now = new Date();
  return h(
    "div",
    { class: "card-msg service-notice", "data-template": message.templateId },
    h(
      "div",
      { class: "pad" },
      h("div", { class: "notice-source" }, "服务通知"),
      h("h4", {}, message.title),
      h(
        "div",
        { class: "notice-time" },
        `${now.getMonth() + 1}月${now.getDate()}日 ${now.toTimeString().slice(0, 5)}`,
      ),
      h(
        "dl",
        { class: "notice-rows" },
        message.rows.map((row) =>
          h("div", { class: "notice-row" }, h("dt", {}, row.name), h("dd", {}, row.value)),
        ),
      ),
    ),
    action
      ? h(
          "div",
          {
            class: "foot notice-action",
            title: opens.kind === "page" ? opens.url : `${opens.appid} ${opens.pagepath}`,
          },
          h("span", {}, action),
          h("span", { "aria-hidden": "true" }, "›"),
        )
      : null,
  );
}

function newsCard(articles) {
  const [first, ...rest] = articles;
  if (rest.length === 0) {
    // One article: title on top, description beside a thumbnail (WeChat's single card).
    return h(
      "div",
      { class: "card-msg news" },
      h(
        "div",
        { class: "pad" },
        h("h4", {}, first.title),
        h(
          "div",
          { class: "news-row", style: "padding:0;border:0" },
          h("span", {}, h("p", {}, first.description ?? "")),
          picture(first.picUrl, "thumb"),
        ),
      ),
      first.url ? h("div", { class: "foot" }, first.url) : null,
    );
  }
  return h(
    "div",
    { class: "card-msg news" },
    h(
      "div",
      { class: "cover" },
      picture(first.picUrl, ""),
      h("div", { class: "cover-title" }, first.title),
    ),
    rest.map((article) =>
      h(
        "div",
        { class: "news-row" },
        h("span", {}, article.title),
        picture(article.picUrl, "thumb"),
      ),
    ),
  );
}

function short(text = "") {
  return text.length > 18 ? `${text.slice(0, 8)}…${text.slice(-6)}` : text;
}

/** One XML element per line, indented by depth, for reading (the wire bytes are shown as is). */
export function prettyXml(xml) {
  if (!xml || !xml.trim().startsWith("<")) return xml ?? "";
  const parts = xml.match(/<!\[CDATA\[[\s\S]*?\]\]>|<\/?[^>]+>|[^<]+/g) ?? [];
  const lines = [];
  let depth = 0;
  let open = "";
  for (const part of parts) {
    if (part.startsWith("</")) {
      if (open) {
        lines.push(open + part);
        open = "";
      } else {
        depth = Math.max(depth - 1, 0);
        lines.push("  ".repeat(depth) + part);
      }
    } else if (part.startsWith("<") && !part.startsWith("<![CDATA[")) {
      if (open) {
        lines.push(open.trimEnd());
        depth++;
      }
      open = "  ".repeat(depth) + part;
    } else if (open) {
      open += part;
    }
  }
  if (open) lines.push(open);
  return lines.join("\n");
}
