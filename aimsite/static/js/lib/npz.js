// Reads the API's binary answers (`Accept: application/x-npz`): NumPy `.npy` arrays in
// an uncompressed zip (aimsite/npz.py archive_bytes). No text to parse: each array is a
// typed array over a copy of its bytes. Other members come back as bytes.
//
//   const files = readNpz(await response.arrayBuffer());
//   files.get("values")   // Float64Array (from values.npy; int64 steps too, as numbers)
//   files.get("search.json")   // Uint8Array: new TextDecoder().decode(...)

export const NPZ_MEDIA_TYPE = "application/x-npz";

const LOCAL_HEADER = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const NPY_MAGIC = "\x93NUMPY";

/** The members of an npz archive by name (".npy" left off), in archive order. */
export function readNpz(buffer) {
  const view = new DataView(buffer);
  const files = new Map();
  let at = 0;
  while (at + 30 <= buffer.byteLength && view.getUint32(at, true) === LOCAL_HEADER) {
    const flags = view.getUint16(at + 6, true);
    const method = view.getUint16(at + 8, true);
    let size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    if (method !== 0 || flags & 0x08) throw new Error("npz: only stored members with known sizes can be read");
    const name = new TextDecoder().decode(new Uint8Array(buffer, at + 30, nameLength));
    if (size === 0xffffffff) size = zip64Size(view, at + 30 + nameLength, extraLength);
    const start = at + 30 + nameLength + extraLength;
    const bytes = new Uint8Array(buffer, start, size);
    if (name.endsWith(".npy")) files.set(name.slice(0, -4), readNpy(bytes));
    else files.set(name, bytes);
    at = start + size;
  }
  return files;
}

function zip64Size(view, at, length) {
  for (let end = at + length; at + 4 <= end;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    // The zip64 field starts with the uncompressed size (stored: the same).
    if (id === ZIP64_EXTRA) return Number(view.getBigUint64(at + 4, true));
    at += 4 + size;
  }
  throw new Error("npz: a member's size is missing");
}

/** One .npy array: little-endian float64 or int64 (as numbers), one dimension. */
export function readNpy(bytes) {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== NPY_MAGIC) throw new Error("npz: not a .npy member");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = header.match(/'descr':\s*'([^']+)'/)?.[1];
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error("npz: Fortran order is not read");
  const count = (shape || "").split(",").filter((part) => part.trim()).reduce((n, part) => n * Number(part), 1);
  const start = headerStart + headerLength;
  // A copy, aligned for the typed array (the member may start anywhere in the zip).
  const data = bytes.slice(start, start + count * 8).buffer;
  if (descr === "<f8") return new Float64Array(data);
  if (descr === "<i8") return int64AsNumbers(new Int32Array(data), count);
  throw new Error(`npz: dtype ${descr} is not read`);
}

function int64AsNumbers(words, count) {
  // Exact below 2**53: steps and counts are.
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 1) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
  return out;
}
