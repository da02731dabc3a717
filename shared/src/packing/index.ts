export * from './bounds';
export * from './catalog-input';
export * from './errors';
export * from './karpenter-baseline';
export * from './pack';
export * from './problem';
export * from './solve';
export * from './vector';
