// CheetahLite's body: gym's half-cheetah model (half_cheetah.xml, MIT) as a planar tree in
// reduced coordinates, integrated in plain arithmetic over flat arrays.
//
// q = [x, z, pitch, bthigh, bshin, bfoot, fthigh, fshin, ffoot] (z: the torso's height above
// its 0.7 m rest, as gym's rootz); the torso carries the head, each leg a thigh, a shin and a
// foot, the segments the xml's capsules (radius 0.046, masses by volume, 14 kg in all). The
// mass matrix is M = Σ m JᵀJ + I jᵀj over the bodies' centres (+ armature 0.1 on the joints);
// the forces: gravity, joint springs toward 0 and dampers (the xml's), motors (gear × action,
// action in [-1, 1]), joint limits, and ground contact at the 16 capsule ends as penalty
// springs with dampers and regularised Coulomb friction (μ 0.4). The integrator is symplectic
// Euler in the momenta p = M q̇ at dt 0.01: gravity, springs and the velocity-product term
// explicit (energy neither climbs nor bleeds away), dampers, limits and the contacts linearly
// implicit (the stiff ones stay stable), one 9x9 Cholesky solve for the step and one for q̇.
// Nothing pushes along x or z but the ground: in the air the total momentum is kept exactly
// and the centre of mass flies its ballistic path whatever the motors do, so forward speed can
// only come from the feet pushing on the ground.
import { ArgumentError, describe, expectNumber, expectOptions } from '../../errors.ts';

const N = 9; // degrees of freedom
const BODIES = 7; // torso, bthigh, bshin, bfoot, fthigh, fshin, ffoot
const PARENT = [-1, 0, 1, 2, 0, 4, 5];
// each body's joint in its parent's frame (x, z)
const OFFSET = [[0, 0], [-0.5, 0], [0.16, -0.25], [-0.28, -0.14], [0.5, 0], [-0.14, -0.24], [0.13, -0.18]];
const RADIUS = 0.046;
// capsules: body, centre (x, z) in the body's frame, axis angle about y (the axis is
// (sin a, cos a)), half length
const GEOMS: [number, number, number, number, number][] = [
  [0, 0, 0, Math.PI / 2, 0.5], [0, 0.6, 0.1, 0.87, 0.15], // torso, head
  [1, 0.1, -0.13, -3.8, 0.145], [2, -0.14, -0.07, -2.03, 0.15], [3, 0.03, -0.097, -0.27, 0.094],
  [4, -0.07, -0.12, 0.52, 0.133], [5, 0.065, -0.09, -0.6, 0.106], [6, 0.045, -0.07, -0.6, 0.07],
];
const TOTAL_MASS = 14;
export const CHEETAH_JOINTS = ['bthigh', 'bshin', 'bfoot', 'fthigh', 'fshin', 'ffoot'] as const;
const STIFFNESS = [240, 180, 120, 180, 120, 60];
const DAMPING = [6, 4.5, 3, 4.5, 3, 1.5];
const GEAR = [120, 90, 60, 120, 60, 30];
const RANGE = [[-0.52, 1.05], [-0.785, 0.785], [-0.4, 0.785], [-1, 0.7], [-1.2, 0.87], [-0.5, 0.5]];
const ARMATURE = 0.1;
const LIMIT_K = 2000; // N·m/rad past a joint's range
const LIMIT_D = 40;
const CONTACT_K = 20000; // N/m of penetration
const CONTACT_D = 500; // N·s/m
const FRICTION = 0.4;
const FRICTION_D = 2000; // N·s/m: the viscous slope that regularises Coulomb's law near zero slip
export const CHEETAH_REST_HEIGHT = 0.7;

export interface CheetahPhysics {
  /** m/s² (default 9.81). */
  gravity?: number;
  /** Ground contact (default true). */
  contacts?: boolean;
  /** Joint limits (default true). */
  limits?: boolean;
  /** Multiplies every mass and inertia (RoML's HalfCheetah-Body; default 1). */
  massScale?: number;
  /** Multiplies the joints' damping (default 1). */
  dampingScale?: number;
}

// masses by capsule volume, scaled to 14 kg; each body's centre of mass and inertia about it
function massProperties(): { mass: number[]; comX: number[]; comZ: number[]; inertia: number[] } {
  const vol = (h: number) => Math.PI * RADIUS * RADIUS * 2 * h + (4 / 3) * Math.PI * RADIUS ** 3;
  const scale = TOTAL_MASS / GEOMS.reduce((s, g) => s + vol(g[4]), 0);
  const mass = new Array(BODIES).fill(0), comX = new Array(BODIES).fill(0), comZ = new Array(BODIES).fill(0), inertia = new Array(BODIES).fill(0);
  for (const [b, x, z, , h] of GEOMS) {
    const m = vol(h) * scale;
    mass[b] += m;
    comX[b] += m * x;
    comZ[b] += m * z;
  }
  for (let b = 0; b < BODIES; b++) {
    comX[b] /= mass[b];
    comZ[b] /= mass[b];
  }
  for (const [b, x, z, , h] of GEOMS) {
    const m = vol(h) * scale;
    inertia[b] += (m * (3 * RADIUS * RADIUS + 4 * h * h)) / 12 + m * ((x - comX[b]) ** 2 + (z - comZ[b]) ** 2);
  }
  return { mass, comX, comZ, inertia };
}

// the angle dofs each body's orientation sums (pitch, then the joints down its leg)
function chains(): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < BODIES; b++) out.push(b === 0 ? [2] : [...out[PARENT[b]], 2 + b]);
  return out;
}

// Tables made by the first body (not at module load, so a bundle that never simulates a cheetah
// drops all of this): masses, each body's chain and every dof that moves it (x, z, then the
// chain), and the capsule ends as contact points (body, position in its frame).
let PROPS: ReturnType<typeof massProperties>;
let CHAIN: number[][];
let DOFS: Int32Array[];
let ENDS: [number, number, number][];
function makeTables(): void {
  if (PROPS) return;
  PROPS = massProperties();
  CHAIN = chains();
  DOFS = CHAIN.map((c) => Int32Array.from([0, 1, ...c]));
  ENDS = GEOMS.flatMap(([b, x, z, a, h]) => [[b, x + h * Math.sin(a), z + h * Math.cos(a)], [b, x - h * Math.sin(a), z - h * Math.cos(a)]]);
}

/**
 * The half-cheetah's body and its integrator. Plain numbers, no tensors: q and qd are read and
 * written in place.
 * @example new CheetahBody().q.length // 9
 */
export class CheetahBody {
  static readonly typeName: string = 'CheetahBody';
  readonly q = new Float64Array(N);
  readonly qd = new Float64Array(N);
  readonly gravity: number;
  readonly contacts: boolean;
  readonly limits: boolean;
  readonly mass = new Float64Array(BODIES);
  readonly inertia = new Float64Array(BODIES);
  private readonly damping = new Float64Array(6);
  // per body: orientation, joint position, its velocity and bias acceleration, angular speed
  private readonly cs = new Float64Array(BODIES);
  private readonly sn = new Float64Array(BODIES);
  private readonly px = new Float64Array(BODIES);
  private readonly pz = new Float64Array(BODIES);
  private readonly vx = new Float64Array(BODIES);
  private readonly vz = new Float64Array(BODIES);
  private readonly w = new Float64Array(BODIES);
  private readonly angle = new Float64Array(BODIES);
  private readonly A = new Float64Array(N * N);
  private readonly M = new Float64Array(N * N);
  private readonly p = new Float64Array(N);
  // the mass matrix and body positions are those of atQ while positionsValid
  private readonly atQ = new Float64Array(N);
  private positionsValid = false;
  private readonly comJx = new Float64Array(BODIES * N);
  private readonly comJz = new Float64Array(BODIES * N);
  private readonly f = new Float64Array(N);
  private readonly jx = new Float64Array(N);
  private readonly jz = new Float64Array(N);

  constructor(physics: CheetahPhysics = {}) {
    makeTables();
    physics = expectOptions('CheetahBody', physics, 'physics');
    this.gravity = expectNumber('CheetahBody', 'gravity', physics.gravity ?? 9.81);
    for (const key of ['contacts', 'limits'] as const) {
      if (physics[key] !== undefined && typeof physics[key] !== 'boolean') throw new ArgumentError(`CheetahBody: ${key} must be true or false, got ${describe(physics[key])}`);
    }
    this.contacts = physics.contacts ?? true;
    this.limits = physics.limits ?? true;
    this.setScales(physics.massScale ?? 1, physics.dampingScale ?? 1);
  }

  /** Scales every mass and inertia, and the joints' damping, from the xml's values. */
  setScales(massScale: number, dampingScale: number): void {
    expectNumber('CheetahBody', 'massScale', massScale, { min: 0, above: true });
    expectNumber('CheetahBody', 'dampingScale', dampingScale, { min: 0 });
    for (let b = 0; b < BODIES; b++) {
      this.mass[b] = PROPS.mass[b] * massScale;
      this.inertia[b] = PROPS.inertia[b] * massScale;
    }
    for (let j = 0; j < 6; j++) this.damping[j] = DAMPING[j] * dampingScale;
    this.positionsValid = false;
  }

  /** Orientations and joint positions, root to feet (with q unchanged since, a no-op). */
  private positions(): void {
    const { q, cs, sn, px, pz, angle, atQ } = this;
    let same = this.positionsValid;
    for (let i = 0; i < N && same; i++) same = atQ[i] === q[i];
    if (same) return;
    cs[0] = Math.cos(q[2]);
    sn[0] = Math.sin(q[2]);
    px[0] = q[0];
    pz[0] = CHEETAH_REST_HEIGHT + q[1];
    angle[0] = q[2];
    for (let b = 1; b < BODIES; b++) {
      const p = PARENT[b];
      // the offset rotated into the world: R(α) = [[c, s], [-s, c]] acting on (x, z)
      px[b] = px[p] + cs[p] * OFFSET[b][0] + sn[p] * OFFSET[b][1];
      pz[b] = pz[p] - sn[p] * OFFSET[b][0] + cs[p] * OFFSET[b][1];
      angle[b] = angle[p] + q[2 + b];
      cs[b] = Math.cos(angle[b]);
      sn[b] = Math.sin(angle[b]);
    }
    this.massMatrix();
    atQ.set(q);
    this.positionsValid = true;
  }

  /** Joint velocities and spin rates from q̇ (a point d off a joint spinning at ω moves at ω·(d_z, −d_x)). */
  private velocities(): void {
    const { qd, px, pz, vx, vz, w } = this;
    vx[0] = qd[0];
    vz[0] = qd[1];
    w[0] = qd[2];
    for (let b = 1; b < BODIES; b++) {
      const p = PARENT[b];
      vx[b] = vx[p] + w[p] * (pz[b] - pz[p]);
      vz[b] = vz[p] - w[p] * (px[b] - px[p]);
      w[b] = w[p] + qd[2 + b];
    }
  }

  /** The Jacobian of a world point (x, z) on body b into jx, jz (zero off b's chain). */
  private pointJacobian(b: number, x: number, z: number): void {
    const { jx, jz, px, pz } = this;
    jx.fill(0);
    jz.fill(0);
    jx[0] = 1;
    jz[1] = 1;
    const chain = CHAIN[b];
    for (let i = 0; i < chain.length; i++) {
      const k = chain[i];
      const o = k - 2; // the body whose joint is dof k (the torso's origin for the pitch)
      jx[k] = z - pz[o];
      jz[k] = -(x - px[o]);
    }
  }

  /** M(q) = Σ m JᵀJ + I jᵀj + armature, lower triangle, into M; each centre's Jacobian kept. */
  private massMatrix(): void {
    const { M, jx, jz, cs, sn, px, pz, comJx, comJz } = this;
    M.fill(0);
    for (let b = 0; b < BODIES; b++) {
      const lx = PROPS.comX[b], lz = PROPS.comZ[b];
      this.pointJacobian(b, px[b] + cs[b] * lx + sn[b] * lz, pz[b] - sn[b] * lx + cs[b] * lz);
      comJx.set(jx, b * N);
      comJz.set(jz, b * N);
      const m = this.mass[b], I = this.inertia[b];
      const dofs = DOFS[b];
      for (let a = 0; a < dofs.length; a++) {
        const i = dofs[a];
        // the angular Jacobian is 1 on every angle dof of the chain (entries 2.. of dofs)
        for (let c = 0; c <= a; c++) M[i * N + dofs[c]] += m * (jx[i] * jx[dofs[c]] + jz[i] * jz[dofs[c]]) + (a >= 2 && c >= 2 ? I : 0);
      }
    }
    for (let k = 3; k < N; k++) M[k * N + k] += ARMATURE;
  }

  /**
   * Advances by dt under the motor commands ctrl (6 numbers in [-1, 1], already checked).
   * Symplectic in the momenta p = M(q)·q̇: p⁺ = p + dt·(½ q̇ᵀ∂M/∂q q̇ + forces), the stiff and
   * dissipative forces linearly implicit, q⁺ = q + dt·M(q)⁻¹p⁺, then q̇ = M(q⁺)⁻¹p⁺. No force
   * acts along x or z in the air, so p_x and p_z (the total momentum) are kept exactly.
   */
  step(ctrl: ArrayLike<number>, dt: number): void {
    const { q, qd, A, M, f, p, cs, sn, vx, vz, w, comJz } = this;
    this.positions();
    this.velocities();
    f.fill(0);
    for (let b = 0; b < BODIES; b++) {
      const lx = PROPS.comX[b], lz = PROPS.comZ[b];
      const dx = cs[b] * lx + sn[b] * lz, dz = -sn[b] * lx + cs[b] * lz;
      const cvx = vx[b] + w[b] * dz, cvz = vz[b] - w[b] * dx;
      const m = this.mass[b];
      // gravity through the centre's Jacobian, and ½ q̇ᵀ∂M/∂q_k q̇ = m·J̇_kᵀ v_c with
      // J̇_k = J0(v_c − v_joint): m·(v_jx·v_cz − v_jz·v_cx) on each angle dof k of the chain
      const chain = CHAIN[b];
      for (let i = 0; i < chain.length; i++) {
        const k = chain[i], o = k - 2;
        f[k] += m * (vx[o] * cvz - vz[o] * cvx) - m * this.gravity * comJz[b * N + k];
      }
      f[1] -= m * this.gravity;
    }
    A.set(M);
    for (let j = 0; j < 6; j++) {
      const k = 3 + j;
      const th = q[k], thd = qd[k];
      A[k * N + k] += dt * this.damping[j];
      f[k] += GEAR[j] * ctrl[j] - STIFFNESS[j] * th - this.damping[j] * thd;
      if (this.limits) {
        const past = th < RANGE[j][0] ? th - RANGE[j][0] : th > RANGE[j][1] ? th - RANGE[j][1] : 0;
        if (past !== 0) {
          // implicit: (M + dt·D + dt²·K) Δq̇ = dt·(f − dt·K·q̇)
          f[k] += -LIMIT_K * past - LIMIT_D * thd - dt * LIMIT_K * thd;
          A[k * N + k] += dt * LIMIT_D + dt * dt * LIMIT_K;
        }
      }
    }
    if (this.contacts) this.addContacts(dt);
    choleskySolve(A, f);
    for (let i = 0; i < N; i++) f[i] = qd[i] + dt * f[i]; // q̇ at the midpoint of the update
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += (i >= j ? M[i * N + j] : M[j * N + i]) * f[j];
      p[i] = s;
    }
    const cx0 = this.centreX(), cz0 = this.centreZ();
    for (let i = 0; i < N; i++) q[i] += dt * f[i];
    this.positions();
    // q + dt·q̇ moves the centre of mass by dt·p/m only to first order (the joints swing on
    // arcs); a rigid shift puts it exactly there, so no gait drifts the body without the ground
    const total = this.totalMass();
    this.shift(cx0 + (dt * p[0]) / total - this.centreX(), cz0 + (dt * p[1]) / total - this.centreZ());
    A.set(M);
    qd.set(p);
    choleskySolve(A, qd);
  }

  private totalMass(): number {
    let m = 0;
    for (let b = 0; b < BODIES; b++) m += this.mass[b];
    return m;
  }

  /** The centre of mass's x and z at the current positions. */
  private centreX(): number {
    let s = 0;
    for (let b = 0; b < BODIES; b++) s += this.mass[b] * (this.px[b] + this.cs[b] * PROPS.comX[b] + this.sn[b] * PROPS.comZ[b]);
    return s / this.totalMass();
  }

  private centreZ(): number {
    let s = 0;
    for (let b = 0; b < BODIES; b++) s += this.mass[b] * (this.pz[b] - this.sn[b] * PROPS.comX[b] + this.cs[b] * PROPS.comZ[b]);
    return s / this.totalMass();
  }

  /** Translates the whole body (M does not depend on x or z, so it stays valid). */
  private shift(dx: number, dz: number): void {
    for (let b = 0; b < BODIES; b++) {
      this.px[b] += dx;
      this.pz[b] += dz;
    }
    this.q[0] += dx;
    this.q[1] += dz;
    this.atQ[0] = this.q[0];
    this.atQ[1] = this.q[1];
  }

  private addContacts(dt: number): void {
    const { A, f, jx, jz, cs, sn, px, pz, vx, vz, w } = this;
    for (let e = 0; e < ENDS.length; e++) {
      const [b, lx, lz] = ENDS[e];
      const dx = cs[b] * lx + sn[b] * lz, dz = -sn[b] * lx + cs[b] * lz;
      const z = pz[b] + dz;
      const depth = RADIUS - z;
      if (depth <= 0) continue;
      const x = px[b] + dx;
      const velX = vx[b] + w[b] * dz, velZ = vz[b] - w[b] * dx;
      const normal = CONTACT_K * depth - CONTACT_D * velZ;
      if (normal <= 0) continue;
      this.pointJacobian(b, x, z);
      // the spring's stiffness (depth falls as z rises) and the damper, both implicit
      let Fx: number;
      const viscous = -FRICTION_D * velX;
      const slipping = Math.abs(viscous) > FRICTION * normal;
      if (slipping) Fx = -Math.sign(velX) * FRICTION * normal;
      else Fx = viscous;
      const Fz = normal - dt * CONTACT_K * velZ;
      const kz = dt * CONTACT_D + dt * dt * CONTACT_K;
      const kx = slipping ? 0 : dt * FRICTION_D;
      const dofs = DOFS[b];
      for (let a = 0; a < dofs.length; a++) {
        const i = dofs[a];
        f[i] += jx[i] * Fx + jz[i] * Fz;
        for (let c = 0; c <= a; c++) {
          const j = dofs[c];
          const lo = i > j ? j : i, hi = i > j ? i : j;
          A[hi * N + lo] += kz * jz[i] * jz[j] + kx * jx[i] * jx[j];
        }
      }
    }
  }

  /** ½ q̇ᵀ M q̇: the bodies' kinetic energy and the joints' armature (rotor) energy. */
  kineticEnergy(): number {
    this.positions();
    this.velocities();
    let T = 0;
    this.forCentres((b, _x, _z, velX, velZ) => (T += 0.5 * this.mass[b] * (velX * velX + velZ * velZ) + 0.5 * this.inertia[b] * this.w[b] ** 2));
    for (let j = 0; j < 6; j++) T += 0.5 * ARMATURE * this.qd[3 + j] ** 2;
    return T;
  }

  /** Gravity's and the joint springs' potential energy. */
  potentialEnergy(): number {
    this.positions();
    this.velocities();
    let V = 0;
    this.forCentres((b, _x, z) => (V += this.mass[b] * this.gravity * z));
    for (let j = 0; j < 6; j++) V += 0.5 * STIFFNESS[j] * this.q[3 + j] ** 2;
    return V;
  }

  /** Total linear momentum (x, z), angular momentum about the centre of mass, and that centre. */
  momentum(): { px: number; pz: number; angular: number; comX: number; comZ: number } {
    this.positions();
    this.velocities();
    let M = 0, Px = 0, Pz = 0, Cx = 0, Cz = 0;
    this.forCentres((b, x, z, velX, velZ) => {
      M += this.mass[b];
      Px += this.mass[b] * velX;
      Pz += this.mass[b] * velZ;
      Cx += this.mass[b] * x;
      Cz += this.mass[b] * z;
    });
    Cx /= M;
    Cz /= M;
    let L = 0;
    // a point at offset d spinning at ω moves at ω·(d_z, −d_x): so L = Σ m (d_z v_x − d_x v_z) + I ω
    this.forCentres((b, x, z, velX, velZ) => (L += this.mass[b] * ((z - Cz) * velX - (x - Cx) * velZ) + this.inertia[b] * this.w[b]));
    return { px: Px, pz: Pz, angular: L, comX: Cx, comZ: Cz };
  }

  /** The lowest point of the body (the bottom of its lowest capsule end). */
  lowestPoint(): number {
    this.positions();
    this.velocities();
    let low = Infinity;
    for (const [b, lx, lz] of ENDS) low = Math.min(low, this.pz[b] - this.sn[b] * lx + this.cs[b] * lz - RADIUS);
    return low;
  }

  private forCentres(fn: (b: number, x: number, z: number, velX: number, velZ: number) => void): void {
    for (let b = 0; b < BODIES; b++) {
      const lx = PROPS.comX[b], lz = PROPS.comZ[b];
      const dx = this.cs[b] * lx + this.sn[b] * lz, dz = -this.sn[b] * lx + this.cs[b] * lz;
      fn(b, this.px[b] + dx, this.pz[b] + dz, this.vx[b] + this.w[b] * dz, this.vz[b] - this.w[b] * dx);
    }
  }
}

/** Solves A x = b in place (A symmetric positive definite, N x N; b becomes x). */
function choleskySolve(A: Float64Array, b: Float64Array): void {
  for (let j = 0; j < N; j++) {
    let d = A[j * N + j];
    for (let k = 0; k < j; k++) d -= A[j * N + k] * A[j * N + k];
    d = Math.sqrt(d);
    A[j * N + j] = d;
    for (let i = j + 1; i < N; i++) {
      let s = A[i * N + j];
      for (let k = 0; k < j; k++) s -= A[i * N + k] * A[j * N + k];
      A[i * N + j] = s / d;
    }
  }
  for (let i = 0; i < N; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * N + k] * b[k];
    b[i] = s / A[i * N + i];
  }
  for (let i = N - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < N; k++) s -= A[k * N + i] * b[k];
    b[i] = s / A[i * N + i];
  }
}
