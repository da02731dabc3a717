export * from './aggregate';
export * from './card';
export * from './digest';
export * from './series';
export * from './stability-recent';
export * from './summary-view';
