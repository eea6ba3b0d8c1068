import { createHmac } from 'node:crypto';
import { isIPv6 } from 'node:net';

/**
 * Store keys for limits: an HMAC of the parts, so no username, IP or client id reaches Redis or the
 * limits table in the clear, and parts containing the separator cannot collide.
 */
export function limitKey(secretKey: Buffer, kind: string, ...parts: string[]): string {
  const mac = createHmac('sha256', secretKey);
  for (const part of parts) mac.update(`${part.length}:${part}`);
  return `lp:${kind}:${mac.digest('base64url').slice(0, 32)}`;
}

/** IPv6 clients are counted per /64 (one subscriber's allocation); IPv4 per address. */
export function ipBucket(ip: string): string {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!isIPv6(address)) return address;
  const expanded = expandIpv6(address);
  return `${expanded.slice(0, 4).join(':')}::/64`;
}

/**
 * How many per-address budgets one IPv6 /48 gets together, for every per-IP limit: walking the
 * 65 536 /64s of one allocation must not multiply a budget, while a /48 an ISP shares between
 * subscribers (handing out /56s) still gets sixteen of them before it is refused.
 */
export const IPV6_SITE_FACTOR = 16;

/**
 * The IPv6 /48 an address belongs to (one site's allocation: 65 536 /64s), or undefined for IPv4.
 * Per-/64 counting alone gives whoever holds a /48 that many budgets, so limits also count the /48.
 */
export function ipSiteBucket(ip: string): string | undefined {
  const bucket = ipBucket(ip);
  return bucket.endsWith('::/64') ? `${bucket.split(':').slice(0, 3).join(':')}::/48` : undefined;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const fill = new Array(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...fill, ...right].map((group) => group.toLowerCase().padStart(4, '0'));
}
