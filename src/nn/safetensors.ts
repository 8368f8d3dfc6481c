// The safetensors format (what PyTorch, JAX and the HF tools read): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the raw
// little-endian data. Pure bytes in and out (no file system); src/cli writes files atomically.
// metagrad adds a CRC-32 of the data block to __metadata__ and checks it when present, so a
// flipped bit is refused, not loaded.
import { ArgumentError, CheckpointError, describe, fmtShape } from '../errors.ts';
import { Tensor, expectTensor } from '../autograd/tensor.ts';
import { sizeOf } from '../autograd/shape.ts';

const CRC_KEY = 'metagrad.crc32';
const RESERVED_NAMES = new Set(['__metadata__', '__proto__']);
const DTYPES = { float32: ['F32', 4], float64: ['F64', 8] } as const;

let crcTable: Uint32Array | null = null;

/**
 * CRC-32 (IEEE 802.3, as in zlib) of bytes.
 * @example crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`crc32: bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(t: Tensor): Uint8Array {
  const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (littleEndian) return b;
  const out = new Uint8Array(b.length);
  const w = t.dtype === 'float64' ? 8 : 4;
  for (let i = 0; i < b.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j];
  return out;
}

/**
 * Serializes named tensors (sorted by name, as the reference implementation does).
 * @example const bytes = toSafetensors(model.stateDict(), { step: '100' });
 */
export function toSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) {
    throw new ArgumentError(`toSafetensors: tensors must be a record of Tensors by name, got ${describe(tensors)}`);
  }
  if (metadata === null || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) {
    throw new ArgumentError('toSafetensors: metadata must be a record of strings');
  }
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    // The reader would refuse the first and be hijacked by the second (prototype pollution).
    if (RESERVED_NAMES.has(name)) throw new ArgumentError(`toSafetensors: '${name}' cannot name a tensor`);
    expectTensor('toSafetensors', tensors[name], `tensors['${name}']`);
  }
  const header: Record<string, unknown> = {};
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const name of names) {
    const t = tensors[name];
    const bytes = bytesOf(t);
    header[name] = { dtype: DTYPES[t.dtype][0], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  header.__metadata__ = { ...metadata, [CRC_KEY]: crc32(data).toString(16).padStart(8, '0') };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // keep the data block 8-byte aligned
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Parses and checks safetensors bytes; CheckpointError says what is wrong and where.
 * @example fromSafetensors(toSafetensors({ w: ones([2]) })).tensors.w // [1, 1]
 */
export function fromSafetensors(input: Uint8Array | ArrayBufferView | ArrayBuffer, source = 'fromSafetensors'): SafetensorsFile {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: ${why}`);
  };
  // Any view works: a Node Buffer is a Uint8Array at an offset into a shared pool.
  let bytes: Uint8Array;
  if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  else throw new ArgumentError(`fromSafetensors: bytes must be a Uint8Array, another ArrayBufferView or an ArrayBuffer, got ${describe(input)}`);
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, not even a header length`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`truncated or corrupt: header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`corrupt header: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('corrupt header: not a JSON object');
  const data = bytes.subarray(8 + headerLen);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) fail('corrupt header: __metadata__ is not an object');
  // No prototype: a tensor named __proto__ or constructor is an entry like any other, never a hook.
  const tensors: Record<string, Tensor> = Object.create(null);
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (name === '__proto__') fail(`tensor name '__proto__' is refused`);
    const { dtype, shape, data_offsets: off } = (entry ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const kind = dtype === 'F32' ? 'float32' : dtype === 'F64' ? 'float64' : fail(`tensor '${name}' has dtype ${String(dtype)}; metagrad reads F32 and F64`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const width = DTYPES[kind][1];
    if (end - begin !== sizeOf(shape!) * width) fail(`tensor '${name}' ${fmtShape(shape!)} ${dtype} needs ${sizeOf(shape!) * width} bytes, offsets span ${end - begin}`);
    if (end > data.length) fail(`truncated: tensor '${name}' ends at byte ${end} of a ${data.length}-byte data block`);
    spans.push([begin, end, name]);
    const copy = data.slice(begin, end);
    if (!littleEndian) for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
    tensors[name] = new Tensor(kind === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer), shape!);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== cursor) fail(`tensor '${name}' starts at byte ${begin}, expected ${cursor} (overlap or hole)`);
    cursor = end;
  }
  if (cursor !== data.length) fail(`${data.length - cursor} bytes after the last tensor (corrupt or appended)`);
  const crc = metadata[CRC_KEY];
  if (crc !== undefined && crc32(data).toString(16).padStart(8, '0') !== crc) fail(`data checksum mismatch (stored crc32 ${crc}): the file is corrupted`);
  return { tensors, metadata };
}
