/** A value, or a promise of it: storage adapters may be synchronous (localStorage) or not. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where the client keeps its credentials and device id: strings under keys. Synchronous adapters
 * (localStorage) and asynchronous ones (IndexedDB, a file, a mini program's storage) alike; a
 * missing key is `null` or `undefined`.
 */
export interface AuthStorage {
  get(key: string): MaybePromise<string | null | undefined>;
  set(key: string, value: string): MaybePromise<void>;
  remove(key: string): MaybePromise<void>;
}

/** Storage in this process only: gone when it exits (Node CLIs, tests, tabs that share nothing). */
export function memoryStorage(): AuthStorage {
  const map = new Map<string, string>();
  return {
    get: (key) => map.get(key),
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  };
}

/** What the adapter uses of the Web Storage API (declared here: a Node project may have no DOM types). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * `window.localStorage` (or the Web Storage given): shared by every tab of the origin, which is
 * what lets tabs adopt each other's refreshes. Its `storage` event is the fallback where
 * BroadcastChannel is missing.
 */
export function localStorageAdapter(storage: WebStorageLike = globalThis.localStorage): AuthStorage {
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
  };
}

/**
 * `localStorage` where the page may use it, else memory. Reading `localStorage` itself throws where
 * storage is blocked (sandboxed frames, third-party storage switched off), so it is probed.
 */
export function defaultStorage(): AuthStorage {
  try {
    if (typeof localStorage !== 'undefined' && localStorage) return localStorageAdapter(localStorage);
  } catch {
    // Access denied: this page keeps its session in memory.
  }
  return memoryStorage();
}
