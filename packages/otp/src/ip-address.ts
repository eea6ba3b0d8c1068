import { isIPv4, isIPv6 } from 'node:net';
import { OtpError } from './errors.js';

function expandIPv6(address: string): number[] {
  let text = address;
  let tail: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two 16-bit groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, v4.index);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const gap = text.indexOf('::');
  if (gap < 0) return [...parse(text), ...tail];
  const left = parse(text.slice(0, gap));
  const right = [...parse(text.slice(gap + 2)), ...tail];
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The part of an address that rate limits count against: the whole IPv4 address, or the first
 * `ipv6PrefixLength` bits of an IPv6 one (a home or a VM usually gets a whole /64, so counting single
 * IPv6 addresses would let one client rotate through 2^64 of them). IPv4-mapped IPv6 is treated as IPv4.
 */
export function ipRateLimitKey(ip: string, ipv6PrefixLength = 64): string {
  let address = ip.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) throw new OtpError('OTP_INVALID_ARGUMENT', 'ip is not an IPv4 or IPv6 address');
  if (!Number.isInteger(ipv6PrefixLength) || ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
    throw new OtpError('OTP_INVALID_ARGUMENT', 'ipv6PrefixLength must be 1 to 128');
  }
  const groups = expandIPv6(address.toLowerCase());
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  const masked = groups.map((group, index) => {
    const bitsLeft = ipv6PrefixLength - index * 16;
    if (bitsLeft >= 16) return group;
    if (bitsLeft <= 0) return 0;
    return group & (0xffff << (16 - bitsLeft)) & 0xffff;
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6PrefixLength}`;
}
