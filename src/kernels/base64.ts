// The embedded .wasm builds travel as base64 (src/kernels/wasm-bytes.generated.ts), so nothing is
// fetched or read from disk at run time.

/** Decodes base64 with the runtime's atob (browsers, workers, Node >= 16, Deno, Bun). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
