/** Where the code runs. Imports nothing, so that it loads in browsers and web workers too. */

/** Whether this is Node (not a browser page or a web worker). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}
