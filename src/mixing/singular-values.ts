/**
 * Singular values of a square matrix, operation for operation those of
 * ml-matrix 6.15's SVD with no singular vectors (`computeLeftSingularVectors`
 * and `computeRightSingularVectors` false, no auto-transpose), so the
 * condition numbers come out bit-identical to it (test/singular-values.test.ts
 * compares them on thousands of matrices), about ten times faster: ml-matrix
 * allocates its U and V matrices even when no vectors are wanted and reads
 * every entry through Matrix.get/set; here the work is on flat arrays.
 *
 * The algorithm is JAMA's (Golub–Kahan bidiagonalisation, then implicit-shift
 * QR on the bidiagonal), on the transpose of the input like ml-matrix:
 * `at[j·n + i]` holds a(i, j), i.e. the input in column-major order.
 *
 * Why a port rather than the library: the threshold behind every world is
 * the 25th smallest of 25,000 such condition numbers, so any other SVD
 * (different rounding) would change which mixing matrices are accepted, and
 * with them every result; ml-matrix stays the reference in the tests.
 * JAMA is in the public domain; ml-matrix (whose operation order this
 * follows) is MIT-licensed, Copyright (c) 2014 Michaël Zasso.
 */

/** Reusable scratch for one dimension n. */
export class SingularValueWorkspace {
  readonly at: Float64Array;
  readonly s: Float64Array;
  readonly e: Float64Array;
  readonly work: Float64Array;

  constructor(readonly n: number) {
    this.at = new Float64Array(n * n);
    this.s = new Float64Array(n);
    this.e = new Float64Array(n);
    this.work = new Float64Array(n);
  }
}

function hypotenuse(a: number, b: number): number {
  let r = 0;
  if (Math.abs(a) > Math.abs(b)) {
    r = b / a;
    return Math.abs(a) * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    r = a / b;
    return Math.abs(b) * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * The singular values, largest first, of the n×n matrix held column-major in
 * `ws.at` (which this overwrites); returns `ws.s`.
 */
export function singularValuesInPlace(ws: SingularValueWorkspace): Float64Array {
  const { n, at, s, e, work } = ws;
  const m = n;
  s.fill(0);
  e.fill(0);
  work.fill(0);
  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  const mrc = Math.max(nct, nrt);

  for (let k = 0; k < mrc; k++) {
    const kRow = k * m;
    if (k < nct) {
      let sk = 0;
      for (let i = k; i < m; i++) sk = hypotenuse(sk, at[kRow + i]!);
      if (sk !== 0) {
        if (at[kRow + k]! < 0) sk = -sk;
        for (let i = k; i < m; i++) at[kRow + i] = at[kRow + i]! / sk;
        at[kRow + k] = at[kRow + k]! + 1;
      }
      s[k] = -sk;
    }

    for (let j = k + 1; j < n; j++) {
      const jRow = j * m;
      if (k < nct && s[k] !== 0) {
        let t = 0;
        for (let i = k; i < m; i++) t += at[kRow + i]! * at[jRow + i]!;
        t = -t / at[kRow + k]!;
        for (let i = k; i < m; i++) at[jRow + i] = at[jRow + i]! + t * at[kRow + i]!;
      }
      e[j] = at[jRow + k]!;
    }

    if (k < nrt) {
      let ek = 0;
      for (let i = k + 1; i < n; i++) ek = hypotenuse(ek, e[i]!);
      if (ek !== 0) {
        if (e[k + 1]! < 0) ek = 0 - ek;
        for (let i = k + 1; i < n; i++) e[i] = e[i]! / ek;
        e[k + 1] = e[k + 1]! + 1;
      }
      ek = -ek;
      e[k] = ek;
      if (k + 1 < m && ek !== 0) {
        for (let i = k + 1; i < m; i++) work[i] = 0;
        for (let i = k + 1; i < m; i++) {
          let w = work[i]!;
          for (let j = k + 1; j < n; j++) w += e[j]! * at[j * m + i]!;
          work[i] = w;
        }
        for (let j = k + 1; j < n; j++) {
          const t = -e[j]! / e[k + 1]!;
          const jRow = j * m;
          for (let i = k + 1; i < m; i++) at[jRow + i] = at[jRow + i]! + t * work[i]!;
        }
      }
    }
  }

  let p = Math.min(n, m + 1);
  if (nct < n) s[nct] = at[nct * m + nct]!;
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = at[(p - 1) * m + nrt]!;
  e[p - 1] = 0;

  const pp = p - 1;
  const eps = Number.EPSILON;
  while (p > 0) {
    let k: number;
    let kase: number;
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break;
      const alpha = Number.MIN_VALUE + eps * Math.abs(s[k]! + Math.abs(s[k + 1]!));
      if (Math.abs(e[k]!) <= alpha || Number.isNaN(e[k]!)) {
        e[k] = 0;
        break;
      }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break;
        const t = (ks !== p ? Math.abs(e[ks]!) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]!) : 0);
        if (Math.abs(s[ks]!) <= eps * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }

    k++;

    switch (kase) {
      case 1: {
        let f = e[p - 2]!;
        e[p - 2] = 0;
        for (let j = p - 2; j >= k; j--) {
          const t = hypotenuse(s[j]!, f);
          const cs = s[j]! / t;
          const sn = f / t;
          s[j] = t;
          if (j !== k) {
            f = -sn * e[j - 1]!;
            e[j - 1] = cs * e[j - 1]!;
          }
        }
        break;
      }
      case 2: {
        let f = e[k - 1]!;
        e[k - 1] = 0;
        for (let j = k; j < p; j++) {
          const t = hypotenuse(s[j]!, f);
          const cs = s[j]! / t;
          const sn = f / t;
          s[j] = t;
          f = -sn * e[j]!;
          e[j] = cs * e[j]!;
        }
        break;
      }
      case 3: {
        const scale = Math.max(Math.abs(s[p - 1]!), Math.abs(s[p - 2]!), Math.abs(e[p - 2]!), Math.abs(s[k]!), Math.abs(e[k]!));
        const sp = s[p - 1]! / scale;
        const spm1 = s[p - 2]! / scale;
        const epm1 = e[p - 2]! / scale;
        const sk = s[k]! / scale;
        const ek = e[k]! / scale;
        const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
        const c = sp * epm1 * (sp * epm1);
        let shift = 0;
        if (b !== 0 || c !== 0) {
          if (b < 0) shift = 0 - Math.sqrt(b * b + c);
          else shift = Math.sqrt(b * b + c);
          shift = c / (b + shift);
        }
        let f = (sk + sp) * (sk - sp) + shift;
        let g = sk * ek;
        for (let j = k; j < p - 1; j++) {
          let t = hypotenuse(f, g);
          if (t === 0) t = Number.MIN_VALUE;
          let cs = f / t;
          let sn = g / t;
          if (j !== k) e[j - 1] = t;
          f = cs * s[j]! + sn * e[j]!;
          e[j] = cs * e[j]! - sn * s[j]!;
          g = sn * s[j + 1]!;
          s[j + 1] = cs * s[j + 1]!;
          t = hypotenuse(f, g);
          if (t === 0) t = Number.MIN_VALUE;
          cs = f / t;
          sn = g / t;
          s[j] = t;
          f = cs * e[j]! + sn * s[j + 1]!;
          s[j + 1] = -sn * e[j]! + cs * s[j + 1]!;
          g = sn * e[j + 1]!;
          e[j + 1] = cs * e[j + 1]!;
        }
        e[p - 2] = f;
        break;
      }
      case 4: {
        if (s[k]! <= 0) s[k] = s[k]! < 0 ? -s[k]! : 0;
        while (k < pp) {
          if (s[k]! >= s[k + 1]!) break;
          const t = s[k]!;
          s[k] = s[k + 1]!;
          s[k + 1] = t;
          k++;
        }
        p--;
        break;
      }
      // no default
    }
  }
  return s;
}

/** σ_max / σ_min of the n×n matrix held column-major in `ws.at` (overwritten), as ml-matrix's `SVD(...).condition`. */
export function conditionNumberInPlace(ws: SingularValueWorkspace): number {
  const s = singularValuesInPlace(ws);
  return s[0]! / s[ws.n - 1]!;
}
