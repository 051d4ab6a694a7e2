/**
 * Typed arrays as base64 strings, so a trained model fits in a jsonb column and round-trips
 * through JSON.stringify. Byte order is the platform's (little-endian on every target we ship).
 */
type NumericArray = Float32Array | Uint32Array | Int8Array;

export function encodeBase64(array: NumericArray): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function decodeBytes(base64: string, bytesPerElement: number): ArrayBuffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength % bytesPerElement !== 0) {
    throw new Error(`corrupt model: ${bytes.byteLength} bytes is not a whole number of elements`);
  }
  // Copy into a fresh buffer: Buffer's pool offset need not be aligned for a typed-array view.
  const aligned = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(aligned).set(bytes);
  return aligned;
}

export function decodeFloat32(base64: string): Float32Array {
  return new Float32Array(decodeBytes(base64, 4));
}

export function decodeUint32(base64: string): Uint32Array {
  return new Uint32Array(decodeBytes(base64, 4));
}

export function decodeInt8(base64: string): Int8Array {
  return new Int8Array(decodeBytes(base64, 1));
}
