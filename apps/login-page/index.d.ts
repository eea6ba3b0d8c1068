/**
 * Absolute path of the built page (`dist/`, with `index.html` and the hashed `assets/`): what the
 * token server serves under `/login/`. Ends with a path separator.
 */
export declare const loginPageRoot: string;
