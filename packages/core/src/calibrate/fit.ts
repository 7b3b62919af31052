/**
 * Robust least squares on log error with a prior, over positive parameters in log space:
 *
 *   minimize  Σᵢ wᵢ·ρ(rᵢ(u)/s) + ½·Σⱼ ((uⱼ − u0ⱼ)/σⱼ)²,   u = log θ,  lower ≤ θ ≤ upper,
 *
 * where rᵢ = log(predictedᵢ/measuredᵢ), ρ a robust loss (Cauchy, Huber or soft-L1), s the
 * residual scale and u0 the defaults. The prior is a maximum a posteriori penalty toward the
 * family defaults, so a handful of measurements moves only the parameters they inform (the idea
 * of HELP, Lee et al., NeurIPS 2021: adapt to an unseen device from about ten samples).
 * Predictions are expensive (serving simulations), so the optimizer is a chord Gauss–Newton
 * method: one finite-difference Jacobian (at the prior, or given) kept current by sparse Broyden
 * updates, a robust surrogate solved by iteratively reweighted least squares under bounds, and
 * one true evaluation per step with step halving. Deterministic.
 */

export type Loss = 'huber' | 'soft-l1' | 'cauchy';

export interface FitParameter {
  readonly name: string;
  /** Prior (default) value, > 0. */
  readonly prior: number;
  /** Prior standard deviation of log(value / prior). */
  readonly priorLogSigma: number;
  /** Bounds on the value, 0 < lower < upper. */
  readonly lower: number;
  readonly upper: number;
}

export interface FitProblem {
  readonly parameters: readonly FitParameter[];
  /**
   * log(predicted / measured) of every measurement at these values; NaN where unusable. With
   * `only`, just the marked measurements need a value (the others may be NaN).
   */
  readonly residuals: (values: readonly number[], only?: ArrayLike<boolean>) => Float64Array;
  /** Measurements that can depend on parameter j (default all): the Jacobian skips the others. */
  readonly sensitive?: (parameter: number) => ArrayLike<boolean>;
  /** Weight of each measurement (default 1). */
  readonly weights?: ArrayLike<number>;
}

export interface FitOptions {
  /** Default 'cauchy' (see DEFAULT_LOSS). */
  readonly loss?: Loss;
  /** A log error of this size is one unit of the loss (default 0.1, about 10%). */
  readonly scale?: number;
  /** Outer steps, each one true evaluation (default 8). */
  readonly maxIterations?: number;
  /** Stop when no log value moves more than this (default 1e-3). */
  readonly tolerance?: number;
  /** Finite-difference step in log space (default 0.03). */
  readonly step?: number;
  /** ∂rᵢ/∂uⱼ as columns (one Float64Array per parameter); computed at the prior when absent. */
  readonly jacobian?: readonly Float64Array[];
  /** Residuals at the prior, when already known (saves one evaluation). */
  readonly priorResiduals?: Float64Array;
  /** Stop when a step lowers the objective by less than this fraction (default 2e-3). */
  readonly relativeTolerance?: number;
  /**
   * Another starting point with its residuals (e.g. a fit on a superset of the measurements);
   * used when its objective is below the prior's.
   */
  readonly start?: { readonly values: readonly number[]; readonly residuals: Float64Array };
}

export interface FitResult {
  readonly values: readonly number[];
  readonly residuals: Float64Array;
  readonly priorResiduals: Float64Array;
  readonly objective: number;
  readonly priorObjective: number;
  /** Calls of `residuals`. */
  readonly evaluations: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export const DEFAULT_SCALE = 0.1;

/**
 * Cauchy, ρ(z) = ½·ln(1 + z²): a redescending loss, so rows the model misses for a structural
 * reason (an engine release's kernel, a harness floor) stop pulling once far off. Chosen over
 * Huber and soft-L1 by leave-one-source-out error on reference.csv (docs/calibration.md).
 */
export const DEFAULT_LOSS: Loss = 'cauchy';

/** ρ(z) of the loss. */
export function lossValue(loss: Loss, z: number): number {
  const a = Math.abs(z);
  if (loss === 'huber') return a <= 1 ? 0.5 * z * z : a - 0.5;
  if (loss === 'cauchy') return 0.5 * Math.log1p(z * z);
  return Math.sqrt(1 + z * z) - 1;
}

/** IRLS weight ρ'(z)/z. */
function lossWeight(loss: Loss, z: number): number {
  const a = Math.abs(z);
  if (loss === 'huber') return a <= 1 ? 1 : 1 / a;
  if (loss === 'cauchy') return 1 / (1 + z * z);
  return 1 / Math.sqrt(1 + z * z);
}

/** Forward finite-difference Jacobian of the residuals in log space, one column per parameter. */
export function jacobianAt(
  problem: FitProblem,
  values: readonly number[],
  step = 0.03,
  base?: Float64Array,
): Float64Array[] {
  const r0 = base ?? problem.residuals(values);
  const columns: Float64Array[] = [];
  problem.parameters.forEach((p, j) => {
    const up = [...values];
    // A forward step, or a backward one at the upper bound.
    const h = values[j] !== undefined && values[j] * Math.exp(step) > p.upper ? -step : step;
    up[j] = (values[j] ?? p.prior) * Math.exp(h);
    const only = problem.sensitive?.(j);
    const col = new Float64Array(r0.length);
    if (only !== undefined && !Array.prototype.some.call(only, Boolean)) {
      columns.push(col);
      return;
    }
    const r1 = problem.residuals(up, only);
    for (let i = 0; i < r0.length; i++) {
      if (only !== undefined && only[i] !== true) continue;
      const d = ((r1[i] ?? Number.NaN) - (r0[i] ?? Number.NaN)) / h;
      col[i] = Number.isFinite(d) ? d : 0;
    }
    columns.push(col);
  });
  return columns;
}

/** Solves A·x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[piv]?.[c] ?? 0)) piv = r;
    const tmp = m[c];
    const pr = m[piv];
    if (tmp === undefined || pr === undefined) continue;
    m[c] = pr;
    m[piv] = tmp;
    const row = m[c] ?? [];
    const d = row[c] ?? 0;
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const rr = m[r];
      if (rr === undefined) continue;
      const f = (rr[c] ?? 0) / d;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) rr[k] = (rr[k] ?? 0) - f * (row[k] ?? 0);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let c = n - 1; c >= 0; c--) {
    const row = m[c] ?? [];
    let s = row[n] ?? 0;
    for (let k = c + 1; k < n; k++) s -= (row[k] ?? 0) * (x[k] ?? 0);
    const d = row[c] ?? 0;
    x[c] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return x;
}

interface Space {
  readonly u0: readonly number[];
  readonly sigma: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly weights: Float64Array;
  readonly loss: Loss;
  readonly scale: number;
}

function objective(space: Space, u: readonly number[], r: Float64Array): number {
  let f = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] ?? Number.NaN;
    const w = space.weights[i] ?? 0;
    if (w > 0 && Number.isFinite(ri)) f += w * lossValue(space.loss, ri / space.scale);
  }
  for (let j = 0; j < u.length; j++) {
    const z = ((u[j] ?? 0) - (space.u0[j] ?? 0)) / (space.sigma[j] ?? 1);
    f += 0.5 * z * z;
  }
  return f;
}

/**
 * The minimum of the robust surrogate r(u) ≈ r + J·(u − uk) plus the prior, within bounds:
 * iteratively reweighted least squares, bounds by an active set (clamp the worst violator, solve
 * again on the rest).
 */
function solveSurrogate(space: Space, jac: readonly Float64Array[], uk: readonly number[], r: Float64Array) {
  const p = uk.length;
  const n = r.length;
  let d = new Array<number>(p).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ri = r[i] ?? Number.NaN;
      const w = space.weights[i] ?? 0;
      if (w <= 0 || !Number.isFinite(ri)) continue;
      let pred = ri;
      for (let j = 0; j < p; j++) pred += (jac[j]?.[i] ?? 0) * (d[j] ?? 0);
      c[i] = (w * lossWeight(space.loss, pred / space.scale)) / (space.scale * space.scale);
    }
    const fixed = new Map<number, number>();
    let next = d;
    for (let pass = 0; pass <= p; pass++) {
      const free = [...Array(p).keys()].filter((j) => !fixed.has(j));
      const full = (x: number[]): number[] => {
        const out = new Array<number>(p).fill(0);
        for (const [j, v] of fixed) out[j] = v;
        free.forEach((j, k) => (out[j] = x[k] ?? 0));
        return out;
      };
      const a = free.map(() => new Array<number>(free.length).fill(0));
      const b = new Array<number>(free.length).fill(0);
      for (let i = 0; i < n; i++) {
        const ci = c[i] ?? 0;
        if (ci === 0) continue;
        // Residual with the fixed parameters at their bounds.
        let rf = r[i] ?? 0;
        for (const [j, v] of fixed) rf += (jac[j]?.[i] ?? 0) * v;
        free.forEach((j, k) => {
          const jk = jac[j]?.[i] ?? 0;
          if (jk === 0) return;
          b[k] = (b[k] ?? 0) - ci * jk * rf;
          const row = a[k];
          if (row === undefined) return;
          free.forEach((l, m) => (row[m] = (row[m] ?? 0) + ci * jk * (jac[l]?.[i] ?? 0)));
        });
      }
      free.forEach((j, k) => {
        const s2 = (space.sigma[j] ?? 1) ** 2;
        const row = a[k];
        if (row !== undefined) row[k] = (row[k] ?? 0) + 1 / s2;
        b[k] = (b[k] ?? 0) - ((uk[j] ?? 0) - (space.u0[j] ?? 0)) / s2;
      });
      const x = full(solve(a, b));
      let worst = -1;
      let excess = 0;
      for (const j of free) {
        const u = (uk[j] ?? 0) + (x[j] ?? 0);
        const over = Math.max((space.lo[j] ?? 0) - u, u - (space.hi[j] ?? 0));
        if (over > excess + 1e-12) {
          excess = over;
          worst = j;
        }
      }
      next = x;
      if (worst < 0) break;
      const u = (uk[worst] ?? 0) + (x[worst] ?? 0);
      const bound = u < (space.lo[worst] ?? 0) ? (space.lo[worst] ?? 0) : (space.hi[worst] ?? 0);
      fixed.set(worst, bound - (uk[worst] ?? 0));
    }
    const moved = Math.max(0, ...next.map((v, j) => Math.abs(v - (d[j] ?? 0))));
    d = next;
    if (moved < 1e-9) break;
  }
  return uk.map((u, j) => Math.min(space.hi[j] ?? u, Math.max(space.lo[j] ?? u, u + (d[j] ?? 0))));
}

/**
 * Schubert's sparse Broyden update of the Jacobian columns after a step du moved the residuals
 * from rOld to rNew: entries that are structurally zero (masks) stay zero.
 */
function broydenUpdate(
  columns: readonly Float64Array[],
  masks: readonly (ArrayLike<boolean> | undefined)[],
  du: readonly number[],
  rNew: Float64Array,
  rOld: Float64Array,
): void {
  for (let i = 0; i < rNew.length; i++) {
    const a = rNew[i] ?? Number.NaN;
    const b = rOld[i] ?? Number.NaN;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    let predicted = 0;
    let norm = 0;
    for (let j = 0; j < du.length; j++) {
      if (masks[j] !== undefined && masks[j]?.[i] !== true) continue;
      predicted += (columns[j]?.[i] ?? 0) * (du[j] ?? 0);
      norm += (du[j] ?? 0) ** 2;
    }
    if (norm < 1e-12) continue;
    const k = (a - b - predicted) / norm;
    for (let j = 0; j < du.length; j++) {
      if (masks[j] !== undefined && masks[j]?.[i] !== true) continue;
      const col = columns[j];
      if (col !== undefined) col[i] = (col[i] ?? 0) + k * (du[j] ?? 0);
    }
  }
}

/** What the descent works with: Jacobian columns (updated in place) and its stopping rules. */
interface Descent {
  readonly parameters: number;
  readonly columns: readonly Float64Array[];
  readonly masks: readonly (ArrayLike<boolean> | undefined)[];
  readonly evaluate: (u: readonly number[]) => Float64Array;
  readonly tolerance: number;
  readonly relativeTolerance: number;
  readonly maxIterations: number;
  iterations: number;
}

/** Chord steps with step halving from (u, r) until the objective stops falling. */
function descendFrom(
  d: Descent,
  sp: Space,
  u: number[],
  r: Float64Array,
): { u: number[]; r: Float64Array; converged: boolean } {
  let f = objective(sp, u, r);
  let converged = d.parameters === 0;
  for (let k = 0; k < d.maxIterations && !converged; k++) {
    d.iterations++;
    const target = solveSurrogate(sp, d.columns, u, r);
    let moved = Math.max(0, ...target.map((x, j) => Math.abs(x - (u[j] ?? 0))));
    if (moved < d.tolerance) {
      converged = true;
      break;
    }
    let accepted = false;
    let gain = 0;
    for (let halving = 0; halving < 3 && !accepted; halving++) {
      const t = 0.5 ** halving;
      const trial = u.map((x, j) => x + t * ((target[j] ?? x) - x));
      const rt = d.evaluate(trial);
      broydenUpdate(
        d.columns,
        d.masks,
        trial.map((x, j) => x - (u[j] ?? 0)),
        rt,
        r,
      );
      const ft = objective(sp, trial, rt);
      if (ft < f) {
        gain = (f - ft) / Math.max(f, 1e-12);
        moved *= t;
        u = trial;
        r = rt;
        f = ft;
        accepted = true;
      }
    }
    if (!accepted || moved < d.tolerance || gain < d.relativeTolerance) converged = true;
  }
  return { u, r, converged };
}

/** Fits the parameters (see the module comment). */
export function fitParameters(problem: FitProblem, options: FitOptions = {}): FitResult {
  const params = problem.parameters;
  const u0 = params.map((p) => Math.log(p.prior));
  let evaluations = 0;
  const evaluate = (u: readonly number[]): Float64Array => {
    evaluations++;
    return problem.residuals(u.map((x) => Math.exp(x)));
  };
  const r0 = options.priorResiduals ?? evaluate(u0);
  const weights = new Float64Array(r0.length);
  for (let i = 0; i < r0.length; i++) weights[i] = problem.weights?.[i] ?? 1;
  const loss = options.loss ?? DEFAULT_LOSS;
  const spaceFor = (l: Loss): Space => ({
    u0,
    sigma: params.map((p) => p.priorLogSigma),
    lo: params.map((p) => Math.log(p.lower)),
    hi: params.map((p) => Math.log(p.upper)),
    weights,
    loss: l,
    scale: options.scale ?? DEFAULT_SCALE,
  });
  const space = spaceFor(loss);
  const priorObjective = objective(space, u0, r0);
  let jac = options.jacobian;
  if (jac === undefined) {
    jac = jacobianAt(
      problem,
      params.map((p) => p.prior),
      options.step ?? 0.03,
      r0,
    );
    evaluations += params.length;
  }
  // Columns are updated after each evaluation (Schubert's sparse Broyden update): entries that
  // are structurally zero stay zero.
  const columns = jac.map((c) => Float64Array.from(c));
  const masks = params.map((_, j) => problem.sensitive?.(j));
  const clampU = (x: number, j: number) => Math.min(space.hi[j] ?? x, Math.max(space.lo[j] ?? x, x));
  const descent: Descent = {
    parameters: params.length,
    columns,
    masks,
    evaluate,
    tolerance: options.tolerance ?? 1e-3,
    relativeTolerance: options.relativeTolerance ?? 2e-3,
    maxIterations: options.maxIterations ?? 8,
    iterations: 0,
  };
  const descend = (sp: Space, u: number[], r: Float64Array) => descendFrom(descent, sp, u, r);

  let u = u0.map(clampU);
  let r = r0;
  const start = options.start;
  if (start !== undefined) {
    const us = start.values.map((v, j) => clampU(Math.log(v), j));
    if (objective(space, us, start.residuals) < objective(space, u, r)) {
      u = us;
      r = start.residuals;
    }
  }
  // A redescending loss is not convex: rows the prior misses by far would be ignored from the
  // start. Huber first (convex: a consistent bias moves the parameters), then the loss itself.
  let converged: boolean;
  if (loss === 'cauchy' && start === undefined) {
    const first = descend(spaceFor('huber'), u, r);
    ({ u, r, converged } = descend(space, first.u, first.r));
  } else ({ u, r, converged } = descend(space, u, r));
  return {
    values: u.map((x) => Math.exp(x)),
    residuals: r,
    priorResiduals: r0,
    objective: objective(space, u, r),
    priorObjective,
    evaluations,
    iterations: descent.iterations,
    converged,
  };
}
