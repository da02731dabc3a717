export * from './engine';
export * from './planner';
export * from './savings';
export * from './week';
