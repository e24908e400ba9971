/**
 * Tiny CBOR (RFC 8949) encoder/decoder for tests.
 *
 * Encoder: unsigned/negative integers, floats (always float64), byte strings (Uint8Array),
 * text strings, arrays, maps (Map with number/string keys, or plain objects with text keys),
 * booleans, null and undefined. Always uses the shortest length encoding, and keeps map entries
 * in insertion order (so callers control CTAP2 canonical ordering).
 *
 * Decoder: the same types plus half/single floats. Maps always decode to `Map` so integer keys
 * (COSE) survive. Integers beyond Number.MAX_SAFE_INTEGER decode to bigint. Indefinite lengths
 * and tags are rejected.
 */

export type CborKey = number | string;
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<CborKey, CborValue>
  | { [key: string]: CborValue };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function head(major: number, length: number | bigint): number[] {
  const n = BigInt(length);
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  if (n < 0x100n) return [m | 24, Number(n)];
  if (n < 0x10000n) return [m | 25, Number(n >> 8n), Number(n & 0xffn)];
  if (n < 0x100000000n) {
    return [m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  }
  if (n < 0x10000000000000000n) {
    return [m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  }
  throw new RangeError(`CBOR: integer ${n} out of 64-bit range`);
}

function encodeInto(out: number[], value: CborValue): void {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    out.push(0xfb, ...new Uint8Array(view.buffer));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`CBOR: unsafe integer ${value}; pass a bigint`);
    }
    const n = BigInt(value);
    out.push(...(n >= 0n ? head(0, n) : head(1, -1n - n)));
  } else if (typeof value === 'string') {
    const bytes = textEncoder.encode(value);
    out.push(...head(3, bytes.length), ...bytes);
  } else if (value instanceof Uint8Array) {
    out.push(...head(2, value.length), ...value);
  } else if (value === false) {
    out.push(0xf4);
  } else if (value === true) {
    out.push(0xf5);
  } else if (value === null) {
    out.push(0xf6);
  } else if (value === undefined) {
    out.push(0xf7);
  } else if (Array.isArray(value)) {
    out.push(...head(4, value.length));
    for (const item of value) encodeInto(out, item);
  } else {
    const entries: [CborKey, CborValue][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
    out.push(...head(5, entries.length));
    for (const [k, v] of entries) {
      encodeInto(out, k);
      encodeInto(out, v);
    }
  }
}

export function encodeCbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  encodeInto(out, value);
  return Uint8Array.from(out);
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Decode the first CBOR item starting at `offset`.
 * Returns the value and the offset just past it (so CBOR sequences / trailing data can be walked).
 */
export function decodeCborFirst(bytes: Uint8Array, offset = 0): { value: CborValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = offset;

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new RangeError('CBOR: unexpected end of input');
  };

  const readArg = (info: number): bigint => {
    if (info < 24) return BigInt(info);
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error(`CBOR: unsupported additional info ${info}`);
    need(size);
    let n = 0n;
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(bytes[pos + i]!);
    pos += size;
    return n;
  };

  const toNum = (n: bigint): number | bigint =>
    n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;

  const readLen = (info: number): number => {
    const n = readArg(info);
    if (n > BigInt(bytes.length)) throw new RangeError('CBOR: length exceeds input');
    return Number(n);
  };

  const item = (): CborValue => {
    need(1);
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return toNum(readArg(info));
      case 1:
        return toNum(-1n - readArg(info));
      case 2: {
        const len = readLen(info);
        need(len);
        const out = new Uint8Array(bytes.subarray(pos, pos + len)); // plain copy, even for Buffer input
        pos += len;
        return out;
      }
      case 3: {
        const len = readLen(info);
        need(len);
        const out = textDecoder.decode(bytes.subarray(pos, pos + len));
        pos += len;
        return out;
      }
      case 4: {
        const len = readLen(info);
        const arr: CborValue[] = [];
        for (let i = 0; i < len; i++) arr.push(item());
        return arr;
      }
      case 5: {
        const len = readLen(info);
        const map = new Map<CborKey, CborValue>();
        for (let i = 0; i < len; i++) {
          const k = item();
          if (typeof k !== 'number' && typeof k !== 'string') {
            throw new Error(`CBOR: unsupported map key type ${typeof k}`);
          }
          if (map.has(k)) throw new Error(`CBOR: duplicate map key ${String(k)}`);
          map.set(k, item());
        }
        return map;
      }
      case 6:
        throw new Error('CBOR: tags are not supported');
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 25) {
          need(2);
          pos += 2;
          return halfToNumber(view.getUint16(pos - 2));
        }
        if (info === 26) {
          need(4);
          pos += 4;
          return view.getFloat32(pos - 4);
        }
        if (info === 27) {
          need(8);
          pos += 8;
          return view.getFloat64(pos - 8);
        }
        throw new Error(`CBOR: unsupported simple value / break (info ${info})`);
      }
    }
  };

  const value = item();
  return { value, end: pos };
}

/** Decode exactly one CBOR item; throws if there are trailing bytes. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const { value, end } = decodeCborFirst(bytes);
  if (end !== bytes.length) throw new Error(`CBOR: ${bytes.length - end} trailing byte(s)`);
  return value;
}
