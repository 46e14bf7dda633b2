// Dense-layer helpers: LeakyReLU forward and backward, bias add, and bias
// gradients (column sums). All buffers are row-major f32; pointers are byte
// offsets into linear memory. Every loop runs 4 lanes of f32x4 at a time and
// finishes the tail (n mod 4) in scalar code, so any length is correct.

// y = leaky_relu(x) elementwise: y[i] = x[i] > 0 ? x[i] : slope * x[i].
// x, y are (n,); y may alias x (in place).
export function leakyReluForward(x: usize, y: usize, n: i32, slope: f32): void {
  const vslope = f32x4.splat(slope);
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const v = v128.load(x + off);
    const positive = f32x4.gt(v, vzero);
    v128.store(y + off, v128.bitselect(v, f32x4.mul(v, vslope), positive));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? v : v * slope);
  }
}

// dx = dy * leaky_relu'(x): dx[i] = x[i] > 0 ? dy[i] : slope * dy[i].
// x is the forward input (pre-activation), (n,); dy, dx are (n,); dx may alias dy.
export function leakyReluBackward(x: usize, dy: usize, dx: usize, n: i32, slope: f32): void {
  const vslope = f32x4.splat(slope);
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const g = v128.load(dy + off);
    const positive = f32x4.gt(v128.load(x + off), vzero);
    v128.store(dx + off, v128.bitselect(g, f32x4.mul(g, vslope), positive));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const g = load<f32>(dy + off);
    store<f32>(dx + off, load<f32>(x + off) > 0 ? g : g * slope);
  }
}

// y[r, c] += b[c] for every row r. y is (rows, cols), b is (cols,).
export function biasAdd(y: usize, b: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * rowBytes;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const off = <usize>c << 2;
      v128.store(yr + off, f32x4.add(v128.load(yr + off), v128.load(b + off)));
    }
    for (; c < cols; c++) {
      const off = <usize>c << 2;
      store<f32>(yr + off, load<f32>(yr + off) + load<f32>(b + off));
    }
  }
}

// out[c] = beta * out[c] + sum_r x[r, c]: the bias gradient of a dense layer
// (beta = 0 overwrites, beta = 1 accumulates). x is (rows, cols), out is (cols,).
export function columnSums(x: usize, out: usize, rows: i32, cols: i32, beta: f32): void {
  const rowBytes = <usize>cols << 2;
  const vbeta = f32x4.splat(beta);
  let c = 0;
  // 4 columns at a time, walking down the rows.
  for (; c + 4 <= cols; c += 4) {
    const off = <usize>c << 2;
    let acc = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      acc = f32x4.add(acc, v128.load(x + <usize>r * rowBytes + off));
    }
    const prev = beta == 0 ? f32x4.splat(0) : f32x4.mul(v128.load(out + off), vbeta);
    v128.store(out + off, f32x4.add(prev, acc));
  }
  for (; c < cols; c++) {
    const off = <usize>c << 2;
    let acc: f32 = 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(x + <usize>r * rowBytes + off);
    const prev: f32 = beta == 0 ? 0 : load<f32>(out + off) * beta;
    store<f32>(out + off, prev + acc);
  }
}
