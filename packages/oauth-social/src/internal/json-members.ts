/**
 * The direct members of a top-level JSON object, each with the exact source text of its value.
 *
 * Why a tokenizer of our own: a signature over "the raw text of a node" is only meaningful if the
 * bytes we verify are the bytes we then use. `JSON.parse` keeps the *last* of duplicate keys and
 * says nothing about where a value sat in the text, while a textual search finds the *first*
 * occurrence anywhere, nested or inside a string. Walking the grammar once gives both from the
 * same pass: which text belongs to which top-level key, and whether a key occurs twice.
 */

/** Deep enough for any platform response; a cap keeps hostile nesting from exhausting the stack. */
const MAX_DEPTH = 128;

export type TopLevelMembers =
  | { ok: true; members: ReadonlyMap<string, string> }
  | { ok: false; reason: string };

class MalformedJson extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9A-Fa-f]{4}/y;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** RFC 8259 scanner over one string; every method returns the index just past what it read. */
class Scanner {
  constructor(readonly text: string) {}

  fail(at: number, what: string): never {
    throw new MalformedJson(`${what} at offset ${at}`);
  }

  /** JSON whitespace only: space, tab, LF, CR (no BOM, no NBSP, as `JSON.parse`). */
  skipWhitespace(at: number): number {
    let i = at;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i += 1;
      else return i;
    }
  }

  string(at: number): number {
    if (this.text.charAt(at) !== '"') this.fail(at, 'expected a string');
    let i = at + 1;
    for (;;) {
      if (i >= this.text.length) this.fail(at, 'unterminated string');
      const c = this.text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c < 0x20) this.fail(i, 'control character in a string');
      if (c === 0x5c) {
        const escaped = this.text.charAt(i + 1);
        if (SIMPLE_ESCAPES.has(escaped)) i += 2;
        else if (escaped === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(this.text)) this.fail(i, 'bad \\u escape');
          i += 6;
        } else this.fail(i, 'bad escape');
      } else i += 1;
    }
  }

  value(at: number, depth: number): number {
    const c = this.text.charAt(at);
    if (c === '"') return this.string(at);
    if (c === '{') return this.object(at, depth + 1, undefined);
    if (c === '[') return this.array(at, depth + 1);
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, at)) return at + literal.length;
    }
    NUMBER.lastIndex = at;
    if (NUMBER.test(this.text)) return NUMBER.lastIndex;
    return this.fail(at, 'expected a value');
  }

  array(at: number, depth: number): number {
    if (depth > MAX_DEPTH) this.fail(at, 'nested too deeply');
    let i = this.skipWhitespace(at + 1);
    if (this.text.charAt(i) === ']') return i + 1;
    for (;;) {
      i = this.skipWhitespace(this.value(i, depth));
      const c = this.text.charAt(i);
      if (c === ']') return i + 1;
      if (c !== ',') this.fail(i, 'expected , or ]');
      i = this.skipWhitespace(i + 1);
    }
  }

  /** With `onMember`, reports each direct member (decoded key, value start, value end). */
  object(
    at: number,
    depth: number,
    onMember: ((key: string, start: number, end: number) => void) | undefined,
  ): number {
    if (depth > MAX_DEPTH) this.fail(at, 'nested too deeply');
    if (this.text.charAt(at) !== '{') this.fail(at, 'expected an object');
    let i = this.skipWhitespace(at + 1);
    if (this.text.charAt(i) === '}') return i + 1;
    for (;;) {
      const keyEnd = this.string(i);
      const keyStart = i;
      i = this.skipWhitespace(keyEnd);
      if (this.text.charAt(i) !== ':') this.fail(i, 'expected :');
      const start = this.skipWhitespace(i + 1);
      const end = this.value(start, depth);
      // The key is decoded as JSON.parse would: `"a\u0062"` and `"ab"` are the same key.
      onMember?.(JSON.parse(this.text.slice(keyStart, keyEnd)) as string, start, end);
      i = this.skipWhitespace(end);
      const c = this.text.charAt(i);
      if (c === '}') return i + 1;
      if (c !== ',') this.fail(i, 'expected , or }');
      i = this.skipWhitespace(i + 1);
    }
  }
}

/**
 * Reads `text` as exactly one JSON object and returns its direct members, key → raw value text.
 * Refuses (ok: false) anything that is not one well-formed object, and any key that occurs twice
 * at the top level: with two candidates there is no telling which one a signature was meant for.
 */
export function readTopLevelMembers(text: string): TopLevelMembers {
  const scanner = new Scanner(text);
  const members = new Map<string, string>();
  let duplicate: string | undefined;
  try {
    const start = scanner.skipWhitespace(0);
    const end = scanner.object(start, 1, (key, valueStart, valueEnd) => {
      if (members.has(key)) duplicate ??= key;
      else members.set(key, text.slice(valueStart, valueEnd));
    });
    if (scanner.skipWhitespace(end) !== text.length) scanner.fail(end, 'text after the object');
  } catch (error) {
    if (error instanceof MalformedJson) return { ok: false, reason: `not one JSON object: ${error.message}` };
    throw error;
  }
  if (duplicate !== undefined) {
    return { ok: false, reason: `the key ${JSON.stringify(duplicate.slice(0, 64))} occurs more than once` };
  }
  return { ok: true, members };
}
