export * from './aggregate';
export * from './card';
export * from './series';
export * from './stability-recent';
export * from './summary-view';
