export * from './merge';
export * from './preview';
