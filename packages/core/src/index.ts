export * from './model.js';
export * from './errors.js';
export * from './port-set.js';
export * from './ip.js';
export * from './label-selector.js';
export * from './reachability.js';
