/** Codes of sweep-spec diagnostics (the spec's wording is built in spec.ts from zod's issues). */
export type ExploreCode = 'sweep.invalid-spec';
