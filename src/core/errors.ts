/** A block asked for a point outside its domain (e.g. a Gram matrix that is not positive definite): the trial is out of regime, not a failure. */
export class OutsideDomainError extends Error {}

/** A block asked a model for a layer (or a meta fact, `meta.gamma`) the model does not expose (see `Model` in numeric/models.ts). */
export class ModelHasNoLayerError extends Error {
  constructor(
    readonly model: string,
    readonly layer: string,
    readonly available: readonly string[],
  ) {
    // a meta fact (meta.gamma) is named as such; a layer keeps the text metrics have always given
    super(
      layer.startsWith('meta.')
        ? `model "${model}" declares no ${layer}; it declares ${available.join(', ') || 'none'}`
        : `model "${model}" has no layer "${layer}"; layers: ${available.join(', ')}`,
    );
  }
}

/** A computation asked for in double-double whose model, loss, activation or dynamics has no double-double version. */
export class NoDoubleDoubleError extends Error {}
