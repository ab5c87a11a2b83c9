// Tests of the safetensors codec: round trips of every dtype, a hand-built file,
// F16 conversion, and that every kind of corruption gives a named Error (never a
// RangeError). Must not touch the file system.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  decodeSafetensors,
  encodeSafetensors,
  expectTensor,
  floatToHalf,
  halfToFloat,
  type Dtype,
  type TensorData,
} from "../src/io/safetensors.js";

function sample(): Record<string, { dtype: Dtype; shape: number[]; data: TensorData }> {
  return {
    f32: { dtype: "F32", shape: [2, 3], data: Float32Array.from([1.5, -2.25, 3e-8, 1e30, -0, 7]) },
    f64: { dtype: "F64", shape: [3], data: Float64Array.from([Math.PI, -1e-300, 2 ** 60]) },
    i32: { dtype: "I32", shape: [2, 2], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -5]) },
    i16: { dtype: "I16", shape: [3], data: Int16Array.from([-32768, 32767, 12]) },
    i8: { dtype: "I8", shape: [1, 3], data: Int8Array.from([-128, 127, 0]) },
    u8: { dtype: "U8", shape: [5], data: Uint8Array.from([0, 1, 128, 254, 255]) },
    i64: { dtype: "I64", shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 62n + 12345n]) },
    f16: { dtype: "F16", shape: [6], data: Float32Array.from([0, -2, 0.5, 65504, 2 ** -24, 1.0009765625]) },
    empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
    scalar: { dtype: "I32", shape: [], data: Int32Array.from([42]) },
  };
}

const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
/** A file from a header object and a data buffer, laid out by hand. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  return concat(u64(h.length), h, data);
}

test("round trip of every dtype with metadata", () => {
  const tensors = sample();
  const bytes = encodeSafetensors(tensors, { format: "pt", seed: "42", note: "ünïcode ✓" });
  const n = new DataView(bytes.buffer).getUint32(0, true);
  assert.is((8 + n) % 8, 0, "data buffer starts 8-byte aligned");
  assert.is(new DataView(bytes.buffer).getUint32(4, true), 0);
  const file = decodeSafetensors(bytes, "rt.safetensors");
  assert.equal(file.metadata, { format: "pt", seed: "42", note: "ünïcode ✓" });
  assert.equal(Object.keys(file.tensors), Object.keys(tensors));
  for (const [k, t] of Object.entries(tensors)) {
    const got = file.tensors[k];
    assert.is(got.dtype, t.dtype, k);
    assert.equal(got.shape, t.shape, k);
    assert.is(got.data.constructor, t.data.constructor, k);
    assert.equal(Array.from(got.data as ArrayLike<number | bigint>), Array.from(t.data as ArrayLike<number | bigint>), k);
  }
  assert.ok(Object.is(file.tensors.f32.data[4], -0));
  // no metadata -> empty object, no __metadata__ key written
  const plain = encodeSafetensors({ a: tensors.u8 });
  assert.not.ok(new TextDecoder().decode(plain).includes("__metadata__"));
  assert.equal(decodeSafetensors(plain, "x").metadata, {});
});

test("decoded data does not alias the input bytes", () => {
  const bytes = encodeSafetensors({ a: { dtype: "F32", shape: [2], data: Float32Array.from([1, 2]) } });
  const file = decodeSafetensors(bytes, "x");
  bytes.fill(0, bytes.length - 8);
  assert.equal(Array.from(file.tensors.a.data as Float32Array), [1, 2]);
});

// Node-only input type (Buffer); the browser run of this file has no Buffer.
if (typeof Buffer !== "undefined")
  test("a Node Buffer inside a larger pool decodes (its slice() is a view, not a copy)", () => {
    const bytes = encodeSafetensors({ a: { dtype: "I32", shape: [3], data: new Int32Array([7, -8, 9]) } }, {});
    const pool = Buffer.alloc(bytes.length + 100, 0x55);
    pool.set(bytes, 37);
    const view = pool.subarray(37, 37 + bytes.length);
    assert.equal(Array.from(decodeSafetensors(view, "pooled").tensors.a.data as Int32Array), [7, -8, 9]);
  });

test("a hand-built byte layout decodes (unaligned offsets in the input buffer, padded header)", () => {
  const data = new Uint8Array(4 + 2 + 8);
  const dv = new DataView(data.buffer);
  dv.setFloat32(0, -3.5, true);
  dv.setInt16(4, -300, true);
  dv.setBigInt64(6, -7n, true);
  const header =
    `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"s":{"dtype":"I16","shape":[1,1],"data_offsets":[4,6]},` +
    `"l":{"dtype":"I64","shape":[1],"data_offsets":[6,14]},"__metadata__":{"by":"hand"}}   `;
  const file = build(header, data);
  // place it at an odd offset inside a bigger buffer
  const host = new Uint8Array(file.length + 3);
  host.set(file, 3);
  const got = decodeSafetensors(host.subarray(3), "hand.safetensors");
  assert.equal(Array.from(got.tensors.w.data as Float32Array), [-3.5]);
  assert.equal(Array.from(got.tensors.s.data as Int16Array), [-300]);
  assert.equal(got.tensors.s.shape, [1, 1]);
  assert.equal(Array.from(got.tensors.l.data as BigInt64Array), [-7n]);
  assert.equal(got.metadata, { by: "hand" });
  // F16 bytes of 1.0 (0x3c00) and -0.5 (0xb800)
  const f16 = decodeSafetensors(
    build({ h: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, Uint8Array.from([0x00, 0x3c, 0x00, 0xb8])),
    "h",
  );
  assert.equal(Array.from(f16.tensors.h.data as Float32Array), [1, -0.5]);
});

test("F16 conversion: exact values, rounding, overflow, NaN", () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = halfToFloat(h);
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(halfToFloat(floatToHalf(v))));
      continue;
    }
    assert.is(floatToHalf(v), h, `bits ${h.toString(16)}`);
  }
  assert.is(floatToHalf(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.is(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  assert.is(floatToHalf(1e6), 0x7c00);
  assert.is(floatToHalf(-1e6), 0xfc00);
  assert.is(floatToHalf(65520), 0x7c00); // rounds past the largest half
  assert.is(floatToHalf(2 ** -26), 0); // below half the smallest subnormal
});

test("expectTensor returns typed data or a clear error", () => {
  const file = decodeSafetensors(encodeSafetensors(sample()), "model.safetensors");
  const w = expectTensor(file, "f32", "F32", [2, 3]);
  assert.ok(w instanceof Float32Array);
  assert.throws(
    () => expectTensor(file, "f32", "F32", [50, 256, 256]),
    (e: Error) => e.message === `model.safetensors: tensor "f32": expected F32 [50,256,256], found F32 [2,3]`,
  );
  assert.throws(() => expectTensor(file, "f32", "F64", [2, 3]), /expected F64 \[2,3\], found F32 \[2,3\]/);
  assert.throws(
    () => expectTensor(file, "nope", "F32", [1]),
    /^model\.safetensors: tensor "nope": expected F32 \[1\], found nothing \(tensors: f32, /,
  );
  assert.throws(() => expectTensor(file, "toString", "F32", [1]), /found nothing/);
});

test("encode rejects inconsistent input", () => {
  assert.throws(() => encodeSafetensors({ a: { dtype: "F32", shape: [3], data: new Float32Array(2) } }), /does not match shape/);
  assert.throws(() => encodeSafetensors({ a: { dtype: "F32", shape: [2], data: new Float64Array(2) } }), /must be a Float32Array/);
  assert.throws(() => encodeSafetensors({ a: { dtype: "X" as Dtype, shape: [2], data: new Float64Array(2) } }), /unknown dtype/);
  assert.throws(() => encodeSafetensors({ a: { dtype: "F32", shape: [-1], data: new Float32Array(0) } }), /shape/);
  assert.throws(() => encodeSafetensors({}, { a: 1 as unknown as string }), /metadata "a" must be a string/);
});

test("every corruption gives an Error naming the file, never a RangeError", () => {
  const good = encodeSafetensors({
    a: { dtype: "F32", shape: [2], data: Float32Array.from([1, 2]) },
    b: { dtype: "U8", shape: [3], data: new Uint8Array(3) },
  });
  const f32 = (offs: unknown, shape: unknown = [2], dtype: unknown = "F32") => ({ a: { dtype, shape, data_offsets: offs } });
  const big = new Uint8Array(16);
  new DataView(big.buffer).setUint32(4, 1, true); // header length 2^32
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(0, 200_000_000, true);
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty file", new Uint8Array(0), /shorter than the 8-byte header length/],
    ["7 bytes", new Uint8Array(7), /shorter than the 8-byte/],
    ["header longer than file", concat(u64(100), new Uint8Array(10)), /larger than the file/],
    ["header length 2^32", big, /absurd/],
    ["header length 200 MB", huge, /absurd/],
    ["truncated file", good.subarray(0, good.length - 1), /out of range|trailing|larger/],
    ["truncated header", good.subarray(0, 20), /larger than the file/],
    ["not JSON", build("{not json"), /not valid JSON/],
    ["invalid UTF-8", build('""').map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/],
    ["JSON array", build([1, 2]), /not a JSON object/],
    ["JSON null", build("null"), /not a JSON object/],
    ["entry not an object", build({ a: 5 }), /tensor "a": entry is not an object/],
    ["unknown dtype", build(f32([0, 8], [2], "BF16"), new Uint8Array(8)), /tensor "a": unknown dtype "BF16"/],
    ["missing dtype", build({ a: { shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /unknown dtype/],
    ["shape not array", build(f32([0, 8], 2), new Uint8Array(8)), /shape 2 is not an array/],
    ["negative dim", build(f32([0, 8], [-2]), new Uint8Array(8)), /shape \[-2\] is not an array of non-negative integers/],
    ["fractional dim", build(f32([0, 8], [1.5]), new Uint8Array(8)), /shape/],
    ["string dim", build(f32([0, 8], ["2"]), new Uint8Array(8)), /shape/],
    ["offsets missing", build({ a: { dtype: "F32", shape: [2] } }, new Uint8Array(8)), /data_offsets undefined is not a pair/],
    ["offsets not a pair", build(f32([0]), new Uint8Array(8)), /not a pair/],
    ["negative offset", build(f32([-8, 0]), new Uint8Array(8)), /not a pair of non-negative integers/],
    ["reversed offsets", build(f32([8, 0]), new Uint8Array(8)), /end before they begin/],
    ["offset beyond data", build(f32([0, 8000000000]), new Uint8Array(8)), /out of range/],
    ["size mismatch", build(f32([0, 4]), new Uint8Array(4)), /span 4 bytes but F32 \[2\] needs 8/],
    ["overlap", build({ ...f32([0, 8]), b: { dtype: "U8", shape: [4], data_offsets: [4, 8] } }, new Uint8Array(8)), /overlap/],
    ["gap", build({ ...f32([4, 12]) }, new Uint8Array(12)), /gap/],
    ["trailing bytes", build(f32([0, 8]), new Uint8Array(12)), /4 trailing bytes/],
    ["huge shape product", build(f32([0, 8], [2 ** 40, 2 ** 40]), new Uint8Array(8)), /needs/],
    ["metadata not object", build({ __metadata__: "x" }), /__metadata__ is not an object/],
    ["metadata value number", build({ __metadata__: { a: "1", b: 2 } }), /__metadata__ value "b" is not a string/],
  ];
  for (const [what, bytes, re] of cases) {
    let err: unknown = null;
    try {
      decodeSafetensors(bytes, "bad.safetensors");
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Error, `${what}: should throw`);
    assert.not.ok(err instanceof RangeError, `${what}: RangeError ${(err as Error).message}`);
    const msg = (err as Error).message;
    assert.ok(msg.startsWith("bad.safetensors: "), `${what}: message "${msg}" must start with the name`);
    assert.ok(re.test(msg), `${what}: message "${msg}" should match ${re}`);
  }
  // the untouched file still decodes, and an empty header object is a valid empty file
  assert.is(Object.keys(decodeSafetensors(good, "good").tensors).length, 2);
  assert.equal(decodeSafetensors(build({}), "e").tensors, {});
});

test("a __proto__ tensor name stays an own property", () => {
  const bytes = build(`{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, Uint8Array.from([9]));
  const file = decodeSafetensors(bytes, "p");
  assert.ok(Object.prototype.hasOwnProperty.call(file.tensors, "__proto__"));
  assert.is(Object.getPrototypeOf(file.tensors), Object.prototype);
  assert.equal(Array.from(expectTensor(file, "__proto__", "U8", [1])), [9]);
});

test.run();
