/**
 * A map shared by every copy of upsocket loaded in the process. An app can load the ESM build in
 * one place and the CJS build in another (Next.js does): `attach()` from one copy and `open()`
 * from the other must still find each other's upgrades.
 *
 * @internal
 */
export function sharedWeakMap<K extends object, V>(name: string): WeakMap<K, V> {
  const key = Symbol.for(`upsocket.${name}`);
  const global = globalThis as Record<symbol, WeakMap<K, V> | undefined>;
  return (global[key] ??= new WeakMap<K, V>());
}
