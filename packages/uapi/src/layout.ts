import { UapiError } from "./arch.js";

/** Scalar field types; "ptr" is a 64-bit user pointer, "u128" an A64 vector register. */
export type ScalarType = "u8" | "s8" | "u16" | "s16" | "u32" | "s32" | "u64" | "s64" | "ptr" | "u128";

export interface FieldLayout {
  readonly offset: number;
  /** Total size in bytes (for arrays: count × element size). */
  readonly size: number;
  /** Scalar type of the field or of its elements; "struct" for a nested struct (its fields are flattened as `a.b`). */
  readonly type: ScalarType | "struct";
  /** Element count for arrays (absent for scalars). */
  readonly count?: number;
}

export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Every field by name; nested struct fields also appear flattened as "outer.inner". */
  readonly fields: Readonly<Record<string, FieldLayout>>;
}

const SCALAR: Readonly<Record<ScalarType, number>> = {
  u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, ptr: 8, u128: 16,
};

/**
 * One member as written in C: [name, type] where type is a scalar, `scalar[n]`, or a StructLayout (nested).
 * Options: `align` raises the member's alignment (__attribute__((aligned(n)))), `at` asserts/places a union
 * member at an explicit offset (used for the siginfo union, whose alternatives overlap).
 */
export type Member =
  | readonly [string, ScalarType | `${ScalarType}[${number}]` | StructLayout]
  | readonly [string, ScalarType | `${ScalarType}[${number}]` | StructLayout, { readonly align?: number; readonly at?: number }];

const round = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Lays out a struct with the LP64 C rules (natural alignment, tail padding to the largest alignment), the
 * way gcc does for x86-64 and arm64. `opts.size` asserts the total size (catching table typos early);
 * `opts.align` raises the struct's alignment.
 */
export function defineStruct(name: string, members: readonly Member[], opts: { size?: number; align?: number } = {}): StructLayout {
  const fields: Record<string, FieldLayout> = {};
  let off = 0;
  let end = 0;
  let maxAlign = opts.align ?? 1;
  for (const m of members) {
    const [fname, type] = m;
    const o = m[2] ?? {};
    let size: number;
    let align: number;
    let field: Omit<FieldLayout, "offset">;
    if (typeof type === "object") {
      size = type.size;
      align = type.align;
      field = { size, type: "struct" };
    } else {
      const arr = /^(\w+)\[(\d+)\]$/.exec(type);
      const scalar = (arr ? arr[1] : type) as ScalarType;
      const el = SCALAR[scalar];
      if (el === undefined) throw new UapiError(`${name}.${fname}: unknown type ${type}`);
      const count = arr ? Number(arr[2]) : undefined;
      size = el * (count ?? 1);
      align = el;
      field = count !== undefined ? { size, type: scalar, count } : { size, type: scalar };
    }
    if (o.align !== undefined) align = Math.max(align, o.align);
    maxAlign = Math.max(maxAlign, align);
    const at = o.at ?? round(off, align);
    if (o.at !== undefined && o.at % align !== 0) throw new UapiError(`${name}.${fname}: misaligned at ${o.at}`);
    if (fields[fname]) throw new UapiError(`${name}: duplicate field ${fname}`);
    fields[fname] = { offset: at, ...field };
    if (typeof type === "object") {
      for (const [sub, f] of Object.entries(type.fields)) fields[`${fname}.${sub}`] = { ...f, offset: at + f.offset };
    }
    if (o.at === undefined) off = at + size;
    end = Math.max(end, at + size);
  }
  const size = round(Math.max(end, off), maxAlign);
  if (opts.size !== undefined && opts.size !== size) throw new UapiError(`${name}: computed size ${size}, expected ${opts.size}`);
  return Object.freeze({ name, size, align: maxAlign, fields: Object.freeze(fields) });
}

function fieldOf(layout: StructLayout, name: string): FieldLayout {
  const f = layout.fields[name];
  if (!f) throw new UapiError(`${layout.name} has no field ${JSON.stringify(name)}`);
  return f;
}

function elementOffset(layout: StructLayout, f: FieldLayout, name: string, index: number): number {
  if (index === 0) return f.offset;
  if (f.count === undefined || !Number.isInteger(index) || index < 0 || index >= f.count) {
    throw new UapiError(`${layout.name}.${name}[${index}] out of range`);
  }
  return f.offset + index * SCALAR[f.type as ScalarType];
}

/** Byte offset of `field` (or of element `index` of an array field). */
export function offsetOf(layout: StructLayout, field: string, index = 0): number {
  return elementOffset(layout, fieldOf(layout, field), field, index);
}

/**
 * Reads a scalar field (little-endian) of a struct at `base` in `view`. 64-bit types return bigint, the
 * rest number. u128 and nested structs are not scalars: read their bytes with offsetOf.
 */
export function readField(view: DataView, base: number, layout: StructLayout, field: string, index = 0): number | bigint {
  const f = fieldOf(layout, field);
  const at = base + elementOffset(layout, f, field, index);
  switch (f.type) {
    case "u8": return view.getUint8(at);
    case "s8": return view.getInt8(at);
    case "u16": return view.getUint16(at, true);
    case "s16": return view.getInt16(at, true);
    case "u32": return view.getUint32(at, true);
    case "s32": return view.getInt32(at, true);
    case "u64": case "ptr": return view.getBigUint64(at, true);
    case "s64": return view.getBigInt64(at, true);
    default: throw new UapiError(`${layout.name}.${field} is not a scalar (${f.type})`);
  }
}

/** Writes a scalar field (little-endian); accepts number or bigint for any width, truncating like C. */
export function writeField(view: DataView, base: number, layout: StructLayout, field: string, value: number | bigint, index = 0): void {
  const f = fieldOf(layout, field);
  const at = base + elementOffset(layout, f, field, index);
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new UapiError(`${layout.name}.${field}: ${value} is not an integer`);
  // DataView's setUint8/16/32 already reduce a number modulo 2^n (ToUint8/16/32), so numbers need no BigInt.
  const small = (bits: number) => (typeof value === "number" ? value : Number(BigInt.asUintN(bits, value)));
  switch (f.type) {
    case "u8": case "s8": view.setUint8(at, small(8)); return;
    case "u16": case "s16": view.setUint16(at, small(16), true); return;
    case "u32": case "s32": view.setUint32(at, small(32), true); return;
    case "u64": case "s64": case "ptr": view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true); return;
    default: throw new UapiError(`${layout.name}.${field} is not a scalar (${f.type})`);
  }
}
