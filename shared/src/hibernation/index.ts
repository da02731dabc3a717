export * from './engine';
export * from './notice';
export * from './planner';
export * from './savings';
export * from './week';
export * from './consolidation-guard';
