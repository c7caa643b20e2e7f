import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The task pane, served by the server at /addin/ (base). Two pages: the pane Excel opens, and the
 * simulated-workbook page the Chromium tests open (the same pane beside an in-page workbook).
 */
export default defineConfig({
  root: here('.'),
  base: '/addin/',
  publicDir: here('./public'),
  plugins: [react()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: { taskpane: here('./taskpane.html'), workbook: here('./testing/workbook.html') } },
  },
  logLevel: 'warn',
});
