// What require('misalign'), require('misalign/node') and require('misalign/kernels')
// load: misalign is an ES module only (it awaits at the top level, as its
// plotting library does), so CommonJS code loads it with a dynamic import.
// This file turns Node's long error into one line saying so.
const error = new Error(
  "misalign is an ES module and cannot be require()d: use import { ... } from 'misalign' " +
    '(in a .mjs file or a package with "type": "module"), or from CommonJS: const m = await import(\'misalign\')',
);
error.code = 'ERR_REQUIRE_ESM';
throw error;
