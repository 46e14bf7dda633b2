// Where TypeScript's arena may start: the first byte after the module's own
// static data. The module never allocates on its own (runtime "stub", no
// managed objects), so everything from here on belongs to the arena.
export function heapBase(): usize {
  return __heap_base;
}
