export * from './chain';
export * from './diff';
export * from './event';
export * from './export';
export * from './filter';
export * from './retention';
export * from './siem';
