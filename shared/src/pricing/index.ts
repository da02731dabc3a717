export * from './catalog';
export * from './catalog-types';
export * from './eks-allocatable';
export * from './errors';
export * from './price-source';
