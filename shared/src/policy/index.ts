export * from './merge';
export * from './preview';
export * from './spot-rule-fields';
