/**
 * Memory for the compute core: a bump arena of f32 buffers inside the
 * WebAssembly module's linear memory. Buffers are allocated once (per model,
 * per batch size) and reused every step; `mark`/`release` free everything
 * allocated after a point. Growing the memory detaches old ArrayBuffers, so a
 * buffer hands out a fresh Float32Array view on each `array` access.
 */
import { MisalignError } from '../common/errors.js';

const PAGE_BYTES = 65536;
const ALIGN_BYTES = 16; // one v128

/** `length` f32 values at byte offset `ptr` of the module's memory. */
export class F32Buffer {
  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly ptr: number,
    readonly length: number,
  ) {}

  /** A view of the buffer's current contents (valid until the memory next grows). */
  get array(): Float32Array {
    return new Float32Array(this.memory.buffer, this.ptr, this.length);
  }

  /** Copies `values` in, starting at element `offset`. */
  set(values: ArrayLike<number>, offset = 0): this {
    if (offset + values.length > this.length) {
      throw new MisalignError('SHAPE_MISMATCH', `cannot write ${values.length} values at ${offset} into a buffer of ${this.length}`);
    }
    this.array.set(values, offset);
    return this;
  }

  /** The `length` floats starting at element `offset`, as a buffer of their own (no copy). */
  view(offset: number, length: number): F32Buffer {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.length) {
      throw new MisalignError('SHAPE_MISMATCH', `view [${offset}, ${offset + length}) is outside a buffer of ${this.length}`);
    }
    return new F32Buffer(this.memory, this.ptr + 4 * offset, length);
  }

  /** A copy of the contents, safe to keep after the arena is released. */
  toArray(): Float32Array {
    return this.array.slice();
  }
}

export class Arena {
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = Arena.align(base);
  }

  private static align(ptr: number): number {
    return Math.ceil(ptr / ALIGN_BYTES) * ALIGN_BYTES;
  }

  /** A zero-filled buffer of `length` f32 values, 16-byte aligned. */
  alloc(length: number): F32Buffer {
    if (!Number.isInteger(length) || length < 0) throw new MisalignError('OUT_OF_RANGE', `buffer length must be a non-negative integer, got ${length}`);
    const ptr = this.top;
    const end = Arena.align(ptr + length * 4);
    const needed = end - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE_BYTES));
    this.top = end;
    const buffer = new F32Buffer(this.memory, ptr, length);
    buffer.array.fill(0);
    return buffer;
  }

  /** A buffer holding a copy of `values`. */
  from(values: ArrayLike<number>): F32Buffer {
    return this.alloc(values.length).set(values);
  }

  /** The current top, to release back to later. */
  mark(): number {
    return this.top;
  }

  /** Frees every buffer allocated after `mark` (their views must not be used again). */
  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new MisalignError('OUT_OF_RANGE', `arena mark ${mark} is not inside the arena`);
    this.top = mark;
  }

  /** Bytes in use. */
  get used(): number {
    return this.top - Arena.align(this.base);
  }
}
