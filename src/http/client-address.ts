/**
 * The key a per-client limit counts by: `CF-Connecting-IP` (set by Cloudflare, not by the
 * client, in production), with an IPv6 address cut to its /64. A single subscriber is handed a
 * whole /64 (or more), so counting full IPv6 addresses would give one attacker 2^64 buckets.
 */

/** The limit key of a request's client; "unknown" when the runtime gave no address. */
export function clientAddressKey(connectingIp: string | null | undefined): string {
  const address = connectingIp?.trim();
  if (!address) return "unknown";
  if (!address.includes(":")) return address;
  const prefix = ipv6Prefix64(address);
  return prefix ? `${prefix}::/64` : address.toLowerCase();
}

/** The first four groups of an IPv6 address, lowercase without leading zeros; undefined if malformed. */
function ipv6Prefix64(address: string): string | undefined {
  const zone = address.indexOf("%");
  let text = (zone < 0 ? address : address.slice(0, zone)).toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) sits in the low 64 bits: it never reaches the prefix.
  if (text.includes(".")) text = text.slice(0, text.lastIndexOf(":") + 1) + "0:0";
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":");
}
