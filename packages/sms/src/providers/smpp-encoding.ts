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

/** GSM septets of `text` (extension-table characters as 0x1B + code); the caller checked encodability. */
function gsmSeptets(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  let length = 0;
  for (const char of text) {
    const basic = GSM_BASIC_INDEX.get(char);
    if (basic !== undefined) {
      out[length++] = basic;
      continue;
    }
    const extension = GSM_EXTENSION.get(char);
    if (extension === undefined) {
      throw new RangeError(`character U+${char.codePointAt(0)?.toString(16)} is not in GSM 03.38`);
    }
    out[length++] = 0x1b;
    out[length++] = extension;
  }
  return out.subarray(0, length);
}

/** UCS-2 / UTF-16BE bytes of `text`. */
function ucs2Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf16le').swap16();
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
  const parts: Uint8Array[] = [];
  if (chosen === 'gsm') {
    const septets = gsmSeptets(text);
    if (septets.length <= 160) parts.push(septets);
    else {
      for (let start = 0; start < septets.length; ) {
        let end = Math.min(start + 153, septets.length);
        // No extension code is 0x1B, so a 0x1B septet always opens an escape pair: keep the pair together.
        if (end < septets.length && septets[end - 1] === 0x1b) end -= 1;
        parts.push(septets.subarray(start, end));
        start = end;
      }
    }
  } else if (text.length <= 70) {
    parts.push(ucs2Bytes(text));
  } else {
    for (let start = 0; start < text.length; ) {
      let end = Math.min(start + 67, text.length);
      const last = text.charCodeAt(end - 1);
      // A high surrogate at the end would leave its pair's second half to the next part.
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
      parts.push(ucs2Bytes(text.slice(start, end)));
      start = end;
    }
  }
  if (parts.length > MAX_PARTS)
    throw new RangeError(`message needs ${parts.length} parts; at most ${MAX_PARTS}`);
  return { encoding: chosen, dataCoding: DATA_CODING[chosen], parts };
}

/** UDH for part `sequence` (1-based) of `total` with 8-bit reference `reference`. */
export function concatenationUdh(reference: number, total: number, sequence: number): Uint8Array {
  return Uint8Array.of(0x05, 0x00, 0x03, reference & 0xff, total, sequence);
}
