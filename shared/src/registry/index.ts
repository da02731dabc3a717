export * from './compare';
export * from './eks-versions';
export * from './findings';
export * from './health';
export * from './index-entry';
export * from './query';
export * from './row';
export * from './summary';
