export * from './categories';
export * from './estimate';
export * from './validate';
