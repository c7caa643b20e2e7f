export * from './types';
export * from './limits';
export * from './blocking-rules';
export * from './checkpoints';
