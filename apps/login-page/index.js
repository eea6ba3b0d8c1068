import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the built page (`dist/`, with `index.html` and the hashed `assets/`): what the
 * token server serves under `/login/`. Committed, not built, so a server can depend on this package
 * before the page has been built; the files themselves come from `vite build`.
 */
export const loginPageRoot = fileURLToPath(new URL('./dist/', import.meta.url));
