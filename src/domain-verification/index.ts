/** Domain verification's public face: WeChat's `MP_verify_<code>.txt` at the domain root. */
export { domainVerificationRoutes } from "./route";
