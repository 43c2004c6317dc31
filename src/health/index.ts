/** The health check's public face: `/healthz`. */
export { healthRoutes } from "./route";
