// SMS text encoding for SMPP: GSM 03.38 (7-bit default alphabet, sent unpacked one septet per octet
// as SMPP does for data_coding 0) or UCS-2 (data_coding 8), and splitting into concatenated parts
// with an 8-bit-reference UDH (IEI 0x00, 3GPP TS 23.040 §9.2.3.24.1).

/** GSM 03.38 basic character set; the index is the septet value. 0x1B is the escape to the extension table. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** GSM 03.38 extension table: character -> septet after the 0x1B escape. */
const GSM_EXTENSION: ReadonlyMap<string, number> = new Map([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

const GSM_BASIC_INDEX: ReadonlyMap<string, number> = new Map(
  [...GSM_BASIC].map((char, index) => [char, index] as const).filter(([char]) => char !== '\x1b'),
);

/** SMPP data_coding values used here. */
export const DATA_CODING = { gsm: 0x00, ucs2: 0x08 } as const;

export type SmppEncoding = keyof typeof DATA_CODING;

/** Largest number of parts a concatenated message may have (one octet in the UDH). */
export const MAX_PARTS = 255;

/** True when every character of `text` is in the GSM 03.38 basic or extension table. */
export function isGsmEncodable(text: string): boolean {
  for (const char of text) if (!GSM_BASIC_INDEX.has(char) && !GSM_EXTENSION.has(char)) return false;
  return true;
}

/** Septets (GSM) for one character: 2 for extension-table characters. */
function gsmSeptets(char: string): Uint8Array {
  const basic = GSM_BASIC_INDEX.get(char);
  if (basic !== undefined) return Uint8Array.of(basic);
  const extension = GSM_EXTENSION.get(char);
  if (extension !== undefined) return Uint8Array.of(0x1b, extension);
  throw new RangeError(`character U+${char.codePointAt(0)?.toString(16)} is not in GSM 03.38`);
}

/** One UCS-2 (UTF-16BE) unit sequence for one code point: 2 bytes, or 4 for a surrogate pair. */
function ucs2Bytes(char: string): Uint8Array {
  const out = new Uint8Array(char.length * 2);
  for (let i = 0; i < char.length; i++) {
    const unit = char.charCodeAt(i);
    out[i * 2] = unit >> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

export interface EncodedMessage {
  encoding: SmppEncoding;
  dataCoding: number;
  /** Payload of each part without UDH; one entry for a message that fits a single SMS. */
  parts: Uint8Array[];
}

/**
 * Encodes `text` and splits it: GSM up to 160 septets in one SMS, else parts of at most 153;
 * UCS-2 up to 70 units, else parts of at most 67. A character (an escape pair, a surrogate pair) is
 * never split across parts, so each part decodes on its own.
 */
export function encodeSmsText(text: string, encoding: SmppEncoding | 'auto' = 'auto'): EncodedMessage {
  const chosen: SmppEncoding = encoding === 'auto' ? (isGsmEncodable(text) ? 'gsm' : 'ucs2') : encoding;
  const chunks = [...text].map(chosen === 'gsm' ? gsmSeptets : ucs2Bytes);
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const single = chosen === 'gsm' ? 160 : 140;
  const perPart = chosen === 'gsm' ? 153 : 134;
  const parts: Uint8Array[] = [];
  if (total <= single) {
    parts.push(concat(chunks, total));
  } else {
    let current: Uint8Array[] = [];
    let length = 0;
    for (const chunk of chunks) {
      if (length + chunk.length > perPart) {
        parts.push(concat(current, length));
        current = [];
        length = 0;
      }
      current.push(chunk);
      length += chunk.length;
    }
    if (length > 0) parts.push(concat(current, length));
  }
  if (parts.length > MAX_PARTS)
    throw new RangeError(`message needs ${parts.length} parts; at most ${MAX_PARTS}`);
  return { encoding: chosen, dataCoding: DATA_CODING[chosen], parts };
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** UDH for part `sequence` (1-based) of `total` with 8-bit reference `reference`. */
export function concatenationUdh(reference: number, total: number, sequence: number): Uint8Array {
  return Uint8Array.of(0x05, 0x00, 0x03, reference & 0xff, total, sequence);
}

/** Decodes unpacked GSM septets (data_coding 0) back to text. */
export function decodeGsm(septets: Uint8Array): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] as number;
    if (septet === 0x1b && i + 1 < septets.length) {
      const next = septets[i + 1] as number;
      const extension = [...GSM_EXTENSION].find(([, value]) => value === next)?.[0];
      out += extension ?? ' ';
      i += 1;
    } else {
      out += GSM_BASIC[septet] ?? ' ';
    }
  }
  return out;
}

/** Decodes UCS-2 / UTF-16BE bytes. */
export function decodeUcs2(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2)
    out += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  return out;
}
