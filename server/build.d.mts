/** See build.mjs: bundles a server entry (.ts) into one .mjs file with a linked source map. */
export function buildServer(options?: { entry?: string; outfile?: string }): Promise<string>;
/** Node's flags of `npm start` (package.json's start script). */
export function startFlags(): string[];
