/**
 * The fake's endpoint table. Each area lives in its own file and adds one line here.
 */
import { basicEndpoints } from "./basic.ts";
import { componentEndpoints } from "./component.ts";
import { draftEndpoints } from "./drafts.ts";
import { mediaEndpoints } from "./media.ts";
import { menuEndpoints } from "./menu.ts";
import { messageEndpoints } from "./messages.ts";
import { oauthEndpoints } from "./oauth.ts";
import { customServiceEndpoints } from "./customservice.ts";
import { openApiEndpoints } from "./openapi.ts";
import { publishEndpoints } from "./publish.ts";
import { qrCodeEndpoints } from "./qrcode.ts";
import { shortenEndpoints } from "./shorten.ts";
import { tagEndpoints } from "./tags.ts";
import { subscribeEndpoints } from "./subscribe.ts";
import { tokenEndpoints } from "./tokens.ts";
import type { Endpoint } from "./types.ts";
import { userEndpoints } from "./users.ts";

export const endpoints: Endpoint[] = [
  ...tokenEndpoints,
  ...basicEndpoints,
  ...qrCodeEndpoints,
  ...messageEndpoints,
  ...menuEndpoints,
  ...userEndpoints,
  ...mediaEndpoints,
  ...oauthEndpoints,
  ...openApiEndpoints,
  ...customServiceEndpoints,
  ...draftEndpoints,
  ...publishEndpoints,
  ...tagEndpoints,
  ...shortenEndpoints,
  ...subscribeEndpoints,
  ...componentEndpoints,
];
