import { type Connect, defineConfig, type Plugin } from 'vite';

// Where `vite` (the dev server) sends API calls: a token server whose issuer is the dev server's own
// origin (see README, "Develop"), so cookies, same-origin checks and redirect URIs all line up.
const tokenServer = process.env.LINGPAI_TOKEN_SERVER ?? 'http://127.0.0.1:8080';
const proxied = { target: tokenServer, changeOrigin: false, xfwd: true };

/**
 * The token server answers `/login` itself (no trailing slash: the URL its authorize redirect
 * uses); Vite's dev and preview servers only know `/login/`. Rewrite, as the server would serve it.
 */
const bareBase: Connect.NextHandleFunction = (request, _response, next) => {
  if (request.url === '/login' || request.url?.startsWith('/login?'))
    request.url = `/login/${request.url.slice(6)}`;
  next();
};
const loginWithoutSlash: Plugin = {
  name: 'lingpai-login-without-slash',
  configureServer: (server) => void server.middlewares.use(bareBase),
  configurePreviewServer: (server) => void server.middlewares.use(bareBase),
};

export default defineConfig({
  plugins: [loginWithoutSlash],
  base: '/login/',
  // Preact through Vite's own JSX transform (oxc): no @preact/preset-vite, which brings Babel.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The size test reads it to find the sign-in route's entry chunk, its static imports and CSS.
    manifest: true,
    // Nothing inlined as a data: URI: the CSP allows images and fonts from 'self' only.
    assetsInlineLimit: 0,
    // Every browser the page supports has <link rel="modulepreload">; the polyfill is dead weight.
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/auth': proxied,
      '/.well-known': proxied,
      '/device': proxied,
      '/login/config.json': proxied,
      '/__sandbox': proxied,
    },
  },
});
