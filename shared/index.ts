// Domain primitives shared by the server and the add-in; pure TypeScript, no I/O.
export * from './money';
export * from './dates';
export * from './words';
