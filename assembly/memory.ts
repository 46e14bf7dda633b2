// Where TypeScript's arena may start: the first byte after the module's own
// static data. The module never allocates on its own (runtime "stub", no
// managed objects), so everything from here on belongs to the arena.
export function heapBase(): usize {
  return __heap_base;
}

/** The float at index i of the f32 buffer at byte offset p. */
@inline
export function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** Writes v at index i of the f32 buffer at byte offset p. */
@inline
export function setf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}
