/** The admin surface's public face: `/admin/*`, mounted behind `adminAuth()` (src/http/admin-auth.ts). */
export { followerAdminRoutes } from "./follower-routes";
export { menuAdminRoutes } from "./menu-routes";
export { platformAdminRoutes } from "./platform-routes";
export { publishingAdminRoutes } from "./publishing-routes";
export { diagnoseAdminRoutes } from "./diagnose-routes";
export { adminRoutes } from "./routes";
export { subscribeAdminRoutes } from "./subscribe-routes";
