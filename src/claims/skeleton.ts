// The files `claimcheck new <paper-folder>/<claim-name>` writes: a commented claim file that validates
// and runs as written (a tiny placeholder search that says it is one), and the folder's paper.yaml
// when it has none. Every field a theorist must fill in says TODO.
import { claimShape, paperSchema } from './schema.js';

/** Why `key` cannot name a paper folder or `id` a claim (the schema's own rules), or undefined. */
export function skeletonNameError(key: string, name: string): string | undefined {
  if (!paperSchema.shape.key.safeParse(key).success)
    return `the paper folder's name is the paper's key, which takes lower-case letters and digits, words joined by single "-" (e.g. smith2024 or my-paper); "${key}" is not one`;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !claimShape.shape.id.safeParse(`${key}.${name}`).success)
    return `a claim name takes lower-case letters, digits and "-" (e.g. thm2-rate); "${name}" is not one`;
  return undefined;
}

/** A paper.yaml whose fields are placeholders that validate (the key is the folder's name). */
export function paperSkeleton(key: string): string {
  return `# The paper the claims in this folder come from (written by \`claimcheck new\`: replace every TODO).
# key must equal the folder's name; arxiv (e.g. "2012.05156") and venue are optional.
key: ${key}
authors: ['TODO: First Author', 'TODO: Second Author']
title: 'TODO: the title of the paper'
year: 2000 # TODO: the year of the version you read
`;
}

/**
 * A claim file that validates and runs as written: gradient flow does not increase the training loss
 * (dL/dt = −‖∇L(θ)‖² ≤ 0), on a small two-layer network, as a placeholder for the paper's theorem.
 */
export function claimSkeleton(key: string, name: string): string {
  return `# A claim of the paper in this folder (written by \`claimcheck new\`). Everything below is a
# PLACEHOLDER that validates and runs: replace each TODO and the placeholder search with the theorem.
# Fields: docs/claim-format.md in the claimcheck package; blocks: \`npx claimcheck blocks\`.
# Check: \`npx claimcheck validate <this folder>\`; run: \`npx claimcheck run <this folder>\`.
id: ${key}.${name} # <paper key>.<claim name>: lower-case letters, digits, "." and "-"
title: 'TODO: the claim in one line (placeholder: gradient flow does not increase the loss)'
statement:
  # the theorem as the paper states it, in words and in LaTeX
  text: >-
    TODO: the paper's statement. PLACEHOLDER, not a claim of the paper: along gradient flow the
    training loss never increases, since dL/dt = −‖∇L(θ)‖² ≤ 0.
  latex: 'L(\\theta(T)) \\le L(\\theta(0))'
source:
  location: 'TODO: theorem, section and page in the paper'
  quote: 'TODO: the sentence of the paper this claim encodes'
# where the statement was read: V in the paper, A in the authors' material, R recalled (never a
# pass/fail threshold), D derived and checked by you, N not found
provenance: N
provenance_note: 'TODO: a placeholder written by claimcheck new; say where the statement was read'
# what the paper asserts: holds, or refuted for a deliberately false variant (then refutes: <claim id>)
expect: holds
notes: >-
  TODO: what the search tests and why its space covers the theorem's hypotheses. The search below is
  a placeholder (8 trials on a tiny network), not evidence for any claim of the paper.
# symbolic steps: algebra of the proof, each checked by computer algebra and at random points, e.g.
# symbolic:
#   - id: square_expansion
#     kind: identity
#     lhs: '(a + b)^2'
#     rhs: 'a^2 + 2*a*b + b^2'
#     variables: { a: [-2, 2], b: [-2, 2] }
search:
  trials: 8 # PLACEHOLDER size; a real search draws enough trials to cover its space
  seed: 1
  # the variables a trial draws (int ranges, real ranges, or grids of values)
  space:
    m: { int: [1, 4] }
    n: { grid: [2, 4] }
  data: { block: isotropic-gaussian, n: n, d: 3, labels: gaussian }
  # a smooth activation: gradient flow's adaptive steps need no care at ReLU kinks
  model: { block: two-layer, d: 3, width: m, w_scale: 1, activation: smooth-leaky-relu, gamma: 0.5 }
  loss: { block: square }
  dynamics: { block: gradient-flow, time: 1 }
  metrics:
    loss_0: { block: loss, at: initial }
    loss_T: { block: loss }
  # the theorem's conclusion, over the metrics, the space's variables and \`let\` names
  property: 'loss_T <= loss_0'
`;
}
