/** A block asked for a point outside its domain (e.g. a Gram matrix that is not positive definite): the trial is out of regime, not a failure. */
export class OutsideDomainError extends Error {}
