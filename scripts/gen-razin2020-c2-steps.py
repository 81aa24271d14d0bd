#!/usr/bin/env python3
# Regenerate with: python3 scripts/gen-razin2020-c2-steps.py > /tmp/steps.yaml (then paste under `symbolic:`).
# Generates the symbolic steps of claims/razin2020/c2-conservation.yaml (2×2 layers), with
# intermediate matrices as named `where` entries so that the claim file stays readable.
class Ctx:
    def __init__(self): self.where = {}
    def define(self, name, entries):
        for i in range(2):
            for j in range(2): self.where[f"{name}{i+1}{j+1}"] = entries[i][j]
        return [[f"{name}{i+1}{j+1}" for j in range(2)] for i in range(2)]
def M(name): return [[f"{name}{i}{j}" for j in (1,2)] for i in (1,2)]
def T(A): return [[A[j][i] for j in range(2)] for i in range(2)]
def par(x): return x if x.replace("_", "").isalnum() else f"({x})"
def mul(A,B): return [[f"{par(A[i][0])}*{par(B[0][j])} + {par(A[i][1])}*{par(B[1][j])}" for j in range(2)] for i in range(2)]
def comb(A, ms): return " + ".join(f"{m}*{A[i][j]}" if m != '1' else A[i][j] for (i,j),m in ms)
def yaml_str(s): return "'" + s.replace("'", "''") + "'"
G = M('g')
def emit(sid, kind, st, ctx, fields, variables):
    L = [f"  - id: {sid}", f"    kind: {kind}", f"    statement: {yaml_str(st)}"]
    for k, v in fields:
        if isinstance(v, dict):
            L.append(f"    {k}:"); L += [f"      {a}: {yaml_str(b)}" for a, b in v.items()]
        else: L.append(f"    {k}: {yaml_str(v)}")
    if ctx.where:
        L.append("    where:"); L += [f"      {a}: {yaml_str(b)}" for a, b in ctx.where.items()]
    L.append("    variables: { " + ", ".join(f"{v}: {r}" for v, r in variables) + " }")
    return "\n".join(L)
def V_(names, r='[-1.5, 1.5]'): return [(n, r) for n in names]
def ent(*ms): return [f"{m}{i}{j}" for m in ms for i in (1,2) for j in (1,2)]
steps = []
# depth 2 conservation
c = Ctx(); a, b = M('a'), M('b')
D = c.define('D', [[f"({x}) - ({y})" for x, y in zip(r1, r2)] for r1, r2 in zip(mul(T(b), b), mul(a, T(a)))])
c.define('A', mul(T(b), G)); c.define('B', mul(G, T(a)))
flow = {a[i][j]: f"-A{i+1}{j+1}" for i in range(2) for j in range(2)} | {b[i][j]: f"-B{i+1}{j+1}" for i in range(2) for j in range(2)}
steps.append(emit('conservation_depth2', 'conserved', 'W_2^\\top W_2 - W_1W_1^\\top\\ \\text{is constant along}\\ \\dot W_1 = -W_2^\\top G,\\ \\dot W_2 = -GW_1^\\top\\ (\\text{any } G)', c,
  [('note', 'D = W₂ᵀW₂ − W₁W₁ᵀ (symmetric); the quantity D₁₁ + s·D₁₂ + r·D₂₂ is constant for all s, r exactly when each entry is. A = W₂ᵀG, B = GW₁ᵀ; W₁ = (a), W₂ = (b), G = ∇ℓ(W) is any 2×2 matrix.'),
   ('quantity', comb(D, [((0,0),'1'),((0,1),'s'),((1,1),'r')])), ('flow', flow)], V_(ent('a','b','g') + ['s','r'])))
# depth 3 conservation
c = Ctx(); a, b, cc = M('a'), M('b'), M('c')
P = c.define('P', mul(cc, b)); Q = c.define('Q', mul(b, a))
A = c.define('A', mul(T(P), G)); H = c.define('H', mul(T(cc), G)); B = c.define('B', mul(H, T(a))); C = c.define('C', mul(G, T(Q)))
D1 = c.define('D', [[f"({x}) - ({y})" for x, y in zip(r1, r2)] for r1, r2 in zip(mul(T(b), b), mul(a, T(a)))])
D2 = c.define('E', [[f"({x}) - ({y})" for x, y in zip(r1, r2)] for r1, r2 in zip(mul(T(cc), cc), mul(b, T(b)))])
flow = {}
for X, Xd in ((a, 'A'), (b, 'B'), (cc, 'C')): flow |= {X[i][j]: f"-{Xd}{i+1}{j+1}" for i in range(2) for j in range(2)}
steps.append(emit('conservation_depth3', 'conserved', 'W_{j+1}^\\top W_{j+1} - W_jW_j^\\top\\ \\text{constant for}\\ j = 1, 2\\ \\text{along the depth-3 flow}', c,
  [('note', 'W₁ = (a), W₂ = (b), W₃ = (c); Ẇ₁ = −(W₃W₂)ᵀG, Ẇ₂ = −W₃ᵀGW₁ᵀ, Ẇ₃ = −G(W₂W₁)ᵀ. D = W₂ᵀW₂ − W₁W₁ᵀ, E = W₃ᵀW₃ − W₂W₂ᵀ, combined with free weights s1…s5.'),
   ('quantity', comb(D1, [((0,0),'1'),((0,1),'s1'),((1,1),'s2')]) + ' + ' + comb(D2, [((0,0),'s3'),((0,1),'s4'),((1,1),'s5')])), ('flow', flow)],
  V_(ent('a','b','c','g') + ['s1','s2','s3','s4','s5'])))
# end-to-end and Jacobi at depth 2 (generic layers)
ms = [((0,0),'m11'),((0,1),'m12'),((1,0),'m21'),((1,1),'m22')]
def depth2_generic():
    c = Ctx(); a, b = M('a'), M('b')
    W = c.define('W', mul(b, a)); c.define('A', mul(T(b), G)); c.define('B', mul(G, T(a)))
    K = c.define('K', mul(b, T(b))); N = c.define('N', mul(T(a), a))
    KG, GN = mul(K, G), mul(G, N)
    Wd = c.define('V', [[f"-({x}) - ({y})" for x, y in zip(r1, r2)] for r1, r2 in zip(KG, GN)])
    flow = {a[i][j]: f"-A{i+1}{j+1}" for i in range(2) for j in range(2)} | {b[i][j]: f"-B{i+1}{j+1}" for i in range(2) for j in range(2)}
    return c, W, Wd, flow
c, W, Wd, flow = depth2_generic()
steps.append(emit('end_to_end_depth2', 'conserved', '\\dot W = -(W_2W_2^\\top)G - G(W_1^\\top W_1)\\ \\text{for}\\ W = W_2W_1', c,
  [('note', 'd/dt of Σ m_ij W_ij along the layer flow equals Σ m_ij V_ij with V = −W₂W₂ᵀG − GW₁ᵀW₁; at a balanced point W₂W₂ᵀ = (WWᵀ)^{1/2} and W₁ᵀW₁ = (WᵀW)^{1/2} (identity 3 of the note).'),
   ('quantity', comb(W, ms)), ('flow', flow), ('derivative', comb(Wd, ms))], V_(ent('a','b','g') + ['m11','m12','m21','m22'])))
c, W, Wd, flow = depth2_generic()
steps.append(emit('jacobi_depth2', 'conserved', '\\tfrac{d}{dt}\\det W = \\operatorname{tr}(\\operatorname{adj}(W)\\,\\dot W)\\ \\text{along the depth-2 flow}', c,
  [('quantity', 'W11*W22 - W12*W21'), ('flow', flow), ('derivative', 'W22*V11 - W12*V21 - W21*V12 + W11*V22')], V_(ent('a','b','g'))))
# SVD forms at balanced points. Rotations in the rational parametrization U = Ũ/(1 + t²), Ũ = [[1 − t², −2t], [2t, 1 − t²]];
# both sides are multiplied by (1 + tu²)³(1 + tv²)³ so that they are polynomials (the CAS then only expands).
U = [['(1 - tu^2)','(-2*tu)'],['(2*tu)','(1 - tu^2)']]; Vr = [['(1 - tv^2)','(-2*tv)'],['(2*tv)','(1 - tv^2)']]
def balanced(depth):
    c = Ctx(); c.where.update({'nu': '1 + tu^2', 'nv': '1 + tv^2'})
    if depth == 2:
        S = [['p1^2','0'],['0','p2^2']]
        W = c.define('W', mul(mul(U, S), T(Vr)))
        K = c.define('K', mul(mul(U, S), T(U))); N = c.define('N', mul(mul(Vr, S), T(Vr)))
        Wd = c.define('V', [[f"-nv^2*({x}) - nu^2*({y})" for x, y in zip(r1, r2)] for r1, r2 in zip(mul(K, G), mul(G, N))])
    else:
        R2 = [['r1^2','0'],['0','r2^2']]; R3 = [['r1^3','0'],['0','r2^3']]; R4 = [['r1^4','0'],['0','r2^4']]
        W = c.define('W', mul(mul(U, R3), T(Vr)))
        K1 = c.define('K', mul(mul(U, R4), T(U))); K3 = c.define('L', mul(mul(U, R2), T(U)))
        N1 = c.define('N', mul(mul(Vr, R2), T(Vr))); N3 = c.define('O', mul(mul(Vr, R4), T(Vr)))
        X = c.define('X', mul(K3, G))
        Wd = c.define('V', [[f"-nv^2*({x}) - ({y}) - nu^2*({z})" for x, y, z in zip(r1, r2, r3)] for r1, r2, r3 in zip(mul(K1, G), mul(X, N1), mul(G, N3))])
    c.define('Y', mul(mul(T(U), G), Vr))
    return c
c = balanced(2)
steps.append(emit('det_svd_form_depth2', 'identity', '\\operatorname{tr}(\\operatorname{adj}(W)\\dot W) = -2\\det W\\,\\operatorname{tr}(U^\\top G V)\\ \\text{at a balanced point}\\ W_1 = S^{1/2}V^\\top,\\ W_2 = US^{1/2}', c,
  [('note', 'U = Ũ/n_u, V = Ṽ/n_v with Ũ = [[1 − t², −2t], [2t, 1 − t²]], n = 1 + t² (rotations without trigonometry); S = diag(p1², p2²). Tilde quantities: W̃ = ŨSṼᵀ, K̃ = ŨSŨᵀ = n_u²·W₂W₂ᵀ, Ñ = ṼSṼᵀ = n_v²·W₁ᵀW₁, Ỹ = ŨᵀGṼ; both sides are multiplied by n_u³n_v³, which is positive.'),
   ('lhs', 'W22*V11 - W12*V21 - W21*V12 + W11*V22'), ('rhs', '-2*(W11*W22 - W12*W21)*(Y11 + Y22)')],
  V_(ent('g')) + [('p1','[0.1, 2]'),('p2','[0.1, 2]'),('tu','[-2, 2]'),('tv','[-2, 2]')]))
c = balanced(3)
steps.append(emit('det_svd_form_depth3', 'identity', '\\operatorname{tr}(\\operatorname{adj}(W)\\dot W) = -3\\det W\\sum_r \\sigma_r^{1/3}(U^\\top G V)_{rr}\\ \\text{at a balanced depth-3 point}', c,
  [('note', 'W₁ = RVᵀ, W₂ = R, W₃ = UR with R = S^{1/3} = diag(r1, r2); Ẇ = −(W₃W₂)(W₃W₂)ᵀG − W₃W₃ᵀG W₁ᵀW₁ − G(W₂W₁)ᵀ(W₂W₁), i.e. −ŨR⁴ŨᵀG/n_u² − ŨR²ŨᵀG ṼR²Ṽᵀ/(n_u²n_v²) − GṼR⁴Ṽᵀ/n_v². Same rotations and scaling by n_u³n_v³ as at depth 2.'),
   ('lhs', 'W22*V11 - W12*V21 - W21*V12 + W11*V22'), ('rhs', '-3*(W11*W22 - W12*W21)*(r1*Y11 + r2*Y22)')],
  V_(ent('g')) + [('r1','[0.1, 2]'),('r2','[0.1, 2]'),('tu','[-2, 2]'),('tv','[-2, 2]')]))
print("\n".join(steps))
