/**
 * The callback's public face: `/wechat` (URL check and pushes) as a plain handler and as a Hono
 * sub-app, the hooks other features plug into it, and `deliverReply` for answers computed after
 * the push. The composition root (src/app.ts, src/worker.ts) imports this file.
 */
export { deliverReply, type DeliveryOutcome } from "./deliver-reply";
export {
  callbackHandler,
  callbackRoutes,
  userPushHook,
  type AccountPushHook,
  type CallbackHandler,
  type PushHook,
} from "./route";
