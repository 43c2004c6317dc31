/**
 * The fake's endpoint table. Each area lives in its own file and adds one line here.
 */
import { basicEndpoints } from "./basic.ts";
import { qrCodeEndpoints } from "./qrcode.ts";
import { tokenEndpoints } from "./tokens.ts";
import type { Endpoint } from "./types.ts";

export const endpoints: Endpoint[] = [...tokenEndpoints, ...basicEndpoints, ...qrCodeEndpoints];
