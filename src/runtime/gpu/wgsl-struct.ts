/**
 * A WGSL struct written once, in TypeScript: its declaration is generated and injected ahead of the kernels that
 * use it, and `encode` writes values at the offsets WGSL's layout rules give the same fields (u32 and f32 take
 * and align to 4 bytes, vec4<f32> to 16). The field order of a uniform buffer therefore cannot
 * drift between the kernel and the code that fills it.
 */

export type FieldType = 'u32' | 'f32' | 'vec4<f32>';
type FieldValue<T extends FieldType> = T extends 'vec4<f32>' ? readonly [number, number, number, number] : number;
export type StructValues<F extends Record<string, FieldType>> = { [K in keyof F]: FieldValue<F[K]> };
/** The values `encode` takes for a given struct. */
export type ValuesOf<S> = S extends WgslStruct<infer F> ? StructValues<F> : never;

export class WgslStruct<F extends Record<string, FieldType>> {
  /** The WGSL declaration, `struct Name { field: type, … }`. */
  readonly wgsl: string;
  /** Size in bytes (also the stride of an array of it): the end of the last field, rounded to the largest alignment. */
  readonly bytes: number;
  private readonly layout: Array<{ name: keyof F; type: FieldType; offset: number }> = [];

  constructor(
    readonly name: string,
    fields: F,
  ) {
    let [offset, largest] = [0, 4];
    for (const [field, type] of Object.entries(fields) as Array<[keyof F & string, FieldType]>) {
      const align = type === 'vec4<f32>' ? 16 : 4;
      offset = Math.ceil(offset / align) * align;
      this.layout.push({ name: field, type, offset });
      offset += align;
      largest = Math.max(largest, align);
    }
    this.bytes = Math.ceil(offset / largest) * largest;
    this.wgsl = `struct ${name} {\n${this.layout.map((f) => `  ${String(f.name)}: ${f.type},`).join('\n')}\n}\n`;
  }

  /** Writes one struct at byte `offset` of `target` (a new buffer of `bytes` if none is given). */
  encode(values: StructValues<F>, target = new ArrayBuffer(this.bytes), offset = 0): ArrayBuffer {
    const view = new DataView(target, offset, this.bytes);
    for (const { name, type, offset: at } of this.layout) {
      const value = values[name];
      if (type === 'u32') view.setUint32(at, value as number, true);
      else if (type === 'f32') view.setFloat32(at, value as number, true);
      else (value as readonly number[]).forEach((v, i) => view.setFloat32(at + 4 * i, v, true));
    }
    return target;
  }
}
