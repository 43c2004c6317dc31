/**
 * The account owner's side, for trying what followers see without curl: the playground asks the
 * Worker's own /admin API (Bearer ADMIN_KEY, which stays in the simulator) to publish a sample
 * menu, send a template message, a mass message or a subscription notice (which WeChat refuses
 * with 43101 until the follower accepted the template in a popup). WeChat's side (the fake) then
 * shows the menu to the follower and delivers the messages.
 */
export type ConsoleAction =
  "publish-menu" | "delete-menu" | "send-template" | "send-mass" | "send-subscribe";

export const CONSOLE_ACTIONS: ConsoleAction[] = [
  "publish-menu",
  "delete-menu",
  "send-template",
  "send-mass",
  "send-subscribe",
];

/** The fake's starter one-time template 订单发货通知 (商品名称, 订单金额, 发货时间). */
export const SAMPLE_SUBSCRIBE_TEMPLATE = "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc";

const SAMPLE_MENU = {
  button: [
    { type: "click", name: "今日歌曲", key: "V1001_TODAY_MUSIC" },
    {
      name: "菜单",
      sub_button: [
        { type: "view", name: "开发文档", url: "https://developers.weixin.qq.com/doc/" },
        { type: "click", name: "赞一下我们", key: "V1001_GOOD" },
      ],
    },
    { type: "click", name: "联系我们", key: "CONTACT_US" },
  ],
};

function request(
  action: ConsoleAction,
  openid: string,
): { method: string; path: string; body?: unknown } {
  switch (action) {
    case "publish-menu":
      return { method: "POST", path: "/admin/menu", body: SAMPLE_MENU };
    case "delete-menu":
      return { method: "DELETE", path: "/admin/menu" };
    case "send-template":
      return {
        method: "POST",
        path: "/admin/template/send",
        body: {
          touser: openid,
          template_id: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
          url: "https://developers.weixin.qq.com/doc/",
          data: {
            thing1: { value: "巧克力 Chocolate" },
            amount2: { value: "39.8元" },
            time3: { value: new Date().toISOString().slice(0, 16).replace("T", " ") },
          },
        },
      };
    case "send-subscribe":
      return {
        method: "POST",
        path: "/admin/subscribe/send",
        body: {
          touser: openid,
          template_id: SAMPLE_SUBSCRIBE_TEMPLATE,
          page: "https://developers.weixin.qq.com/doc/service/guide/product/subscription_messages/intro.html",
          data: {
            thing1: { value: "巧克力礼盒 Chocolate" },
            amount2: { value: "¥39.80" },
            time3: { value: new Date().toISOString().slice(0, 16).replace("T", " ") },
          },
        },
      };
    case "send-mass":
      return {
        method: "POST",
        path: "/admin/mass/send",
        body: {
          filter: { is_to_all: true },
          msgtype: "text",
          text: { content: "群发 Mass message: 本周活动开始啦 This week's event has started." },
          clientmsgid: `playground-${Date.now()}`,
        },
      };
  }
}

export async function runConsoleAction(
  action: ConsoleAction,
  options: { workerUrl: string; adminKey: string; openid: string },
): Promise<{ status: number; request: string; answer: string }> {
  const { method, path, body } = request(action, options.openid);
  const response = await fetch(`${options.workerUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.adminKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    request: `${method} ${path}${body === undefined ? "" : `\n${JSON.stringify(body, null, 2)}`}`,
    answer: await response.text(),
  };
}
