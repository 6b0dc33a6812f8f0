export * from './flow-set.js';
