import { fileURLToPath } from 'node:url';
import { startFlags } from '../../server/build.mjs';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, for a server process started by a test. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Where the suite's global setup bundles server/main.ts (inside the project, so its imports resolve from node_modules). */
export const SERVER_BUNDLE = fileURLToPath(new URL('../../.tmp/test-server.mjs', import.meta.url));

/** Node's arguments to run the server as `npm start` does: the start script's flags, on the bundle. */
export const serverArgs = (): string[] => [...startFlags(), SERVER_BUNDLE];
