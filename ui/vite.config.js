import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The dashboard is served by the mops binary at "/", so assets live under /assets/.
// During development, `npm run dev` proxies the API to a locally running `mops serve`.
const backend = process.env.MOPS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend, changeOrigin: false },
    },
  },
});
