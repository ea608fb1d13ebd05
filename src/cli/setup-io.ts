/** What the setup commands share: where they read the environment and write their report, and their exit codes. */
export interface SetupIO {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
}

export const EXIT = {
  ok: 0,
  /** The platform refused, or what it has differs from what we expect. */
  failed: 1,
  /** A variable is missing or malformed, or the command line is wrong: nothing was called. */
  config: 2,
} as const;

/**
 * The channel's configuration through its own loader, or undefined after telling the operator
 * why not (a malformed variable, or the channel being off).
 */
export function loadChannelConfig<C>(load: (env: NodeJS.ProcessEnv) => C | undefined, io: SetupIO, offMessage: string): C | undefined {
  let config: C | undefined;
  try {
    config = load(io.env);
  } catch (err) {
    io.out((err as Error).message);
    return undefined;
  }
  if (!config) io.out(offMessage);
  return config;
}
