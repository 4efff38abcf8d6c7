/** An invalid setting; its message names every bad setting and what it accepts. Its own file so that the CLI can recognise it without loading the config schema. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
