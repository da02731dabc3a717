export * from './burndown';
export * from './compliance';
export * from './drift';
export * from './node-group-update';
export * from './overview';
export * from './workloads';
