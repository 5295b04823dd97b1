export * from './degrade.js';
export * from './lfw.js';
