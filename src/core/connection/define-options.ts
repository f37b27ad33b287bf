import { assertKnownOptions } from './option-keys.js';

// One resolver for every options object upsocket takes (server, client, topics, testing, Redis,
// Next, shutdown): each is described once, key by key, and resolved the same way, so a key is
// spelt, defaulted and checked in one place and every caller gets the same errors.

/**
 * @internal Every property present and defined. Not `Required<T>`: under exactOptionalPropertyTypes
 * it keeps the `| undefined` our options spell out, which resolving the defaults removes.
 */
export type Resolved<T> = { [Key in keyof T]-?: Exclude<T[Key], undefined> };

/**
 * @internal Throws `UPSOCKET_INVALID_OPTION` for a wrong value. `key` is the option's name and
 * `caller` the function it was given to, for messages.
 */
export type OptionCheck<Value> = (value: Value, key: string, caller: string) => void;

/** @internal How one option is defaulted and checked. */
export interface OptionSpec<Value> {
  /** Used when the option is missing or undefined. */
  readonly default: Value;
  /** Runs on the values callers give; defaults are not checked. None: any value is taken as it is. */
  readonly check?: OptionCheck<Value> | undefined;
}

/** @internal One spec per key of `Settings`, in the order messages list the valid keys. */
export type OptionSpecs<Settings> = { readonly [Key in keyof Settings]-?: OptionSpec<Settings[Key]> };

/** @internal What callers may pass for `Settings`: any key left out or undefined means its default. */
export type OptionsOf<Settings> = { readonly [Key in keyof Settings]?: Settings[Key] | undefined };

/** @internal What `defineOptions()` returns. */
export interface OptionsDefinition<Settings> {
  readonly specs: OptionSpecs<Settings>;
  /** The keys, in the order of `specs`. */
  readonly keys: readonly string[];
  readonly defaults: Settings;
  /** Checks what concerns several keys at once (`maxDelay` ≥ `initialDelay`), after the keys' own checks. */
  readonly validate: (settings: Settings) => void;
  /**
   * Applies `options` over `base` (default: the defaults), skipping undefined values, and checks
   * every value given. Throws `UPSOCKET_INVALID_OPTION` for options that are no object, an unknown
   * key ("did you mean", the valid keys) or a wrong value. `caller` names the function in messages.
   */
  resolve(caller: string, options: OptionsOf<Settings> | undefined, base?: Settings): Settings;
}

function noValidation(): void {}

/**
 * @internal Describes an options object once: its keys, defaults and checks.
 *
 * @example
 * const topicsOptions = defineOptions<TopicsSettings>({
 *   backend: { default: undefined },
 *   maxBufferedAmount: { default: 1024 * 1024, check: positiveInteger },
 * })
 * const { backend, maxBufferedAmount } = topicsOptions.resolve('createTopics()', options)
 */
export function defineOptions<Settings extends object>(
  specs: OptionSpecs<Settings>,
  validate: (settings: Settings) => void = noValidation,
): OptionsDefinition<Settings> {
  const entries = Object.entries(specs) as [string, OptionSpec<unknown>][];
  const keys = entries.map(([key]) => key);
  const defaults = Object.fromEntries(entries.map(([key, spec]) => [key, spec.default])) as Settings;
  return {
    specs,
    keys,
    defaults,
    validate,
    resolve(caller, options, base = defaults) {
      assertKnownOptions(caller, options, keys);
      if (options === undefined) return base;
      const settings = { ...base } as Record<string, unknown>;
      // In the specs' order, not the caller's, so the same mistake always gets the same message.
      for (const [key, spec] of entries) {
        if (!Object.hasOwn(options, key)) continue;
        const value = (options as Record<string, unknown>)[key];
        if (value === undefined) continue;
        spec.check?.(value, key, caller);
        settings[key] = value;
      }
      validate(settings as Settings);
      return settings as Settings;
    },
  };
}
