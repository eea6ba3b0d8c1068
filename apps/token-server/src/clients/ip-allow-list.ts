import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.js';

/** A compiled client IP allow-list (CIDRs or single addresses, IPv4 and IPv6). */
export function compileAllowList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) throw new ConfigError(`ipAllow entry "${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address!, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
        throw new ConfigError(`ipAllow entry "${entry}" has a bad prefix length`);
      }
      list.addSubnet(address!, bits, type);
    }
  }
  return list;
}

export function ipAllowed(list: BlockList | undefined, ip: string): boolean {
  if (!list) return true;
  const mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(mapped);
  if (family === 0) return false;
  return list.check(mapped, family === 4 ? 'ipv4' : 'ipv6');
}
