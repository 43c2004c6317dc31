/** Web OAuth's public face (网页授权): `/oauth/*`. */
export { oauthRoutes } from "./routes";
