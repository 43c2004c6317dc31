/** The admin surface's public face: `/admin/*`, mounted behind `adminAuth()` (src/http/admin-auth.ts). */
export { platformAdminRoutes } from "./platform-routes";
export { adminRoutes } from "./routes";
