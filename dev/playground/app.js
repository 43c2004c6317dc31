// The playground page: one follower chatting with the Worker through the simulated WeChat, with
// its one account or, in the 第三方平台 mode, with either of two authorised accounts (a tab each).
// The simulator does the WeChat work (signing, encryption, retries); this page only asks it to
// act and draws what it reports on /playground/api/events.
import {
  botMessage,
  deliveryTimeline,
  followerMessage,
  h,
  prettyXml,
  systemLine,
} from "./render.js";

const API = "/playground/api";
const $ = (selector) => document.querySelector(selector);
const chat = $("#chat");
const wire = $("#wire");
const log = $("#log");

const state = {
  mode: "plaintext",
  following: false,
  openid: "",
  originalId: "",
  appId: "",
  bot: "parrot",
  accountType: "verified-service",
  llmDelayMs: 12_000,
  platform: "single",
  chats: [],
  worker: "running",
};
/** The chat shown (a chat id from state.chats); every message node carries its chat's id. */
let currentChat = "main";
/** Exchange id → the chat nodes and wire entry drawn for it, redrawn in place on updates. */
const drawn = new Map();

async function act(action) {
  const response = await fetch(`${API}/actions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...action, chat: currentChat }),
  });
  if (!response.ok) {
    const { error } = await response.json().catch(() => ({ error: response.statusText }));
    appendChat(systemLine(`没有发送 Not sent: ${error}`, "notice"));
  }
}

const chatOf = (id) => state.chats.find((c) => c.id === id);

// ── Drawing ──────────────────────────────────────────────────────────────────────────────────

const EVENT_ACTIONS = new Set([
  "follow",
  "unfollow",
  "scan",
  "click",
  "view",
  "report_location",
  "subscribe_popup",
  "subscribe_manage",
  "subscribe_sent",
]);

function appendChat(node, chatId = currentChat) {
  node.dataset.chat = chatId;
  node.hidden = chatId !== currentChat;
  if (node.hidden) return chat.append(node);
  const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  chat.append(node);
  if (nearBottom || node.classList.contains("follower")) chat.scrollTop = chat.scrollHeight;
}

const avatar = () => (state.bot === "assistant" ? "🤖" : "🦜");

function exchangeNodes(exchange) {
  const nodes = [];
  const delivered = exchange.attempts.length;
  const retries = delivered > 1 ? `WeChat 重试 retried ×${delivered - 1}` : "";
  // The timeline shows once WeChat has had to send the push again.
  const resent = delivered + (exchange.status === "sending" ? 1 : 0) > 1;
  const timeline = resent ? deliveryTimeline(exchange) : null;
  if (EVENT_ACTIONS.has(exchange.action)) {
    nodes.push(systemLine(exchange.summary));
    if (timeline) nodes.push(h("li", { class: "system timeline" }, timeline));
    if (exchange.status === "sending") nodes.push(h("li", { class: "system pending" }, "…"));
  } else {
    const meta = h(
      "span",
      { class: `meta${exchange.status === "sending" ? " pending" : ""}` },
      exchange.status === "sending" ? retries || "发送中 sending" : retries,
    );
    nodes.push(followerMessage(exchange.summary, meta, timeline));
  }
  if (exchange.reply)
    nodes.push(
      botMessage(exchange.reply, {
        avatar: avatar(),
        onMenuItem: (item) => act({ type: "text", content: item.content }),
      }),
    );
  if (exchange.notice) nodes.push(systemLine(exchange.notice, "notice"));
  return nodes;
}

function drawExchange(exchange) {
  const previous = drawn.get(exchange.id);
  const nodes = exchangeNodes(exchange);
  const chatId = exchange.chat ?? "main";
  if (previous) {
    const anchor = previous.nodes[0];
    for (const node of nodes) {
      node.dataset.chat = chatId;
      node.hidden = chatId !== currentChat;
      anchor.before(node);
    }
    for (const node of previous.nodes) node.remove();
    if (chat.scrollHeight - chat.scrollTop - chat.clientHeight < 200)
      chat.scrollTop = chat.scrollHeight;
  } else {
    for (const node of nodes) appendChat(node, chatId);
  }
  if (chatId !== currentChat && !previous) markUnread(chatId);
  const entry = wireEntry(exchange, previous?.entry?.open ?? true);
  if (previous?.entry) previous.entry.replaceWith(entry);
  else addWire(entry);
  drawn.set(exchange.id, { nodes, entry });
}

function drawArrived(arrived) {
  const chatId = arrived.chat ?? "main";
  appendChat(
    botMessage(arrived.message, {
      via: arrived.via,
      avatar: avatar(),
      onMenuItem: (item) => act({ type: "text", content: item.content }),
    }),
    chatId,
  );
  if (chatId !== currentChat) markUnread(chatId);
  addWire(
    h(
      "details",
      { class: "exchange", open: true },
      h(
        "summary",
        {},
        h("b", {}, `#${arrived.id}`),
        `Worker → WeChat API`,
        h("span", { class: "tag" }, arrived.via),
        chatTag(chatId),
      ),
      part("API 请求 Request the Worker made (JSON)", arrived.raw),
    ),
  );
}

function addWire(entry) {
  wire.querySelector(".empty")?.remove();
  // Newest first; older entries fold away.
  for (const old of wire.querySelectorAll("details[open]")) old.open = false;
  wire.prepend(entry);
}

/** In the 第三方平台 mode, which account an entry of the wire view belongs to. */
function chatTag(chatId) {
  const target = chatOf(chatId);
  return state.platform === "component" && target
    ? h("span", { class: "tag chat", title: target.appId }, target.name)
    : null;
}

function part(title, text) {
  return h("div", { class: "wire-part" }, h("h5", {}, title), h("pre", {}, text));
}

function wireEntry(exchange, open) {
  const w = exchange.wire;
  const status = w?.responseStatus;
  const outcome =
    exchange.status === "sending"
      ? "…"
      : exchange.status === "failed"
        ? exchange.problem
        : exchange.attempts.at(-1)?.got === "placeholder"
          ? "reply: the placeholder (the Worker keeps the answer for the next message)"
          : exchange.reply
            ? `reply: ${exchange.reply.kind}`
            : "success (no reply)";
  const delivering = exchange.status === "sending" && exchange.delivering;
  const encrypted = w && w.mode !== "plaintext";
  return h(
    "details",
    { class: "exchange", open },
    h(
      "summary",
      {},
      h("b", {}, `#${exchange.id}`),
      exchange.summary.length > 40 ? `${exchange.summary.slice(0, 40)}…` : exchange.summary,
      h("span", { class: `tag ${w?.mode ?? ""}` }, w?.mode ?? state.mode),
      chatTag(exchange.chat),
      status ? h("span", { class: `tag${status === 200 ? "" : " bad"}` }, `HTTP ${status}`) : null,
      exchange.status === "failed" ? h("span", { class: "tag bad" }, "failed") : null,
    ),
    w ? part(`① 请求 Request as sent: POST ${w.requestPath}`, prettyXml(w.requestBody)) : null,
    encrypted
      ? part("② 加密前 Inner XML (what the Encrypt field carries)", prettyXml(w.innerXml))
      : null,
    exchange.attempts.length > 0 || delivering
      ? h(
          "div",
          { class: "wire-part" },
          h("h5", {}, "投递 Deliveries (WeChat waits 5 s for each, 3 in all)"),
          deliveryTimeline(exchange),
        )
      : null,
    w?.responseBody !== undefined
      ? part(
          `③ 回复 Reply as received (HTTP ${status})`,
          prettyXml(w.responseBody) || "(empty body)",
        )
      : null,
    w?.decryptedReply ? part("④ 解密后 Decrypted reply", prettyXml(w.decryptedReply)) : null,
    h("div", { class: "wire-part" }, h("h5", {}, "结果 Outcome"), h("span", {}, outcome)),
  );
}

function drawLog(event) {
  const time = new Date(event.at).toLocaleTimeString();
  log.append(
    h(
      "li",
      {},
      `${time} `,
      h("span", { class: `src ${event.source}` }, `[${event.source}]`),
      ` ${event.line}`,
    ),
  );
  while (log.children.length > 400) log.firstChild.remove();
  if (!log.hidden) log.scrollTop = log.scrollHeight;
}

const ACCOUNT_HINTS = {
  "verified-service":
    "客服消息 allowed: a reply that misses the 5-second window arrives as a customer-service message.",
  "unverified-subscription":
    "message/custom/send answers 48001: a slow reply rides on WeChat's re-sent pushes; past the third, a placeholder, and the answer comes with your next message.",
};

function delayHint() {
  const s = state.llmDelayMs / 1000;
  if (state.bot !== "assistant") return `The fake model answers the assistant after ${s} s.`;
  if (state.llmDelayMs < 4000) return `${s} s: within the first delivery's 4-second budget.`;
  if (state.accountType === "verified-service")
    return `${s} s: past the 4-second budget, so the answer comes as a customer-service message.`;
  if (state.llmDelayMs < 9000) return `${s} s: held over delivery ①, answered on ② (5 s).`;
  if (state.llmDelayMs < 14_000) return `${s} s: held over ① and ②, answered on ③ (10 s).`;
  return `${s} s: misses all three deliveries: a placeholder, the answer with your next message.`;
}

const PLATFORM_HINTS = {
  single: "The follower chats with the Worker's own account: pushes to /wechat.",
  component:
    "The Worker is a 第三方平台 two demo accounts authorised (ticket, /component/authorize, /component/callback); each tab's pushes go to /wechat/<its appid>, always encrypted with the component's token and key. The operator's view: GET /admin/component/authorizers.",
};

// ── Chats (the 第三方平台 mode has one per authorised account) ─────────────────────────────────

function drawChatTabs() {
  const tabs = $("#chat-tabs");
  tabs.hidden = state.chats.length < 2;
  const fingerprint = state.chats.map((c) => c.id).join(",");
  if (tabs.dataset.fingerprint !== fingerprint) {
    tabs.dataset.fingerprint = fingerprint;
    tabs.replaceChildren(
      ...state.chats.map((c) =>
        h(
          "button",
          {
            type: "button",
            role: "tab",
            "data-chat-tab": c.id,
            title: `${c.appId} · ${c.path}`,
            onclick: () => showChat(c.id),
          },
          c.name,
        ),
      ),
    );
  }
  for (const tab of tabs.querySelectorAll("[data-chat-tab]"))
    tab.setAttribute("aria-selected", String(tab.dataset.chatTab === currentChat));
}

function markUnread(chatId) {
  const tab = document.querySelector(`[data-chat-tab="${chatId}"]`);
  if (tab && !tab.querySelector(".unread")) tab.append(h("span", { class: "unread" }, "●"));
}

function showChat(chatId) {
  currentChat = chatId;
  for (const node of chat.children)
    if (node.dataset.chat) node.hidden = node.dataset.chat !== chatId;
  document.querySelector(`[data-chat-tab="${chatId}"] .unread`)?.remove();
  drawChatTabs();
  drawChatIdentity();
  chat.scrollTop = chat.scrollHeight;
}

function drawChatIdentity() {
  const current = chatOf(currentChat) ?? state.chats[0];
  const following = current?.following ?? state.following;
  const label = $("#follow-state");
  label.textContent = following ? "已关注 following" : "未关注 not following";
  label.classList.toggle("following", following);
  $("#chat-name").replaceChildren(
    ...(current && current.id !== "main"
      ? [current.name]
      : ["演示公众号 ", h("span", { class: "en" }, "Demo account")]),
  );
  $("#identity").textContent = current
    ? `openid ${current.openid} · account ${current.originalId} · appid ${current.appId}` +
      (current.path === "/wechat" ? "" : ` · POST ${current.path} (${current.mode ?? state.mode})`)
    : "";
  $("#scan-hint").textContent = following
    ? "已关注 Following: the scan sends a SCAN event with the bare scene."
    : "未关注 Not following: the scan follows the account — subscribe with EventKey qrscene_<scene>.";
}

function drawState(next) {
  const followChanged = next.following !== state.following;
  const restarted = state.worker === "restarting" && next.worker === "running";
  Object.assign(state, next);
  state.chats ??= [];
  if (!chatOf(currentChat) && state.chats.length > 0) showChat(state.chats[0].id);
  drawChatTabs();
  for (const button of document.querySelectorAll(".mode button")) {
    button.setAttribute("aria-checked", String(button.dataset.mode === state.mode));
  }
  const check = (selector, key, value) => {
    for (const button of document.querySelectorAll(selector))
      button.setAttribute("aria-checked", String(button.dataset[key] === String(value)));
  };
  check("[data-bot]", "bot", state.bot);
  check("[data-account]", "account", state.accountType);
  check("[data-platform]", "platform", state.platform);
  $("#platform-hint").textContent = PLATFORM_HINTS[state.platform] ?? "";
  check("[data-llm-delay]", "llmDelay", state.llmDelayMs);
  document.body.dataset.worker = state.worker;
  $("#worker-status").textContent =
    state.worker === "running"
      ? `Worker: WECHAT_DEMO_BOT=${state.bot}` +
        (state.bot === "assistant" ? " (model: the fake at /llm/v1, fake-model)" : "")
      : state.worker === "restarting"
        ? `Worker 重启中 restarting with WECHAT_DEMO_BOT=${state.bot}` +
          (state.platform === "component"
            ? " as a 第三方平台, then authorising the two demo accounts"
            : "") +
          " (a few seconds; sending waits)…"
        : "Worker stopped.";
  $("#account-hint").textContent = ACCOUNT_HINTS[state.accountType] ?? "";
  $("#delay-hint").textContent = delayHint();
  $("#send").disabled = state.worker !== "running";
  if (restarted)
    appendChat(
      systemLine(
        state.platform === "component"
          ? `第三方平台: ${state.chats.map((c) => c.name).join(" / ")} 已授权 authorised; the Worker runs the ${state.bot} bot`
          : `机器人已切换 The Worker now runs the ${state.bot} bot`,
      ),
    );
  drawChatIdentity();
  if (followChanged) refreshMenu();
}

// ── Menu and QR codes published by the Worker ───────────────────────────────────────────────

let openSubmenu;

function menuAction(button) {
  switch (button.type) {
    case "click":
      return { type: "click", key: button.key };
    case "view":
      return { type: "view", url: button.url };
    default:
      return undefined;
  }
}

async function refreshMenu() {
  const menu = await fetch(`${API}/menu`).then(
    (r) => r.json(),
    () => undefined,
  );
  const bar = $("#menu-bar");
  // Redraw only on change, so an open submenu stays open.
  const fingerprint = JSON.stringify(menu ?? null);
  if (bar.dataset.fingerprint === fingerprint) return;
  bar.dataset.fingerprint = fingerprint;
  bar.replaceChildren();
  if (!menu?.published) {
    bar.append(
      h("div", { class: "empty", id: "menu-empty" }, "尚未发布菜单 No menu published yet"),
    );
    bar.title = menu?.reason ?? "";
    return;
  }
  for (const button of menu.button) {
    const entry = h("div", { class: "menu-entry" });
    const subs = button.sub_button ?? [];
    const top = h(
      "button",
      {
        type: "button",
        onclick: () => {
          if (subs.length > 0) {
            const showing = openSubmenu === entry;
            openSubmenu?.querySelector(".submenu")?.remove();
            openSubmenu = undefined;
            if (!showing) {
              entry.append(
                h(
                  "ul",
                  { class: "submenu" },
                  subs.map((sub) =>
                    h(
                      "li",
                      {},
                      h("button", { type: "button", onclick: () => pressMenu(sub) }, sub.name),
                    ),
                  ),
                ),
              );
              openSubmenu = entry;
            }
          } else pressMenu(button);
        },
      },
      subs.length > 0 ? `≡ ${button.name}` : button.name,
    );
    entry.append(top);
    bar.append(entry);
  }
}

function pressMenu(button) {
  openSubmenu?.querySelector(".submenu")?.remove();
  openSubmenu = undefined;
  const action = menuAction(button);
  if (action) act(action);
  else
    appendChat(
      systemLine(`菜单类型 ${button.type} is not simulated yet (${button.name})`, "notice"),
    );
}

async function refreshQrCodes() {
  const { qrcodes = [] } = await fetch(`${API}/qrcodes`).then(
    (r) => r.json(),
    () => ({}),
  );
  const list = $("#scan-scenes");
  list.replaceChildren(
    ...qrcodes.map((code) =>
      h("option", { value: code.scene }, code.permanent ? "permanent" : "temporary"),
    ),
  );
  $("#qr-known").textContent = qrcodes.length
    ? `Codes the Worker created: ${qrcodes.map((code) => code.scene).join(", ")}`
    : "The Worker has created no QR code yet; any scene works (a ticket is made up).";
  return qrcodes;
}

// ── Controls ─────────────────────────────────────────────────────────────────────────────────

/** The account's subscription templates in the popup's picker, with what the follower allows. */
async function refreshSubscribeTemplates() {
  const { templates = [] } = await fetch(`${API}/subscribe-templates`).then(
    (r) => r.json(),
    () => ({}),
  );
  const select = $("#subscribe-template");
  const chosen = select.value;
  select.replaceChildren(
    ...templates.map((template) => {
      const kind = template.type === 3 ? "长期 long-term" : "一次性 one-time";
      const allowed =
        template.accepted === null
          ? "accepted"
          : `${template.accepted} notice${template.accepted === 1 ? "" : "s"} allowed`;
      return h(
        "option",
        { value: template.priTmplId, selected: template.priTmplId === chosen },
        `${template.title} (${kind}, ${allowed})`,
      );
    }),
  );
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

$("#composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#composer-input");
  const content = input.value;
  if (content.trim() === "") return;
  input.value = "";
  act({ type: "text", content });
});

for (const button of document.querySelectorAll(".mode button")) {
  button.addEventListener("click", () =>
    fetch(`${API}/mode`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: button.dataset.mode }),
    }),
  );
}

async function changeSettings(change) {
  const response = await fetch(`${API}/settings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(change),
  });
  if (!response.ok) {
    const { error } = await response.json().catch(() => ({ error: response.statusText }));
    appendChat(systemLine(`没有切换 Not switched: ${error}`, "notice"));
  }
}

for (const button of document.querySelectorAll("[data-bot]"))
  button.addEventListener("click", () => changeSettings({ bot: button.dataset.bot }));
for (const button of document.querySelectorAll("[data-platform]"))
  button.addEventListener("click", () => changeSettings({ platform: button.dataset.platform }));
for (const button of document.querySelectorAll("[data-account]"))
  button.addEventListener("click", () => changeSettings({ accountType: button.dataset.account }));
for (const button of document.querySelectorAll("[data-llm-delay]"))
  button.addEventListener("click", () =>
    changeSettings({ llmDelayMs: Number(button.dataset.llmDelay) }),
  );

$("#follow").addEventListener("click", () => act({ type: "follow" }));
$("#unfollow").addEventListener("click", () => act({ type: "unfollow" }));
$("#scan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const scene = $("#scan-scene").value.trim();
  const known = (await refreshQrCodes()).find((code) => code.scene === scene);
  act(known ? { type: "scan", scene, ticket: known.ticket } : { type: "scan", scene });
});
$("#report-location-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act({ type: "report_location", ...formValues(event.target) });
});
$("#send-image").addEventListener("click", () =>
  act({ type: "image", picUrl: new URL("/playground/sample-photo.svg", location.href).href }),
);
$("#voice-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const { recognition } = formValues(event.target);
  act(recognition ? { type: "voice", recognition } : { type: "voice" });
});
$("#location-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act({ type: "location", ...formValues(event.target) });
});
$("#link-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act({ type: "link", ...formValues(event.target) });
});

$("#subscribe-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act({ type: "subscribe_popup", templateId: $("#subscribe-template").value, status: "accept" });
});
$("#subscribe-reject").addEventListener("click", () =>
  act({ type: "subscribe_popup", templateId: $("#subscribe-template").value, status: "reject" }),
);
$("#subscribe-refuse").addEventListener("click", () =>
  act({ type: "subscribe_manage", templateId: $("#subscribe-template").value }),
);

for (const button of document.querySelectorAll("[data-console]")) {
  button.addEventListener("click", async () => {
    const result = $("#console-result");
    result.textContent = "…";
    const answer = await fetch(`${API}/console`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: button.dataset.console }),
    }).then(
      (r) => r.json(),
      (error) => ({ status: 0, answer: String(error) }),
    );
    result.textContent = `${answer.request?.split("\n")[0] ?? ""} → HTTP ${answer.status} ${answer.answer ?? answer.error ?? ""}`;
    refreshMenu();
    refreshSubscribeTemplates();
  });
}

for (const tab of document.querySelectorAll(".tabs button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll(".tabs button")) {
      other.setAttribute("aria-selected", String(other === tab));
    }
    for (const panel of document.querySelectorAll("[data-panel]"))
      panel.hidden = panel.dataset.panel !== tab.dataset.tab;
    if (tab.dataset.tab === "log") log.scrollTop = log.scrollHeight;
  });
}

// Seconds since each delivery under way went out.
setInterval(() => {
  for (const span of document.querySelectorAll("[data-since]"))
    span.textContent = `${Math.max(0, (Date.now() - Number(span.dataset.since)) / 1000).toFixed(0)} s`;
}, 250);

setInterval(() => {
  $("#clock").textContent = new Date().toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
}, 10_000);

// ── Event stream ─────────────────────────────────────────────────────────────────────────────

function connect() {
  const events = new EventSource(`${API}/events`);
  events.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    switch (event.type) {
      case "state":
        return drawState(event.state);
      case "exchange":
        if (event.exchange.action.startsWith("subscribe_")) refreshSubscribeTemplates();
        return drawExchange(event.exchange);
      case "arrived":
        return drawArrived(event.message);
      case "log":
        drawLog(event);
        // The Worker published a menu or created a QR code: show it without a reload.
        if (/menu|qrcode/i.test(event.line)) {
          refreshMenu();
          refreshQrCodes();
        }
        return;
      case "replayed":
        document.body.dataset.ready = "true";
        return;
    }
  });
  events.addEventListener("error", () => {
    // The simulator stopped or restarted: start over with a clean page once it is back.
    events.close();
    document.body.dataset.ready = "false";
    setTimeout(() => location.reload(), 2000);
  });
}

refreshMenu();
refreshQrCodes();
refreshSubscribeTemplates();
setInterval(() => {
  refreshMenu();
  refreshQrCodes();
}, 5000);
connect();
