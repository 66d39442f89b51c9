import { BlockList, isIP } from 'node:net';

/**
 * Which webhook URLs the hub may call. Production sets `WEBHOOKS_ALLOW_PRIVATE_URLS=false`: then
 * loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses are refused,
 * so a builder cannot point the hub at its own network (SSRF). The check runs on the URL at
 * registration and on every address DNS gives at each send (a name may resolve elsewhere later).
 */

// Two lists: node's BlockList also matches IPv4 addresses against IPv6 rules as IPv4-mapped
// addresses, so one list holding ::ffff:0:0/96 would refuse every IPv4 address.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped: never needed to reach a public endpoint
  ['64:ff9b::', 96], // NAT64 (may map to a private IPv4 address)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6, no brackets) is one the hub must not call in production. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`${address} is not an IP address`);
  return family === 4 ? blockedV4.check(address, 'ipv4') : blockedV6.check(address, 'ipv6');
}

/** Why a URL is refused, or null when it may be registered. */
export function refuseEndpointUrl(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'url must use http or https';
  if (parsed.username !== '' || parsed.password !== '') return 'url must not carry credentials';
  if (allowPrivate) return null;
  // URL normalises the host (0x7f000001 → 127.0.0.1); IPv6 literals keep their brackets.
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'url must not point at localhost';
  if (isIP(host) !== 0 && isPrivateAddress(host)) return 'url must not point at a private, loopback or reserved address';
  return null;
}
