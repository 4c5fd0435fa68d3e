/**
 * The exports of a CommonJS package loaded with `import()`. Node (and tsx) expose its named
 * exports; in the esbuild bundles (code splitting) the chunk's only export is `default`, the
 * module's `exports` object, so `import('@opentelemetry/resources')` had no
 * `resourceFromAttributes` and `import('undici')` no `Pool`.
 */
export function commonJsExports<M extends object>(mod: M): M {
  const fallback = (mod as { default?: unknown }).default;
  return Object.keys(mod).length === 1 && fallback && typeof fallback === 'object' ? (fallback as M) : mod;
}
