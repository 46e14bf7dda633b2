/** Where the code runs. */

/** True in Node (worker threads included), false in browsers and their workers. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}
