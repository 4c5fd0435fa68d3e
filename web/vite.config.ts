import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Two pages: the app (`index.html`: customer, owner and rider screens) and the offline explorer
 * (`graphiql.html`, served by the router at /graphiql). `npm run dev -w web` proxies the API to a
 * router on localhost:8088 (`npm start`).
 */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: { app: 'index.html', graphiql: 'graphiql.html' },
      // GraphiQL's react-compiler-runtime marks itself "use no memo"; harmless when bundled.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: 'http://localhost:8088', ws: true },
      '/dev': 'http://localhost:8088',
    },
  },
});
