/**
 * Whether a JSON text (already known to be valid) gives some object the same member name twice.
 *
 * `JSON.parse` keeps the last of them silently, so `{"grant_type":"password","grant_type":"…"}`
 * means whatever the last one says to us and possibly the first one to a proxy, a WAF or a log
 * reader in front of us. RFC 6749 §3.2 says request parameters "MUST NOT be included more than
 * once"; a form gives duplicates as arrays that every schema refuses, and this makes JSON refuse
 * them too. Names are compared after unescaping, so `"a"` and `"\u0061"` are the same name.
 * One linear pass; bodies are bounded by the body limit.
 */
export function hasDuplicateKey(json: string): boolean {
  // One entry per open container: the names seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < json.length) {
        const d = json.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      if (expectKey) {
        const raw = json.slice(i, j + 1);
        const name = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        const names = stack.at(-1);
        if (names) {
          if (names.has(name)) return true;
          names.add(name);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
  return false;
}
