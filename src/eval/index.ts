export * from './lfw.js';
export * from './degrade.js';
