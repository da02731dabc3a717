export * from './data/table';
export * from './errors';
export * from './model/account';
export * from './model/audit';
export * from './model/canonical-json';
export * from './model/cluster-snapshot';
export * from './model/customer-permissions';
export * from './model/user';
export * as savings from './savings/index';
