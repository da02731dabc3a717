export * from './categories';
export * from './estimate';
export * from './render';
export * from './validate';
