export * from './consolidation-guard';
export * from './consolidation-stop';
export * from './engine';
export * from './notice';
export * from './planner';
export * from './savings';
export * from './week';
